/**
 * The SimpoolErrors the engine throws, and guards so callers branch on meaning (code and
 * number), never on message text.
 */
import { SimpoolError, isSimpoolError } from '../shared/index.js';
import type { FinalResult } from './result-codes.js';

/** SimpoolError for a command that ended with a failing final result. */
export function finalResultError(command: string, lines: readonly string[], final: FinalResult) {
  if (final.kind === 'cme_error' || final.kind === 'cms_error') {
    const label = final.kind === 'cme_error' ? '+CME ERROR' : '+CMS ERROR';
    return new SimpoolError(
      final.kind === 'cme_error' ? 'at_cme_error' : 'at_cms_error',
      `${command}: ${label} ${final.text}${final.name ? ` (${final.name})` : ''}`,
      {
        details: {
          command,
          lines,
          final: final.line,
          number: final.number,
          name: final.name,
          text: final.text,
        },
      },
    );
  }
  return new SimpoolError('at_error', `${command}: ${final.line}`, {
    details: { command, lines, final: final.line },
  });
}

/** A `+CME ERROR`, optionally with a given number (`isCmeError(e, 14)`: SIM busy). */
export function isCmeError(error: unknown, number?: number): error is SimpoolError {
  return (
    isSimpoolError(error, 'at_cme_error') &&
    (number === undefined || error.details['number'] === number)
  );
}

/** A `+CMS ERROR`, optionally with a given number (`isCmsError(e, 322)`: memory full). */
export function isCmsError(error: unknown, number?: number): error is SimpoolError {
  return (
    isSimpoolError(error, 'at_cms_error') &&
    (number === undefined || error.details['number'] === number)
  );
}

/** A command that got no final result in time; `details.partialLines` holds what did arrive. */
export function isAtTimeout(error: unknown): error is SimpoolError {
  return isSimpoolError(error, 'at_timeout');
}
