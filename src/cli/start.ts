import type { Command } from 'commander';
import { startDaemon } from '../daemon/index.js';
import { createLogger } from '../shared/index.js';
import { configFrom, withStoreOptions, type StoreOptions } from './common.js';
import { integer, untilStopSignal } from './options.js';

interface StartOptions extends StoreOptions {
  readonly modems?: string;
  readonly host?: string;
  readonly port?: number;
}

async function runStart(options: StartOptions): Promise<void> {
  const config = configFrom(options, {
    ...(options.modems === undefined
      ? {}
      : { modems: options.modems.split(',').map((m) => m.trim()) }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const logger = createLogger(config.logLevel);
  const daemon = await startDaemon(config, { logger });
  console.log(`simpool started; data in ${config.dataDir}`);
  console.log(`  modems: ${config.modems.join(', ')}`);
  console.log(`  API: ${daemon.api.url}/api/v1 (legacy: ${daemon.api.url}/stubs/handler_api.php)`);
  console.log(`  health: ${daemon.api.url}/health`);
  console.log(`  admin API: ${daemon.api.url}/api/v1/admin (live feed: /ws/admin)`);
  const { credential } = daemon.admin;
  // Shown once, on the start that created it; `simpool admin credential` prints it on request.
  if (credential.created) console.log(`  admin credential (new): ${credential.credential}`);
  else console.log(`  admin credential: in ${credential.file} (simpool admin credential)`);
  if (daemon.simulator) {
    console.log(`  simulated modems' control API: ${daemon.simulator.control.url}/modems`);
  }
  const signal = await untilStopSignal();
  logger.info({ signal }, 'stopping: finishing the AT commands in flight');
  await daemon.stop();
  logger.info('stopped');
}

export function registerStartCommand(program: Command): void {
  withStoreOptions(program.command('start'))
    .description('Run the appliance: the modem pool, the store and the HTTP API')
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
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}
