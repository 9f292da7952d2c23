/**
 * Verification-code extraction from an inbound SMS: pure, synchronous, no I/O.
 *
 *   extractCode(text, { pattern? }) → string | null
 *   explainCode(text, { pattern? }) → { code, method, invalidPattern }
 *
 * A service pattern from the catalog wins when it matches. Otherwise the generic extractor reads
 * the text (see `extractGeneric` for what it returns and why). Only the first MAX_SCAN_CHARS
 * (4096) characters are read, by either path: that bounds the work per SMS, including for an
 * operator's pattern that backtracks badly.
 */
import { findKeywords, prepareText, tokenize } from './code-extraction-scan.js';
import type { KeywordHit, Token } from './code-extraction-scan.js';
import { FILLER_WORDS, MAX_SCAN_CHARS, SCORES } from './code-extraction-tables.js';

export interface ExtractCodeOptions {
  /** The service's code pattern: a regex source string or a RegExp. The named group `code` is
   * returned, else the first capture group, else the whole match. */
  readonly pattern?: string | RegExp | null | undefined; // null: the catalog has none for the service
}

export interface CodeExtraction {
  readonly code: string | null;
  /** Which extractor produced `code`: the service pattern, or the generic one (also when the
   * pattern did not match, or was invalid). */
  readonly method: 'pattern' | 'generic';
  /** The pattern could not be compiled; the generic extractor was used instead. */
  readonly invalidPattern: boolean;
}

/**
 * The verification code in `text`, or null when there is none. Never throws: an invalid
 * `pattern` falls back to the generic extractor (use `explainCode` to see that it did).
 */
export function extractCode(text: string, options: ExtractCodeOptions = {}): string | null {
  return explainCode(text, options).code;
}

/** `extractCode` plus how the code was found, for logs and the operator's pattern editor. */
export function explainCode(text: string, options: ExtractCodeOptions = {}): CodeExtraction {
  const input = typeof text === 'string' ? text : '';
  const { pattern } = options;
  const compiled = pattern === undefined || pattern === null ? undefined : compilePattern(pattern);
  if (compiled !== undefined && compiled !== null) {
    const code = matchPattern(compiled, input);
    if (code !== null) return { code, method: 'pattern', invalidPattern: false };
  }
  return { code: extractGeneric(input), method: 'generic', invalidPattern: compiled === null };
}

/** Compiled catalog patterns: the same few strings come with every SMS of a service. */
const patternCache = new Map<string, RegExp | null>();
const PATTERN_CACHE_SIZE = 128;

/** A stateless copy of the pattern (no `g`/`y`, so `lastIndex` never leaks between SMS), or null
 * when it does not compile. Strings are tried with the `u` flag first, then without, so both
 * `\p{…}` patterns and legacy ones like `\-` work. */
function compilePattern(pattern: string | RegExp): RegExp | null {
  if (pattern instanceof RegExp)
    return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const cached = patternCache.get(pattern);
  if (cached !== undefined || patternCache.has(pattern)) return cached ?? null;
  let compiled: RegExp | null = null;
  for (const flags of ['u', '']) {
    try {
      compiled = new RegExp(pattern, flags);
      break;
    } catch {
      // try the next flag set; null when none compiles
    }
  }
  if (patternCache.size >= PATTERN_CACHE_SIZE) patternCache.clear();
  patternCache.set(pattern, compiled);
  return compiled;
}

/** Named group `code`, else the first capture group that took part, else the whole match. The
 * text is NFKC-normalised (full-width digits become ASCII) and capped like the generic path. An
 * empty result counts as no match. */
function matchPattern(pattern: RegExp, text: string): string | null {
  const match = pattern.exec(text.slice(0, MAX_SCAN_CHARS).normalize('NFKC'));
  if (match === null) return null;
  const named = match.groups?.['code'];
  const value = named ?? match.slice(1).find((group) => group !== undefined) ?? match[0];
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : null;
}

type CandidateKind = keyof typeof SCORES.kind;

interface Candidate {
  readonly token: Token;
  readonly kind: CandidateKind;
  /** What the customer types: digits only for numeric codes, the token itself for alphanumeric. */
  readonly value: string;
}

/**
 * The generic extractor. What it returns, and why:
 * - numeric codes as digits only: "123-456" and "123 456" → "123456", "G-123456" and "FB-12345" →
 *   "123456" / "12345". Integrators type the code into a digits-only input (WhatsApp, Google,
 *   Facebook all take bare digits), and sms-activate-style APIs return digits;
 * - alphanumeric codes as written ("code: XK4P9" → "XK4P9"), only when a keyword introduces them
 *   directly and they are upper case with at most 10 characters (Steam Guard style);
 * - 4–8 digit codes; never phone numbers, dates, times, amounts, percentages, card endings
 *   ("*1234"), "#"/"№" references, numbers introduced as an order/card/account, or digits in links;
 * - a year-like number (1900–2099) only when a code keyword stands right next to it in the same
 *   sentence ("Your code is 2024");
 * - a lone 4–8 digit number with no keyword at all is still returned (bare "482113" texts exist,
 *   and a rented number receives little else); "48-21-13" reads as a date and is not a code;
 * - ranking by keyword proximity, then length, then position (table: SCORES).
 */
export function extractGeneric(text: string): string | null {
  const prepared = prepareText(text);
  const keywords = findKeywords(prepared);
  let best: { value: string; score: number } | null = null;
  for (const candidate of candidatesOf(tokenize(prepared), keywords)) {
    const score = scoreOf(candidate, keywords, prepared);
    if (score !== null && (best === null || score > best.score))
      best = { value: candidate.value, score };
  }
  return best?.value ?? null;
}

function* candidatesOf(
  tokens: readonly Token[],
  keywords: readonly KeywordHit[],
): Iterable<Candidate> {
  for (const token of tokens) {
    // The keyword itself ("CODE" in "YOUR CODE IS …") is not its own code.
    if (keywords.some((k) => k.start < token.end && token.start < k.end)) continue;
    const digits = token.text.replace(/\D/g, '');
    switch (token.shape) {
      case 'number':
        if (digits.length < 4 || digits.length > 8) break;
        yield { token, kind: isYearLike(digits) ? 'year' : 'digits', value: digits };
        break;
      case 'split':
      case 'prefixed':
        yield { token, kind: token.shape, value: digits };
        break;
      case 'word':
        if (isAlphanumericCode(token.text)) yield { token, kind: 'alnum', value: token.text };
        break;
      default:
        break; // amounts, dates, phones …: never a code
    }
  }
}

function isYearLike(digits: string): boolean {
  return digits.length === 4 && (digits.startsWith('19') || digits.startsWith('20'));
}

/** Upper-case letters and digits, 4–10 long, with a digit, or all letters up to 8 ("XK4P9",
 * "AB12CD", "KPQRT"). Mixed-case tokens are app hashes or product names ("4sgLq1p5sV6"). */
function isAlphanumericCode(word: string): boolean {
  if (!/^[A-Z0-9]{4,10}$/.test(word) || /^\d+$/.test(word)) return false;
  return /\d/.test(word) || word.length <= 8;
}

const SENTENCE_BREAK = /[.!?](?:\s|$)|[\n。！？]/u;
const FILLER = new RegExp(`(?<![\\p{L}])(?:${FILLER_WORDS.join('|')})(?![\\p{L}])`, 'giu');
const SEPARATORS_ONLY = /^[\s:=\-–—"'«»“”[\]()【】「」<>]*$/u;
const NEGATIVE_GAP = /^[\s:=#№.-]*(?:(?:no|nr|n°|nº)\.?[\s:]*)?$/iu;

/** The candidate's score, or null when it is not eligible at all. */
function scoreOf(
  candidate: Candidate,
  keywords: readonly KeywordHit[],
  text: string,
): number | null {
  const { token, kind } = candidate;
  const k = SCORES.keyword;
  let bonus = 0;
  let clearlyStated = false; // a strong keyword right next to it, same sentence
  let directlyIntroduced = false; // "code: XK4P9", "código es XK4P9"
  let closestBefore: KeywordHit | undefined;

  for (const keyword of keywords) {
    const before = keyword.end <= token.start;
    if (before && (closestBefore === undefined || keyword.end > closestBefore.end))
      closestBefore = keyword;
    const gap = before ? token.start - keyword.end : keyword.start - token.end;
    if (keyword.kind === 'negative' || gap > k.farGap) continue;
    const gapText = before
      ? text.slice(keyword.end, token.start)
      : text.slice(token.end, keyword.start);
    const sameSentence = !SENTENCE_BREAK.test(gapText);
    const near = gap <= k.nearGap;
    let factor = before ? (near ? k.beforeNear : k.beforeFar) : near ? k.afterNear : k.afterFar;
    if (!sameSentence) factor *= k.acrossSentence;
    bonus = Math.max(bonus, keyword.weight * factor);
    if (keyword.kind !== 'strong' || !sameSentence) continue;
    if (gap <= k.clearlyGap) clearlyStated = true;
    if (before && near && SEPARATORS_ONLY.test(gapText.replace(FILLER, '')))
      directlyIntroduced = true;
  }

  // "Order 58213", "card ending in 1234": introduced as something else.
  if (closestBefore?.kind === 'negative') {
    const gapText = text.slice(closestBefore.end, token.start);
    if (gapText.length <= k.negativeGap && NEGATIVE_GAP.test(gapText)) return null;
  }
  if (kind === 'alnum' && !directlyIntroduced) return null;
  if (kind === 'year' && !clearlyStated) return null;

  const digitCount = candidate.value.replace(/\D/g, '').length;
  const lengthScore = kind === 'alnum' ? 0 : (SCORES.digitCount[digitCount] ?? 0);
  return SCORES.kind[kind] + lengthScore + bonus - token.start * SCORES.positionPerChar;
}
