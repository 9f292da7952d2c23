import { SimpoolError } from '../shared/index.js';
import { encodeAddress } from './address.js';
import { dcsFor } from './dcs.js';
import { bytesToHex } from './hex-reader.js';
import { segmentData, segmentText, type Segmentation } from './segment.js';
import { encodeRelativeValidity } from './timestamp.js';
import { encodeUserData } from './user-data.js';
import type { SmsEncoding } from './types.js';

interface SubmitCommon {
  /** Destination number: `+` and digits (international) or digits. */
  readonly to: string;
  /** Sets TP-SRR so the network sends an SMS-STATUS-REPORT. */
  readonly requestStatusReport?: boolean;
  /**
   * Concatenation reference shared by the parts, 0–65535; required when the message needs
   * more than one part. Values above 255 use the 16-bit reference element (IEI 0x08).
   */
  readonly reference?: number;
  /** Relative validity, rounded up to the next value TP-VP can express. Omitted: none sent. */
  readonly validityMinutes?: number;
  /** Refuse messages needing more parts (`sms_too_long`). Default 255. */
  readonly maxParts?: number;
}

export type SubmitRequest =
  | (SubmitCommon & { readonly text: string; readonly forceUcs2?: boolean })
  | (SubmitCommon & { readonly data: Uint8Array });

export interface SubmitPart {
  /** `00` (use the SIM's default SMSC) followed by the TPDU, upper-case hex. */
  readonly pduHex: string;
  /** TPDU length in octets, excluding the SMSC field: the `<length>` of `AT+CMGS=<length>`. */
  readonly tpduLength: number;
  /** 1-based. */
  readonly sequence: number;
  readonly total: number;
  readonly encoding: SmsEncoding;
  /** This part's share of the text ('' for binary data). */
  readonly text: string;
}

function invalid(message: string, details: Record<string, unknown>): SimpoolError {
  return new SimpoolError('invalid_argument', message, { details });
}

function checkRequest(request: SubmitRequest): void {
  const { reference, validityMinutes } = request;
  if (
    reference !== undefined &&
    (!Number.isInteger(reference) || reference < 0 || reference > 0xffff)
  ) {
    throw invalid('reference must be an integer 0–65535', { reference });
  }
  if (validityMinutes !== undefined && !(Number.isFinite(validityMinutes) && validityMinutes > 0)) {
    throw invalid('validityMinutes must be a positive number', { validityMinutes });
  }
}

/**
 * Encodes an SMS-SUBMIT, split into as many parts as needed. TP-MR is 0: the modem assigns the
 * real message reference and reports it in `+CMGS: <mr>`.
 */
export function encodeSubmit(request: SubmitRequest): SubmitPart[] {
  checkRequest(request);
  const destination = encodeAddress(request.to);
  const referenceBits: 8 | 16 = (request.reference ?? 0) > 0xff ? 16 : 8;
  const segmentOptions = {
    referenceBits,
    ...(request.maxParts === undefined ? {} : { maxParts: request.maxParts }),
  };
  const segmentation: Segmentation<string | Uint8Array> =
    'text' in request
      ? segmentText(request.text, { ...segmentOptions, forceUcs2: request.forceUcs2 ?? false })
      : segmentData(request.data, segmentOptions);
  const total = segmentation.parts.length;
  if (total > 1 && request.reference === undefined) {
    throw invalid('a reference is required for a message of several parts', { parts: total });
  }
  const validity =
    request.validityMinutes === undefined ? null : encodeRelativeValidity(request.validityMinutes);

  return segmentation.parts.map((content, index) => {
    const concat =
      total > 1
        ? { reference: request.reference ?? 0, referenceBits, total, sequence: index + 1 }
        : null;
    const userData = encodeUserData(segmentation.encoding, content, concat);
    // TP-MTI=01 (SUBMIT), TP-VPF=10 (relative) when a validity is given, TP-SRR, TP-UDHI.
    const firstOctet =
      0x01 |
      (validity === null ? 0 : 0x10) |
      (request.requestStatusReport ? 0x20 : 0) |
      (concat ? 0x40 : 0);
    const tpdu = [
      firstOctet,
      0x00,
      ...destination,
      0x00,
      dcsFor(segmentation.encoding),
      ...(validity === null ? [] : [validity]),
      userData.udl,
      ...userData.bytes,
    ];
    return {
      pduHex: '00' + bytesToHex(Uint8Array.from(tpdu)),
      tpduLength: tpdu.length,
      sequence: index + 1,
      total,
      encoding: segmentation.encoding,
      text: typeof content === 'string' ? content : '',
    };
  });
}
