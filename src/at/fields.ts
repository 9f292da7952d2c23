/** Comma-separated AT parameters, with double-quoted strings that may contain commas. */

export interface Field {
  readonly value: string;
  readonly quoted: boolean;
}

/** `"SM",3` → [{SM, quoted}, {3}]. An unterminated quote runs to the end. */
export function splitFields(text: string): Field[] {
  const fields: Field[] = [];
  let value = '';
  let quoted = false;
  let inQuote = false;
  for (const char of text) {
    if (inQuote) {
      if (char === '"') inQuote = false;
      else value += char;
    } else if (char === '"') {
      inQuote = true;
      quoted = true;
    } else if (char === ',') {
      fields.push({ value: quoted ? value : value.trim(), quoted });
      value = '';
      quoted = false;
    } else {
      value += char;
    }
  }
  fields.push({ value: quoted ? value : value.trim(), quoted });
  return fields;
}

/** True when the text leaves a double quote open (a string continued on the next line). */
export function hasOpenQuote(text: string): boolean {
  let open = false;
  for (const char of text) if (char === '"') open = !open;
  return open;
}
