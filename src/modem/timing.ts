/**
 * Default delays and bounds of init and recovery. With them a hung modem climbs the whole
 * ladder in about three minutes; a port that never comes back is offline after about 75 s.
 */
import type { ModemTiming } from './contract.js';

export const DEFAULT_MODEM_TIMING: ModemTiming = {
  wakeRounds: 2,
  simReadyPolls: 20,
  simReadyPollMs: 1_000,
  timeoutBurst: 3,
  timeoutWindowMs: 300_000,
  reopenAttempts: 2,
  reopenDelayMs: 2_000,
  radioOffMs: 2_000,
  reappearTimeoutMs: 60_000,
  reappearPollMs: 5_000,
  bootDelayMs: 5_000,
  commandTimeoutMs: 10_000,
  resyncAttempts: 5,
  resyncTimeoutMs: 1_000,
  cfunTimeoutMs: 15_000,
};
