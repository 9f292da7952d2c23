/**
 * Status reports on PostgreSQL (the twin of src/store/sqlite/delivery-reports.ts): stored, and
 * applied to the outbound part they report on, inside the caller's ingest transaction. Which
 * part that is is decided as on SQLite (src/store/common/delivery-reports.ts).
 *
 * Two reports on parts of one message may be applied at once (by two transactions): each locks
 * the message's row first, so the second sees the first's part update when it counts the parts
 * still undelivered, and the message is marked delivered exactly once.
 */
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
import type { PostgresOutboundEvents } from './outbound-events.js';
import type { PostgresClient } from './transaction.js';

const SQL = {
  candidates: `
SELECT p.message_id, p.sequence, m.to_number, p.delivery_status
  FROM outbound_parts p JOIN outbound_messages m ON m.id = p.message_id
 WHERE p.sim_iccid = $1 AND p.message_reference = $2 AND p.sent_at >= $3
 ORDER BY p.sent_at DESC, p.rowid DESC
 LIMIT $4`,
  insertReport: `
INSERT INTO status_reports (${STATUS_REPORT_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  lockMessage: 'SELECT 1 FROM outbound_messages WHERE id = $1 FOR UPDATE',
  // A final outcome is never overwritten by a late or repeated "still trying" report.
  updatePart: `
UPDATE outbound_parts
   SET delivery_status = $3, delivery_status_code = $4, delivery_reported_at = $5
 WHERE message_id = $1 AND sequence = $2
   AND (delivery_status IS NULL OR delivery_status = 'pending')`,
  undeliveredParts: `
SELECT COUNT(*) AS n FROM outbound_parts
 WHERE message_id = $1 AND delivery_status IS DISTINCT FROM 'delivered'`,
  markDelivered: `
UPDATE outbound_messages
   SET status = 'delivered', updated_at = $2,
       delivered_at = (SELECT MAX(delivery_reported_at) FROM outbound_parts WHERE message_id = $1)
 WHERE id = $1 AND status = 'sent'`,
  markFailed: `
UPDATE outbound_messages
   SET status = 'failed', updated_at = $2, error_code = 'sms_delivery_failed', error_detail = $3
 WHERE id = $1 AND status IN ('sending', 'sent')`,
  // Parts not yet sent of a message that can no longer be delivered whole.
  cancelQueuedParts: `
UPDATE outbound_parts SET status = 'failed', error_detail = 'message failed'
 WHERE message_id = $1 AND status = 'queued'`,
} as const;

export class PostgresDeliveryReports {
  constructor(
    private readonly events: PostgresOutboundEvents,
    private readonly windowMs: number,
  ) {}

  async record(
    client: PostgresClient,
    record: InboundRecord,
    report: DecodedStatusReport,
    pduId: number,
  ): Promise<IngestResult> {
    const at = record.receivedAt;
    const matched = report.forCommand ? null : await this.match(client, record.iccid, report, at);
    await client.query(SQL.insertReport, statusReportValues(record, report, pduId, matched));
    if (matched) await this.apply(client, matched, report, safeTime(report.dischargeTime, at), at);
    return { kind: 'status_report', matched, delivered: report.statusClass === 'delivered' };
  }

  private async match(
    client: PostgresClient,
    iccid: string,
    report: DecodedStatusReport,
    at: number,
  ): Promise<ReportedPart | null> {
    const { rows } = await client.query<CandidateRow>(SQL.candidates, [
      iccid,
      report.messageReference,
      at - this.windowMs,
      REPORT_CANDIDATES,
    ]);
    return pickReportedPart(rows, report);
  }

  private async apply(
    client: PostgresClient,
    part: ReportedPart,
    report: DecodedStatusReport,
    reportedAt: number,
    at: number,
  ): Promise<void> {
    const id = part.messageId;
    await client.query(SQL.lockMessage, [id]);
    const updated = await client.query(SQL.updatePart, [
      id,
      part.sequence,
      report.statusClass,
      report.status,
      reportedAt,
    ]);
    if (updated.rowCount === 0) return;
    await this.events.record(client, id, part.sequence, report.statusClass, at, {
      detail: reportDetail(report),
    });
    switch (report.statusClass) {
      case 'delivered': {
        const { rows } = await client.query<{ n: number }>(SQL.undeliveredParts, [id]);
        if (rows[0]?.n !== 0) return;
        const delivered = await client.query(SQL.markDelivered, [id, at]);
        if (delivered.rowCount !== 0)
          await this.events.publish(client, 'message.delivered', id, at);
        return;
      }
      case 'pending':
        return;
      case 'failed-permanent':
      case 'failed-temporary': {
        const failed = await client.query(SQL.markFailed, [id, at, report.statusText]);
        if (failed.rowCount === 0) return;
        await client.query(SQL.cancelQueuedParts, [id]);
        await this.events.publish(client, 'message.failed', id, at);
        return;
      }
    }
  }
}
