/**
 * The init sequence, tolerant of every vendor in MODEMS.md and safe to re-run after any reset:
 *
 *   ESC + AT until OK (auto-baud, a port left in the prompt) → ATE1 (echo binds answers to commands)
 *   → AT+CMEE=1 → CGMI/CGMM/CGMR/CGSN → vendor profile (data) + its extra init
 *   → SIM (unlock, wait ready, identity) → AT+CREG=2 → SMS: CMGF=0, CPMS, CNMI (with fallbacks)
 *
 * Refusals of optional commands are logged and ignored; a modem that stops answering makes the
 * whole init throw, and the driver escalates (recovery ladder).
 */
import { SimpoolError } from '../shared/index.js';
import type { ModemInfo, SimInfo, SimStatus } from './contract.js';
import { tryCommand } from './helpers.js';
import { chooseVendor, type VendorProfile } from './profiles.js';
import {
  digitsValue,
  parseCnmiTest,
  parseCpmsTest,
  parseCpmsUse,
  plainValue,
} from './responses.js';
import { readIccid, readSimInfo, unlockSim, type SimContext } from './sim.js';

export type InitContext = SimContext;

/** How SMS reach us on this modem. */
export interface SmsSetup {
  /** The storage chosen for reading, writing and receiving (`MT`, `SM` …). */
  readonly storage: string;
  /** The `AT+CNMI` parameters accepted, or null when none was (then only sweeps find SMS). */
  readonly cnmi: string | null;
}

export interface SimSetup {
  readonly status: SimStatus;
  readonly sim: SimInfo | null;
  readonly sms: SmsSetup | null;
}

export interface InitResult extends SimSetup {
  readonly info: ModemInfo;
  readonly vendor: VendorProfile;
}

/** ESC + `AT` probes until the modem answers (the engine's resync), bounded. */
export async function wakeModem(ctx: InitContext): Promise<void> {
  for (let round = 0; round < ctx.timing.wakeRounds; round++) {
    ctx.lifetime.check();
    if (await ctx.engine.resync()) return;
  }
  throw new SimpoolError('modem_no_answer', 'the modem does not answer AT');
}

async function readModemInfo(
  ctx: InitContext,
): Promise<{ info: ModemInfo; vendor: VendorProfile }> {
  const { engine } = ctx;
  const text = async (command: string): Promise<string> => {
    const answer = await tryCommand(engine, command);
    return answer ? plainValue(answer.lines, command) : '';
  };
  const manufacturer = await text('AT+CGMI');
  const model = await text('AT+CGMM');
  const revision = await text('AT+CGMR');
  const imeiAnswer = await tryCommand(engine, 'AT+CGSN');
  const imei = imeiAnswer ? digitsValue(imeiAnswer.lines, 14, 17) : null;
  if (imei === null) {
    // The IMEI is the modem's identity in the pool; without it we cannot tell modems apart.
    throw new SimpoolError('modem_init_failed', 'the modem did not report an IMEI (AT+CGSN)');
  }
  const vendor = chooseVendor(manufacturer, model);
  return { info: { manufacturer, model, revision, imei, profile: vendor.name }, vendor };
}

const CNMI_CANDIDATES: readonly (readonly number[])[] = [
  // mode 2 (buffer while the port is busy), mt 1 (store + notify, never +CMT), ds 2 (+CDSI) …
  [2, 1, 0, 2, 0],
  // … ds 1 (+CDS direct: committed as it comes, nothing to delete) …
  [2, 1, 0, 1, 0],
  // … ds 0 (reports not routed: only sweeps find them, if the modem stores them at all).
  [2, 1, 0, 0, 0],
  [1, 1, 0, 2, 0],
  [1, 1, 0, 1, 0],
  [1, 1, 0, 0, 0],
];

/** Storage: `MT` (SIM + phone as one) when offered, else the SIM, else what the modem has. */
function chooseStorage(read: readonly string[], receive: readonly string[]): string {
  if (read.includes('MT') && receive.includes('MT')) return 'MT';
  if (receive.length === 0 || receive.includes('SM')) return 'SM';
  return receive[0] ?? 'SM';
}

export async function setupSms(ctx: InitContext): Promise<SmsSetup> {
  const { engine, logger } = ctx;
  await engine.send('AT+CMGF=0');
  const offered = await tryCommand(engine, 'AT+CPMS=?');
  const lists = offered ? parseCpmsTest(offered.lines) : { read: [], receive: [] };
  let storage = chooseStorage(lists.read, lists.receive);
  if (!(await tryCommand(engine, `AT+CPMS="${storage}","${storage}","${storage}"`))) {
    logger.warn({ storage }, 'storage refused; keeping the modem default');
    const current = await tryCommand(engine, 'AT+CPMS?');
    storage = (current && parseCpmsUse(current.lines)[0]?.name) || 'SM';
  }

  const rangesAnswer = await tryCommand(engine, 'AT+CNMI=?');
  const ranges = rangesAnswer ? parseCnmiTest(rangesAnswer.lines) : [];
  const fits = (c: readonly number[]): boolean =>
    ranges.length === 0 || c.every((v, i) => ranges[i] === undefined || ranges[i].includes(v));
  // Advertised combinations first, then the rest: some modems lie in AT+CNMI=? (Qualcomm ds=1).
  const ordered = [...CNMI_CANDIDATES.filter(fits), ...CNMI_CANDIDATES.filter((c) => !fits(c))];
  for (const candidate of ordered) {
    const cnmi = candidate.join(',');
    if (await tryCommand(engine, `AT+CNMI=${cnmi}`)) return { storage, cnmi };
  }
  logger.error('no AT+CNMI setting accepted: new SMS are found by sweeps only');
  return { storage, cnmi: null };
}

/** The SIM part of init, also run when a SIM appears later (degraded → ready). */
export async function setupSim(ctx: InitContext, vendor: VendorProfile): Promise<SimSetup> {
  // Best effort before unlocking: many modems read EF_ICCID without the PIN, and the PIN may
  // be configured per ICCID.
  const iccidHint = await readIccid(ctx.engine, vendor);
  const status = await unlockSim(ctx, iccidHint);
  if (status !== 'ready') {
    ctx.logger.warn({ status, iccid: iccidHint }, 'SIM not usable');
    return { status, sim: null, sms: null };
  }
  const sim = await readSimInfo(ctx, vendor, iccidHint);
  if (sim === null) return { status: 'failure', sim: null, sms: null };
  // Registration URCs (+CREG: <stat>,<lac>,<ci>); the LTE view too where the modem has it.
  await tryCommand(ctx.engine, 'AT+CREG=2');
  await tryCommand(ctx.engine, 'AT+CEREG=2');
  // Caller id on every RING (+CLIP), so calls are data; a modem that refuses still rings.
  if (!(await tryCommand(ctx.engine, 'AT+CLIP=1')))
    ctx.logger.info('caller id (AT+CLIP=1) refused');
  const sms = await setupSms(ctx);
  return { status, sim, sms };
}

export async function initializeModem(ctx: InitContext): Promise<InitResult> {
  const { engine, logger } = ctx;
  await wakeModem(ctx);
  // Echo on: the engine binds every answer to the command whose echo precedes it, so a late
  // answer (or a result line a call produced) is never taken for the next command's.
  await tryCommand(engine, 'ATE1');
  await tryCommand(engine, 'AT+CMEE=1');
  const { info, vendor } = await readModemInfo(ctx);
  engine.setProfile(vendor.at);
  for (const command of vendor.extraInit) {
    if (!(await tryCommand(engine, command))) logger.info({ command }, 'vendor init refused');
  }
  logger.info({ ...info }, 'modem identified');
  const sim = await setupSim(ctx, vendor);
  return { info, vendor, ...sim };
}
