/**
 * A delete targets only a slot whose content was read and committed in step with the modem:
 * when answers and commands got out of step after the read (the engine's sync epoch moved),
 * the slot is read again and deleted only if it still holds what was committed.
 */
import { describe, expect, it } from 'vitest';
import type { InboundPduRead } from '../../../src/modem/index.js';
import { StorageTracker, readNotified } from '../../../src/modem/inbound.js';
import { silentLogger } from '../../../src/shared/index.js';
import { flushIo, lines } from '../../helpers/scripted-modem.js';
import { setup } from '../at/harness.js';

const SLOT_1 = '07914477790706520411D0D4F29C0E0A9E81000062403141000000054D35D82D06';
const SLOT_2 = '07914477790706520411D0D4F29C0E0A9E81000062403141000000054D35D82D07';

function context(engine: ReturnType<typeof setup>['engine'], onCommit: () => Promise<void>) {
  const committed: InboundPduRead[] = [];
  return {
    committed,
    ctx: {
      engine,
      sink: {
        commit: async (read: InboundPduRead) => {
          committed.push(read);
          await onCommit();
        },
      },
      logger: silentLogger,
      clock: { now: () => 0 } as never,
      imei: '867530012345678',
      iccid: '8944100000001000003',
      storage: new StorageTracker('SM'),
      delivered: () => undefined,
    },
  };
}

describe('delete after a desync', () => {
  it('deletes right after the commit when nothing went out of step', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CMGR=2', lines('+CMGR: 0,,30', SLOT_2, 'OK'));
    modem.on('AT+CMGD=2', lines('OK'));
    const { ctx, committed } = context(engine, () => Promise.resolve());
    expect(await readNotified(ctx, 'SM', 2)).toBe(true);
    expect(committed.map((read) => read.pdu)).toEqual([SLOT_2]);
    expect(modem.commands).toEqual(['AT+CMGR=2', 'AT+CMGD=2']);
  });

  it('re-reads the slot before deleting it, and deletes when it holds the same PDU', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CMGR=2', lines('+CMGR: 0,,30', SLOT_2, 'OK'));
    modem.on('AT+CMGD=2', lines('OK'));
    // While the commit runs, a final result nobody waits for arrives: out of step.
    const { ctx } = context(engine, async () => {
      await modem.send(lines('OK'));
      await flushIo();
    });
    expect(await readNotified(ctx, 'SM', 2)).toBe(true);
    // The resync's AT, a sync point, then the re-read in a clean exchange, then the delete.
    expect(modem.commands).toEqual(['AT+CMGR=2', 'AT', 'AT', 'AT+CMGR=2', 'AT+CMGD=2']);
  });

  it('keeps the slot when the re-read shows another PDU: what was read was not its content', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CMGR=2', lines('+CMGR: 0,,30', SLOT_2, 'OK'));
    modem.once('AT+CMGR=2', lines('+CMGR: 0,,30', SLOT_1, 'OK'));
    modem.on('AT+CMGD=2', lines('OK'));
    const { ctx, committed } = context(engine, async () => {
      await modem.send(lines('OK'));
      await flushIo();
    });
    expect(await readNotified(ctx, 'SM', 2)).toBe(true);
    expect(committed.map((read) => read.pdu)).toEqual([SLOT_1]);
    expect(modem.commands).not.toContain('AT+CMGD=2');
  });
});
