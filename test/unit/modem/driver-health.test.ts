import { describe, expect, it } from 'vitest';
import {
  advanceBy,
  advanceUntil,
  setup,
  started,
  trackHarnesses,
  whileAdvancing,
} from './harness.js';

const track = trackHarnesses();

describe('health of a simulated modem', () => {
  it('emits health changes and goes degraded without network, ready when it is back', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' }, driver: { healthIntervalMs: 30_000 } }));
    await started(h);
    const before = h.healths.length;
    h.modem.fault({ kind: 'no_network' });
    await advanceUntil(h.clock, () => h.driver.state === 'degraded');
    expect(h.states.at(-1)).toEqual({ from: 'ready', to: 'degraded', reason: 'not_registered' });
    // The +CREG URC updates registration at once; the next poll sees the signal gone.
    expect(h.driver.health?.registration).toBe('searching');
    await advanceUntil(h.clock, () => h.driver.health?.signalDbm === null);
    expect(h.driver.health).toMatchObject({ registration: 'searching', operator: null });
    expect(h.healths.length).toBeGreaterThan(before);

    h.modem.fault({ kind: 'clear' });
    await advanceUntil(h.clock, () => h.driver.state === 'ready');
    expect(h.states.at(-1)).toEqual({ from: 'degraded', to: 'ready', reason: 'registered' });
    expect(h.driver.health).toMatchObject({ registration: 'home' });
    await advanceUntil(h.clock, () => h.driver.health?.signalDbm !== null);
    expect(h.driver.health?.signalDbm).toBe(-113 + 2 * h.modem.identity.rssi);
  });

  it('does not emit health when a poll changed nothing', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' }, driver: { healthIntervalMs: 10_000 } }));
    await started(h);
    const count = h.healths.length;
    await advanceBy(h.clock, 50_000);
    expect(h.healths.length).toBe(count);
    expect(h.driver.health?.checkedAt).toBeGreaterThan(h.clock.now() - 11_000);
  });

  it('stop finishes the send in flight and leaves no prompt open', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c', timing: { sendDelayMs: 5_000 } } }));
    await started(h);
    const sending = h.driver.send({
      pduHex: '0011000C914477079009990000AA05E8329BFD06',
      tpduLength: 19,
    });
    await advanceBy(h.clock, 100);
    const stopping = h.driver.stop();
    const outcome = await whileAdvancing(h.clock, sending);
    await whileAdvancing(h.clock, stopping);
    expect(outcome.ok).toBe(true);
    expect(h.modem.sent).toHaveLength(1);
    expect(h.driver.state).toBe('offline');
  });
});
