/**
 * Tokenising an SMS for the generic code extractor: normalise the text, blank out URLs and
 * e-mail addresses, find keywords, and cut the text into number-like tokens, each labelled with
 * the shape it has (phone, date, amount, split code …). Pure functions; every regex here is
 * either bounded or unambiguous, so the work is linear in the (capped) text length.
 */
import {
  AMOUNT_NUMBER,
  CURRENCY_AFTER,
  CURRENCY_BEFORE,
  MAX_SCAN_CHARS,
  NEGATIVE_KEYWORDS,
  QUANTITY_AFTER,
  STRONG_CASE_SENSITIVE_KEYWORDS,
  STRONG_KEYWORDS,
  WEAK_KEYWORDS,
  WORD_LETTERS,
  type KeywordList,
} from './code-extraction-tables.js';

/** Zero of each decimal digit block we fold to ASCII (NFKC already folds full-width digits). */
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0e50, 0x0ed0, 0x1040, 0x17e0];
const NON_ASCII_DIGIT =
  /[\u0660-\u0669\u06F0-\u06F9\u0966-\u096F\u09E6-\u09EF\u0E50-\u0E59\u0ED0-\u0ED9\u1040-\u1049\u17E0-\u17E9]/gu;

/** Links carry ids and codes that are not for typing ("t.me/login/12345"); addresses too. Each
 * alternative starts at a token start (lookbehind) and cannot split a token two ways. */
const LINK =
  /(?:https?:\/\/|www\.)\S+|(?<![\w.@-])(?:[\w-]+\.)+[a-z]{2,10}\/\S*|(?<![\w.+-])[\w.+-]*@[\w-]+(?:\.[\w-]+)+/giu;

/**
 * The text the extractor reads: at most MAX_SCAN_CHARS, NFKC (full-width "１２３４" and "："
 * become ASCII), other decimal digits (Arabic-Indic, Devanagari, Thai …) folded to ASCII, and
 * links replaced by spaces of the same length so that positions stay meaningful.
 */
export function prepareText(raw: string): string {
  const normalised = raw.slice(0, MAX_SCAN_CHARS).normalize('NFKC').slice(0, MAX_SCAN_CHARS);
  const asciiDigits = normalised.replace(NON_ASCII_DIGIT, (digit) => {
    const code = digit.charCodeAt(0);
    const zero = DIGIT_ZEROS.find((z) => code >= z && code <= z + 9) ?? code;
    return String(code - zero);
  });
  return asciiDigits.replace(LINK, (link) => ' '.repeat(link.length));
}

export type KeywordClass = 'strong' | 'weak' | 'negative';

export interface KeywordHit {
  readonly start: number;
  readonly end: number;
  readonly kind: KeywordClass;
  readonly weight: number;
}

function compileKeywords(list: KeywordList): RegExp {
  return new RegExp(list.sources.join('|'), list.caseSensitive === true ? 'gu' : 'giu');
}

const KEYWORD_PATTERNS: ReadonlyArray<readonly [KeywordClass, RegExp, number]> = [
  ['negative', compileKeywords(NEGATIVE_KEYWORDS), NEGATIVE_KEYWORDS.weight],
  ['strong', compileKeywords(STRONG_KEYWORDS), STRONG_KEYWORDS.weight],
  [
    'strong',
    compileKeywords(STRONG_CASE_SENSITIVE_KEYWORDS),
    STRONG_CASE_SENSITIVE_KEYWORDS.weight,
  ],
  ['weak', compileKeywords(WEAK_KEYWORDS), WEAK_KEYWORDS.weight],
];

/** Every keyword in the text. A positive keyword inside a negative phrase ("code" in "promo
 * code") is dropped: the phrase as a whole is not about verification. */
export function findKeywords(text: string): KeywordHit[] {
  const hits: KeywordHit[] = [];
  for (const [kind, pattern, weight] of KEYWORD_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      if (match[0].length === 0) continue;
      const start = match.index;
      const end = start + match[0].length;
      const insideNegative = hits.some(
        (h) => h.kind === 'negative' && h.start <= start && end <= h.end,
      );
      if (kind !== 'negative' && insideNegative) continue;
      hits.push({ start, end, kind, weight });
    }
  }
  return hits;
}

/** What a token looks like. Only the last five can become a code. */
export type TokenShape =
  | 'amount'
  | 'quantity'
  | 'date'
  | 'time'
  | 'phone'
  | 'masked'
  | 'reference'
  | 'decimal'
  | 'prefixed'
  | 'split'
  | 'number'
  | 'word';

export interface Token {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly shape: TokenShape;
}

const NOT_WORD = `(?![${WORD_LETTERS}\\d])`;
const NOT_DIGIT = String.raw`(?!\d)`;

/**
 * Shapes in the order they are tried at one position (the leftmost token wins first, so an amount
 * that starts with "$" is found before its digits are). Order matters where shapes overlap:
 * amounts before phones ("1 000 000 ₽" is not "8 800 555 35 35"), phones before split codes
 * ("800-555-0199" is not "800-555"), split codes before other hyphenated references.
 */
// prettier-ignore
const SHAPES: ReadonlyArray<readonly [TokenShape, string]> = [
  ['amount', `${CURRENCY_BEFORE} ?${AMOUNT_NUMBER}${NOT_DIGIT}`],
  ['amount', `${AMOUNT_NUMBER} ?${CURRENCY_AFTER}${NOT_WORD}`],
  ['amount', `${AMOUNT_NUMBER} ?%`], // percentages are scored like amounts: never a code
  ['quantity', `\\d{1,12} ?${QUANTITY_AFTER}${NOT_WORD}`],
  ['date', String.raw`\d{4}[-./]\d{1,2}[-./]\d{1,2}${NOT_DIGIT}`], // 2026-05-12
  ['date', String.raw`\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2})${NOT_DIGIT}`], // 12.05.2026, 5/12/26
  ['time', String.raw`\d{1,2}:\d{2}(?::\d{2})?${NOT_DIGIT}`], // 12:30, 14:30:05
  ['phone', String.raw`\+\d{7,15}${NOT_DIGIT}`], // +447700900123
  ['phone', String.raw`\+\d{1,4}(?:[ .-]?\(\d{1,5}\))?(?:[ .-]\d{2,6}){1,5}${NOT_DIGIT}`], // +44 7700 900123, +7 (999) 123-45-67
  ['phone', String.raw`\(\d{2,5}\) ?\d{2,4}(?:[ .-]\d{2,4}){0,2}${NOT_DIGIT}`], // (800) 555-0199
  ['phone', String.raw`\d{1,4}(?:[ -]\d{2,4}){3,5}${NOT_DIGIT}`], // 8-800-555-35-35, 1 800 555 0199
  ['phone', String.raw`\d{3}[ .-]\d{3}[ .-]\d{4}${NOT_DIGIT}`], // 800.555.0199
  ['phone', String.raw`\d{3}-\d{4}${NOT_DIGIT}`], // 555-0199 (US local)
  ['masked', String.raw`[*xX•·]{1,12}\d{2,6}${NOT_DIGIT}`], // *1234, XX1234: card and account endings
  ['reference', String.raw`[#№] ?[\w-]+`], // #58213, № 1234, #112-3456789
  ['prefixed', `[A-Z]{1,4}-\\d{4,8}${NOT_WORD}`], // G-123456, FB-12345
  ['split', `\\d{3}[- \u00A0]\\d{3}${NOT_WORD}`], // 123-456, 123 456
  ['split', `\\d{4}-\\d{4}${NOT_WORD}`], // 1234-5678
  ['reference', String.raw`\d+(?:[-/]\d+)+`], // other hyphen-joined groups: ids, not codes
  ['decimal', String.raw`\d+(?:[.,]\d+)+`], // 12.05, 1,500, 3.14: never typed as a code
  ['number', `\\d+${NOT_WORD}`],
  ['word', `[${WORD_LETTERS}\\d]+`], // words and glued tokens ("SU1234", "iPhone15"): digits inside are not numbers
];

const SHAPE_PATTERN = new RegExp(SHAPES.map(([, source]) => `(${source})`).join('|'), 'gu');

/** The text cut into tokens; characters that start no shape (spaces, punctuation, CJK) are
 * skipped. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(SHAPE_PATTERN)) {
    const group = match.findIndex((value, i) => i > 0 && value !== undefined);
    const shape = SHAPES[group - 1]?.[0];
    if (shape === undefined || match[0].length === 0) continue;
    tokens.push({ start: match.index, end: match.index + match[0].length, text: match[0], shape });
  }
  return tokens;
}
