/**
 * One process of the concurrency test: its own connection to the database file, purchases in a
 * loop as soon as the parent says go. Prints one JSON line: the result codes.
 *   node --import tsx purchase-worker.ts <db file> <principals JSON> <count> <now ms>
 */
import { createInterface } from 'node:readline';
import { OrderService, type Principal } from '../../../src/domain/index.js';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import { createStore, openDatabase } from '../../../src/store/index.js';

const [file, principalsJson, countText, nowText] = process.argv.slice(2);
const principals = JSON.parse(principalsJson ?? '[]') as Principal[];
const store = createStore(openDatabase(file ?? '', { busyTimeoutMs: 60_000 }));
const orders = new OrderService(store.orders, new ManualClock(Number(nowText)));

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
lines.once('line', () => {
  void (async () => {
    const codes: string[] = [];
    for (let i = 0; i < Number(countText); i++) {
      const principal = principals[i % principals.length]!;
      try {
        await orders.purchase(principal, { service: 'tg', country: 'GB' });
        codes.push('ok');
      } catch (error) {
        codes.push(isSimpoolError(error) ? error.code : String(error));
      }
    }
    store.db.close();
    process.stdout.write(`${JSON.stringify(codes)}\n`);
    lines.close();
  })();
});
