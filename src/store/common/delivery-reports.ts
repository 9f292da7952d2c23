/**
 * Status reports, engine-neutral: which sent part a report is about and what is stored of it.
 * The SQL (candidates, the part's update, the message's outcome) is per engine
 * (src/store/sqlite/delivery-reports.ts, src/store/postgres/delivery-reports.ts).
 */
import type { DecodedStatusReport } from '../../sms/index.js';
import type { InboundRecord } from '../../pool/index.js';
import { safeTime } from './inbound-rows.js';

/** TP-MR wraps at 256, so a reference alone is ambiguous: only recent parts may match. */
export const DEFAULT_REPORT_MATCH_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** How many same-reference parts to weigh against each other (newest first). */
export const REPORT_CANDIDATES = 8;

export interface InboundRepositoryOptions {
  /** How far back a status report may match a sent part (references wrap at 256). */
  readonly reportMatchWindowMs?: number;
}

/** A part sent through the report's SIM with the report's reference, newest first. */
export interface CandidateRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly to_number: string;
  readonly delivery_status: string | null;
}

export interface ReportedPart {
  readonly messageId: string;
  readonly sequence: number;
}

/** Still waiting for its outcome: no report yet, or only "the network is still trying". */
const open = (row: CandidateRow) =>
  row.delivery_status === null || row.delivery_status === 'pending';

/** The last 8 digits: national and international forms of one number agree on them. */
function numberTail(value: string): string {
  return value.replace(/\D/g, '').slice(-8);
}

/**
 * The part a report is about, among the candidates (newest first): preferring one whose
 * recipient matches the report's, one still waiting for its outcome before one that has it. A
 * report for a recipient none of the candidates has is applied only when there is no doubt
 * (one part).
 */
export function pickReportedPart(
  rows: readonly CandidateRow[],
  report: DecodedStatusReport,
): ReportedPart | null {
  const tail = numberTail(report.recipient.value);
  const same = tail === '' ? rows : rows.filter((row) => numberTail(row.to_number) === tail);
  const best = same.find(open) ?? same[0] ?? (rows.length === 1 ? rows[0] : undefined);
  return best ? { messageId: best.message_id, sequence: best.sequence } : null;
}

/** The `status_reports` row of a report, in column order (see STATUS_REPORT_COLUMNS). */
export function statusReportValues(
  record: InboundRecord,
  report: DecodedStatusReport,
  pduId: number,
  matched: ReportedPart | null,
): unknown[] {
  const at = record.receivedAt;
  return [
    pduId,
    record.iccid,
    report.messageReference,
    report.recipient.value,
    report.status,
    report.statusClass,
    safeTime(report.timestamp, at),
    safeTime(report.dischargeTime, at),
    matched?.messageId ?? null,
    matched?.sequence ?? null,
    at,
  ];
}

export const STATUS_REPORT_COLUMNS = `pdu_id, sim_iccid, message_reference, recipient, status,
  status_class, submitted_at, discharged_at, message_id, part_sequence, received_at`;

/** What the part's history row says of the report. */
export function reportDetail(report: DecodedStatusReport): string {
  return `${report.statusText} (TP-ST ${report.status})`;
}
