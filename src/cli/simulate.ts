import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { integer, untilStopSignal } from './options.js';
import { createLogger } from '../shared/index.js';
import {
  ModemBank,
  PtyExposure,
  FLAVOURS,
  startControlServer,
  type BankFlavour,
  type FlavourName,
} from '../simulator/index.js';

interface SimulateOptions {
  readonly count: number;
  readonly linkDir: string;
  readonly controlPort: number;
  readonly flavour: BankFlavour;
  readonly seed: number;
  readonly fragment: number;
  readonly sendDelay: number;
  readonly resetDelay: number;
  readonly statusReportDelay: number;
  readonly reenumerateOnReset?: boolean;
}

function flavour(value: string): BankFlavour {
  if (value === 'mixed') return value;
  const names = value.split(',');
  if (names.length > 0 && names.every((n): n is FlavourName => n in FLAVOURS)) {
    return names.length === 1 ? names[0]! : names;
  }
  throw new InvalidArgumentError(
    'expected sim800c, ec25, generic, mixed, or a comma-separated list of flavours',
  );
}

/** Starts the bank, its PTYs and the control API; stops all of it on SIGINT/SIGTERM. */
async function runSimulate(options: SimulateOptions): Promise<void> {
  const logger = createLogger('info', 'simpool-simulate');
  const dir = path.resolve(options.linkDir);
  const bank = new ModemBank({
    count: options.count,
    flavour: options.flavour,
    seed: options.seed,
    maxChunk: options.fragment,
    timing: {
      sendDelayMs: options.sendDelay,
      resetDelayMs: options.resetDelay,
      statusReportDelayMs: options.statusReportDelay,
    },
    reenumerateOnReset: options.reenumerateOnReset === true,
  });
  const ptys = await PtyExposure.start(bank.modems, { dir, logger });
  let control;
  try {
    control = await startControlServer(bank, {
      port: options.controlPort,
      linkOf: (index) => ptys.path(index),
    });
  } catch (error) {
    await ptys.stop();
    throw error;
  }
  for (const modem of bank.modems) {
    console.log(
      `modem ${modem.index}: ${ptys.path(modem.index)} ${modem.flavour.name} imei=${modem.identity.imei} iccid=${modem.identity.iccid}`,
    );
  }
  console.log(`control: ${control.url}`);

  const signal = await untilStopSignal();
  logger.info({ signal }, 'stopping simulated modems');
  await Promise.all([control.close(), ptys.stop()]);
  bank.close();
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'Expose simulated GSM modems (SIM800C/EC25 AT interpreters) as pseudo-terminals ' +
        'DIR/ttySIM0… (via socat) with a JSON control API on 127.0.0.1',
    )
    .option('-n, --count <n>', 'number of simulated modems', integer(1, 256), 1)
    .option('-d, --link-dir <dir>', 'directory for the PTY links ttySIM0, ttySIM1, …', './sim')
    .option(
      '-p, --control-port <port>',
      'HTTP control API port (0 = any free port)',
      integer(0, 65535),
      8765,
    )
    .option(
      '--flavour <flavour>',
      'sim800c, ec25, generic (no AT+CMGW), mixed (even: sim800c, odd: ec25), ' +
        'or a comma-separated list used in turn (sim800c,generic)',
      flavour,
      'sim800c' as BankFlavour,
    )
    .option('--seed <n>', 'seed for fragmenting, garbage and references', integer(0, 2 ** 31), 1)
    .option(
      '--fragment <bytes>',
      'largest write of a modem (random chunk sizes; 0 = whole lines)',
      integer(0, 4096),
      0,
    )
    .option(
      '--send-delay <ms>',
      'time the network takes to accept a sent SMS',
      integer(0, 120_000),
      300,
    )
    .option(
      '--reset-delay <ms>',
      'how long a modem stays silent while it reboots (AT+CFUN=1,1, reset, re-enumeration)',
      integer(0, 120_000),
      3000,
    )
    .option(
      '--status-report-delay <ms>',
      'time until the network reports a sent SMS delivered (when asked for)',
      integer(0, 600_000),
      3000,
    )
    .addHelpText(
      'after',
      '\nControl API: GET /modems, GET /modems/{i}, POST /modems/{i}/sms {"from","text",...},\n' +
        'GET /modems/{i}/sent, POST /modems/{i}/fault {"kind": hang|unplug|replug|garbage|slow|\n' +
        'sim_removed|no_network|storage_full|reset|reenumerate|send_error {cms,count}|clear, ...},\n' +
        'POST /modems/{i}/call {"from","rings"?,"hangupAfterMs"?,"talkMs"?} (RING, +CLIP, NO CARRIER),\n' +
        'GET /modems/{i}/calls, POST|DELETE /modems/{i}/call-noise {"meanIntervalMs","maxRings"?,\n' +
        '"insideResponses"?} (docs/calls.md). Requires socat.',
    )
    .option(
      '--reenumerate-on-reset',
      'after AT+CFUN=1,1 a modem comes back under a new PTY name (ttySIM0 → ttySIM0-1), like USB modems',
    )
    .action(async (options: SimulateOptions) => {
      await runSimulate(options);
    });
}
