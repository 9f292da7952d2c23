import { isSimpoolError } from '../shared/index.js';
import { readAddress, readSmsc } from './address.js';
import { OctetReader, hexToBytes, pduInvalid } from './hex-reader.js';
import { classifyStatus } from './status.js';
import { readTimestamp, readValidity } from './timestamp.js';
import { readUserData } from './user-data.js';
import type {
  DecodedDeliver,
  DecodedPdu,
  DecodedStatusReport,
  DecodedSubmit,
  UserDataFields,
} from './types.js';

export interface DecodeOptions {
  /**
   * Whether the hex starts with the SMSC address field. True (the default) for what PDU-mode
   * `AT+CMGR`/`AT+CMGL` print; false for bare TPDUs (e.g. some modems' `+CDS` URC).
   */
  readonly hasSmsc?: boolean;
}

const MTI_DELIVER = 0;
const MTI_SUBMIT = 1;
const MTI_STATUS_REPORT = 2;

/**
 * Decodes one PDU. Malformed input always raises `SimpoolError` (`pdu_invalid`, with the octet
 * `offset` in `details`; `sms_encoding_unsupported` for compressed text), never anything else.
 */
export function decodePdu(hex: string, options: DecodeOptions = {}): DecodedPdu {
  const reader = new OctetReader(hexToBytes(hex));
  const smsc = options.hasSmsc === false ? null : readSmsc(reader);
  const firstOctetOffset = reader.offset;
  const firstOctet = reader.byte('first octet');
  switch (firstOctet & 0x03) {
    case MTI_DELIVER:
      return decodeDeliver(reader, smsc, firstOctet);
    case MTI_SUBMIT:
      return decodeSubmit(reader, smsc, firstOctet);
    case MTI_STATUS_REPORT:
      return decodeStatusReport(reader, smsc, firstOctet);
    default:
      throw pduInvalid('reserved message type indicator', {
        offset: firstOctetOffset,
        firstOctet,
      });
  }
}

function decodeDeliver(reader: OctetReader, smsc: string | null, fo: number): DecodedDeliver {
  const sender = readAddress(reader, 'originating address');
  const pid = reader.byte('protocol identifier');
  const dcs = reader.byte('data coding scheme');
  const scts = readTimestamp(reader, 'service centre time stamp');
  const userData = readUserData(reader, dcs, (fo & 0x40) !== 0);
  return {
    type: 'deliver',
    smsc,
    sender,
    pid,
    timestamp: scts.date,
    timestampOffsetMinutes: scts.offsetMinutes,
    // TP-MMS is inverted: 0 means more messages are waiting.
    moreMessagesToSend: (fo & 0x04) === 0,
    replyPath: (fo & 0x80) !== 0,
    statusReportIndication: (fo & 0x20) !== 0,
    ...userData,
  };
}

function decodeSubmit(reader: OctetReader, smsc: string | null, fo: number): DecodedSubmit {
  const messageReference = reader.byte('message reference');
  const recipient = readAddress(reader, 'destination address');
  const pid = reader.byte('protocol identifier');
  const dcs = reader.byte('data coding scheme');
  const validity = readValidity(reader, (fo >> 3) & 0x03);
  const userData = readUserData(reader, dcs, (fo & 0x40) !== 0);
  return {
    type: 'submit',
    smsc,
    messageReference,
    recipient,
    pid,
    validity,
    statusReportRequest: (fo & 0x20) !== 0,
    rejectDuplicates: (fo & 0x04) !== 0,
    ...userData,
  };
}

function decodeStatusReport(
  reader: OctetReader,
  smsc: string | null,
  fo: number,
): DecodedStatusReport {
  const messageReference = reader.byte('message reference');
  const recipient = readAddress(reader, 'recipient address');
  const scts = readTimestamp(reader, 'service centre time stamp');
  const discharge = readTimestamp(reader, 'discharge time');
  const status = reader.byte('status');
  return {
    type: 'status-report',
    smsc,
    messageReference,
    recipient,
    timestamp: scts.date,
    timestampOffsetMinutes: scts.offsetMinutes,
    dischargeTime: discharge.date,
    dischargeOffsetMinutes: discharge.offsetMinutes,
    status,
    ...classifyStatus(status),
    forCommand: (fo & 0x20) !== 0,
    userData: readOptionalReportData(reader, fo),
  };
}

/**
 * The optional tail of a status report (TP-PI and what it announces). Every field that matters
 * came before it, so a damaged tail (modems pad with junk) drops only the tail, not the report.
 */
function readOptionalReportData(reader: OctetReader, fo: number): UserDataFields | null {
  if (reader.remaining === 0) return null;
  try {
    let pi = reader.byte('parameter indicator');
    const announces = pi;
    // Bit 7 extends TP-PI with further octets we do not understand; skip them.
    while (pi & 0x80) pi = reader.byte('parameter indicator');
    if (announces & 0x01) reader.byte('protocol identifier');
    const dcs = announces & 0x02 ? reader.byte('data coding scheme') : 0;
    if ((announces & 0x04) === 0) return null;
    return readUserData(reader, dcs, (fo & 0x40) !== 0);
  } catch (error) {
    if (isSimpoolError(error)) return null;
    throw error;
  }
}
