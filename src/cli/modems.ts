import type { Command } from 'commander';
import type { ModemInventoryRow } from '../store/index.js';
import { printTable, withStore, withStoreOptions, type StoreOptions } from './common.js';

interface ModemsOptions extends StoreOptions {
  readonly json?: boolean;
}

/** The host id, with its lease state when that host is not alive. */
function host(modem: ModemInventoryRow): string {
  if (modem.hostId === '') return '-';
  const dead = modem.hostState !== null && modem.hostState !== 'alive';
  return dead ? `${modem.hostId} (${modem.hostState})` : modem.hostId;
}

function row(modem: ModemInventoryRow): Record<string, string> {
  const { sim } = modem;
  return {
    host: host(modem),
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
  'host',
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
      '\nColumns: host (with its lease when not alive), slot (port path), IMEI, model, state,\n' +
        'signal (dBm), registration, operator, number and ICCID of the SIM in the slot. Every\n' +
        "host's modems sharing the database are listed. A stopped daemon leaves its last view.",
    )
    .action(async (options: ModemsOptions) => {
      const modems = await withStore(options, (repos) => repos.modemInventory());
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
