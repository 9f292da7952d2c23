/**
 * One "host" of a cluster, short of a whole daemon: simulated modems (identities of its host id)
 * in a real ModemPool over its own SQLite file, the daemon's modem view (PoolModems), the admin
 * service and its host-command client and worker over a given HostCommandPort — the shared
 * database's. Test SMS are queued as a customer of this host's store, through MessagingService.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PoolModems } from '../../src/daemon/admin-modems.js';
import {
  AdminService,
  CatalogService,
  CustomerService,
  HostCommandClient,
  HostCommandWorker,
  MessagingService,
  type HostCommandPort,
  type MessagingPrincipal,
} from '../../src/domain/index.js';
import { ModemPool } from '../../src/pool/index.js';
import type { ManualClock } from '../../src/shared/index.js';
import { SimulatedModem } from '../../src/simulator/index.js';
import { createStore, openDatabase, type SqliteStore } from '../../src/store/index.js';
import { advanceUntil } from './advance.js';

export interface ModemHost {
  readonly hostId: string;
  readonly simulated: readonly SimulatedModem[];
  readonly pool: ModemPool;
  readonly modems: PoolModems;
  readonly admin: AdminService;
  readonly worker: HostCommandWorker;
  /** This host's own SQLite store (its pool's inventory, its messages). */
  readonly store: SqliteStore;
  close(): Promise<void>;
}

export interface ModemHostOptions {
  readonly hostId: string;
  readonly commands: HostCommandPort;
  readonly clock: ManualClock;
  readonly modems: number;
  /** Per modem index: USSD code → network answer. */
  readonly ussdReplies?: Readonly<Record<string, string>>;
  /** The asker's wait and the worker's expiry (default the product's 30 s). */
  readonly commandTimeoutMs?: number;
  /** Start the worker (default true): a host that is down takes no commands. */
  readonly worker?: boolean;
}

export async function startModemHost(options: ModemHostOptions): Promise<ModemHost> {
  const { hostId, clock, commands } = options;
  const dir = await mkdtemp(path.join(os.tmpdir(), `simpool-${hostId}-`));
  const store = createStore(openDatabase(path.join(dir, 'simpool.db')));
  const simulated = Array.from(
    { length: options.modems },
    (_, index) =>
      new SimulatedModem({
        index,
        hostId,
        clock,
        ...(options.ussdReplies ? { ussdReplies: options.ussdReplies } : {}),
      }),
  );
  const pool = new ModemPool({
    sources: [],
    fixedSlots: simulated.map((modem) => ({
      address: `simulated:${modem.index}`,
      linkFactory: modem.connect,
    })),
    inventory: store.inventory,
    inbound: store.inbound,
    outbound: store.outbound,
    clock,
  });
  const starting = pool.start();
  await advanceUntil(
    clock,
    () => pool.modems().filter((m) => m.state === 'ready').length === options.modems,
  );
  await starting;

  const customers = new CustomerService(store.customers, clock);
  const catalog = new CatalogService(store.catalog, clock);
  const messaging = new MessagingService(store.messaging, clock, {
    onQueued: () => pool.wakeSenders(),
  });
  const sender = await principal(customers, `operator@${hostId}.example`);
  const modems = new PoolModems({
    pool,
    sendSms: async (iccid, to, body) =>
      (await messaging.send({ to, body, from: iccid }, sender)).id,
    clock,
  });
  const timing =
    options.commandTimeoutMs === undefined ? {} : { timeoutMs: options.commandTimeoutMs };
  const admin = new AdminService({
    ports: store.admin,
    modems,
    customers,
    catalog,
    clock,
    hostCommands: new HostCommandClient({ port: commands, hostId, clock, ...timing }),
  });
  const worker = new HostCommandWorker({
    port: commands,
    hostId,
    clock,
    execute: (command) => admin.runHostCommand(command),
    ...(options.commandTimeoutMs === undefined ? {} : { expireAfterMs: options.commandTimeoutMs }),
  });
  if (options.worker ?? true) await worker.start();
  return {
    hostId,
    simulated,
    pool,
    modems,
    admin,
    worker,
    store,
    async close() {
      await worker.stop();
      await worker.idle();
      modems.close();
      await pool.stop();
      for (const modem of simulated) modem.close();
      store.db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function principal(customers: CustomerService, email: string): Promise<MessagingPrincipal> {
  const customer = await customers.createCustomer(email);
  const { key } = await customers.createKey(customer.id, { scopes: ['messages'] });
  return { customerId: customer.id, apiKeyId: key.id, scopes: key.scopes, sandbox: false };
}
