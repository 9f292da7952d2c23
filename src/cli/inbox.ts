import type { Command } from 'commander';
import { integer } from './options.js';
import { printTable, withStore, withStoreOptions, type StoreOptions } from './common.js';

interface InboxOptions extends StoreOptions {
  readonly json?: boolean;
  readonly limit: number;
}

export function registerInboxCommand(program: Command): void {
  withStoreOptions(program.command('inbox'))
    .description('List the stored inbound SMS, newest first')
    .option('--json', 'print JSON for scripts')
    .option('-l, --limit <n>', 'how many messages', integer(1, 10_000), 50)
    .action(async (options: InboxOptions) => {
      const messages = await withStore(options, (repos) =>
        repos.inbound.listMessages({ limit: options.limit }),
      );
      const rows = messages.map((m) => ({
        id: String(m.id),
        received: new Date(m.receivedAt).toISOString(),
        sim: m.iccid,
        sender: m.sender,
        complete: m.complete ? 'yes' : `no (missing ${m.missingParts.join(',')})`,
        text: m.text,
      }));
      if (options.json) {
        console.log(
          JSON.stringify(
            messages.map((m) => ({
              ...m,
              receivedAt: new Date(m.receivedAt).toISOString(),
              sentAt: new Date(m.sentAt).toISOString(),
            })),
            null,
            2,
          ),
        );
        return;
      }
      if (rows.length === 0) console.log('no messages');
      else printTable(rows, ['id', 'received', 'sim', 'sender', 'complete', 'text']);
    });
}
