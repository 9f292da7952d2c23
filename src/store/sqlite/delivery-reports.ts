import type { DecodedStatusReport } from '../../sms/index.js';
import type { InboundRecord, IngestResult } from '../../pool/index.js';
import type { SqliteDatabase } from './database.js';
import { safeTime } from './inbound-rows.js';
import type { OutboundEvents } from './outbound-events.js';

/** TP-MR wraps at 256, so a reference alone is ambiguous: only recent parts may match. */
export const DEFAULT_REPORT_MATCH_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** How many same-reference parts to weigh against each other (newest first). */
const CANDIDATES = 8;

interface CandidateRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly to_number: string;
  readonly delivery_status: string | null;
}

/** Still waiting for its outcome: no report yet, or only "the network is still trying". */
const open = (row: CandidateRow) =>
  row.delivery_status === null || row.delivery_status === 'pending';

/** The last 8 digits: national and international forms of one number agree on them. */
function numberTail(value: string): string {
  return value.replace(/\D/g, '').slice(-8);
}

function prepareReportStatements(db: SqliteDatabase) {
  return {
    candidates: db.prepare<[string, number, number, number], CandidateRow>(
      `SELECT p.message_id, p.sequence, m.to_number, p.delivery_status
           FROM outbound_parts p JOIN outbound_messages m ON m.id = p.message_id
          WHERE p.sim_iccid = ? AND p.message_reference = ? AND p.sent_at >= ?
          ORDER BY p.sent_at DESC, p.rowid DESC
          LIMIT ?`,
    ),
    insertReport: db.prepare(
      `INSERT INTO status_reports (pdu_id, sim_iccid, message_reference, recipient, status,
           status_class, submitted_at, discharged_at, message_id, part_sequence, received_at)
         VALUES (@pdu_id, @sim_iccid, @message_reference, @recipient, @status, @status_class,
           @submitted_at, @discharged_at, @message_id, @part_sequence, @received_at)`,
    ),
    // A final outcome is never overwritten by a late or repeated "still trying" report.
    updatePart: db.prepare(
      `UPDATE outbound_parts
            SET delivery_status = @status_class, delivery_status_code = @status,
                delivery_reported_at = @reported_at
          WHERE message_id = @message_id AND sequence = @sequence
            AND (delivery_status IS NULL OR delivery_status = 'pending')`,
    ),
    undeliveredParts: db
      .prepare<[string], number>(
        `SELECT COUNT(*) FROM outbound_parts
            WHERE message_id = ? AND delivery_status IS NOT 'delivered'`,
      )
      .pluck(),
    markDelivered: db.prepare<{ at: number; id: string }>(
      `UPDATE outbound_messages
            SET status = 'delivered', updated_at = @at,
                delivered_at = (SELECT MAX(delivery_reported_at) FROM outbound_parts
                                 WHERE message_id = @id)
          WHERE id = @id AND status = 'sent'`,
    ),
    markFailed: db.prepare<{ at: number; detail: string; id: string }>(
      `UPDATE outbound_messages
            SET status = 'failed', updated_at = @at, error_code = 'sms_delivery_failed',
                error_detail = @detail
          WHERE id = @id AND status IN ('sending', 'sent')`,
    ),
    // Parts not yet sent of a message that can no longer be delivered whole.
    cancelQueuedParts: db.prepare<[string]>(
      `UPDATE outbound_parts SET status = 'failed', error_detail = 'message failed'
          WHERE message_id = ? AND status = 'queued'`,
    ),
  };
}

/**
 * Stores status reports and applies them to the outbound part they report on: on the SIM that
 * received the report, the newest part sent with that reference within the window, preferring
 * one whose recipient matches the report's. Runs inside the caller's ingest transaction.
 */
export class DeliveryReports {
  private readonly s: ReturnType<typeof prepareReportStatements>;

  constructor(
    db: SqliteDatabase,
    private readonly events: OutboundEvents,
    private readonly windowMs: number = DEFAULT_REPORT_MATCH_WINDOW_MS,
  ) {
    this.s = prepareReportStatements(db);
  }

  record(record: InboundRecord, report: DecodedStatusReport, pduId: number): IngestResult {
    const at = record.receivedAt;
    const matched = report.forCommand ? null : this.match(record.iccid, report, at);
    const dischargedAt = safeTime(report.dischargeTime, at);
    this.s.insertReport.run({
      pdu_id: pduId,
      sim_iccid: record.iccid,
      message_reference: report.messageReference,
      recipient: report.recipient.value,
      status: report.status,
      status_class: report.statusClass,
      submitted_at: safeTime(report.timestamp, at),
      discharged_at: dischargedAt,
      message_id: matched?.messageId ?? null,
      part_sequence: matched?.sequence ?? null,
      received_at: at,
    });
    if (matched) this.apply(matched, report, dischargedAt, at);
    return { kind: 'status_report', matched, delivered: report.statusClass === 'delivered' };
  }

  private match(
    iccid: string,
    report: DecodedStatusReport,
    at: number,
  ): { messageId: string; sequence: number } | null {
    const rows = this.s.candidates.all(
      iccid,
      report.messageReference,
      at - this.windowMs,
      CANDIDATES,
    );
    const tail = numberTail(report.recipient.value);
    const same = tail === '' ? rows : rows.filter((row) => numberTail(row.to_number) === tail);
    // Newest first, one still waiting for its outcome before one that has it. A report for a
    // recipient none of the candidates has is applied only when there is no doubt (one part).
    const best = same.find(open) ?? same[0] ?? (rows.length === 1 ? rows[0] : undefined);
    return best ? { messageId: best.message_id, sequence: best.sequence } : null;
  }

  private apply(
    part: { messageId: string; sequence: number },
    report: DecodedStatusReport,
    reportedAt: number,
    at: number,
  ): void {
    const changed = this.s.updatePart.run({
      message_id: part.messageId,
      sequence: part.sequence,
      status_class: report.statusClass,
      status: report.status,
      reported_at: reportedAt,
    }).changes;
    if (changed === 0) return;
    const detail = `${report.statusText} (TP-ST ${report.status})`;
    this.events.record(part.messageId, part.sequence, report.statusClass, at, { detail });
    switch (report.statusClass) {
      case 'delivered':
        if (this.s.undeliveredParts.get(part.messageId) === 0) {
          if (this.s.markDelivered.run({ at, id: part.messageId }).changes > 0) {
            this.events.publish('message.delivered', part.messageId, at);
          }
        }
        return;
      case 'pending':
        return;
      case 'failed-permanent':
      case 'failed-temporary':
        if (
          this.s.markFailed.run({ at, detail: report.statusText, id: part.messageId }).changes > 0
        ) {
          this.s.cancelQueuedParts.run(part.messageId);
          this.events.publish('message.failed', part.messageId, at);
        }
        return;
    }
  }
}
