import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/index.js';
import { OrderFixture, iccid } from './order-fixture.js';

const WORKER = fileURLToPath(new URL('./purchase-worker.ts', import.meta.url));
const PROCESSES = 8;
const PURCHASES = 1000;
const SIMS = 50;

interface Worker {
  readonly ready: Promise<void>;
  readonly done: Promise<string[]>;
  go(): void;
}

function startWorker(file: string, principals: Principal[], count: number, now: number): Worker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, file, JSON.stringify(principals), String(count), String(now)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  let onReady!: () => void;
  let onDone!: (codes: string[]) => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<string[]>((resolve, reject) => {
    onDone = resolve;
    child.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
  lines.on('line', (line) => (line === 'ready' ? onReady() : onDone(JSON.parse(line) as string[])));
  return { ready, done, go: () => child.stdin.end('go\n') };
}

describe('purchases from several processes at once', () => {
  let fx: OrderFixture | undefined;
  afterEach(() => fx?.close());

  it('sell each of 50 SIMs exactly once among 1,000 purchases, and the ledger balances', async () => {
    fx = new OrderFixture();
    await fx.seed();
    for (let i = 1; i <= SIMS; i++) await fx.addSim({ iccid: iccid(i) });
    const principals: Principal[] = [];
    for (let i = 0; i < 5; i++) {
      // Enough money and channels for everything: only SIM scarcity may refuse.
      const c = await fx.customer(`c${i}@example.com`, 10_000_000, { maxOpenOrders: 1000 });
      principals.push({ customerId: c.customerId, apiKeyId: c.apiKeyId });
    }
    const workers = Array.from({ length: PROCESSES }, (_, i) =>
      startWorker(
        fx!.file,
        principals.slice(i % 5).concat(principals.slice(0, i % 5)),
        PURCHASES / PROCESSES,
        fx!.clock.now(),
      ),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const codes = (await Promise.all(workers.map((w) => w.done))).flat();

    expect(codes).toHaveLength(PURCHASES);
    expect(codes.filter((c) => c === 'ok')).toHaveLength(SIMS);
    expect(codes.filter((c) => c !== 'ok').every((c) => c === 'no_numbers')).toBe(true);
    const db = fx.store.db;
    const open = db
      .prepare<[], { sim_iccid: string; n: number }>(
        `SELECT sim_iccid, COUNT(*) AS n FROM orders
            WHERE status IN ('waiting', 'received', 'retry') GROUP BY sim_iccid`,
      )
      .all();
    expect(open).toHaveLength(SIMS);
    expect(open.every((row) => row.n === 1)).toBe(true);
    let spent = 0;
    for (const p of principals) {
      const balance = await fx.customers.balance(p.customerId);
      expect(await fx.ledgerSum(p.customerId)).toBe(balance);
      spent += 10_000_000 - balance;
    }
    expect(spent).toBe(SIMS * 5000);
    expect(await fx.count("ledger WHERE type = 'purchase'")).toBe(SIMS);
  }, 120_000);

  it('is backed by the database refusing a second open order on one SIM', async () => {
    fx = new OrderFixture();
    await fx.seed();
    await fx.addSim({ iccid: iccid(1) });
    const c = await fx.customer('a@example.com');
    const order = await fx.orders.purchase(c, { service: 'tg', country: 'GB' });
    const copy = fx.store.db.prepare(
      `INSERT INTO orders SELECT 'ord_copy', activation_id + 1, customer_id, api_key_id, sandbox,
         service, country, price_units, sim_iccid, phone_number, status, created_at,
         number_assigned_at, hold_until, expires_at, closed_at, last_code, sms_count, updated_at
       FROM orders WHERE id = ?`,
    );
    expect(() => copy.run(order.id)).toThrow(/UNIQUE constraint failed: orders.sim_iccid/);
  });
});
