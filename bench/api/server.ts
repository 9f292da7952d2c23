/**
 * The server side of the API benchmark, in its own process (the load generator and the WebSocket
 * clients run in the parent, so they never share this event loop): the real services over a copy
 * of the fixture database (WAL, synchronous FULL), `buildServer(deps)` with the outbox for
 * `/ws/orders` and the rate limit raised, listening on 127.0.0.1:0. Driven over IPC:
 *   { op: 'sms', iccid, text }   match one SMS through the real MatchingService (a fan-out round)
 *   { op: 'profile-start' } / { op: 'profile-stop', saveTo? }   CPU profile of the server
 *   { op: 'stop' }               close the server and exit
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  CatalogService,
  CustomerService,
  MatchingService,
  OrderService,
} from '../../src/domain/index.js';
import { buildServer } from '../../src/api/index.js';
import { ManualClock, silentLogger } from '../../src/shared/index.js';
import { createStore, openDatabase } from '../../src/store/index.js';
import { attribute, startProfile, type Attribution } from '../ingest/profile.js';

export interface ServerSpec {
  readonly file: string;
  readonly now: number;
  readonly rateLimitPerMinute: number;
}

export type ServerRequest =
  | { readonly op: 'sms'; readonly id: number; readonly iccid: string; readonly text: string }
  | { readonly op: 'profile-start'; readonly id: number }
  | { readonly op: 'profile-stop'; readonly id: number; readonly saveTo?: string }
  | { readonly op: 'stop'; readonly id: number };

export interface ServerReply {
  readonly id: number;
  /** `sms`: performance.timeOrigin + now() just before the SMS went to matching (epoch ms). */
  readonly startedAt?: number;
  readonly attribution?: Attribution;
  readonly error?: string;
}

/** Wall-clock time in epoch ms with sub-millisecond resolution, comparable across processes. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export async function serve(spec: ServerSpec): Promise<void> {
  const clock = new ManualClock(spec.now);
  const store = createStore(openDatabase(spec.file));
  const app = buildServer({
    catalog: new CatalogService(store.catalog, clock),
    // As the daemon runs it (config api.authCacheMs, default 1 s).
    customers: new CustomerService(store.customers, clock, { authCacheMs: 1000 }),
    orders: new OrderService(store.orders, clock),
    matching: new MatchingService(store.orders, clock),
    events: store.events,
    clock,
    logger: silentLogger,
    config: { rateLimitPerMinute: spec.rateLimitPerMinute, legacyMode: 'sms-activate' },
  });
  const matching = new MatchingService(store.orders, clock);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopProfile: Awaited<ReturnType<typeof startProfile>> | undefined;

  process.on('message', (message: ServerRequest) => {
    const reply = (body: Omit<ServerReply, 'id'>) => process.send?.({ id: message.id, ...body });
    const handle = async (): Promise<Omit<ServerReply, 'id'>> => {
      switch (message.op) {
        case 'sms': {
          const startedAt = epochNow();
          await matching.onInboundSms({
            iccid: message.iccid,
            inboundMessageId: null,
            sender: 'Telegram',
            text: message.text,
            sentAt: clock.now() - 1_000,
            receivedAt: clock.now(),
          });
          await clock.advance(1_000);
          return { startedAt };
        }
        case 'profile-start':
          stopProfile = await startProfile();
          return {};
        case 'profile-stop': {
          const profile = await stopProfile?.();
          stopProfile = undefined;
          return profile ? { attribution: attribute(profile, message.saveTo) } : {};
        }
        case 'stop':
          await app.close();
          store.db.close();
          return {};
      }
    };
    handle().then(
      (body) => {
        reply(body);
        if (message.op === 'stop') process.disconnect();
      },
      (error: unknown) => reply({ error: String(error) }),
    );
  });
  process.send?.({ id: 0, port });
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** The parent's handle on the server process. */
export interface ServerHandle {
  readonly port: number;
  request(body: WithoutId<ServerRequest>): Promise<ServerReply>;
  stop(): Promise<void>;
}

export function startServer(entry: string, spec: ServerSpec): Promise<ServerHandle> {
  const execArgv = [...process.execArgv];
  if (!execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
  const child: ChildProcess = fork(entry, ['--server', JSON.stringify(spec)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (reply: ServerReply) => void>();
  let next = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
    child.on('message', (message: ServerReply & { port?: number }) => {
      if (message.id === 0 && message.port) {
        resolve({
          port: message.port,
          request: (body) =>
            new Promise((done, fail) => {
              const id = next++;
              waiting.set(id, (r) => (r.error ? fail(new Error(r.error)) : done(r)));
              child.send({ ...body, id });
            }),
          stop: async () => {
            const id = next++;
            child.send({ op: 'stop', id });
            await exited;
          },
        });
        return;
      }
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    });
  });
}
