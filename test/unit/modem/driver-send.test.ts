import { describe, expect, it } from 'vitest';
import type { SendOutcome } from '../../../src/modem/index.js';
import { encodeSubmit } from '../../../src/sms/index.js';
import {
  advanceUntil,
  recordWrites,
  setup,
  started,
  trackHarnesses,
  whileAdvancing,
} from './harness.js';

const track = trackHarnesses();

function part(text: string, to = '+447700900999') {
  const [first] = encodeSubmit({ to, text, requestStatusReport: true });
  return { pduHex: first!.pduHex, tpduLength: first!.tpduLength };
}

describe('sending through a simulated modem', () => {
  it('sends a part and returns the message reference the modem gave', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' } }));
    await started(h);
    const outcome = await whileAdvancing(h.clock, h.driver.send(part('hello')));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.sentAt).toBeLessThanOrEqual(h.clock.now());
    expect(h.modem.sent).toHaveLength(1);
    expect(h.modem.sent[0]).toMatchObject({ to: '+447700900999', text: 'hello' });
    if (outcome.ok) expect(outcome.messageReference).toBe(h.modem.sent[0]!.mr);
  });

  it('reports a wrong PDU length as permanent (+CMS 304) and the next part still goes out', async () => {
    const written: string[] = [];
    const h0 = setup({ modem: { flavour: 'sim800c' } });
    const h = track(setup({ driver: { linkFactory: recordWrites(h0.modem.connect, written) } }));
    await started(h);
    const good = part('second');
    const bad = { ...part('first'), tpduLength: part('first').tpduLength + 1 };
    const outcomes = await whileAdvancing(
      h.clock,
      Promise.all([h.driver.send(bad), h.driver.send(good)]),
    );
    expect(outcomes[0]).toEqual({
      ok: false,
      permanent: true,
      cmsError: 304,
      detail: 'cms_304_invalid_pdu_parameter',
      ambiguous: false,
      slot: null,
    });
    expect(outcomes[1]?.ok).toBe(true);
    expect(h0.modem.sent.map((m) => m.text)).toEqual(['second']);
    h0.modem.close();
  });

  it('reports no network (+CMS 331) as temporary', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    await started(h);
    h.modem.fault({ kind: 'no_network' });
    const outcome = await whileAdvancing(h.clock, h.driver.send(part('hi')));
    expect(outcome).toMatchObject({ ok: false, permanent: false, cmsError: 331, ambiguous: false });
  });

  it('refuses a PDU that is not hex without touching the modem', async () => {
    const h = track(setup());
    await started(h);
    const outcome = await h.driver.send({ pduHex: 'zz', tpduLength: 1 });
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(h.modem.sent).toHaveLength(0);
  });

  it('marks a timeout after the payload went out as ambiguous (AT+CMGS, no storage)', async () => {
    // The network takes longer than AT+CMGS waits (120 s): the modem may still send it.
    const h = track(setup({ modem: { flavour: 'generic', timing: { sendDelayMs: 130_000 } } }));
    await started(h);
    const outcome = await whileAdvancing(h.clock, h.driver.send(part('late')), 500);
    expect(outcome).toEqual({
      ok: false,
      permanent: false,
      cmsError: null,
      detail: 'timeout_after_payload',
      ambiguous: true,
      slot: null,
    });
  });

  it('keeps a stored part in doubt, with its slot, when AT+CMSS and the slot both go unanswered', async () => {
    const h = track(setup({ modem: { flavour: 'ec25', timing: { sendDelayMs: 130_000 } } }));
    await started(h);
    const outcome = await whileAdvancing(h.clock, h.driver.send(part('late')), 500);
    expect(outcome).toMatchObject({ ok: false, ambiguous: true, slot: { storage: 'SM' } });
    // The modem sent it in the end: the slot, read later, says so.
    await whileAdvancing(h.clock, h.driver.sweep(), 500);
    expect(h.modem.stored('SM').map((m) => [m.kind, m.stat])).toEqual([['submit', 3]]);
  });

  it('sends through modem storage (AT+CMGW, AT+CMSS) and leaves the storage empty', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    await started(h);
    const steps: string[] = [];
    const outcome = await whileAdvancing(
      h.clock,
      h.driver.send(part('stored first'), {
        stored: (slot) => (steps.push(`stored ${slot.index}`), Promise.resolve()),
        direct: () => (steps.push('direct'), Promise.resolve()),
        sent: (mr) => (steps.push(`sent ${mr}`), Promise.resolve()),
        released: (slot) => void steps.push(`released ${slot.index}`),
      }),
    );
    expect(outcome).toMatchObject({ ok: true, messageReference: h.modem.sent[0]!.mr });
    expect(steps).toEqual(['stored 1', `sent ${h.modem.sent[0]!.mr}`, 'released 1']);
    expect(h.modem.sent.map((m) => m.text)).toEqual(['stored first']);
    expect(h.modem.stored('SM')).toEqual([]);
  });

  it('falls back to AT+CMGS on a modem without AT+CMGW', async () => {
    const h = track(setup({ modem: { flavour: 'generic' } }));
    await started(h);
    const steps: string[] = [];
    const outcome = await whileAdvancing(
      h.clock,
      h.driver.send(part('no storage'), {
        stored: () => (steps.push('stored'), Promise.resolve()),
        direct: () => (steps.push('direct'), Promise.resolve()),
        sent: (mr) => (steps.push(`sent ${mr}`), Promise.resolve()),
        released: () => void steps.push('released'),
      }),
    );
    expect(outcome).toMatchObject({ ok: true });
    expect(steps).toEqual(['direct', `sent ${h.modem.sent[0]!.mr}`]);
    expect(h.modem.sent.map((m) => m.text)).toEqual(['no storage']);
  });

  it('never takes our stored outgoing messages for inbound SMS in a sweep', async () => {
    const h = track(setup({ modem: { flavour: 'ec25', timing: { sendDelayMs: 130_000 } } }));
    await started(h);
    await whileAdvancing(h.clock, h.driver.send(part('in doubt')), 500);
    h.modem.injectSms({ from: '+447700900123', text: 'a real one' });
    await whileAdvancing(h.clock, h.driver.sweep(), 500);
    const submit = h.modem.stored('SM').find((m) => m.kind === 'submit');
    expect(submit).toBeDefined();
    expect(h.sink.committed.map((r) => r.pdu)).not.toContain(submit!.pdu);
    expect(h.sink.committed.some((r) => r.index === submit!.index)).toBe(false);
    expect(h.inbound.length).toBeGreaterThan(0);
  });

  it('reads inbound SMS before queued sends', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    await started(h);
    const order: string[] = [];
    h.driver.on('inbound', () => order.push('read'));
    const sends: Promise<SendOutcome>[] = [];
    for (let i = 0; i < 3; i++) {
      sends.push(h.driver.send(part(`m${i}`)).then((o) => (order.push('send'), o)));
    }
    // The first send is in flight; the SMS arrives behind it, before the other two sends.
    h.modem.injectSms({ from: '+447700900123', text: 'urgent' });
    await whileAdvancing(h.clock, Promise.all(sends));
    await advanceUntil(h.clock, () => order.length === 4);
    expect(order).toEqual(['send', 'read', 'send', 'send']);
  });

  it('answers sends of a stopped driver without queueing them', async () => {
    const h = track(setup());
    await started(h);
    await whileAdvancing(h.clock, h.driver.stop());
    await expect(h.driver.send(part('late'))).resolves.toMatchObject({
      ok: false,
      detail: 'modem_stopped',
    });
  });
});
