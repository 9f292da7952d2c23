import type { Command } from 'commander';
import { listModemInventory, type ModemInventoryRow } from '../store/index.js';
import { printTable, withRepositories, withStoreOptions, type StoreOptions } from './common.js';

interface ModemsOptions extends StoreOptions {
  readonly json?: boolean;
}

function row(modem: ModemInventoryRow): Record<string, string> {
  const { sim } = modem;
  return {
    slot: modem.path ?? '-',
    imei: modem.imei,
    model: [modem.manufacturer, modem.model].filter(Boolean).join(' ') || '-',
    state: modem.state,
    signal: sim && sim.signalDbm !== null ? `${sim.signalDbm} dBm` : '-',
    registration: sim?.registration ?? '-',
    operator: sim?.operator ?? '-',
    number: sim?.msisdn ?? '-',
    iccid: sim?.iccid ?? '-',
  };
}

const COLUMNS = [
  'slot',
  'imei',
  'model',
  'state',
  'signal',
  'registration',
  'operator',
  'number',
  'iccid',
];

export function registerModemsCommand(program: Command): void {
  withStoreOptions(program.command('modems'))
    .description(
      'List the modems and their SIMs as the running daemon last recorded them in the database ' +
        '(the daemon owns the ports; use `simpool probe` to open one yourself)',
    )
    .option('--json', 'print JSON for scripts (times in ISO 8601)')
    .addHelpText(
      'after',
      '\nColumns: slot (port path), IMEI, model, state, signal (dBm), registration, operator,\n' +
        'number and ICCID of the SIM in the slot. A stopped daemon leaves its last view.',
    )
    .action((options: ModemsOptions) => {
      const modems = withRepositories(options, (repos) => listModemInventory(repos.db));
      if (options.json) {
        const iso = (ms: number | null): string | null =>
          ms === null ? null : new Date(ms).toISOString();
        console.log(
          JSON.stringify(
            modems.map((m) => ({
              ...m,
              stateChangedAt: iso(m.stateChangedAt),
              lastSeenAt: iso(m.lastSeenAt),
              sim: m.sim && { ...m.sim, healthAt: iso(m.sim.healthAt) },
            })),
            null,
            2,
          ),
        );
      } else if (modems.length === 0) {
        console.log('no modems recorded yet (has the daemon run with this data directory?)');
      } else {
        printTable(modems.map(row), COLUMNS);
      }
    });
}
