import type { Command } from 'commander';
import type { HostInfo } from '../domain/index.js';
import { printTable, withStore, withStoreOptions, type StoreOptions } from './common.js';

interface HostsOptions extends StoreOptions {
  readonly json?: boolean;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function row(host: HostInfo): Record<string, string> {
  return {
    host: host.id,
    lease: host.state,
    epoch: String(host.epoch),
    'lease until': iso(host.leaseUntil) ?? '-',
    renewed: iso(host.renewedAt) ?? '-',
    started: iso(host.startedAt) ?? '-',
    version: host.version,
    modems: String(host.modems),
    'sims ready': `${host.sims.ready}/${host.sims.total}`,
    api: host.apiUrl ?? '-',
  };
}

const COLUMNS = [
  'host',
  'lease',
  'epoch',
  'lease until',
  'renewed',
  'started',
  'version',
  'modems',
  'sims ready',
  'api',
];

export function registerHostsCommand(program: Command): void {
  withStoreOptions(program.command('hosts'))
    .description(
      'List the hosts sharing the database: lease state, epoch, version, modems and SIMs of each',
    )
    .option('--json', 'print JSON for scripts (times in ISO 8601)')
    .addHelpText(
      'after',
      '\nLease: alive (renewed in time), expired (its process died or lost the database: other\n' +
        'hosts take its SIMs offline and hand its work on) or stopped (a clean stop). The epoch\n' +
        'rises at every start of a host. SIMS READY: ready of all SIMs recorded under the host.',
    )
    .action(async (options: HostsOptions) => {
      const hosts = await withStore(options, (repos) => repos.hosts.listHosts());
      if (options.json) {
        const json = hosts.map((h) => ({
          ...h,
          leaseUntil: iso(h.leaseUntil),
          renewedAt: iso(h.renewedAt),
          startedAt: iso(h.startedAt),
          stoppedAt: iso(h.stoppedAt),
        }));
        console.log(JSON.stringify(json, null, 2));
      } else if (hosts.length === 0) {
        console.log('no host has started on this database yet');
      } else {
        printTable(hosts.map(row), COLUMNS);
      }
    });
}
