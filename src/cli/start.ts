import type { Command } from 'commander';
import { createLogger } from '../shared/index.js';
import { ModemBank, startControlServer } from '../simulator/index.js';
import { integer, untilStopSignal } from './options.js';

interface StartOptions {
  readonly simulated: number;
  readonly host: string;
  readonly controlPort: number;
}

/**
 * The appliance. For now it runs the built-in simulated modem bank with its control API; the
 * modem pool, store and APIs join it as they are built.
 */
async function runStart(options: StartOptions): Promise<void> {
  const logger = createLogger('info', 'simpool');
  const bank = new ModemBank({ count: options.simulated, flavour: 'mixed' });
  const control = await startControlServer(bank, {
    port: options.controlPort,
    host: options.host,
  });
  console.log(
    `simpool started with ${bank.modems.length} simulated modems (no hardware configured)`,
  );
  for (const modem of bank.modems) {
    const { imei, iccid, msisdn, operatorName } = modem.identity;
    console.log(
      `  modem ${modem.index}: ${modem.flavour.name} imei=${imei} iccid=${iccid} number=${msisdn} operator=${operatorName}`,
    );
  }
  console.log(`simulator control API: ${control.url}/modems`);
  console.log('press Ctrl-C to stop');
  const signal = await untilStopSignal();
  logger.info({ signal }, 'stopping');
  await control.close();
  bank.close();
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'Start the appliance (today: the built-in simulated modem bank and its control API)',
    )
    .option('--simulated <n>', 'number of built-in simulated modems', integer(1, 256), 4)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--control-port <port>',
      'simulator control API port (0 = any free port)',
      integer(0, 65535),
      8765,
    )
    .action(async (options: StartOptions) => {
      await runStart(options);
    });
}
