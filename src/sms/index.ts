/**
 * SMS codec: pure functions and one class, no I/O. Everything other layers may use is
 * exported here.
 *
 * Decoding (what PDU-mode `AT+CMGR` / `AT+CMGL` return):
 *   decodePdu(hex, { hasSmsc? = true }) → DecodedPdu
 *     = DecodedDeliver | DecodedStatusReport | DecodedSubmit (stored sent messages)
 *   Malformed input raises SimpoolError 'pdu_invalid' (details.offset = octet offset) and
 *   compressed text 'sms_encoding_unsupported'; nothing else is ever thrown.
 *
 * Encoding:
 *   encodeSubmit({ to, text | data, requestStatusReport?, reference?, validityMinutes?,
 *                  forceUcs2?, maxParts? }) → SubmitPart[] ({ pduHex, tpduLength, sequence, total })
 *   pduHex starts with `00` (default SMSC); send `AT+CMGS=<tpduLength>` then pduHex.
 *   segmentText(text, opts?) / segmentData(bytes, opts?) → { encoding, parts, units }
 *   isGsm7(text), septetCount(text), classifyStatus(status)
 *
 * Reassembly:
 *   new Reassembler({ store, clock, timeoutMs? = 24 h }).accept(iccid, deliver)
 *     → whole message or null; expire() / startSweeping() deliver timed-out ones flagged
 *     incomplete. PartStore is the storage port; MemoryPartStore the in-memory adapter.
 *   The same steps as pure functions, for a store that reassembles inside one transaction:
 *   partOf(iccid, deliver, now) → StoredPart | null (single-part), singlePartMessage(…),
 *   hasAllParts(key, parts), assembleParts(key, parts, now).
 *
 * node-pdu is not used here (correctness wins): its GSM-7 table has '`' where TS 23.038 has
 * '§', it switches a whole message to UCS2 for any code point above 192 and silently turns other
 * non-GSM characters into spaces, splits by characters rather than septets, and always picks a
 * random 16-bit concat reference. The simulator uses node-pdu, which keeps it an independent
 * check of this codec; our tests also read our SUBMITs back with it.
 */
export { decodePdu } from './decode.js';
export type { DecodeOptions } from './decode.js';
export { encodeSubmit } from './encode.js';
export { sameSubmit } from './submit-match.js';
export type { SubmitPart, SubmitRequest } from './encode.js';
export { segmentText, segmentData } from './segment.js';
export type { Segmentation, SegmentOptions } from './segment.js';
export { isGsm7, septetCount } from './gsm7.js';
export { classifyStatus } from './status.js';
export type { StatusInfo } from './status.js';
export {
  Reassembler,
  DEFAULT_REASSEMBLY_TIMEOUT_MS,
  assembleParts,
  hasAllParts,
  partOf,
  singlePartMessage,
} from './reassembly.js';
export type { ReassembledMessage, ReassemblerOptions } from './reassembly.js';
export { MemoryPartStore, concatKeyId } from './part-store.js';
export type { ConcatKey, PartStore, StoredPart, MaybePromise } from './part-store.js';
export type {
  AddressKind,
  ConcatInfo,
  DecodedDeliver,
  DecodedPdu,
  DecodedStatusReport,
  DecodedSubmit,
  DeliveryStatusClass,
  SmsAddress,
  SmsEncoding,
  UdhElement,
  UserDataFields,
  ValidityPeriod,
} from './types.js';
