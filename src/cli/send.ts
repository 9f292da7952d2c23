import type { Command } from 'commander';
import { countryOfNumber } from '../domain/index.js';
import { composeOutbound } from '../pool/index.js';
import { SimpoolError } from '../shared/index.js';
import { withStore, withStoreOptions, type StoreOptions } from './common.js';

interface SendOptions extends StoreOptions {
  readonly from?: string;
  readonly to: string;
  readonly text: string;
  readonly json?: boolean;
}

export function registerSendCommand(program: Command): void {
  withStoreOptions(program.command('send'))
    .description('Queue an outbound SMS; the running daemon sends it')
    .option(
      '--from <iccid|number>',
      'the SIM to send from (ICCID or its number); default: any ready SIM',
    )
    .requiredOption('--to <number>', 'recipient phone number (E.164)')
    .requiredOption('--text <text>', 'message text (long texts are split into parts)')
    .option('--json', 'print JSON for scripts')
    .action(async (options: SendOptions) => {
      const queued = await withStore(options, async (repos) => {
        let iccid: string | null = null;
        if (options.from !== undefined) {
          const sim = await repos.inventory.findSim(options.from);
          if (!sim) {
            throw new SimpoolError(
              'not_found',
              `no SIM with ICCID or number ${options.from} has been seen`,
            );
          }
          iccid = sim.iccid;
        }
        const message = composeOutbound({
          to: options.to,
          text: options.text,
          iccid,
          now: Date.now(),
          // Routing prefers a SIM of the recipient's country.
          toCountry: countryOfNumber(options.to),
        });
        await repos.outbound.enqueue(message);
        return message;
      });
      if (options.json)
        console.log(
          JSON.stringify({ id: queued.id, parts: queued.parts.length, iccid: queued.iccid }),
        );
      else
        console.log(
          `${queued.id} queued (${queued.parts.length} part${queued.parts.length === 1 ? '' : 's'})`,
        );
    });
}
