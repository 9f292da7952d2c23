/** Send failures as outcomes (never throws), and what the modem said before a failure. */
import { isCmeError, isCmsError } from '../at/index.js';
import { describeError, isSimpoolError } from '../shared/index.js';
import { classifyCmsError } from './cms-errors.js';
import type { SendOutcome, StoredSlot } from './contract.js';
import { errorNumber } from './helpers.js';

export function failure(
  detail: string,
  options: {
    permanent?: boolean;
    cmsError?: number | null;
    ambiguous?: boolean;
    slot?: StoredSlot | null;
  } = {},
): SendOutcome {
  return {
    ok: false,
    permanent: options.permanent ?? false,
    cmsError: options.cmsError ?? null,
    detail,
    ambiguous: options.ambiguous ?? false,
    slot: options.slot ?? null,
  };
}

/**
 * The answer lines an AT error carries (`details.lines` of an error final, `partialLines` of a
 * timeout): a `+CMGS`/`+CMSS` among them proves the send whatever came after it.
 */
export function answerLines(error: unknown): readonly string[] {
  if (!isSimpoolError(error)) return [];
  const lines = error.details['lines'] ?? error.details['partialLines'];
  return Array.isArray(lines) ? lines.filter((l): l is string => typeof l === 'string') : [];
}

/** A failed command as a send outcome; `payloadWritten`: the modem may have transmitted it. */
export function outcomeOf(error: unknown, payloadWritten: boolean): SendOutcome {
  if (isCmsError(error)) {
    const number = errorNumber(error);
    const entry = classifyCmsError(number);
    return failure(`cms_${number ?? 'text'}_${entry.meaning}`, {
      permanent: entry.permanent,
      cmsError: number,
    });
  }
  if (isCmeError(error)) return failure(`cme_${errorNumber(error) ?? 'text'}`);
  if (isSimpoolError(error, 'at_error')) return failure('at_error');
  if (isSimpoolError(error, 'at_timeout')) {
    return payloadWritten
      ? failure('timeout_after_payload', { ambiguous: true })
      : failure('timeout');
  }
  if (isSimpoolError(error, 'at_prompt_failed')) return failure('prompt_failed');
  if (isSimpoolError(error, 'at_engine_closed') || isSimpoolError(error, 'transport_closed')) {
    return failure('link_lost', { ambiguous: payloadWritten });
  }
  return failure(`error: ${describeError(error)}`, { ambiguous: payloadWritten });
}
