/**
 * The modem layer: one driver per modem (AT init, identity, lossless inbound, sending, health,
 * recovery). PDUs are opaque hex here; src/sms decodes them in the pool.
 */
export type * from './contract.js';
export { MODEM_STATES } from './contract.js';
export { ModemDriver } from './driver.js';
export { DEFAULT_MODEM_TIMING } from './timing.js';
export type { ModemDriverConfig, ModemDriverDeps } from './driver.js';
export { ModemStateMachine, canTransition } from './state-machine.js';
export type { StateChange } from './state-machine.js';
export { WorkPriority } from './work-queue.js';
export { CALL_SILENCE_MS, parseClip } from './calls.js';
export { VENDOR_PROFILES, chooseVendor } from './profiles.js';
export type { VendorProfile } from './profiles.js';
export {
  decodeSwappedBcd,
  normalizeIccid,
  parseCrsmIccid,
  splitImsi,
  countryForMcc,
  operatorFor,
  csqToDbm,
  registrationFromStat,
  isRegistered,
} from './identity.js';
export { CMS_SEND_ERRORS, classifyCmsError } from './cms-errors.js';
export { identifyModem } from './identify.js';
export type { IdentifyOptions, ModemReport } from './identify.js';
