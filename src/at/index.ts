/**
 * The AT layer: bytes from a ByteLink in, typed command results and URC events out.
 * Other layers import only from here.
 */
export { AtEngine } from './engine.js';
export { AtPriority } from './engine-types.js';
export type {
  AtDesyncEvent,
  AtEngineEvents,
  AtEngineOptions,
  AtNoise,
  AtPromptOptions,
  AtResponse,
  AtResyncEvent,
  AtSendOptions,
  AtTimeoutEvent,
  AtWireEvent,
} from './engine-types.js';
export { isAtTimeout, isCmeError, isCmsError } from './at-errors.js';
export { AtFramer, DEFAULT_MAX_LINE_LENGTH } from './framer.js';
export type { AtToken, FramerOptions, LineToken, NoiseToken, PromptToken } from './framer.js';
export {
  CALL_RESULT_LINES,
  DEFAULT_BUSY_CODES,
  STANDARD_FINAL_CODES,
  cmeErrorName,
  cmsErrorName,
  isBusyResult,
  isCallResult,
  ownsCallResults,
  parseFinalResult,
} from './result-codes.js';
export type { BusyCodes, FinalCodeDefinition, FinalResult } from './result-codes.js';
export { DEFAULT_URCS, UrcRegistry, parseUrc } from './urc-registry.js';
export type {
  AtUrc,
  CommandForm,
  GenericUrc,
  PduUrc,
  RegistrationUrc,
  StoredMessageUrc,
  UrcDefinition,
  UssdUrc,
} from './urc-registry.js';
export {
  defineProfile,
  genericProfile,
  huaweiProfile,
  quectelProfile,
  simcomProfile,
  wavecomProfile,
} from './profile.js';
export type { AtProfile, AtProfileFlags, AtProfileSpec } from './profile.js';
export {
  DEFAULT_TIMEOUT_MS,
  classifyLine,
  defaultTimeoutFor,
  expectedPrefixes,
} from './attribution.js';
export type { LineRole, PendingContext, StaleReason } from './attribution.js';
export { bodyOwnership } from './command-shapes.js';
export type { BodyOwnership } from './command-shapes.js';
export { splitFields } from './fields.js';
export type { Field } from './fields.js';
