/**
 * One SMS-SUBMIT part through the prompt: `AT+CMGS=<tpdu length>`, `> `, PDU + Ctrl-Z,
 * `+CMGS: <mr>`. Every failure becomes an outcome (never a throw), so one bad message never
 * blocks the next. The engine writes ESC on any failure, so the port never stays in the prompt.
 */
import { isCmeError, isCmsError, type AtEngine, type AtWireEvent } from '../at/index.js';
import { describeError, isSimpoolError, type Clock } from '../shared/index.js';
import { classifyCmsError } from './cms-errors.js';
import type { SendOutcome, SubmitPdu } from './contract.js';
import { errorNumber } from './helpers.js';
import { parseCmgs } from './responses.js';

const CTRL_Z = '\x1a';

export function failure(
  detail: string,
  options: { permanent?: boolean; cmsError?: number | null; ambiguous?: boolean } = {},
): SendOutcome {
  return {
    ok: false,
    permanent: options.permanent ?? false,
    cmsError: options.cmsError ?? null,
    detail,
    ambiguous: options.ambiguous ?? false,
  };
}

/** A PDU we can tell is malformed without asking the modem. */
function invalidPart(part: SubmitPdu): string | null {
  if (!/^([0-9A-Fa-f]{2})+$/.test(part.pduHex)) return 'pdu is not hex octets';
  if (!Number.isInteger(part.tpduLength) || part.tpduLength < 1 || part.tpduLength > 255) {
    return 'tpduLength out of range';
  }
  return null;
}

export async function submitPart(
  engine: AtEngine,
  part: SubmitPdu,
  clock: Clock,
): Promise<SendOutcome> {
  const invalid = invalidPart(part);
  if (invalid !== null) return failure(`invalid_pdu: ${invalid}`, { permanent: true });

  // Did the PDU (and its Ctrl-Z) go out? After that, no answer is not "not sent".
  let payloadWritten = false;
  const onWire = (event: AtWireEvent): void => {
    if (event.direction === 'tx' && event.text.endsWith(CTRL_Z)) payloadWritten = true;
  };
  engine.on('wire', onWire);
  try {
    const answer = await engine.sendWithPrompt(`AT+CMGS=${part.tpduLength}`, part.pduHex);
    const mr = parseCmgs(answer.lines);
    if (mr === null) {
      // OK without +CMGS: accepted, but we cannot match delivery reports to it.
      return { ok: true, messageReference: -1, sentAt: clock.now() };
    }
    return { ok: true, messageReference: mr, sentAt: clock.now() };
  } catch (error) {
    return outcomeOf(error, payloadWritten);
  } finally {
    engine.off('wire', onWire);
  }
}

function outcomeOf(error: unknown, payloadWritten: boolean): SendOutcome {
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
