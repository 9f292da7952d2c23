/**
 * Webhook endpoints, deliveries and the outbox fan-out (tables of migrations 6, 12 and 13). Each
 * method is one transaction; the fan-out creates the deliveries of a batch of outbox events and
 * advances the cursor together, and claiming marks rows `delivering` (named by this host) in the
 * same transaction that picks them, so neither a restart nor a second claim repeats or loses
 * work. An endpoint's deliveries form a queue: only its oldest pending one (the head, lowest
 * rowid: creation order) is ever claimed, so a retried delivery is never overtaken by a newer one.
 */
import {
  endpointChangeEvent,
  fanOutEvent,
  type AttemptRecord,
  type ClaimedDelivery,
  type EndpointPatch,
  type NewDelivery,
  type NewEndpoint,
  type Page,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookPort,
  type WebhookScope,
} from '../../domain/index.js';
import type { SqliteDatabase } from './database.js';
import {
  CLAIM_COLUMNS,
  DELIVERY_CLAIM_MS,
  DELIVERY_COLUMNS,
  HEADS,
  claimFromRow,
  deliveryFromRow,
  endpointFromRow,
  type ClaimRow,
  type DeliveryRow,
  type EndpointRow,
} from '../common/webhook-rows.js';
import { eventFromRow, type EventRow, type OutboxWriter } from './outbox-writer.js';

const CLAIM_SQL = `
SELECT ${CLAIM_COLUMNS}
${HEADS} AND d.next_attempt_at <= ?
ORDER BY d.next_attempt_at, d.rowid LIMIT ?`;

export class SqliteWebhookRepository implements WebhookPort {
  private readonly s;
  private readonly fanOutTx;
  private readonly claimTx;
  private readonly recordTx;
  private readonly updateTx;

  /**
   * `hostId`: this process's host, which its claims are recorded under (releaseInFlight frees
   * only those, and only this host's outcomes are recorded).
   */
  constructor(
    db: SqliteDatabase,
    private readonly events: OutboxWriter,
    private readonly hostId = '',
  ) {
    this.s = {
      insertEndpoint: db.prepare(
        `INSERT INTO webhook_endpoints (id, customer_id, url, events, description, threshold_units,
           secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      endpointById: db.prepare<[string], EndpointRow>(
        'SELECT * FROM webhook_endpoints WHERE id = ?',
      ),
      endpointsAll: db.prepare<[], EndpointRow>(
        'SELECT * FROM webhook_endpoints ORDER BY created_at, id',
      ),
      endpointsOf: db.prepare<[string], EndpointRow>(
        'SELECT * FROM webhook_endpoints WHERE customer_id = ? ORDER BY created_at, id',
      ),
      activeEndpoints: db.prepare<[], EndpointRow>(
        'SELECT * FROM webhook_endpoints WHERE active = 1',
      ),
      writeEndpoint: db.prepare(
        `UPDATE webhook_endpoints SET url = ?, events = ?, description = ?, threshold_units = ?,
           active = ?, paused = ?, paused_at = ?, pause_reason = ?, failure_count = ?,
           failing_since = ?, updated_at = ? WHERE id = ?`,
      ),
      queueDueNow: db.prepare<[number, string]>(
        `UPDATE webhook_deliveries SET next_attempt_at = MIN(next_attempt_at, ?)
         WHERE endpoint_id = ? AND status = 'pending'`,
      ),
      deleteEndpoint: db.prepare<[string]>('DELETE FROM webhook_endpoints WHERE id = ?'),
      insertDelivery: db.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload,
           next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      deliveryById: db.prepare<[string], DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?`,
      ),
      deliveriesPage: db.prepare<[string, string, number], DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
          WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      cancelPending: db.prepare<[string]>(
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL,
           error_message = COALESCE(error_message, 'endpoint disabled')
         WHERE status = 'pending' AND endpoint_id = ?`,
      ),
      cursor: db.prepare<[], { last_seq: number }>(
        'SELECT last_seq FROM webhook_cursor WHERE id = 1',
      ),
      setCursor: db.prepare<[number]>('UPDATE webhook_cursor SET last_seq = ? WHERE id = 1'),
      eventsAfter: db.prepare<[number, number], EventRow>(
        'SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      claim: db.prepare<[number, number], ClaimRow>(CLAIM_SQL),
      markDelivering: db.prepare<[string, number, string]>(
        `UPDATE webhook_deliveries SET status = 'delivering', claimed_by_host = ?,
           claimed_until = ? WHERE id = ?`,
      ),
      // Only the claim this attempt was made under: not one released and taken again since.
      recordAttempt: db.prepare(
        `UPDATE webhook_deliveries SET attempt = ?, status = ?, next_attempt_at = ?,
           response_status = ?, response_body = ?, error_message = ?, delivered_at = ?,
           claimed_by_host = NULL, claimed_until = NULL
         WHERE id = ? AND status = 'delivering' AND claimed_by_host = ? AND attempt = ?`,
      ),
      // Only if its owner did not pause or un-pause it since the claim: the owner's choice wins.
      recordHealth: db.prepare<[number, number | null, number, string, number]>(
        `UPDATE webhook_endpoints SET failure_count = ?, failing_since = ?, updated_at = ?
         WHERE id = ? AND paused = ?`,
      ),
      pauseForFailures: db.prepare<[number, string]>(
        `UPDATE webhook_endpoints SET paused = 1, paused_at = ?, pause_reason = 'failures'
         WHERE id = ? AND paused = 0`,
      ),
      resumeFromFailures: db.prepare<[string]>(
        `UPDATE webhook_endpoints SET paused = 0, paused_at = NULL, pause_reason = NULL
         WHERE id = ? AND pause_reason = 'failures'`,
      ),
      disable: db.prepare<[number, number | null, number, string]>(
        `UPDATE webhook_endpoints SET active = 0, failure_count = ?, failing_since = ?,
           updated_at = ? WHERE id = ?`,
      ),
      // This host's claims, and those from before claims were named (migration 13).
      releaseInFlight: db.prepare<[string]>(
        `UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL,
           claimed_until = NULL
         WHERE status = 'delivering' AND (claimed_by_host = ? OR claimed_by_host IS NULL)`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(
        `SELECT MIN(d.next_attempt_at) AS at ${HEADS}`,
      ),
    };

    this.fanOutTx = db.transaction((limit: number, now: number): number => {
      const cursor = this.s.cursor.get()?.last_seq ?? 0;
      const rows = this.s.eventsAfter.all(cursor, limit);
      const last = rows.at(-1);
      if (!last) return 0;
      const endpoints = this.s.activeEndpoints.all().map(endpointFromRow);
      for (const row of rows) {
        for (const delivery of fanOutEvent(eventFromRow(row), endpoints, now)) {
          this.insert(delivery);
        }
      }
      this.s.setCursor.run(last.seq);
      return rows.length;
    });

    this.claimTx = db.transaction((now: number, limit: number): ClaimedDelivery[] => {
      const rows = this.s.claim.all(now, limit);
      for (const row of rows) {
        this.s.markDelivering.run(this.hostId, now + DELIVERY_CLAIM_MS, row.id);
      }
      return rows.map(claimFromRow);
    });

    this.recordTx = db.transaction((r: AttemptRecord): 'pause' | 'resume' | null => {
      const recorded = this.s.recordAttempt.run(
        r.attempt,
        r.status,
        r.nextAttemptAt,
        r.responseStatus,
        r.responseBody,
        r.errorMessage,
        r.deliveredAt,
        r.deliveryId,
        this.hostId,
        r.attempt - 1,
      );
      // The claim was released (a restart) or is another's now: this attempt changes nothing.
      if (recorded.changes === 0) return null;
      return this.recordEndpoint(r);
    });

    this.updateTx = db.transaction(
      (scope: WebhookScope, id: string, patch: EndpointPatch, now: number) => {
        const current = this.scoped(scope, id);
        if (!current) return undefined;
        const next = { ...current, ...patch };
        this.s.writeEndpoint.run(
          next.url,
          JSON.stringify(next.events),
          next.description,
          next.thresholdUnits,
          next.active ? 1 : 0,
          next.paused ? 1 : 0,
          next.pausedAt,
          next.pauseReason,
          next.failureCount,
          next.failingSince,
          now,
          id,
        );
        // A deactivated endpoint gets nothing more, including what was queued for it.
        if (!next.active) this.s.cancelPending.run(id);
        // Un-paused by hand: the receiver is said to be back, so its queue goes out now.
        if (patch.paused === false) this.s.queueDueNow.run(now, id);
        return this.scoped(scope, id);
      },
    );
  }

  /** The endpoint's side of an attempt (inside recordTx); a pause or resume is told to its
   * owner through the outbox in the same transaction. */
  private recordEndpoint(r: AttemptRecord): 'pause' | 'resume' | null {
    const row = this.s.endpointById.get(r.endpointId);
    if (!row) return null; // deleted while the attempt was in flight
    const e = r.endpoint;
    if (e.disable) {
      this.s.disable.run(e.failureCount, e.failingSince, r.now, r.endpointId);
      this.s.cancelPending.run(r.endpointId);
      return null;
    }
    const health = [e.failureCount, e.failingSince, r.now, r.endpointId] as const;
    if (this.s.recordHealth.run(...health, e.claimedPaused ? 1 : 0).changes === 0) return null;
    let changed = false;
    if (e.change === 'pause')
      changed = this.s.pauseForFailures.run(r.now, r.endpointId).changes > 0;
    if (e.change === 'resume') changed = this.s.resumeFromFailures.run(r.endpointId).changes > 0;
    if (!changed || e.change === null) return null;
    const { type, data } = endpointChangeEvent(e.change, endpointFromRow(row), r);
    this.events.append({ type, customerId: row.customer_id, orderId: null, data, now: r.now });
    return e.change;
  }

  private scoped(scope: WebhookScope, id: string): WebhookEndpoint | undefined {
    const row = this.s.endpointById.get(id);
    if (!row) return undefined;
    if ('customerId' in scope && row.customer_id !== scope.customerId) return undefined;
    return endpointFromRow(row);
  }

  private insert(d: NewDelivery): void {
    this.s.insertDelivery.run(
      d.id,
      d.endpointId,
      d.eventId,
      d.eventType,
      d.payload,
      d.nextAttemptAt,
      d.createdAt,
    );
  }

  insertEndpoint(e: NewEndpoint): Promise<WebhookEndpoint> {
    this.s.insertEndpoint.run(
      e.id,
      e.customerId,
      e.url,
      JSON.stringify(e.events),
      e.description,
      e.thresholdUnits,
      e.secret,
      e.now,
      e.now,
    );
    const row = this.s.endpointById.get(e.id);
    if (!row) throw new Error('webhook endpoint insert returned no row');
    return Promise.resolve(endpointFromRow(row));
  }

  getEndpoint(scope: WebhookScope, id: string): Promise<WebhookEndpoint | undefined> {
    return Promise.resolve(this.scoped(scope, id));
  }

  listEndpoints(scope: WebhookScope): Promise<WebhookEndpoint[]> {
    const rows =
      'customerId' in scope ? this.s.endpointsOf.all(scope.customerId) : this.s.endpointsAll.all();
    return Promise.resolve(rows.map(endpointFromRow));
  }

  updateEndpoint(
    scope: WebhookScope,
    id: string,
    patch: EndpointPatch,
    now: number,
  ): Promise<WebhookEndpoint | undefined> {
    return Promise.resolve(this.updateTx(scope, id, patch, now));
  }

  deleteEndpoint(scope: WebhookScope, id: string): Promise<boolean> {
    if (!this.scoped(scope, id)) return Promise.resolve(false);
    return Promise.resolve(this.s.deleteEndpoint.run(id).changes > 0);
  }

  insertDelivery(delivery: NewDelivery): Promise<WebhookDelivery> {
    this.insert(delivery);
    const row = this.s.deliveryById.get(delivery.id);
    if (!row) throw new Error('webhook delivery insert returned no row');
    return Promise.resolve(deliveryFromRow(row));
  }

  /** Newest first; the cursor is the last id of the previous page. */
  listDeliveries(
    endpointId: string,
    query: { readonly limit: number; readonly cursor?: string },
  ): Promise<Page<WebhookDelivery>> {
    // '~' sorts after every ULID character: no cursor = from the newest.
    const rows = this.s.deliveriesPage.all(endpointId, query.cursor ?? '~', query.limit + 1);
    const items = rows.slice(0, query.limit).map(deliveryFromRow);
    const nextCursor = rows.length > query.limit ? (items.at(-1)?.id ?? null) : null;
    return Promise.resolve({ items, nextCursor });
  }

  fanOut(limit: number, now: number): Promise<number> {
    return Promise.resolve(this.fanOutTx(limit, now));
  }

  claimDue(now: number, limit: number): Promise<ClaimedDelivery[]> {
    return Promise.resolve(this.claimTx(now, limit));
  }

  recordAttempt(record: AttemptRecord): Promise<'pause' | 'resume' | null> {
    return Promise.resolve(this.recordTx(record));
  }

  releaseInFlight(): Promise<number> {
    return Promise.resolve(this.s.releaseInFlight.run(this.hostId).changes);
  }

  nextDueAt(): Promise<number | null> {
    return Promise.resolve(this.s.nextDue.get()?.at ?? null);
  }
}
