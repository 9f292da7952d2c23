import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSims, startCluster, waitForReadySims, type Cluster } from '../helpers/cluster.js';
import { callApi } from '../helpers/customer-api.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';
import { pollUntil } from '../helpers/sim-process.js';

/**
 * A host that dies between committing an SMS and matching it to its order: two `simpool start`
 * processes on one PostgreSQL database; an order on host B's SIM; B killed with SIGKILL; the
 * SMS B had stored (written here as B's commit left it, the moment before its match) must reach
 * the order through host A once A has reaped B, not only when (if ever) B comes back.
 */
describe('an SMS a dead host stored but never matched', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('is attached to its open order by the host that reaps it', async () => {
    const database = await freshPostgresDatabase('reap_sms');
    const cluster: Cluster = await startCluster({
      database,
      hostIds: ['rack-a', 'rack-b'],
      modemsPerHost: 2,
      config: { hostLeaseTtlMs: 3000, orders: { holdSeconds: 0 } },
    });
    cleanup.push(() => cluster.stop());
    const db = new pg.Client({ connectionString: database });
    await db.connect();
    cleanup.push(() => db.end());
    const [a] = cluster.hosts;
    const sims = await waitForReadySims(a!.apiUrl, cluster.adminKey, 4);
    const created = await callApi('POST', `${a!.apiUrl}/api/v1/admin/customers`, {
      key: cluster.adminKey,
      body: { email: 'reap@example.com', balance: 10 },
    });
    const key = String(created.body.api_key);
    // simulated:0 is a GB SIM on each host: two purchases take both, one of them B's.
    const orders = [];
    for (let i = 0; i < 2; i++) {
      const bought = await callApi('POST', `${a!.apiUrl}/api/v1/customer/purchase`, {
        key,
        body: { service: 'tg', country: 'GB' },
      });
      expect(bought.status).toBe(201);
      orders.push(bought.body);
    }
    const onB = orders.find(
      (o) => sims.find((s) => s.number === o.phone_number)?.host === 'rack-b',
    )!;
    const iccid = sims.find((s) => s.number === onB.phone_number)!.iccid;
    const orderId = String(onB.order_id);

    await cluster.hosts[1]!.kill('SIGKILL');
    const text = 'Telegram code: 40817';
    const now = Date.now();
    await db.query(
      `INSERT INTO inbound_messages (sim_iccid, sender, sender_kind, encoding, text, data_hex,
         sent_at, received_at, complete, part_count)
       VALUES ($1, 'Telegram', 'alphanumeric', 'gsm7', $2, '', $3, $3, 1, 1)`,
      [iccid, text, now],
    );

    // A reaps B within a lease (3 s) and a renewal period; then the SMS is the order's.
    const seen = await pollUntil(
      async () => {
        const order = await callApi('GET', `${a!.apiUrl}/api/v1/customer/order/${orderId}`, {
          key,
        });
        return order.body.status === 'received' ? order.body : undefined;
      },
      20_000,
      'the SMS on the dead host’s SIM to reach its order',
      100,
    );
    expect(seen).toMatchObject({ sms_received: true, code: '40817' });
    expect(
      (await adminSims(a!.apiUrl, cluster.adminKey)).find((s) => s.iccid === iccid),
    ).toMatchObject({ status: 'offline', host_state: 'expired' });
    const attached = await db.query('SELECT order_id FROM order_messages WHERE text = $1', [text]);
    expect(attached.rows).toEqual([{ order_id: orderId }]);
  }, 180_000);
});
