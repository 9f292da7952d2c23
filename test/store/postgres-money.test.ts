/**
 * Money across hosts on PostgreSQL: three pools (hosts) credit and debit the same balances at
 * once. Balances change in one statement each, so no update is lost, none goes below zero, and
 * each (customer, sandbox) ledger chain (before = previous after) stays exact.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEntry, Outcome } from '../../src/domain/index.js';
import { PostgresLedgerWriter } from '../../src/store/postgres/ledger-writer.js';
import { PostgresOutboxWriter } from '../../src/store/postgres/outbox-writer.js';
import { prng } from '../helpers/prng.js';
import { closeHosts, openHosts, type Host } from './postgres-hosts.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

interface Operation {
  readonly host: number;
  readonly customerId: string;
  readonly sandbox: boolean;
  readonly delta: number;
}

interface LedgerRow {
  readonly customer_id: string;
  readonly sandbox: number;
  readonly amount: number;
  readonly balance_before: number;
  readonly balance_after: number;
}

describe('money across three hosts sharing PostgreSQL', () => {
  let hosts: Host[] = [];
  afterEach(() => closeHosts(hosts));

  async function customers(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => `cus_${i}`);
    for (const id of ids) {
      await hosts[0]!.store.customers.createCustomer({
        id,
        email: `${id}@example.com`,
        createdAt: T0,
        bannedUntil: null,
      });
    }
    return ids;
  }

  /** A credit through the port, a debit through the ledger writer (as a purchase does). */
  function apply(op: Operation, ledgers: PostgresLedgerWriter[]): Promise<Outcome<LedgerEntry>> {
    const host = hosts[op.host]!;
    if (op.delta > 0) {
      return host.store.customers
        .credit(
          {
            customerId: op.customerId,
            sandbox: op.sandbox,
            type: 'deposit',
            amountUnits: op.delta,
            description: 'deposit',
          },
          T0,
        )
        .then((entry) => ({ ok: true as const, value: entry }));
    }
    return host.db.transaction((client) =>
      ledgers[op.host]!.tryMove(client, {
        customerId: op.customerId,
        sandbox: op.sandbox,
        type: 'purchase',
        amountUnits: op.delta,
        orderId: null,
        description: 'purchase',
        now: T0,
      }),
    );
  }

  const pairKey = (customerId: string, sandbox: boolean | number) =>
    `${customerId}/${sandbox === true || sandbox === 1 ? 1 : 0}`;

  it('keeps every balance exact and every ledger chain unbroken under concurrent credits and debits', async () => {
    hosts = await openHosts('money', 3);
    const ids = await customers(5);
    const ledgers = hosts.map((h) => new PostgresLedgerWriter(new PostgresOutboxWriter(h.db)));
    const random = prng(20260101);
    const operations: Operation[] = Array.from({ length: 360 }, (_, i) => ({
      host: i % 3,
      customerId: ids[Math.floor(random() * ids.length)]!,
      sandbox: random() < 0.25,
      delta: random() < 0.45 ? 1 + Math.floor(random() * 3000) : -(1 + Math.floor(random() * 4000)),
    }));

    // Watches the balances while the operations run: none is ever seen below zero.
    let running = true;
    let lowest = Number.POSITIVE_INFINITY;
    const watcher = (async () => {
      while (running) {
        const { rows } = await hosts[1]!.db.query<{ low: number | null }>(
          'SELECT MIN(balance) AS low FROM balances',
        );
        if (rows[0]?.low !== null && rows[0]?.low !== undefined) {
          lowest = Math.min(lowest, rows[0].low);
        }
      }
    })();
    const outcomes = await Promise.all(operations.map((op) => apply(op, ledgers)));
    running = false;
    await watcher;
    expect(lowest).toBeGreaterThanOrEqual(0);

    const accepted = new Map<string, number>();
    for (const [i, outcome] of outcomes.entries()) {
      const op = operations[i]!;
      if (outcome.ok) {
        const key = pairKey(op.customerId, op.sandbox);
        accepted.set(key, (accepted.get(key) ?? 0) + op.delta);
      }
    }
    const refused = outcomes.filter((o) => !o.ok).length;
    const acceptedDebits = outcomes.filter((o, i) => o.ok && operations[i]!.delta < 0).length;
    // The workload did what it is for: debits that went through and debits that could not.
    expect(refused).toBeGreaterThan(20);
    expect(acceptedDebits).toBeGreaterThan(50);

    const { rows: ledger } = await hosts[2]!.db.query<LedgerRow>(
      'SELECT customer_id, sandbox, amount, balance_before, balance_after FROM ledger ORDER BY id',
    );
    expect(ledger).toHaveLength(outcomes.length - refused);
    const states = new Map<string, number[]>();
    for (const row of ledger) {
      const chain = states.get(pairKey(row.customer_id, row.sandbox)) ?? [0];
      states.set(pairKey(row.customer_id, row.sandbox), chain);
      expect(row.balance_before).toBe(chain.at(-1));
      expect(row.balance_after).toBe(row.balance_before + row.amount);
      expect(row.balance_after).toBeGreaterThanOrEqual(0);
      chain.push(row.balance_after);
    }
    const { rows: balances } = await hosts[0]!.db.query<{
      customer_id: string;
      sandbox: number;
      balance: number;
    }>('SELECT customer_id, sandbox, balance FROM balances');
    for (const b of balances) {
      const key = pairKey(b.customer_id, b.sandbox);
      expect(b.balance, key).toBe(accepted.get(key) ?? 0);
      expect(b.balance, key).toBe(states.get(key)?.at(-1) ?? 0);
    }
    expect(balances.length).toBe(states.size);

    // A refusal names a balance the chain really had, and one too low for the debit.
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.ok) continue;
      const op = operations[i]!;
      expect(outcome.refusal).toMatchObject({
        code: 'insufficient_balance',
        requiredUnits: -op.delta,
      });
      const current = (outcome.refusal as { currentUnits: number }).currentUnits;
      expect(current).toBeLessThan(-op.delta);
      expect(states.get(pairKey(op.customerId, op.sandbox)) ?? [0]).toContain(current);
    }
    const { rows: events } = await hosts[0]!.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM events WHERE type = 'balance.changed'",
    );
    expect(events[0]?.n).toBe(ledger.length);
  });

  it('lets exactly as many racing debits through as the balance covers, refusing only the rest', async () => {
    hosts = await openHosts('money_race', 3);
    const [alice, bob] = await customers(2);
    const unit = 700;
    // 100 debits' worth and a remainder, for each of two customers; 150 debits each.
    for (const id of [alice!, bob!]) {
      await hosts[0]!.store.customers.credit(
        {
          customerId: id,
          sandbox: false,
          type: 'deposit',
          amountUnits: 100 * unit + 123,
          description: 'd',
        },
        T0,
      );
    }
    const ledgers = hosts.map((h) => new PostgresLedgerWriter(new PostgresOutboxWriter(h.db)));
    const operations: Operation[] = Array.from({ length: 300 }, (_, i) => ({
      host: i % 3,
      customerId: i % 2 === 0 ? alice! : bob!,
      sandbox: false,
      delta: -unit,
    }));
    const outcomes = await Promise.all(operations.map((op) => apply(op, ledgers)));
    for (const id of [alice!, bob!]) {
      const mine = outcomes.filter((_, i) => operations[i]!.customerId === id);
      // A debit refused while the balance still covered it would leave a unit behind.
      expect(mine.filter((o) => o.ok)).toHaveLength(100);
      expect(await hosts[1]!.store.customers.balance(id, false)).toBe(123);
      for (const o of mine) {
        if (!o.ok)
          expect(o.refusal).toEqual({
            code: 'insufficient_balance',
            requiredUnits: unit,
            currentUnits: 123,
          });
      }
    }
  });
});
