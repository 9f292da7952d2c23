import type { DeliveryStatusClass } from './types.js';

export interface StatusInfo {
  readonly statusClass: DeliveryStatusClass;
  readonly statusText: string;
}

const KNOWN: ReadonlyMap<number, string> = new Map([
  [0x00, 'received by the recipient'],
  [0x01, 'forwarded, delivery unconfirmed'],
  [0x02, 'replaced by the service centre'],
  [0x20, 'congestion'],
  [0x21, 'recipient busy'],
  [0x22, 'no response from recipient'],
  [0x23, 'service rejected'],
  [0x24, 'quality of service not available'],
  [0x25, 'error in recipient'],
  [0x40, 'remote procedure error'],
  [0x41, 'incompatible destination'],
  [0x42, 'connection rejected by recipient'],
  [0x43, 'not obtainable'],
  [0x44, 'quality of service not available'],
  [0x45, 'no interworking available'],
  [0x46, 'validity period expired'],
  [0x47, 'deleted by originating SME'],
  [0x48, 'deleted by service centre administration'],
  [0x49, 'message does not exist'],
  [0x60, 'congestion'],
  [0x61, 'recipient busy'],
  [0x62, 'no response from recipient'],
  [0x63, 'service rejected'],
  [0x64, 'quality of service not available'],
  [0x65, 'error in recipient'],
]);

/**
 * TP-Status (TS 23.040 §9.2.3.15) by range:
 * 0x00–0x1F completed → delivered; 0x20–0x3F temporary error, SC still trying → pending;
 * 0x40–0x5F permanent error → failed-permanent; 0x60–0x7F temporary error but the SC has given
 * up → failed-temporary (worth resending later). Reserved values (0x80–0xFF) are treated as
 * permanent failures because the SC will not report again.
 */
export function classifyStatus(status: number): StatusInfo {
  const statusClass: DeliveryStatusClass =
    status < 0x20
      ? 'delivered'
      : status < 0x40
        ? 'pending'
        : status < 0x60
          ? 'failed-permanent'
          : status < 0x80
            ? 'failed-temporary'
            : 'failed-permanent';
  const known = KNOWN.get(status);
  const statusText =
    known ??
    (status >= 0x80
      ? 'reserved status value'
      : (status & 0x1f) >= 0x10
        ? 'service-centre specific status'
        : 'reserved status value');
  return { statusClass, statusText };
}
