/**
 * Webhook endpoints, deliveries and the outbox fan-out (tables of migration 6). Each method is
 * one transaction; the fan-out creates the deliveries of a batch of outbox events and advances
 * the cursor together, and claiming marks rows `delivering` in the same transaction that picks
 * them, so neither a restart nor a second claim repeats or loses work.
 */
import {
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
} from '../domain/index.js';
import type { SqliteDatabase } from './database.js';
import {
  claimFromRow,
  deliveryFromRow,
  endpointFromRow,
  type ClaimRow,
  type DeliveryRow,
  type EndpointRow,
} from './webhook-rows.js';
import { eventFromRow, type EventRow } from './outbox-writer.js';

const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, attempt, status, next_attempt_at,
  response_status, response_body, error_message, delivered_at, created_at`;

/** Deliverable: pending, due, endpoint active and not paused, nothing in flight to it. The
 * window keeps one row per endpoint so a backlog to one receiver cannot fill the batch. */
const CLAIM_SQL = `
SELECT id, endpoint_id, event_id, event_type, attempt, payload, url, secret, failure_count
FROM (
  SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.attempt, d.payload, d.next_attempt_at,
    d.rowid AS position, e.url, e.secret, e.failure_count,
    ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.rowid) AS rank
  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
  WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND e.active = 1 AND e.paused = 0
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries f
                    WHERE f.endpoint_id = d.endpoint_id AND f.status = 'delivering')
)
WHERE rank = 1 ORDER BY next_attempt_at, position LIMIT ?`;

export class SqliteWebhookRepository implements WebhookPort {
  private readonly s;
  private readonly fanOutTx;
  private readonly claimTx;
  private readonly recordTx;
  private readonly updateTx;

  constructor(db: SqliteDatabase) {
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
           active = ?, paused = ?, failure_count = ?, updated_at = ? WHERE id = ?`,
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
      markDelivering: db.prepare<[string]>(
        `UPDATE webhook_deliveries SET status = 'delivering' WHERE id = ?`,
      ),
      recordAttempt: db.prepare(
        `UPDATE webhook_deliveries SET attempt = ?, status = ?, next_attempt_at = ?,
           response_status = ?, response_body = ?, error_message = ?, delivered_at = ?
         WHERE id = ? AND status = 'delivering'`,
      ),
      recordEndpoint: db.prepare(
        `UPDATE webhook_endpoints SET failure_count = ?,
           paused = CASE WHEN ? THEN 1 ELSE paused END,
           active = CASE WHEN ? THEN 0 ELSE active END, updated_at = ?
         WHERE id = ?`,
      ),
      releaseInFlight: db.prepare(
        `UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'delivering'`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(
        `SELECT MIN(d.next_attempt_at) AS at
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.status = 'pending' AND e.active = 1 AND e.paused = 0`,
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
      for (const row of rows) this.s.markDelivering.run(row.id);
      return rows.map(claimFromRow);
    });

    this.recordTx = db.transaction((r: AttemptRecord): void => {
      this.s.recordAttempt.run(
        r.attempt,
        r.status,
        r.nextAttemptAt,
        r.responseStatus,
        r.responseBody,
        r.errorMessage,
        r.deliveredAt,
        r.deliveryId,
      );
      const e = r.endpoint;
      this.s.recordEndpoint.run(
        e.failureCount,
        e.pause ? 1 : 0,
        e.disable ? 1 : 0,
        r.now,
        r.endpointId,
      );
      if (e.disable) this.s.cancelPending.run(r.endpointId);
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
          next.failureCount,
          now,
          id,
        );
        // A deactivated endpoint gets nothing more, including what was queued for it.
        if (!next.active) this.s.cancelPending.run(id);
        return this.scoped(scope, id);
      },
    );
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

  recordAttempt(record: AttemptRecord): Promise<void> {
    this.recordTx(record);
    return Promise.resolve();
  }

  releaseInFlight(): Promise<number> {
    return Promise.resolve(this.s.releaseInFlight.run().changes);
  }

  nextDueAt(): Promise<number | null> {
    return Promise.resolve(this.s.nextDue.get()?.at ?? null);
  }
}
