/**
 * The SIM: unlock it (carefully: a wrong PIN is never sent twice, three tries lock the SIM),
 * wait until it is ready, then read who it is (ICCID, IMSI, MSISDN, country, operator).
 */
import type { AtEngine } from '../at/index.js';
import { isSimpoolError, type Logger } from '../shared/index.js';
import type { ModemTiming, SimInfo, SimStatus } from './contract.js';
import { errorNumber, isRefusal, tryCommand, type Lifetime } from './helpers.js';
import {
  countryForMcc,
  normalizeIccid,
  operatorFor,
  parseCrsmIccid,
  parseCrsmMncLength,
  splitImsi,
} from './identity.js';
import type { VendorProfile } from './profiles.js';
import { digitsValue, parseCnum, parseCopsName, parseCpin } from './responses.js';

export interface SimContext {
  readonly engine: AtEngine;
  readonly logger: Logger;
  readonly timing: ModemTiming;
  readonly lifetime: Lifetime;
  readonly pins: Readonly<Record<string, string>>;
  readonly numbers: Readonly<Record<string, string>>;
  /** PINs the SIM refused (or that went unanswered) during this driver's life: never resent. */
  readonly refusedPins: Set<string>;
}

/** `+CME ERROR` numbers of `AT+CPIN?` → what they mean for us. */
const CPIN_ERRORS: Readonly<Record<number, SimStatus | 'wait'>> = {
  10: 'absent', // SIM not inserted
  11: 'pin_required', // some modems answer the query itself with "PIN required"
  12: 'puk_required',
  13: 'failure', // SIM failure
  14: 'wait', // SIM busy (right after boot or PIN entry)
  15: 'failure', // SIM wrong
  515: 'wait', // please wait, init in progress
};

/** What `+CPIN: <code>` means. PIN2/PUK2 do not block SMS (some phones report them falsely). */
function statusOfCode(code: string): SimStatus | 'wait' {
  if (code === 'READY' || code === 'SIM PIN2' || code === 'SIM PUK2') return 'ready';
  if (code === 'SIM PIN') return 'pin_required';
  if (code.includes('PUK') || code.startsWith('PH-')) return 'puk_required';
  // NOT READY, blank, vendor texts: the SIM is still initialising (or gone; polls decide).
  return code === 'NOT INSERTED' || code === 'NO SIM' ? 'absent' : 'wait';
}

async function querySim(engine: AtEngine): Promise<SimStatus | 'wait'> {
  try {
    const code = parseCpin((await engine.send('AT+CPIN?')).lines);
    return code === null ? 'wait' : statusOfCode(code);
  } catch (error) {
    const number = errorNumber(error);
    if (isSimpoolError(error, 'at_cme_error') && number !== null) {
      return CPIN_ERRORS[number] ?? 'failure';
    }
    if (isRefusal(error)) return 'wait';
    throw error;
  }
}

/**
 * Brings the SIM to READY when that is safe: enters the configured PIN at most once per PIN
 * value, polls while the SIM is busy (bounded), and reports anything else as a status.
 */
export async function unlockSim(ctx: SimContext, iccidHint: string | null): Promise<SimStatus> {
  const { engine, logger, timing, lifetime } = ctx;
  let last: SimStatus | 'wait' = 'wait';
  for (let poll = 0; poll < timing.simReadyPolls; poll++) {
    lifetime.check();
    last = await querySim(engine);
    if (last === 'wait') {
      await lifetime.sleep(timing.simReadyPollMs);
      continue;
    }
    if (last !== 'pin_required') return last;
    const pin = (iccidHint !== null ? ctx.pins[iccidHint] : undefined) ?? ctx.pins['*'];
    if (pin === undefined) return 'pin_required';
    if (!/^\d{4,8}$/.test(pin)) {
      logger.error({ iccid: iccidHint }, 'configured SIM PIN is not 4-8 digits: not sent');
      return 'pin_rejected';
    }
    if (ctx.refusedPins.has(pin)) return 'pin_rejected';
    // Recorded before sending: if the answer never comes, the try may still have been used.
    ctx.refusedPins.add(pin);
    try {
      await engine.send(`AT+CPIN="${pin}"`, { busyRetries: 0 });
      ctx.refusedPins.delete(pin);
      logger.info({ iccid: iccidHint }, 'SIM PIN accepted');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      logger.error(
        { iccid: iccidHint, error: errorNumber(error) },
        'SIM refused the configured PIN: it will not be tried again',
      );
      return 'pin_rejected';
    }
    // The SIM needs a moment after the PIN before it reports READY (and SMS work).
    await lifetime.sleep(timing.simReadyPollMs);
  }
  return last === 'wait' ? 'failure' : last;
}

/** The ICCID: vendor commands first, then EF_ICCID through `AT+CRSM`. */
export async function readIccid(engine: AtEngine, vendor: VendorProfile): Promise<string | null> {
  for (const command of vendor.iccidCommands) {
    const answer = await tryCommand(engine, command, { expectedPrefix: [] });
    for (const line of answer?.lines ?? []) {
      const iccid = normalizeIccid(line);
      if (iccid !== null) return iccid;
    }
  }
  const crsm = await tryCommand(engine, 'AT+CRSM=176,12258,0,0,10');
  for (const line of crsm?.lines ?? []) {
    const iccid = parseCrsmIccid(line);
    if (iccid !== null) return iccid;
  }
  return null;
}

/** Reads the identity of a ready SIM. Null when it has no readable ICCID (no SIM identity). */
export async function readSimInfo(
  ctx: SimContext,
  vendor: VendorProfile,
  knownIccid: string | null,
): Promise<SimInfo | null> {
  const { engine, logger } = ctx;
  const iccid = knownIccid ?? (await readIccid(engine, vendor));
  if (iccid === null) {
    logger.error('the SIM answers but its ICCID cannot be read');
    return null;
  }
  const imsiAnswer = await tryCommand(engine, 'AT+CIMI');
  const imsi = imsiAnswer ? digitsValue(imsiAnswer.lines, 6, 15) : null;
  // EF_AD says whether the MNC has 2 or 3 digits; the table guesses when it is unreadable.
  const ad = imsi ? await tryCommand(engine, 'AT+CRSM=176,28589,0,0,4') : null;
  const mncLength = ad?.lines.map(parseCrsmMncLength).find((n) => n !== null) ?? null;
  const parts = imsi ? splitImsi(imsi, mncLength) : null;

  const cnum = await tryCommand(engine, 'AT+CNUM');
  const fromCnum = cnum ? parseCnum(cnum.lines) : null;
  const configured = ctx.numbers[iccid] ?? null;
  const msisdn = fromCnum ?? configured;

  let operator = parts ? operatorFor(parts.mcc, parts.mnc) : null;
  if (operator === null) {
    // Long alphanumeric names (format 0), not "23410" or the short name.
    await tryCommand(engine, 'AT+COPS=3,0', { timeoutMs: 10_000 });
    const cops = await tryCommand(engine, 'AT+COPS?');
    operator = cops ? parseCopsName(cops.lines) : null;
  }
  return {
    iccid,
    imsi,
    msisdn,
    msisdnSource: fromCnum !== null ? 'cnum' : configured !== null ? 'config' : null,
    mcc: parts?.mcc ?? null,
    mnc: parts?.mnc ?? null,
    country: parts ? countryForMcc(parts.mcc) : null,
    operator,
  };
}
