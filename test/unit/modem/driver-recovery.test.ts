import { describe, expect, it } from 'vitest';
import type { LinkFactory } from '../../../src/transport/index.js';
import { advanceBy, advanceUntil, setup, started, trackHarnesses } from './harness.js';

const track = trackHarnesses();

describe('recovery ladder against a simulated modem', () => {
  it('climbs to the configured power cycle for a hung modem, then reads the SMS it kept', async () => {
    let powerCycles = 0;
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    Object.assign(h.driver.options, {
      powerCycle: () => {
        powerCycles++;
        h.modem.powerCycle();
        return Promise.resolve();
      },
    });
    await started(h);
    h.modem.fault({ kind: 'hang' });
    await advanceUntil(h.clock, () => h.driver.state === 'recovering', 500);
    // An SMS arrives at the network while the modem is hung: it waits there.
    h.modem.injectSms({ from: '+447700900123', text: 'after the hang' });
    await advanceUntil(h.clock, () => h.driver.state === 'ready', 500);

    expect(powerCycles).toBe(1);
    expect(h.recoveries.map((r) => `${r.step}:${r.ok}`)).toEqual([
      'resync:false',
      'reopen:false',
      'radio_cycle:false',
      'modem_reset:false',
      'power_cycle:true',
    ]);
    expect(h.states.slice(-2).map((s) => `${s.to}:${s.reason}`)).toEqual([
      'recovering:resync_failed',
      'ready:recovered',
    ]);
    await advanceUntil(h.clock, () => h.inbound.length === 1, 500);
    expect(h.modem.stored()).toHaveLength(0);
  });

  it('recovers by resync alone when the modem answers again after one missed command', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' } }));
    await started(h);
    h.modem.fault({ kind: 'hang' });
    await advanceUntil(h.clock, () => h.driver.state === 'recovering', 500);
    h.modem.fault({ kind: 'clear' }); // power-cycles the hung modem: it boots and answers
    await advanceUntil(h.clock, () => h.driver.state === 'ready', 500);
    expect(h.recoveries[0]?.step).toBe('resync');
    expect(h.recoveries.at(-1)?.ok).toBe(true);
    expect(h.recoveries.some((r) => r.step === 'power_cycle')).toBe(false);
  });

  it('recovers after an unplug once the port comes back', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' } }));
    await started(h);
    h.modem.fault({ kind: 'unplug' });
    await advanceBy(h.clock, 100);
    expect(h.states.at(-1)).toEqual({ from: 'ready', to: 'recovering', reason: 'disconnected' });
    await advanceBy(h.clock, 10_000);
    h.modem.fault({ kind: 'replug' });
    await advanceUntil(h.clock, () => h.driver.state === 'ready', 500);
    expect(h.states.at(-1)?.reason).toBe('recovered');
    // The modem lost its settings with the power: init ran again.
    expect(h.modem.settings.cnmi).toEqual([2, 1, 0, 2, 0]);
    h.modem.injectSms({ from: '+447700900123', text: 'back' });
    await advanceUntil(h.clock, () => h.inbound.length === 1);
  });

  it('finds a reset modem again by IMEI through relocate', async () => {
    const asked: string[] = [];
    let reappeared: LinkFactory | null = null;
    const h = track(setup({ modem: { flavour: 'ec25' } }));
    Object.assign(h.driver.options, {
      relocate: (imei: string) => {
        asked.push(imei);
        return Promise.resolve(reappeared);
      },
    });
    await started(h);
    h.modem.fault({ kind: 'unplug' });
    await advanceUntil(h.clock, () => h.recoveries.some((r) => r.step === 'radio_cycle'), 500);
    h.modem.fault({ kind: 'replug' });
    reappeared = h.modem.connect; // "another path": the pool hands over whichever port answers
    await advanceUntil(h.clock, () => h.driver.state === 'ready', 500);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([h.modem.identity.imei]));
    expect(h.recoveries.at(-1)).toMatchObject({ step: 'modem_reset', ok: true });
  });

  it('goes offline when the port never comes back, and leaves nothing running', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    await started(h);
    h.modem.fault({ kind: 'unplug' });
    await advanceUntil(h.clock, () => h.driver.state === 'offline', 1_000);
    expect(h.states.at(-1)).toEqual({
      from: 'recovering',
      to: 'offline',
      reason: 'recovery_exhausted',
    });
    expect(h.recoveries.map((r) => r.step)).toEqual([
      'resync',
      'reopen',
      'radio_cycle',
      'modem_reset',
      'power_cycle',
      'give_up',
    ]);
    expect(h.clock.pendingTimers).toBe(0);
    await expect(h.driver.send({ pduHex: '00', tpduLength: 1 })).resolves.toMatchObject({
      ok: false,
      detail: 'modem_offline',
    });
    await h.driver.stop();
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.driver.listenerCount('state')).toBe(1); // only the harness's own listener
  });

  it('stops cleanly in the middle of recovery: no timers, no link', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    await started(h);
    h.modem.fault({ kind: 'unplug' });
    await advanceBy(h.clock, 3_000);
    expect(h.driver.state).toBe('recovering');
    await h.driver.stop();
    expect(h.driver.state).toBe('offline');
    expect(h.states.at(-1)?.reason).toBe('stopped');
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('releases timers and the link when stopped while ready', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' } }));
    await started(h);
    expect(h.clock.pendingTimers).toBeGreaterThan(0); // health and sweep timers
    await h.driver.stop();
    expect(h.clock.pendingTimers).toBe(0);
    await h.clock.advance(0); // the close reaches the simulator's end of the pair
    expect(h.modem.connected).toBe(false);
  });
});
