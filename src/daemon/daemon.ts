import { MessagingService } from '../domain/index.js';
import { ModemPool, parseModemSource, type FixedSlot, type ModemSource } from '../pool/index.js';
import { describeError, systemClock, type Clock, type Logger } from '../shared/index.js';
import { ModemBank, startControlServer, type ControlServer } from '../simulator/index.js';
import { simpoolVersion, startAdmin, type Admin } from './admin.js';
import { startApiServer, type ApiListener } from './api-server.js';
import type { Config } from './config.js';
import { startHostLease } from './host-lease.js';
import { startOrderEngine, type OrderEngine } from './order-engine.js';
import { startSandboxSender, type SandboxSender } from './sandbox-sender.js';
import { SIMULATOR_LISTEN, listenFailure } from './start-failures.js';
import { StopStack } from './stop-stack.js';
import { openConfiguredStore } from './store-open.js';
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
  /**
   * Resolves if another process takes this host id over (this host's lease had expired): the
   * modems' work is stopped already; the caller should stop the daemon and exit non-zero.
   */
  readonly fenced: Promise<void>;
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
 * engine and the HTTP API, started in that order and stopped in the reverse one. A failure
 * part-way (API port taken, database unwritable) stops what had started, modems included, and
 * rejects with an error naming the setting to change.
 */
export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const started = new StopStack(options.logger);
  try {
    return await startParts(config, options, started);
  } catch (error) {
    await started.unwind();
    throw error;
  }
}

async function startParts(
  config: Config,
  options: DaemonOptions,
  started: StopStack,
): Promise<Daemon> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const { watched, simulated } = splitSources(config.modems);
  const repositories = await openConfiguredStore(config, {
    onMigration: (id, name) => logger.info({ id, name }, 'database migrated'),
    onError: (error) => logger.warn({ err: describeError(error) }, 'database connection trouble'),
    clock,
  });
  started.push('database', () => repositories.close());

  // The host id is taken before any modem is opened: a second daemon with the same host id on
  // the same database stops here (host_id_in_use), its modems untouched.
  const modemWork: { stop?: () => Promise<void> } = {};
  // Set once the order engine runs (it starts after the lease, which reaps from its first renewal).
  const afterReap: { replay?: (hostIds: readonly string[]) => Promise<void> } = {};
  let markFenced!: () => void;
  const fenced = new Promise<void>((resolve) => (markFenced = resolve));
  let wasFenced = false;
  const lease = await startHostLease({
    hosts: repositories.hosts,
    hostId: config.hostId,
    version: simpoolVersion(),
    leaseTtlMs: config.hostLeaseTtlMs,
    clock,
    logger,
    onFenced: () => {
      wasFenced = true;
      void modemWork.stop?.().catch((error: unknown) => {
        logger.warn({ err: describeError(error) }, 'stopping the modems failed');
      });
      markFenced();
    },
    onReaped: (reaped) => {
      // SMS a dead host committed but never matched reach their orders now, not at its return.
      void afterReap.replay?.(reaped.map((host) => host.hostId)).catch((error: unknown) => {
        logger.warn({ err: describeError(error) }, 'matching the SMS of dead hosts failed');
      });
    },
  });
  // Stopped after everything but the store: its SIMs go offline for other hosts at once.
  started.push('host lease', () => lease.stop());

  let simulator: Daemon['simulator'] = null;
  const fixedSlots: FixedSlot[] = [];
  if (simulated > 0) {
    // Identities from the host id: hosts sharing one database never share a simulated SIM.
    const bank = new ModemBank({
      count: simulated,
      flavour: 'mixed',
      clock,
      hostId: config.hostId,
    });
    started.push('simulated modems', () => bank.close());
    const port = config.simulatorControlPort;
    const control = await startControlServer(bank, { port }).catch((error: unknown) => {
      throw listenFailure(SIMULATOR_LISTEN, { host: '127.0.0.1', port }, error);
    });
    started.push('simulator control API', () => control.close());
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
    deliveryGuarantee: config.messaging.deliveryGuarantee,
    calls: config.calls,
  });
  pool.on('message', (message) =>
    logger.info(
      { id: message.id, iccid: message.iccid, sender: message.sender, complete: message.complete },
      'SMS received',
    ),
  );
  // Once, whether a fencing or the daemon's stop asks first.
  let poolStopping: Promise<void> | undefined;
  const stopPool = (): Promise<void> => (poolStopping ??= pool.stop());
  modemWork.stop = stopPool;
  // Registered before start: a start that fails half-way has modems to close all the same.
  started.push('modem pool', stopPool);
  await pool.start();
  if (wasFenced) await stopPool();
  // Work queued through another host's API (PostgreSQL) is sent at once, not at the next sweep.
  const stopHearingQueued = repositories.onOutboundQueuedElsewhere(() => pool.wakeSenders());
  started.push('outbound wake-ups', stopHearingQueued);
  const rental = await startOrderEngine(repositories, pool, config, { clock, logger });
  afterReap.replay = (hostIds) => rental.replayUnmatchedOf(hostIds);
  started.push('order engine', () => {
    delete afterReap.replay;
    return rental.stop();
  });
  const sandbox = startSandboxSender({
    deliveries: repositories.sandboxDeliveries,
    modems: simulator?.bank.modems ?? [],
    clock,
    logger,
  });
  started.push('sandbox sender', () => sandbox.stop());
  const webhooks = await startWebhooks(repositories, config, { clock, logger });
  started.push('webhooks', () => webhooks.stop());
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
  started.push('admin', () => admin.stop());
  const api = await startApiServer(
    {
      admin,
      messaging,
      rental,
      pool,
      databaseWritable: () => repositories.writable(),
      idempotency: repositories.idempotency,
      idempotencyHolder: { hostId: lease.session.hostId, epoch: lease.session.epoch },
      webhooks: webhooks.service,
      events: repositories.events,
      stats: repositories.stats,
    },
    config,
    { clock, logger },
  );
  // The API stops first: no request may reach services whose store is closing.
  started.push('API server', () => api.close());
  // For `simpool hosts` and other hosts' admin pages; a failure here only leaves it unknown.
  await lease.session.setApiUrl(api.url).catch((error: unknown) => {
    logger.warn({ err: describeError(error) }, 'recording the API URL of this host failed');
  });

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
    fenced,
    stop() {
      stopping ??= started.unwind();
      return stopping;
    },
  };
}
