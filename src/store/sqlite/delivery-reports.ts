import type { DecodedStatusReport } from '../../sms/index.js';
import type { InboundRecord, IngestResult } from '../../pool/index.js';
import {
  REPORT_CANDIDATES,
  STATUS_REPORT_COLUMNS,
  pickReportedPart,
  reportDetail,
  statusReportValues,
  type CandidateRow,
  type ReportedPart,
} from '../common/delivery-reports.js';
import { safeTime } from '../common/inbound-rows.js';
import type { SqliteDatabase } from './database.js';
import type { OutboundEvents } from './outbound-events.js';

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
      `INSERT INTO status_reports (${STATUS_REPORT_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    private readonly windowMs: number,
  ) {
    this.s = prepareReportStatements(db);
  }

  record(record: InboundRecord, report: DecodedStatusReport, pduId: number): IngestResult {
    const at = record.receivedAt;
    const matched = report.forCommand ? null : this.match(record.iccid, report, at);
    this.s.insertReport.run(...statusReportValues(record, report, pduId, matched));
    if (matched) this.apply(matched, report, safeTime(report.dischargeTime, at), at);
    return { kind: 'status_report', matched, delivered: report.statusClass === 'delivered' };
  }

  private match(iccid: string, report: DecodedStatusReport, at: number): ReportedPart | null {
    const since = at - this.windowMs;
    const rows = this.s.candidates.all(iccid, report.messageReference, since, REPORT_CANDIDATES);
    return pickReportedPart(rows, report);
  }

  private apply(
    part: ReportedPart,
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
    this.events.record(part.messageId, part.sequence, report.statusClass, at, {
      detail: reportDetail(report),
    });
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
