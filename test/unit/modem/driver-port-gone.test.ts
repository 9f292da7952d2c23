/**
 * A port that vanished (unplugged) has nothing left to finish: the driver closes its link at
 * once instead of waiting out the command in flight, which may allow a minute (AT+CMGL).
 */
import { describe, expect, it } from 'vitest';
import { advanceBy, setup, started, trackHarnesses } from './harness.js';

const track = trackHarnesses();

async function hungMidSweep() {
  const h = track(setup({ modem: { flavour: 'sim800c' } }));
  await started(h);
  h.modem.fault({ kind: 'hang' });
  const sweep = h.driver.sweep();
  await advanceBy(h.clock, 500); // AT+CPMS? is in flight, unanswered
  return { h, sweep };
}

describe('stopping a driver whose port vanished', () => {
  it('closes the link at once: the stop ends within a second of modem time', async () => {
    const { h, sweep } = await hungMidSweep();
    let stopped = false;
    void h.driver.stop({ portGone: true }).then(() => (stopped = true));
    await advanceBy(h.clock, 1_000);
    expect(stopped).toBe(true);
    expect(h.driver.state).toBe('offline');
    expect(await sweep).toBe(0);
  });

  it('otherwise lets the command in flight finish or time out first', async () => {
    const { h } = await hungMidSweep();
    let stopped = false;
    void h.driver.stop().then(() => (stopped = true));
    await advanceBy(h.clock, 1_000);
    expect(stopped).toBe(false);
    await advanceBy(h.clock, 15_000);
    expect(stopped).toBe(true);
  });
});
