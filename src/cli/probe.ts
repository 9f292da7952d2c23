import type { Command } from 'commander';
import { identifyModem, type ModemReport } from '../modem/index.js';
import { createLogger } from '../shared/index.js';
import { linkFactoryFor } from '../transport/index.js';
import { configFrom, withStoreOptions, type StoreOptions } from './common.js';
import { integer } from './options.js';

interface ProbeOptions extends StoreOptions {
  readonly json?: boolean;
  readonly baud: number;
  readonly verbose?: boolean;
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
    .argument('<device>', 'device path (/dev/ttyUSB2, /dev/serial/by-path/…) or tcp://host:port')
    .description(
      'Open one modem, run the init and identity sequence and print what it is (no SMS is read or deleted)',
    )
    .option('--json', 'print JSON for scripts')
    .option('--baud <rate>', 'serial speed', integer(1200, 4_000_000), 115200)
    .option('-v, --verbose', 'log the AT conversation to stderr')
    .action(async (device: string, options: ProbeOptions) => {
      const config = configFrom(options);
      const logger = createLogger(options.verbose ? 'debug' : 'warn', 'simpool-probe');
      const report = await identifyModem(
        linkFactoryFor(device, { baudRate: options.baud, logger }),
        {
          pins: config.pins,
          numbers: config.numbers,
          logger,
        },
      );
      console.log(
        options.json ? JSON.stringify({ device, ...report }, null, 2) : describe(device, report),
      );
    });
}
