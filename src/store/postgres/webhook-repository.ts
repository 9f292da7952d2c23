/**
 * Webhook endpoints, deliveries and the outbox fan-out on PostgreSQL (WebhookPort), shared by
 * every host: the same queue rules as src/store/sqlite/webhook-repository.ts, made to hold when
 * several hosts fan out and claim at once.
 *
 * - Fan-out: one host at a time, serialised by the cursor row (`FOR UPDATE`), so the cursor and
 *   the deliveries it stands for commit together, and the unique (endpoint_id, event_id) makes
 *   each delivery once. It reads `seq > cursor`: events are numbered only once committed
 *   (event-sequencer.ts), so no event can later commit below the cursor and be skipped.
 * - Claims: one delivery in flight per endpoint across hosts. A claim locks the endpoint rows
 *   (`FOR NO KEY UPDATE … SKIP LOCKED`: another host claiming the same endpoint is skipped, not
 *   waited for), then, holding those locks, picks and marks each head in a new statement, whose
 *   snapshot sees every claim committed before: the "nothing in flight" rule is judged on the
 *   committed state, never on a snapshot older than another host's claim.
 * - Outcomes apply only to a delivery still claimed by this host at the attempt it was claimed
 *   at: once released (a restart, the reaper) and perhaps taken by another host, a late outcome
 *   changes nothing.
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
import { eventFromRow, type EventRow } from '../common/events.js';
import {
  CLAIM_COLUMNS,
  DELIVERABLE_ENDPOINT,
  DELIVERY_CLAIM_MS,
  DELIVERY_COLUMNS,
  HEADS,
  NOTHING_IN_FLIGHT,
  QUEUE_HEAD_ROWID,
  claimFromRow,
  deliveryFromRow,
  endpointFromRow,
  type ClaimRow,
  type DeliveryRow,
  type EndpointRow,
} from '../common/webhook-rows.js';
import type { PostgresDatabase, Queryable } from './database.js';
import type { PostgresOutboxWriter } from './outbox-writer.js';
import { changingStatuses } from './status-moves.js';
import type { PostgresClient } from './transaction.js';

/** The scope as SQL: `$n` NULL (admin) or the customer whose endpoints these are. */
const IN_SCOPE = (n: number) => `($${n}::text IS NULL OR customer_id = $${n})`;
const scopeParam = (scope: WebhookScope): string | null =>
  'customerId' in scope ? scope.customerId : null;

const ENDPOINT_BY_ID = `SELECT * FROM webhook_endpoints WHERE id = $1 AND ${IN_SCOPE(2)}`;

const INSERT_DELIVERIES = `
INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, next_attempt_at,
  created_at)
SELECT id, endpoint_id, event_id, event_type, payload, next_attempt_at, created_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
  $7::bigint[]) WITH ORDINALITY
  AS d (id, endpoint_id, event_id, event_type, payload, next_attempt_at, created_at, n)
ORDER BY n
ON CONFLICT (endpoint_id, event_id) DO NOTHING`;

/** Candidates: endpoints with a due head and nothing in flight, locked, others' skipped. */
const LOCK_CANDIDATES = `
SELECT e.id ${HEADS} AND d.next_attempt_at <= $1
ORDER BY d.next_attempt_at, d.rowid LIMIT $2
FOR NO KEY UPDATE OF e SKIP LOCKED`;

/** Run holding the candidates' locks: a new snapshot, which sees every earlier claim. */
const CLAIM_HEADS = `
UPDATE webhook_deliveries d SET status = 'delivering', claimed_by_host = $1, claimed_until = $2
FROM webhook_endpoints e
WHERE e.id = ANY($3::text[]) AND d.rowid = ${QUEUE_HEAD_ROWID} AND d.status = 'pending'
  AND d.next_attempt_at <= $4 AND ${DELIVERABLE_ENDPOINT} AND ${NOTHING_IN_FLIGHT}
RETURNING ${CLAIM_COLUMNS}, d.next_attempt_at, d.rowid`;

const RECORD_ATTEMPT = `
UPDATE webhook_deliveries SET attempt = $1, status = $2, next_attempt_at = $3,
  response_status = $4, response_body = $5, error_message = $6, delivered_at = $7,
  claimed_by_host = NULL, claimed_until = NULL
WHERE id = $8 AND status = 'delivering' AND claimed_by_host = $9 AND attempt = $10`;

const CANCEL_PENDING = `
UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL,
  error_message = COALESCE(error_message, 'endpoint disabled')
WHERE status = 'pending' AND endpoint_id = $1`;

export class PostgresWebhookRepository implements WebhookPort {
  /**
   * `hostId`: this host, which its claims are recorded under (releaseInFlight frees only those,
   * and only its own claims take its outcomes). `events`: appends `webhook.paused`/`resumed`
   * and numbers committed events before the fan-out reads them.
   */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly events: PostgresOutboxWriter,
    private readonly hostId: string,
  ) {}

  async insertEndpoint(e: NewEndpoint): Promise<WebhookEndpoint> {
    const { rows } = await this.db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (id, customer_id, url, events, description, threshold_units,
         secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       RETURNING *`,
      [
        e.id,
        e.customerId,
        e.url,
        JSON.stringify(e.events),
        e.description,
        e.thresholdUnits,
        e.secret,
        e.now,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('webhook endpoint insert returned no row');
    return endpointFromRow(row);
  }

  async getEndpoint(scope: WebhookScope, id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.scopedRow(this.db, scope, id);
    return row ? endpointFromRow(row) : undefined;
  }

  async listEndpoints(scope: WebhookScope): Promise<WebhookEndpoint[]> {
    const { rows } = await this.db.query<EndpointRow>(
      `SELECT * FROM webhook_endpoints WHERE ${IN_SCOPE(1)} ORDER BY created_at, id COLLATE "C"`,
      [scopeParam(scope)],
    );
    return rows.map(endpointFromRow);
  }

  updateEndpoint(
    scope: WebhookScope,
    id: string,
    patch: EndpointPatch,
    now: number,
  ): Promise<WebhookEndpoint | undefined> {
    return this.db.transaction(async (client) => {
      const current = await this.scopedRow(client, scope, id, 'FOR NO KEY UPDATE');
      if (!current) return undefined;
      const next = { ...endpointFromRow(current), ...patch };
      const { rows } = await client.query<EndpointRow>(
        `UPDATE webhook_endpoints SET url = $1, events = $2, description = $3,
           threshold_units = $4, active = $5, paused = $6, paused_at = $7, pause_reason = $8,
           failure_count = $9, failing_since = $10, updated_at = $11
         WHERE id = $12 RETURNING *`,
        [
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
        ],
      );
      // A deactivated endpoint gets nothing more, including what was queued for it.
      if (!next.active) await client.query(CANCEL_PENDING, [id]);
      // Un-paused by hand: the receiver is said to be back, so its queue goes out now.
      if (patch.paused === false) {
        await client.query(
          `UPDATE webhook_deliveries SET next_attempt_at = LEAST(next_attempt_at, $1)
           WHERE endpoint_id = $2 AND status = 'pending'`,
          [now, id],
        );
      }
      const row = rows[0];
      return row ? endpointFromRow(row) : undefined;
    });
  }

  async deleteEndpoint(scope: WebhookScope, id: string): Promise<boolean> {
    const result = await changingStatuses(this.db, (client) =>
      client.query(`DELETE FROM webhook_endpoints WHERE id = $1 AND ${IN_SCOPE(2)}`, [
        id,
        scopeParam(scope),
      ]),
    );
    return (result.rowCount ?? 0) > 0;
  }

  async insertDelivery(d: NewDelivery): Promise<WebhookDelivery> {
    await this.db.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload,
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING`,
      [d.id, d.endpointId, d.eventId, d.eventType, d.payload, d.nextAttemptAt, d.createdAt],
    );
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`,
      [d.id],
    );
    const row = rows[0];
    if (!row) throw new Error('webhook delivery insert returned no row');
    return deliveryFromRow(row);
  }

  /** Newest first; the cursor is the last id of the previous page (ids compared bytewise). */
  async listDeliveries(
    endpointId: string,
    query: { readonly limit: number; readonly cursor?: string },
  ): Promise<Page<WebhookDelivery>> {
    // '~' sorts after every ULID character: no cursor = from the newest.
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
        WHERE endpoint_id = $1 AND id COLLATE "C" < $2 ORDER BY id COLLATE "C" DESC LIMIT $3`,
      [endpointId, query.cursor ?? '~', query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(deliveryFromRow);
    const nextCursor = rows.length > query.limit ? (items.at(-1)?.id ?? null) : null;
    return { items, nextCursor };
  }

  async fanOut(limit: number, now: number): Promise<number> {
    // Only numbered events are read: number those already committed (by any host).
    await this.events.numberCommittedEvents();
    return this.db.transaction(async (client) => {
      // Fan-outs of all hosts queue here: the next one reads the cursor this one commits.
      const cursor = await client.query<{ last_seq: number }>(
        'SELECT last_seq FROM webhook_cursor WHERE id = 1 FOR UPDATE',
      );
      const { rows } = await client.query<EventRow>(
        `SELECT seq, id, type, customer_id, order_id, data, created_at FROM events
          WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [cursor.rows[0]?.last_seq ?? 0, limit],
      );
      const last = rows.at(-1);
      if (!last) return 0;
      const endpoints = await client.query<EndpointRow>(
        'SELECT * FROM webhook_endpoints WHERE active = 1',
      );
      const active = endpoints.rows.map(endpointFromRow);
      const deliveries = rows.flatMap((row) => fanOutEvent(eventFromRow(row), active, now));
      if (deliveries.length > 0) await insertDeliveries(client, deliveries);
      await client.query('UPDATE webhook_cursor SET last_seq = $1 WHERE id = 1', [last.seq]);
      return rows.length;
    });
  }

  /**
   * No second pass waiting for the endpoints skipped as locked: they are being claimed by
   * another host (which delivers them) or written for a moment, and the worker polls again.
   */
  claimDue(now: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.db.transaction(async (client) => {
      const candidates = await client.query<{ id: string }>(LOCK_CANDIDATES, [now, limit]);
      if (candidates.rows.length === 0) return [];
      type Claimed = ClaimRow & { readonly next_attempt_at: number; readonly rowid: number };
      const { rows } = await client.query<Claimed>(CLAIM_HEADS, [
        this.hostId,
        now + DELIVERY_CLAIM_MS,
        candidates.rows.map((c) => c.id),
        now,
      ]);
      return rows
        .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.rowid - b.rowid)
        .map(claimFromRow);
    });
  }

  recordAttempt(r: AttemptRecord): Promise<'pause' | 'resume' | null> {
    return this.db.transaction(async (client) => {
      const recorded = await client.query(RECORD_ATTEMPT, [
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
      ]);
      // The claim was released (a restart, the reaper) or is another host's now.
      if (recorded.rowCount === 0) return null;
      return this.recordEndpoint(client, r);
    });
  }

  /** This host's claims, and those from before claims were named (migration 13). */
  async releaseInFlight(): Promise<number> {
    const result = await changingStatuses(this.db, (client) =>
      client.query(
        `UPDATE webhook_deliveries SET status = 'pending', claimed_by_host = NULL,
           claimed_until = NULL
         WHERE status = 'delivering' AND (claimed_by_host = $1 OR claimed_by_host IS NULL)`,
        [this.hostId],
      ),
    );
    return result.rowCount ?? 0;
  }

  async nextDueAt(): Promise<number | null> {
    const { rows } = await this.db.query<{ at: number | null }>(
      `SELECT MIN(d.next_attempt_at) AS at ${HEADS}`,
    );
    return rows[0]?.at ?? null;
  }

  /** The endpoint's side of an attempt (inside recordAttempt's transaction); a pause or resume
   * is told to its owner through the outbox in the same transaction. */
  private async recordEndpoint(
    client: PostgresClient,
    r: AttemptRecord,
  ): Promise<'pause' | 'resume' | null> {
    const found = await client.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [
      r.endpointId,
    ]);
    const row = found.rows[0];
    if (!row) return null; // deleted while the attempt was in flight
    const e = r.endpoint;
    if (e.disable) {
      await client.query(
        `UPDATE webhook_endpoints SET active = 0, failure_count = $1, failing_since = $2,
           updated_at = $3 WHERE id = $4`,
        [e.failureCount, e.failingSince, r.now, r.endpointId],
      );
      await client.query(CANCEL_PENDING, [r.endpointId]);
      return null;
    }
    // Only if its owner did not pause or un-pause it since the claim: the owner's choice wins.
    const health = await client.query(
      `UPDATE webhook_endpoints SET failure_count = $1, failing_since = $2, updated_at = $3
       WHERE id = $4 AND paused = $5`,
      [e.failureCount, e.failingSince, r.now, r.endpointId, e.claimedPaused ? 1 : 0],
    );
    if (health.rowCount === 0 || e.change === null) return null;
    const changed =
      e.change === 'pause'
        ? await client.query(
            `UPDATE webhook_endpoints SET paused = 1, paused_at = $1, pause_reason = 'failures'
             WHERE id = $2 AND paused = 0`,
            [r.now, r.endpointId],
          )
        : await client.query(
            `UPDATE webhook_endpoints SET paused = 0, paused_at = NULL, pause_reason = NULL
             WHERE id = $1 AND pause_reason = 'failures'`,
            [r.endpointId],
          );
    if (changed.rowCount === 0) return null;
    const { type, data } = endpointChangeEvent(e.change, endpointFromRow(row), r);
    await this.events.append(client, {
      type,
      customerId: row.customer_id,
      orderId: null,
      data,
      now: r.now,
    });
    return e.change;
  }

  private async scopedRow(
    db: Queryable,
    scope: WebhookScope,
    id: string,
    lock = '',
  ): Promise<EndpointRow | undefined> {
    const { rows } = await db.query<EndpointRow>(`${ENDPOINT_BY_ID} ${lock}`, [
      id,
      scopeParam(scope),
    ]);
    return rows[0];
  }
}

/** The fan-out's deliveries in one statement, in creation order (each endpoint's queue order). */
async function insertDeliveries(client: PostgresClient, deliveries: NewDelivery[]): Promise<void> {
  await client.query(INSERT_DELIVERIES, [
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.endpointId),
    deliveries.map((d) => d.eventId),
    deliveries.map((d) => d.eventType),
    deliveries.map((d) => d.payload),
    deliveries.map((d) => d.nextAttemptAt),
    deliveries.map((d) => d.createdAt),
  ]);
}
