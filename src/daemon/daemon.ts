import { MessagingService } from '../domain/index.js';
import { ModemPool, parseModemSource, type FixedSlot, type ModemSource } from '../pool/index.js';
import { describeError, systemClock, type Clock, type Logger } from '../shared/index.js';
import { ModemBank, startControlServer, type ControlServer } from '../simulator/index.js';
import { openDatabase, createRepositories, type SqliteDatabase } from '../store/index.js';
import { startAdmin, type Admin } from './admin.js';
import { startApiServer, type ApiListener } from './api-server.js';
import type { Config } from './config.js';
import { startOrderEngine, type OrderEngine } from './order-engine.js';
import { startSandboxSender, type SandboxSender } from './sandbox-sender.js';
import { startWebhooks, type Webhooks } from './webhooks.js';

export interface Daemon {
  readonly pool: ModemPool;
  /** The HTTP API (REST, legacy, /health, /healthz, /readyz) on the configured host and port. */
  readonly api: ApiListener;
  /** The built-in simulated modems and their control API, when configured. */
  readonly simulator: { readonly bank: ModemBank; readonly control: ControlServer } | null;
  /** Number rental: catalog, customers and keys, orders, SMS-to-order matching. */
  readonly rental: OrderEngine;
  /** Injects sandbox orders' synthetic verification SMS into the simulated modems. */
  readonly sandbox: SandboxSender;
  /** Webhook endpoints (WebhookService for the API) and the delivery worker. */
  readonly webhooks: Webhooks;
  /** The Messaging API's service: send SMS through the pool's queue, read SMS in and out. */
  readonly messaging: MessagingService;
  /** The operator account, its admin credential and the admin API's service. */
  readonly admin: Admin;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  readonly clock?: Clock;
  readonly logger: Logger;
}

/** `simulated:N` sources become built-in simulated modems; the rest are watched addresses. */
function splitSources(modems: readonly string[]): { watched: ModemSource[]; simulated: number } {
  const watched: ModemSource[] = [];
  let simulated = 0;
  for (const spec of modems) {
    const source = parseModemSource(spec);
    if (source.kind === 'simulated') simulated += source.count;
    else watched.push(source);
  }
  return { watched, simulated };
}

/**
 * The composition root: store, simulated modems (when configured), modem pool, the rental
 * engine and the HTTP API, started in that order and stopped in the reverse one.
 */
export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const { watched, simulated } = splitSources(config.modems);
  const db: SqliteDatabase = openDatabase(config.database, {
    onMigration: (id, name) => logger.info({ id, name }, 'database migrated'),
  });
  const repositories = createRepositories(db);

  let simulator: Daemon['simulator'] = null;
  const fixedSlots: FixedSlot[] = [];
  if (simulated > 0) {
    const bank = new ModemBank({ count: simulated, flavour: 'mixed', clock });
    const control = await startControlServer(bank, { port: config.simulatorControlPort });
    simulator = { bank, control };
    for (const modem of bank.modems) {
      fixedSlots.push({ address: `simulated:${modem.index}`, linkFactory: modem.connect });
    }
  }

  const pool = new ModemPool({
    sources: watched,
    fixedSlots,
    inventory: repositories.inventory,
    inbound: repositories.inbound,
    outbound: repositories.outbound,
    clock,
    logger,
    pins: config.pins,
    numbers: config.numbers,
    healthIntervalMs: config.healthIntervalMs,
    sweepIntervalMs: config.sweepIntervalMs,
    hotplugIntervalMs: config.hotplugIntervalMs,
    reassemblyTimeoutMs: config.reassemblyTimeoutMs,
    ...(config.powerCycleCommand ? { powerCycleCommand: config.powerCycleCommand } : {}),
    timing: config.modemTiming,
    throttleFor: (iccid) => config.messaging.sims[iccid] ?? config.messaging.throttle,
    sendFromRentedSims: config.messaging.sendFromRentedSims,
    maxSendAttempts: config.messaging.maxAttempts,
  });
  pool.on('message', (message) =>
    logger.info(
      { id: message.id, iccid: message.iccid, sender: message.sender, complete: message.complete },
      'SMS received',
    ),
  );
  await pool.start();
  const rental = await startOrderEngine(repositories, pool, config, { clock, logger });
  const sandbox = startSandboxSender({
    deliveries: repositories.sandboxDeliveries,
    modems: simulator?.bank.modems ?? [],
    clock,
    logger,
  });
  const webhooks = await startWebhooks(repositories, config, { clock, logger });
  // A queued message goes out at once when a SIM is free (no wait for the next sweep).
  const messaging = new MessagingService(repositories.messaging, clock, {
    onQueued: () => pool.wakeSenders(),
  });
  const admin = await startAdmin(
    { store: repositories, pool, rental, webhooks, messaging },
    config,
    {
      clock,
      logger,
    },
  );
  const api = await startApiServer(
    {
      admin,
      messaging,
      rental,
      pool,
      db,
      idempotency: repositories.idempotency,
      webhooks: webhooks.service,
      events: repositories.events,
      stats: repositories.stats,
    },
    config,
    { clock, logger },
  );

  let stopping: Promise<void> | undefined;
  return {
    pool,
    api,
    simulator,
    rental,
    sandbox,
    webhooks,
    messaging,
    admin,
    stop() {
      stopping ??= (async () => {
        // The API first: no request may reach services whose store is closing.
        await api
          .close()
          .catch((e: unknown) => logger.warn({ err: describeError(e) }, 'API server close'));
        admin.stop();
        await webhooks.stop();
        await sandbox.stop();
        await rental.stop();
        await pool.stop();
        if (simulator) {
          await simulator.control.close();
          simulator.bank.close();
        }
        db.close();
      })();
      return stopping;
    },
  };
}
