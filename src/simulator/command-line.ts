/**
 * Splitting one received line (`AT+CMEE=1;+CREG=2`, `ATE0V1`, `AT&F`) into commands, the way
 * V.250 describes it: basic commands run together, extended ones are separated by `;`.
 */
export type CommandKind = 'exec' | 'read' | 'test' | 'set';

export interface ParsedCommand {
  /** Upper-cased name: `+CMGS`, `E`, `&F`, `S` … */
  readonly name: string;
  readonly kind: CommandKind;
  /** Arguments with quotes removed (empty string for an omitted one). */
  readonly args: readonly string[];
  /** The text after `=`, as typed. */
  readonly raw: string;
}

/** Splits on commas outside double quotes and strips the quotes. */
export function parseArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      args.push(current.trim());
      current = '';
    } else current += char;
  }
  args.push(current.trim());
  return args;
}

function endOfExtended(body: string, start: number): number {
  let quoted = false;
  for (let i = start; i < body.length; i++) {
    const char = body[i];
    if (char === '"') quoted = !quoted;
    else if (char === ';' && !quoted) return i;
  }
  return body.length;
}

function parseExtended(text: string): ParsedCommand {
  const match = /^([+^$*#%][A-Za-z0-9$]*)(.*)$/.exec(text);
  const name = (match?.[1] ?? text).toUpperCase();
  const rest = match?.[2] ?? '';
  if (rest === '') return { name, kind: 'exec', args: [], raw: '' };
  if (rest === '?') return { name, kind: 'read', args: [], raw: '' };
  if (rest === '=?') return { name, kind: 'test', args: [], raw: '' };
  if (rest.startsWith('=')) {
    const raw = rest.slice(1);
    return { name, kind: 'set', args: parseArgs(raw), raw };
  }
  // `AT+CMGL4` and the like: not valid syntax; the name carries the junk so it fails lookup.
  return { name: name + rest.toUpperCase(), kind: 'exec', args: [], raw: '' };
}

/**
 * Parses the part after `AT`. Returns undefined for syntax a modem would reject outright.
 */
export function parseCommandLine(body: string): ParsedCommand[] | undefined {
  const commands: ParsedCommand[] = [];
  let i = 0;
  while (i < body.length) {
    const char = body[i] ?? '';
    if (char === ';' || char === ' ') {
      i++;
      continue;
    }
    if ('+^$*#%'.includes(char)) {
      const end = endOfExtended(body, i);
      commands.push(parseExtended(body.slice(i, end)));
      i = end;
      continue;
    }
    // Basic command: optional '&', a letter, then digits; S-registers take =n or ?.
    let name = char.toUpperCase();
    i++;
    if (name === '&') {
      name += (body[i] ?? '').toUpperCase();
      i++;
    }
    if (!/^&?[A-Z]$/.test(name)) return undefined;
    if (name === 'S') {
      const m = /^(\d+)(=(\d*)|\?)?/.exec(body.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      const register = m[1] ?? '0';
      if (m[2] === '?') commands.push({ name, kind: 'read', args: [register], raw: register });
      else commands.push({ name, kind: 'set', args: [register, m[3] ?? '0'], raw: m[0] });
      continue;
    }
    const digits = /^\d*/.exec(body.slice(i))?.[0] ?? '';
    i += digits.length;
    commands.push({
      name,
      kind: digits ? 'set' : 'exec',
      args: digits ? [digits] : [],
      raw: digits,
    });
  }
  return commands;
}
