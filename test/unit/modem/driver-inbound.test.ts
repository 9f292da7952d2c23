import { describe, expect, it } from 'vitest';
import { encodeStatusReport, type FlavourName } from '../../../src/simulator/index.js';
import {
  advanceBy,
  advanceUntil,
  recordWrites,
  setup,
  started,
  trackHarnesses,
  whileAdvancing,
} from './harness.js';

const flavours: FlavourName[] = ['sim800c', 'ec25'];
const track = trackHarnesses();

describe.each(flavours)('inbound SMS on a simulated %s', (flavour) => {
  it('reads an SMS announced by +CMTI, commits it, and only then deletes exactly its index', async () => {
    const written: string[] = [];
    const h = track(setup({ modem: { flavour } }));
    const h2 = track(
      setup({
        modem: { flavour },
        driver: { linkFactory: recordWrites(h.modem.connect, written) },
      }),
    );
    // h2's driver talks to h's modem: h's own driver is never started.
    await started(h2);
    h.sink.hold();
    const injected = h.modem.injectSms({ from: '+447700900123', text: 'code 58213' });
    h2.sink.hold();
    await h2.clock.advance(0);
    await advanceUntil(h2.clock, () => h2.sink.attempts.length === 1);
    // Commit in progress: the SMS is still on the SIM, nothing was deleted.
    expect(h.modem.stored()).toHaveLength(1);
    expect(written.some((w) => w.startsWith('AT+CMGD'))).toBe(false);

    h2.sink.release();
    await advanceUntil(h2.clock, () => h2.inbound.length === 1);
    const read = h2.sink.committed[0]!;
    expect(read).toMatchObject({
      imei: h.modem.identity.imei,
      iccid: h.modem.identity.iccid,
      storage: 'SM',
      pdu: injected.parts[0]!.pdu,
      source: 'notification',
    });
    expect(h.modem.stored()).toHaveLength(0);
    const deletes = written.filter((w) => w.startsWith('AT+CMGD'));
    expect(deletes).toEqual([`AT+CMGD=${read.index}\r`]);
  });

  it('leaves the SMS on the SIM when the commit fails, and commits it at the next sweep', async () => {
    const h = track(setup({ modem: { flavour }, driver: { sweepIntervalMs: 60_000 } }));
    await started(h);
    h.sink.rejecting = true;
    h.modem.injectSms({ from: '+447700900123', text: 'keep me' });
    await advanceUntil(h.clock, () => h.sink.attempts.length === 1);
    await advanceBy(h.clock, 1_000);
    expect(h.modem.stored()).toHaveLength(1);
    expect(h.inbound).toHaveLength(0);

    h.sink.rejecting = false;
    await advanceUntil(h.clock, () => h.inbound.length === 1, 1_000, 100);
    expect(h.inbound[0]?.source).toBe('sweep');
    expect(h.modem.stored()).toHaveLength(0);
  });

  it('finds by sweep at start-up the SMS that arrived while nobody listened', async () => {
    const h = track(setup({ modem: { flavour } }));
    // The modem stores them (default CNMI) while the driver is not running: +CMTI goes nowhere.
    h.modem.injectSms({ from: '+447700900001', text: 'one' });
    h.modem.injectSms({ from: '+447700900002', text: 'two' });
    expect(h.modem.stored()).toHaveLength(2);
    await started(h);
    expect(h.sink.committed.map((r) => r.source)).toEqual(['sweep', 'sweep']);
    expect(h.modem.stored()).toHaveLength(0);
    await expect(h.driver.sweep()).resolves.toBe(0);
  });

  it('drains a storage that was full at start-up, then takes what the network held back', async () => {
    const h = track(setup({ modem: { flavour } }));
    h.modem.fault({ kind: 'storage_full' });
    const held = h.modem.injectSms({ from: '+447700900003', text: 'waiting in the network' });
    expect(held.pendingInNetwork).toBe(1);
    await started(h);
    await advanceUntil(
      h.clock,
      () => h.modem.pendingInNetwork === 0 && h.modem.stored().length === 0,
    );
    await advanceBy(h.clock, 1_000);
    const capacity = h.modem.flavour.smCapacity;
    expect(h.sink.committed).toHaveLength(capacity + 1);
    expect(h.sink.committed.at(-1)?.pdu).toBe(held.parts[0]!.pdu);
  });

  it('commits every part of a multipart SMS, each deleted once committed', async () => {
    const h = track(setup({ modem: { flavour } }));
    await started(h);
    const injected = h.modem.injectSms({
      from: '+447700900004',
      text: 'x'.repeat(400),
      outOfOrder: true,
      concatRefBits: 16,
    });
    expect(injected.parts.length).toBe(3);
    await advanceUntil(h.clock, () => h.inbound.length === 3);
    expect(h.sink.committed.map((r) => r.pdu).sort()).toEqual(
      injected.parts.map((p) => p.pdu).sort(),
    );
    expect(h.modem.stored()).toHaveLength(0);
  });

  it('commits a status report announced by +CDSI and deletes it', async () => {
    const h = track(setup({ modem: { flavour } }));
    await started(h);
    const report = encodeStatusReport({
      smsc: '+447802000332',
      recipient: '+447700900999',
      mr: 42,
      submittedMs: h.clock.now(),
      dischargedMs: h.clock.now(),
      status: 0,
    });
    h.modem.injectPdu(report.hex);
    await advanceUntil(h.clock, () => h.inbound.length === 1);
    expect(h.sink.committed[0]?.pdu).toBe(report.hex.toUpperCase());
    expect(h.modem.stored()).toHaveLength(0);
  });

  it('a stopped driver sweeps nothing', async () => {
    const h = track(setup({ modem: { flavour }, driver: { sweepIntervalMs: 30_000 } }));
    await started(h);
    await whileAdvancing(h.clock, h.driver.stop());
    expect(await h.driver.sweep()).toBe(0);
  });
});

describe('direct status reports (+CDS, on modems that refuse ds=2)', () => {
  it('commits the PDU carried by +CDS with index -1 and deletes nothing', async () => {
    const written: string[] = [];
    const h0 = setup({ modem: { flavour: 'sim800c' } });
    const h = track(setup({ driver: { linkFactory: recordWrites(h0.modem.connect, written) } }));
    await started(h);
    // As a modem without ds=2 would be configured (the driver's fallback).
    await whileAdvancing(h.clock, h.driver.session!.engine.send('AT+CNMI=2,1,0,1,0'));
    const report = encodeStatusReport({
      smsc: '+447802000332',
      recipient: '+447700900999',
      mr: 7,
      submittedMs: h.clock.now(),
      dischargedMs: h.clock.now(),
      status: 0,
    });
    h0.modem.injectPdu(report.hex);
    await advanceUntil(h.clock, () => h.inbound.length === 1);
    expect(h.inbound[0]).toMatchObject({ storage: 'direct', index: -1, source: 'direct' });
    expect(h.inbound[0]?.pdu).toBe(report.hex.toUpperCase());
    expect(written.some((w) => w.startsWith('AT+CMGD') || w.startsWith('AT+CNMA'))).toBe(false);
    h0.modem.close();
  });
});
