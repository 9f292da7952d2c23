/**
 * The send path at AT level, against a scripted modem that answers exactly what each case needs:
 * AT+CMGW / AT+CMSS through storage, the AT+CMGS fallback, and what counts as sent.
 */
import { describe, expect, it } from 'vitest';
import type { SendJournal, StoredSlot } from '../../../src/modem/index.js';
import { submitPart } from '../../../src/modem/send.js';
import { StoreCapability } from '../../../src/modem/send-stored.js';
import { silentLogger } from '../../../src/shared/index.js';
import { encodeSubmit } from '../../../src/sms/index.js';
import { whileAdvancing } from '../../helpers/advance.js';
import { lines } from '../../helpers/scripted-modem.js';
import { setup, type Harness } from '../at/harness.js';

const [encoded] = encodeSubmit({ to: '+447700900999', text: 'hello', requestStatusReport: true });
const PART = { pduHex: encoded!.pduHex, tpduLength: encoded!.tpduLength };

/** A journal that records the order of what it was told, and can refuse `stored`. */
function journal(options: { refuseStored?: boolean } = {}) {
  const steps: string[] = [];
  const j: SendJournal = {
    stored: (slot: StoredSlot) => {
      steps.push(`stored ${slot.storage}:${slot.index}`);
      return options.refuseStored ? Promise.reject(new Error('disk full')) : Promise.resolve();
    },
    direct: () => (steps.push('direct'), Promise.resolve()),
    sent: (mr) => (steps.push(`sent ${mr}`), Promise.resolve()),
    released: (slot) => void steps.push(`released ${slot.index}`),
  };
  return { j, steps };
}

function context(h: Harness, capability = new StoreCapability()) {
  return {
    engine: h.engine,
    clock: h.clock,
    logger: silentLogger,
    capability,
    storage: { storage: 'SM', selectStorage: () => Promise.resolve() },
  };
}

/** A modem with AT+CMGW answering `+CMGW: 3` and AT+CMGD OK. */
function storing(h: Harness): Harness {
  h.modem.onPrompt(/^AT\+CMGW=\d+,2$/, () => lines('+CMGW: 3', 'OK'));
  h.modem.on(/^AT\+CMGD=\d+$/, lines('OK'));
  return h;
}

describe('sending a part through modem storage', () => {
  it('stores it, commits the slot, sends it from storage, records it, then frees the slot', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', lines('+CMSS: 77', 'OK'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: true, messageReference: 77 });
    expect(steps).toEqual(['stored SM:3', 'sent 77', 'released 3']);
    expect(h.modem.commands).toEqual([`AT+CMGW=${PART.tpduLength},2`, 'AT+CMSS=3', 'AT+CMGD=3']);
  });

  it('counts a +CMSS followed by an error final as sent (never sends it again)', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', lines('+CMSS: 12', 'ERROR'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: true, messageReference: 12 });
    expect(steps).toContain('sent 12');
    expect(h.modem.commands.filter((c) => c.startsWith('AT+CMSS'))).toHaveLength(1);
  });

  it('counts a +CMSS followed by silence (a timeout) as sent', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', '\r\n+CMSS: 13\r\n');
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j), 1000);
    expect(outcome).toMatchObject({ ok: true, messageReference: 13 });
    expect(steps).toContain('sent 13');
  });

  it('reads the slot when AT+CMSS gets no answer: STO SENT is sent (reference unknown)', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', null);
    h.modem.on('AT+CMGR=3', lines('+CMGR: 3,,18', PART.pduHex, 'OK'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j), 1000);
    expect(outcome).toMatchObject({ ok: true, messageReference: null });
    expect(steps).toEqual(['stored SM:3', 'sent null', 'released 3']);
  });

  it('reads the slot when AT+CMSS gets no answer: STO UNSENT was not sent and may go again', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', null);
    h.modem.on('AT+CMGR=3', lines('+CMGR: 2,,18', PART.pduHex, 'OK'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j), 1000);
    expect(outcome).toMatchObject({ ok: false, ambiguous: false, slot: null });
    expect(steps).toEqual(['stored SM:3', 'released 3']);
  });

  it('keeps a part in doubt with its slot when neither AT+CMSS nor the slot answers', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', null);
    h.modem.on('AT+CMGR=3', null);
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j), 1000);
    expect(outcome).toMatchObject({
      ok: false,
      ambiguous: true,
      slot: { storage: 'SM', index: 3 },
    });
    expect(steps).toEqual(['stored SM:3']);
  });

  it('does not send when the slot cannot be committed, and frees it', async () => {
    const h = storing(setup());
    const { j, steps } = journal({ refuseStored: true });
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: false, ambiguous: false });
    expect(h.modem.commands.some((c) => c.startsWith('AT+CMSS'))).toBe(false);
    expect(steps).toEqual(['stored SM:3', 'released 3']);
  });

  it('an error final without +CMSS is not sent: the slot is freed and the failure is plain', async () => {
    const h = storing(setup());
    h.modem.on('AT+CMSS=3', lines('+CMS ERROR: 331'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: false, cmsError: 331, ambiguous: false, slot: null });
    expect(steps).toEqual(['stored SM:3', 'released 3']);
  });
});

describe('falling back to AT+CMGS', () => {
  it('sends with AT+CMGS when AT+CMGW is refused, telling the journal first', async () => {
    const h = setup();
    h.modem.onPrompt(/^AT\+CMGS=\d+$/, () => lines('+CMGS: 5', 'OK'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: true, messageReference: 5 });
    expect(steps).toEqual(['direct', 'sent 5']);
    expect(h.modem.commands[0]).toMatch(/^AT\+CMGW=/);
  });

  it('stops trying AT+CMGW after three refusals in a row', async () => {
    const h = setup();
    h.modem.onPrompt(/^AT\+CMGS=\d+$/, () => lines('+CMGS: 5', 'OK'));
    const capability = new StoreCapability();
    for (let i = 0; i < 4; i++) {
      await whileAdvancing(h.clock, submitPart(context(h, capability), PART, journal().j));
    }
    expect(h.modem.commands.filter((c) => c.startsWith('AT+CMGW'))).toHaveLength(3);
    expect(h.modem.commands.filter((c) => c.startsWith('AT+CMGS'))).toHaveLength(4);
  });

  it('sends with AT+CMGS when storage is full (+CMS ERROR: 322), and keeps using storage after', async () => {
    const h = setup();
    h.modem.onPrompt(/^AT\+CMGW=\d+,2$/, () => lines('+CMS ERROR: 322'));
    h.modem.onPrompt(/^AT\+CMGS=\d+$/, () => lines('+CMGS: 6', 'OK'));
    const capability = new StoreCapability();
    for (let i = 0; i < 4; i++) {
      const outcome = await whileAdvancing(
        h.clock,
        submitPart(context(h, capability), PART, journal().j),
      );
      expect(outcome).toMatchObject({ ok: true, messageReference: 6 });
    }
    expect(capability.usable).toBe(true);
  });

  it('counts +CMGS followed by ERROR as sent, never retried', async () => {
    const h = setup();
    h.modem.onPrompt(/^AT\+CMGS=\d+$/, () => lines('+CMGS: 179', 'ERROR'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: true, messageReference: 179 });
    expect(steps).toEqual(['direct', 'sent 179']);
  });

  it('takes OK without +CMGS after the PDU as in doubt, never as sent with a made-up reference', async () => {
    const h = setup();
    h.modem.onPrompt(/^AT\+CMGS=\d+$/, () => lines('OK'));
    const { j, steps } = journal();
    const outcome = await whileAdvancing(h.clock, submitPart(context(h), PART, j));
    expect(outcome).toMatchObject({ ok: false, ambiguous: true, slot: null });
    expect(steps).toEqual(['direct']);
  });
});
