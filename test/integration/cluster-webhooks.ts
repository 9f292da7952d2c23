/**
 * The cluster test's webhook accounting: what each endpoint should get (every event of its owner
 * that it subscribes to, from the outbox), what the store made of it (deliveries), and what the
 * receivers got, per (endpoint, event). An endpoint is told apart at a shared receiver by the
 * envelope's account (one endpoint per owner in this test).
 */
import type pg from 'pg';
import type { WebhookReceiver } from '../helpers/webhook-receiver.js';

export interface WebhookAccount {
  /** Due events (subscribed, of the owner, not before the endpoint) with no delivery. */
  readonly undelivered: string[];
  /** Deliveries not (yet) succeeded: `endpoint event status`. */
  readonly unfinished: string[];
  /** Succeeded deliveries no receiver got. */
  readonly unreceived: string[];
  /** Receipts for no delivery, or more than one for one (endpoint, event) but those below. */
  readonly extra: string[];
  /**
   * (endpoint, event) received twice, once before the kill and once after: the dead host had
   * posted it and died before recording the answer, so another host delivered it again
   * (at-least-once; receivers de-duplicate by `webhook-id`). At most one per endpoint, since
   * an endpoint has one delivery in flight at a time.
   */
  readonly redeliveredAfterCrash: string[];
  readonly counts: {
    readonly endpoints: number;
    readonly deliveries: number;
    readonly receipts: number;
  };
}

export async function accountWebhooks(
  db: pg.Client,
  receivers: readonly WebhookReceiver[],
  killedAt: number,
): Promise<WebhookAccount> {
  const endpoints = (
    await db.query<{
      id: string;
      customer_id: string;
      url: string;
      events: string;
      created_at: string;
    }>('SELECT id, customer_id, url, events, created_at FROM webhook_endpoints')
  ).rows;
  const deliveries = (
    await db.query<{ endpoint_id: string; event_id: string; status: string }>(
      'SELECT endpoint_id, event_id, status FROM webhook_deliveries',
    )
  ).rows;
  const made = new Set(deliveries.map((d) => `${d.endpoint_id} ${d.event_id}`));
  const undelivered: string[] = [];
  for (const endpoint of endpoints) {
    const due = await db.query<{ id: string; type: string; seq: string | null }>(
      `SELECT id, type, seq FROM events
        WHERE customer_id = $1 AND type = ANY($2::text[]) AND created_at >= $3`,
      [endpoint.customer_id, JSON.parse(endpoint.events) as string[], endpoint.created_at],
    );
    for (const event of due.rows) {
      if (!made.has(`${endpoint.id} ${event.id}`)) {
        undelivered.push(`${endpoint.id} ${event.id} ${event.type} seq ${event.seq}`);
      }
    }
  }
  const byUrlAndOwner = new Map(endpoints.map((e) => [`${e.url} ${e.customer_id}`, e.id]));
  const receipts = new Map<string, number[]>();
  let receiptCount = 0;
  for (const receiver of receivers) {
    for (const got of receiver.received) {
      const envelope = JSON.parse(got.body) as { id: string; account_id: string };
      const endpoint = byUrlAndOwner.get(`${receiver.url} ${envelope.account_id}`) ?? '?';
      // The Standard Webhooks id is the event's: the same for every attempt.
      const key = `${endpoint} ${String(got.headers['webhook-id'])}`;
      if (got.headers['webhook-id'] !== envelope.id) receipts.set(`${key} (id mismatch)`, []);
      receipts.set(key, [...(receipts.get(key) ?? []), got.at]);
      receiptCount++;
    }
  }
  const unfinished = deliveries
    .filter((d) => d.status !== 'succeeded')
    .map((d) => `${d.endpoint_id} ${d.event_id} ${d.status}`);
  const unreceived = deliveries
    .filter((d) => d.status === 'succeeded' && !receipts.has(`${d.endpoint_id} ${d.event_id}`))
    .map((d) => `${d.endpoint_id} ${d.event_id}`);
  const straddles = (times: number[]) =>
    times.length === 2 && times[0]! < killedAt && times[1]! > killedAt;
  const redelivered = [...receipts].filter(([key, times]) => made.has(key) && straddles(times));
  const endpointsRedelivered = redelivered.map(([key]) => key.split(' ')[0]);
  const extra = [...receipts]
    .filter(([key, times]) => (times.length !== 1 && !straddles(times)) || !made.has(key))
    .map(([key, times]) => `${key} ×${times.length}`);
  if (new Set(endpointsRedelivered).size !== endpointsRedelivered.length) {
    extra.push(`more than one redelivery for one endpoint: ${endpointsRedelivered.join(', ')}`);
  }
  return {
    undelivered,
    unfinished,
    unreceived,
    extra,
    redeliveredAfterCrash: redelivered.map(
      ([key, [first, again]]) =>
        `${key}: ${killedAt - first!} ms before the kill, again ${again! - killedAt} ms after`,
    ),
    counts: { endpoints: endpoints.length, deliveries: deliveries.length, receipts: receiptCount },
  };
}
