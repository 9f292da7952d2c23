/**
 * Health: signal, registration, operator, storage use, and whether the SIM is still there.
 * Polled (AT+CSQ, AT+CREG?, AT+CEREG? where known, AT+COPS?, AT+CPMS?, AT+CPIN?) and updated
 * from +CREG/+CEREG URCs between polls.
 */
import type { AtEngine } from '../at/index.js';
import type { ModemHealth, RegistrationStatus } from './contract.js';
import { isRefusal, isSimMissing, tryCommand } from './helpers.js';
import { betterRegistration, csqToDbm, registrationFromStat } from './identity.js';
import {
  parseCopsName,
  parseCpin,
  parseCpmsUse,
  parseCsq,
  parseRegistrationRead,
  type StorageUse,
} from './responses.js';

export interface RegistrationView {
  /** Circuit-switched (+CREG) and LTE (+CEREG) views; a CS-less LTE attach shows CREG 0. */
  cs: RegistrationStatus;
  eps: RegistrationStatus | null;
  /** False once the modem refused AT+CEREG (2G modules): not asked again. */
  epsSupported: boolean;
}

export function registrationOf(view: RegistrationView): RegistrationStatus {
  return betterRegistration(view.cs, view.eps);
}

export interface HealthPoll {
  readonly signalDbm: number | null;
  readonly operator: string | null;
  readonly storage: StorageUse | null;
  /** `+CPIN:` answer (`READY` …), `ABSENT` for +CME 10, null when unknown. */
  readonly sim: string | null;
}

/** Runs the poll; registration lands in `view`. Timeouts throw (the modem stopped answering). */
export async function pollHealth(engine: AtEngine, view: RegistrationView): Promise<HealthPoll> {
  let sim: string | null = null;
  try {
    sim = parseCpin((await engine.send('AT+CPIN?', { busyRetries: 0 })).lines);
  } catch (error) {
    if (isSimMissing(error)) sim = 'ABSENT';
    else if (!isRefusal(error)) throw error;
  }
  const csq = await tryCommand(engine, 'AT+CSQ');
  const rssi = csq ? parseCsq(csq.lines) : null;

  const creg = await tryCommand(engine, 'AT+CREG?');
  if (creg) view.cs = registrationFromStat(parseRegistrationRead(creg.lines, '+CREG:'));
  if (view.epsSupported) {
    const cereg = await tryCommand(engine, 'AT+CEREG?');
    if (cereg) view.eps = registrationFromStat(parseRegistrationRead(cereg.lines, '+CEREG:'));
    else view.epsSupported = false;
  }
  const cops = await tryCommand(engine, 'AT+COPS?');
  const cpms = await tryCommand(engine, 'AT+CPMS?');
  // mem3 (receiving) is what fills up and stops delivery.
  const uses = cpms ? parseCpmsUse(cpms.lines) : [];
  return {
    signalDbm: rssi === null ? null : csqToDbm(rssi),
    operator: cops ? parseCopsName(cops.lines) : null,
    storage: uses[2] ?? uses[0] ?? null,
    sim,
  };
}

/** Equal apart from `checkedAt`: no event for a poll that changed nothing. */
export function sameHealth(a: ModemHealth | null, b: ModemHealth): boolean {
  return (
    a !== null &&
    a.signalDbm === b.signalDbm &&
    a.registration === b.registration &&
    a.operator === b.operator &&
    a.storageUsed === b.storageUsed &&
    a.storageTotal === b.storageTotal
  );
}
