import { describe, expect, it } from 'vitest';
import { isSimpoolError } from '../../../src/shared/index.js';
import { advanceUntil, setup, started, trackHarnesses, whileAdvancing } from './harness.js';

const track = trackHarnesses();

describe('USSD and the operator reset against a simulated modem', () => {
  it('answers a USSD code with the network reply', async () => {
    const h = track(setup({ modem: { ussdReplies: { '*100#': 'Balance 12.34 EUR' } } }));
    await started(h);
    await expect(whileAdvancing(h.clock, h.driver.ussd('*100#'))).resolves.toBe(
      'Balance 12.34 EUR',
    );
  });

  it('reports a code the network does not support as an error, and the modem stays ready', async () => {
    const h = track(setup({ modem: { ussdReplies: {} } }));
    await started(h);
    const error: unknown = await whileAdvancing(h.clock, h.driver.ussd('*999#')).catch(
      (e: unknown) => e,
    );
    expect(isSimpoolError(error) && error.code).toBe('at_error');
    expect(h.driver.state).toBe('ready');
  });

  it('refuses what is not a USSD code without sending it', async () => {
    const h = track(setup());
    await started(h);
    const error: unknown = await whileAdvancing(h.clock, h.driver.ussd('"; AT+CFUN=0')).catch(
      (e: unknown) => e,
    );
    expect(isSimpoolError(error) && error.code).toBe('invalid_argument');
  });

  it('resets a ready modem with AT+CFUN=1,1 and brings it back ready', async () => {
    const h = track(setup({ modem: { flavour: 'ec25' } }));
    await started(h);
    expect(h.driver.reset()).toBe(true);
    expect(h.driver.state).toBe('recovering');
    // A second press while it resets changes nothing.
    expect(h.driver.reset()).toBe(false);
    await advanceUntil(h.clock, () => h.driver.state === 'ready', 500);
    expect(h.states.map((s) => `${s.to}:${s.reason}`).slice(-2)).toEqual([
      'recovering:operator_reset',
      'ready:recovered',
    ]);
    expect(h.recoveries.map((r) => `${r.step}:${r.ok}`)).toEqual(['modem_reset:true']);
    // It is a working modem again.
    h.modem.injectSms({ from: '+447700900123', text: 'after the reset' });
    await advanceUntil(h.clock, () => h.inbound.length === 1);
  });
});
