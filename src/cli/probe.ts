import type { Command } from 'commander';
import type { Config } from '../daemon/index.js';
import { identifyModem, type ModemReport } from '../modem/index.js';
import { expandSources, parseModemSource } from '../pool/index.js';
import { SimpoolError, createLogger, describeError, isSimpoolError } from '../shared/index.js';
import { linkFactoryFor } from '../transport/index.js';
import { configFrom, withStoreOptions, type StoreOptions } from './common.js';
import { integer } from './options.js';
import { terminalProgress } from './progress.js';

interface ProbeOptions extends StoreOptions {
  readonly json?: boolean;
  readonly baud: number;
  readonly parallel: number;
  readonly verbose?: boolean;
}

type Outcome =
  | { readonly device: string; readonly report: ModemReport }
  | { readonly device: string; readonly error: unknown };

/**
 * The ports to open: the arguments (paths, globs, tcp://), else the configured modems. A path
 * is kept even when it does not exist, so the operator hears why it cannot be opened.
 */
async function targets(args: readonly string[], config: Config): Promise<string[]> {
  const specs = args.length > 0 ? args : config.modems.filter((m) => !m.startsWith('simulated:'));
  if (specs.length === 0) {
    throw new SimpoolError('config_invalid', 'no device given and no real modems configured');
  }
  const devices = new Set<string>();
  for (const spec of specs) {
    const source = parseModemSource(spec);
    if (source.kind === 'simulated') {
      throw new SimpoolError('config_invalid', `${spec}: simulated modems cannot be probed`);
    }
    const found = source.kind === 'path' ? [source.path] : await expandSources([source]);
    found.forEach((d) => devices.add(d));
  }
  if (devices.size === 0) throw new SimpoolError('not_found', `no port matches ${specs.join(' ')}`);
  return [...devices];
}

/** Runs `work` over the items, at most `limit` at a time, keeping their order. */
async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function failureText(device: string, error: unknown): string {
  const { code, message } = errorJson(error);
  return `${'device'.padEnd(22)}${device}\n${'error'.padEnd(22)}${message} (${code})`;
}

function errorJson(error: unknown): { code: string; message: string } {
  return isSimpoolError(error)
    ? { code: error.code, message: error.message }
    : { code: 'internal_error', message: describeError(error) };
}

function describe(device: string, report: ModemReport): string {
  const { info, sim, health } = report;
  const rows: Array<[string, string | number | null | undefined]> = [
    ['device', device],
    ['manufacturer', info.manufacturer],
    ['model', info.model],
    ['revision', info.revision],
    ['profile', info.profile],
    ['IMEI', info.imei],
    ['SIM', report.simStatus],
    ['ICCID', sim?.iccid],
    ['IMSI', sim?.imsi],
    [
      'MSISDN',
      sim ? `${sim.msisdn ?? 'unknown'}${sim.msisdnSource ? ` (${sim.msisdnSource})` : ''}` : null,
    ],
    ['country', sim?.country],
    ['operator', health.operator ?? sim?.operator],
    ['signal', health.signalDbm === null ? 'unknown' : `${health.signalDbm} dBm`],
    ['registration', health.registration],
    [
      'storage',
      health.storageUsed === null
        ? 'unknown'
        : `${report.smsStorage ?? '?'} ${health.storageUsed}/${health.storageTotal ?? '?'} used`,
    ],
    [
      'new SMS notification',
      report.cnmi ? `AT+CNMI=${report.cnmi}` : 'none accepted (sweeps only)',
    ],
  ];
  return rows.map(([label, value]) => `${label.padEnd(22)}${value ?? '-'}`).join('\n');
}

export function registerProbeCommand(program: Command): void {
  withStoreOptions(program.command('probe'))
    .argument(
      '[devices...]',
      'device paths (/dev/ttyUSB2, /dev/serial/by-path/…), globs (/dev/ttyUSB*) or tcp://host:port; ' +
        'default: the configured modems',
    )
    .description(
      'Open modems, run the init and identity sequence and print what each is (no SMS is read or deleted). ' +
        'Stop the daemon first: it owns the ports it uses',
    )
    .option('--json', 'print JSON for scripts (one device: an object; several: an array)')
    .option('--baud <rate>', 'serial speed', integer(1200, 4_000_000), 115200)
    .option('--parallel <n>', 'ports probed at once', integer(1, 64), 4)
    .option('-v, --verbose', 'log the AT conversation to stderr')
    .addHelpText(
      'after',
      '\nOn a terminal, one progress line per port goes to stderr. Exit code 1 when no port\n' +
        'answered (one device: its error on stderr).',
    )
    .action(async (args: string[], options: ProbeOptions) => {
      const config = configFrom(options);
      const logger = createLogger(options.verbose ? 'debug' : 'warn', 'simpool-probe');
      const devices = await targets(args, config);
      const progress = terminalProgress();
      let done = 0;
      const outcomes = await eachLimited(devices, options.parallel, async (device) => {
        let outcome: Outcome;
        try {
          const factory = linkFactoryFor(device, { baudRate: options.baud, logger });
          const report = await identifyModem(factory, {
            pins: config.pins,
            numbers: config.numbers,
            timing: config.modemTiming,
            logger,
          });
          outcome = { device, report };
        } catch (error) {
          outcome = { device, error };
        }
        done++;
        const what =
          'report' in outcome
            ? `${outcome.report.info.manufacturer ?? '?'} ${outcome.report.info.model ?? '?'}`
            : `no modem (${errorJson(outcome.error).code})`;
        progress(`[${done}/${devices.length}] ${device}: ${what}`);
        return outcome;
      });
      const single = args.length === 1 && devices.length === 1 && devices[0] === args[0];
      const [first] = outcomes;
      if (single && first && 'error' in first) throw first.error;
      if (options.json) {
        const json = outcomes.map((o) =>
          'report' in o
            ? { device: o.device, ...o.report }
            : { device: o.device, error: errorJson(o.error) },
        );
        console.log(JSON.stringify(single ? json[0] : json, null, 2));
      } else {
        console.log(
          outcomes
            .map((o) =>
              'report' in o ? describe(o.device, o.report) : failureText(o.device, o.error),
            )
            .join('\n\n'),
        );
      }
      if (!outcomes.some((o) => 'report' in o)) process.exitCode = 1;
    });
}
