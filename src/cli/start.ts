import type { Command } from 'commander';
import {
  describeDatabase,
  ensureDemoCustomer,
  onlySimulatedModems,
  startDaemon,
  trustProxyFromText,
} from '../daemon/index.js';
import { createLogger } from '../shared/index.js';
import { configFrom, withStoreOptions, type StoreOptions } from './common.js';
import { integer, stopSignals } from './options.js';

interface StartOptions extends StoreOptions {
  readonly hostId?: string;
  readonly modems?: string;
  readonly host?: string;
  readonly port?: number;
  readonly simulatorPort?: number;
  readonly trustProxy?: boolean | string[];
}

async function runStart(options: StartOptions): Promise<void> {
  const config = configFrom(options, {
    ...(options.hostId === undefined ? {} : { hostId: options.hostId }),
    ...(options.modems === undefined
      ? {}
      : { modems: options.modems.split(',').map((m) => m.trim()) }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.simulatorPort === undefined ? {} : { simulatorControlPort: options.simulatorPort }),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  const logger = createLogger(config.logLevel);
  const stop = stopSignals();
  const daemon = await startDaemon(config, { logger });
  if (stop.received()) {
    logger.info('stop asked during start-up');
    await daemon.stop();
    logger.info('stopped');
    return;
  }
  // Nothing but simulated modems: a demo, with a customer a newcomer can use at once.
  const demo = onlySimulatedModems(config.modems)
    ? await ensureDemoCustomer(config.dataDir, daemon.rental.customers)
    : null;
  const url = daemon.api.url;
  console.log(`simpool started; data in ${config.dataDir}`);
  console.log(`  host id: ${config.hostId}; database: ${describeDatabase(config.database)}`);
  console.log(`  modems: ${config.modems.join(', ')}`);
  console.log(`  API: ${url}/api/v1 (legacy: ${url}/stubs/handler_api.php)`);
  console.log(`  admin page: ${url}/admin/`);
  console.log(`  API docs: ${url}/docs (OpenAPI: ${url}/openapi.json)`);
  console.log(`  health: ${url}/health, metrics: ${url}/metrics`);
  // Secrets are shown once, on the start that created them; later starts say where they are.
  if (demo?.key) console.log(`  demo customer API key (new, 10 USD): ${demo.key}`);
  else if (demo) console.log(`  demo customer API key: in ${demo.file}`);
  const { credential } = daemon.admin;
  if (credential.created) console.log(`  admin credential (new): ${credential.credential}`);
  else console.log(`  admin credential: in ${credential.file} (simpool admin credential)`);
  if (daemon.simulator) {
    console.log(`  simulated modems' control API: ${daemon.simulator.control.url}/modems`);
  }
  const signal = await Promise.race([stop.signal, daemon.fenced.then(() => 'fenced' as const)]);
  if (signal === 'fenced') {
    // Its modems stopped already; a supervisor (systemd) starts it again under a new epoch.
    await daemon.stop();
    console.error(
      `simpool: host id "${config.hostId}" was taken over by another process while this one ` +
        'could not renew its lease; stopped (host_fenced)',
    );
    process.exitCode = 1;
    return;
  }
  logger.info({ signal }, 'stopping: finishing the AT commands in flight');
  await daemon.stop();
  logger.info('stopped');
}

export function registerStartCommand(program: Command): void {
  withStoreOptions(program.command('start'))
    .description(
      'Run the appliance: modems, store, REST/legacy/WebSocket API, webhooks, admin page, metrics',
    )
    .option(
      '--host-id <id>',
      "this host's name among the hosts sharing one database; also seeds the simulated SIMs' " +
        'identities (overrides the config; default: the hostname)',
    )
    .option(
      '-m, --modems <list>',
      'comma-separated device paths, globs, tcp://host:port URLs or simulated:N (overrides the config; default simulated:4)',
    )
    .option(
      '--host <host>',
      'address the HTTP endpoints listen on (overrides the config; default 127.0.0.1)',
    )
    .option(
      '-p, --port <port>',
      'HTTP port (overrides the config; default 8080)',
      integer(0, 65535),
    )
    .option(
      '--simulator-port <port>',
      "control API port of the simulated modems (overrides the config's simulatorControlPort; default 8765, 0: any free port)",
      integer(0, 65535),
    )
    .option(
      '--trust-proxy <proxies>',
      'reverse proxies whose X-Forwarded-For/-Proto are believed (client address, HTTPS for the admin cookie): ' +
        'true, false, or comma-separated addresses, ranges (10.0.0.0/8), loopback (overrides the config; default false)',
      trustProxyFromText,
    )
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}
