import { describe, expect, it } from 'vitest';
import {
  advanceBy,
  recordWrites,
  setup,
  started,
  trackHarnesses,
  whileAdvancing,
} from './harness.js';

const track = trackHarnesses();

describe('ModemDriver and the SIM', () => {
  it('enters the PIN configured for any SIM and becomes ready', async () => {
    const h = track(
      setup({ modem: { flavour: 'ec25', pin: '4321' }, driver: { pins: { '*': '4321' } } }),
    );
    await started(h);
    expect(h.driver.state).toBe('ready');
    expect(h.driver.simStatus).toBe('ready');
    expect(h.driver.sim?.iccid).toBe(h.modem.identity.iccid);
  });

  it('stays degraded without sending anything when no PIN is configured', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c', pin: '4321' } }));
    await started(h);
    expect(h.driver.state).toBe('degraded');
    expect(h.states.at(-1)?.reason).toBe('sim_not_ready');
    expect(h.driver.simStatus).toBe('pin_required');
    expect(h.driver.sim).toBeNull();
  });

  it('never sends a refused PIN a second time, not even when the SIM is polled again', async () => {
    const written: string[] = [];
    const h0 = setup({ modem: { flavour: 'sim800c', pin: '4321' } });
    const h = track(
      setup({
        modem: { flavour: 'sim800c', pin: '4321' },
        driver: {
          pins: { '*': '0000' },
          linkFactory: recordWrites(h0.modem.connect, written),
          healthIntervalMs: 10_000,
        },
      }),
    );
    await started(h);
    expect(h.driver.simStatus).toBe('pin_rejected');
    expect(h.driver.state).toBe('degraded');
    await advanceBy(h.clock, 60_000); // six health polls: the SIM still asks for a PIN
    expect(h.driver.simStatus).toBe('pin_rejected');
    expect(written.filter((w) => w.startsWith('AT+CPIN?')).length).toBeGreaterThan(6);
    expect(written.filter((w) => w.startsWith('AT+CPIN='))).toEqual(['AT+CPIN="0000"\r']);
    h0.modem.close();
  });

  it('is degraded (sim_not_ready) when the SIM is missing, and ready once it is back', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' }, driver: { healthIntervalMs: 10_000 } }));
    h.modem.fault({ kind: 'sim_removed' });
    await started(h);
    expect(h.driver.state).toBe('degraded');
    expect(h.driver.simStatus).toBe('absent');
    expect(h.driver.info?.imei).toBe(h.modem.identity.imei);

    h.modem.fault({ kind: 'clear' });
    await whileAdvancing(
      h.clock,
      new Promise<void>((resolve) => h.driver.on('state', (s) => s.to === 'ready' && resolve())),
    );
    expect(h.states.at(-1)).toEqual({ from: 'degraded', to: 'ready', reason: 'sim_ready' });
    expect(h.driver.sim?.iccid).toBe(h.modem.identity.iccid);
  });

  it('goes degraded when the SIM is pulled while running', async () => {
    const h = track(setup({ modem: { flavour: 'sim800c' } }));
    await started(h);
    h.modem.fault({ kind: 'sim_removed' });
    await advanceBy(h.clock, 100);
    expect(h.driver.state).toBe('degraded');
    expect(h.driver.sim).toBeNull();
    expect(h.states.at(-1)?.reason).toBe('sim_not_ready');
  });
});
