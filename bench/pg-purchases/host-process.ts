/**
 * One host of the PostgreSQL purchase benchmark, in a process of its own (as each daemon is):
 * its pool and store on the scenario's database, its buyers buying (and, in a cycle, cancelling
 * or finishing), the round trips each command causes. Forked by bench/pg-purchases.ts:
 *
 *   parent → child (argv):   the HostJob below
 *   child → parent:          { type: 'ready' } once warmed up
 *   parent → child:          'go'
 *   child → parent:          { type: 'result', … } (HostResult), then it exits
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  DEFAULT_ORDER_RULES,
  leastRecentlyUsed,
  type Order,
  type OrderCommandContext,
  type Principal,
} from '../../src/domain/index.js';
import { systemClock } from '../../src/shared/index.js';
import { closeHosts, openHosts, type Host } from './fixture.js';

export type Command = 'purchase' | 'cancel' | 'attachSms' | 'finish';

export interface HostJob {
  readonly url: string;
  readonly hostIndex: number;
  readonly principals: readonly Principal[];
  readonly buyers: number;
  /** Buyers of every host together: each purchase goes to another customer than theirs. */
  readonly allBuyers: number;
  readonly warmup: number;
  readonly purchases: number;
  readonly cycle: boolean;
}

export interface HostResult {
  readonly type: 'result';
  readonly latencies: Partial<Record<Command, number[]>>;
  /** Round trips per command, and `<command>:numbering` for the numbering passes it started. */
  readonly trips: Record<string, number>;
  readonly errors: string[];
  readonly cpuMs: number;
}

const HOLD_PASSED_MS = 10 * 60_000;
const SERVICES = ['tg', 'wa', 'go', 'fb', 'ig', 'tw', 'vi', 'wb'];
const RULES = { ...DEFAULT_ORDER_RULES, maxCancelsPerService: 1_000_000 };

// Round trips, charged to the command running when the query was sent.
const running = new AsyncLocalStorage<Command>();
const NUMBERING = 'SELECT pg_advisory_xact_lock';
const trips = new Map<string, number>();
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  const command = running.getStore();
  if (command !== undefined) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string }).text;
    const key = text?.startsWith(NUMBERING) ? `${command}:numbering` : command;
    trips.set(key, (trips.get(key) ?? 0) + 1);
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

async function runHost(job: HostJob): Promise<void> {
  const [host] = (await openHosts(job.url, 1, job.hostIndex)) as [Host];
  const latencies = new Map<Command, number[]>();
  const errors: string[] = [];
  let purchases = 0;
  let sms = 0;
  const ctx = (): OrderCommandContext => ({
    now: systemClock.now(),
    rules: RULES,
    policy: leastRecentlyUsed,
  });
  async function timed<T>(command: Command, work: () => Promise<T>): Promise<T | undefined> {
    const started = performance.now();
    try {
      const outcome = await running.run(command, work);
      const failed = outcome as { ok?: boolean; refusal?: { code: string } };
      if (failed.ok === false) {
        errors.push(`${command}: ${failed.refusal?.code ?? 'refused'}`);
        return undefined;
      }
      return outcome;
    } catch (error) {
      errors.push(`${command}: ${(error as Error).message}`);
      return undefined;
    } finally {
      const list = latencies.get(command) ?? [];
      list.push(performance.now() - started);
      latencies.set(command, list);
    }
  }
  async function buyer(index: number, total: number): Promise<void> {
    for (let i = 0; purchases < total; i++) {
      purchases++;
      // Customers in turn, none bought for by two buyers at once.
      const principal = job.principals[(index + i * job.allBuyers) % job.principals.length]!;
      const service = SERVICES[(index + i) % SERVICES.length]!;
      const bought = await timed('purchase', () =>
        host.store.orders.purchase({ ...principal, service, country: 'GB' }, ctx()),
      );
      if (!job.cycle || !bought?.ok) continue;
      const order: Order = bought.value;
      if (i % 2 === 0) {
        await timed('cancel', () =>
          host.store.orders.cancel(principal.customerId, order.id, {
            ...ctx(),
            now: systemClock.now() + HOLD_PASSED_MS,
          }),
        );
        continue;
      }
      const now = systemClock.now();
      const text = `Your code: ${10_000 + (++sms % 90_000)}`;
      const message = { iccid: order.simIccid, inboundMessageId: null, sender: 'Bench', text };
      await timed('attachSms', async () => {
        const result = await host.store.orders.attachSms(
          { ...message, sentAt: now, receivedAt: now },
          ctx(),
        );
        return result.kind === 'matched' ? result : { ok: false, refusal: { code: result.kind } };
      });
      await timed('finish', () => host.store.orders.finish(principal.customerId, order.id, ctx()));
    }
  }
  const run = async (total: number) => {
    purchases = 0;
    const first = job.hostIndex * job.buyers;
    await Promise.all(Array.from({ length: job.buyers }, (_, b) => buyer(first + b, total)));
    await host.store.events.numberCommittedEvents();
  };
  try {
    // Warm-up: connections opened, statements prepared, JIT warm.
    await run(job.warmup);
    latencies.clear();
    trips.clear();
    errors.length = 0;
    const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
    process.send?.({ type: 'ready' });
    await go;
    const cpuBefore = process.cpuUsage();
    await run(job.purchases);
    const cpu = process.cpuUsage(cpuBefore);
    const result: HostResult = {
      type: 'result',
      latencies: Object.fromEntries(latencies),
      trips: Object.fromEntries(trips),
      errors,
      cpuMs: (cpu.user + cpu.system) / 1e3,
    };
    await new Promise<void>((resolve) => process.send?.(result, () => resolve()));
  } finally {
    await closeHosts([host]);
  }
}

runHost(JSON.parse(process.argv[2] ?? '{}') as HostJob).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
