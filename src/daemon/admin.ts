/**
 * The operator side inside the daemon: the operator account and its admin credential (generated
 * on first start, kept in the data directory), the modem view over the pool, and AdminService
 * for the admin API.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SystemInfo } from '../api/index.js';
import {
  AdminService,
  HostCommandClient,
  HostCommandWorker,
  OperatorAccount,
  type MessagingPrincipal,
  type MessagingService,
} from '../domain/index.js';
import type { ModemPool } from '../pool/index.js';
import { SimpoolError, describeError, type Clock, type Logger } from '../shared/index.js';
import type { Store } from '../store/index.js';
import { ensureAdminCredential, type AdminCredential } from './admin-credential.js';
import { PoolModems } from './admin-modems.js';
import { describeDatabase } from './config-database.js';
import type { Config } from './config.js';
import type { OrderEngine } from './order-engine.js';
import type { Webhooks } from './webhooks.js';

export interface Admin {
  readonly service: AdminService;
  readonly operator: OperatorAccount;
  /** The admin credential; `created` on the start that generated it. */
  readonly credential: AdminCredential;
  readonly system: SystemInfo;
  /** Carries out the modem actions other hosts ask of this host's modems. */
  readonly hostCommands: HostCommandWorker;
  stop(): Promise<void>;
}

export async function startAdmin(
  parts: {
    readonly store: Store;
    readonly pool: ModemPool;
    readonly rental: OrderEngine;
    readonly webhooks: Webhooks;
    readonly messaging: MessagingService;
  },
  config: Config,
  deps: { readonly clock: Clock; readonly logger: Logger },
): Promise<Admin> {
  const { store, pool, rental, webhooks, messaging } = parts;
  const operator = new OperatorAccount(store.admin.accounts, rental.customers, deps.clock);
  const credential = await ensureAdminCredential(config.dataDir, operator);
  if (credential.created) deps.logger.info({ file: credential.file }, 'admin credential created');
  // The admin page's test SMS is sent as the operator, by the admin credential's key.
  const sender = await operatorPrincipal(rental, credential.credential);
  const modems = new PoolModems({
    pool,
    sendSms: async (iccid, to, body) =>
      (await messaging.send({ to, body, from: iccid }, sender)).id,
    clock: deps.clock,
  });
  // A modem another host drives is acted on by that host (docs/several-hosts.md).
  const hostCommands = { port: store.hostCommands, hostId: config.hostId, clock: deps.clock };
  const service = new AdminService({
    ports: store.admin,
    modems,
    customers: rental.customers,
    catalog: rental.catalog,
    webhooks: webhooks.service,
    clock: deps.clock,
    onDeliveryRetried: () => webhooks.worker.poke(),
    operator,
    hostCommands: new HostCommandClient(hostCommands),
    hosts: { hostId: config.hostId, recorded: store },
  });
  const worker = new HostCommandWorker({
    ...hostCommands,
    execute: (command) => service.runHostCommand(command),
    onError: (error) =>
      deps.logger.warn({ err: describeError(error) }, 'host commands: the store failed'),
  });
  await worker.start();
  return {
    service,
    operator,
    credential,
    system: {
      version: simpoolVersion(),
      startedAt: deps.clock.now(),
      config: configSummary(config),
    },
    hostCommands: worker,
    async stop() {
      await worker.stop();
      modems.close();
    },
  };
}

/**
 * What the admin page shows of the configuration: no PINs, numbers, commands or database
 * password.
 */
export function configSummary(config: Config): Record<string, unknown> {
  return {
    host_id: config.hostId,
    host_lease_ttl_ms: config.hostLeaseTtlMs,
    data_dir: config.dataDir,
    database: describeDatabase(config.database),
    database_engine: config.database.engine,
    listen: `${config.host}:${config.port}`,
    log_level: config.logLevel,
    modems: [...config.modems],
    pins_configured: Object.keys(config.pins).length,
    numbers_configured: Object.keys(config.numbers).length,
    health_interval_ms: config.healthIntervalMs,
    sweep_interval_ms: config.sweepIntervalMs,
    power_cycle_configured: config.powerCycleCommand !== null,
    orders: { ...config.orders },
    trust_proxy: config.trustProxy,
    webhooks: {
      allow_private: config.webhooks.allowPrivate,
      allowed_hosts: [...config.webhooks.allowedHosts],
      concurrency: config.webhooks.concurrency,
      pause_after_hours: config.webhooks.pauseAfterHours,
      probe_interval_minutes: config.webhooks.probeIntervalMinutes,
    },
    api: { ...config.api },
  };
}

let version: string | undefined;

/** The version in simpool's package.json (found upwards from this file, in src/ or dist/). */
export function simpoolVersion(): string {
  if (version !== undefined) return version;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (parsed.name === 'simpool' && typeof parsed.version === 'string') {
      return (version = parsed.version);
    }
  }
  return (version = 'unknown');
}

async function operatorPrincipal(
  rental: OrderEngine,
  credential: string,
): Promise<MessagingPrincipal> {
  const found = await rental.customers.authenticate(credential);
  if (!found)
    throw new SimpoolError('internal_error', 'the admin credential does not authenticate');
  return {
    customerId: found.customer.id,
    apiKeyId: found.key.id,
    scopes: found.key.scopes,
    sandbox: false,
  };
}
