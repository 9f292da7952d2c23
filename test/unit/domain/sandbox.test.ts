import { describe, expect, it } from 'vitest';
import {
  SEED_SERVICES,
  allowedSimKind,
  decideSandboxDelivery,
  extractCode,
  isSimulatedSlot,
  randomCode,
  sandboxSms,
  simServesOrder,
} from '../../../src/domain/index.js';

/** Deterministic random numbers (mulberry32), so a failure names its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('which SIMs serve which keys', () => {
  it('gives sandbox orders simulated SIMs only and live orders real SIMs only', () => {
    expect(allowedSimKind(true, false)).toBe('simulated');
    expect(allowedSimKind(true, true)).toBe('simulated');
    expect(allowedSimKind(false, false)).toBe('real');
    expect(allowedSimKind(false, true)).toBe('any');
  });

  it.each([
    // slot path, sandbox, liveOnSimulated, served
    ['simulated:0', true, false, true],
    ['/dev/ttyUSB0', true, false, false],
    ['/dev/ttyUSB0', true, true, false],
    [null, true, true, false],
    ['simulated:3', false, false, false],
    ['/dev/ttyUSB0', false, false, true],
    [null, false, false, true],
    ['simulated:3', false, true, true],
    ['tcp://10.0.0.5:7000', false, true, true],
  ] as const)('%s sandbox=%s liveOnSimulated=%s → %s', (slot, sandbox, live, served) => {
    expect(simServesOrder(slot, sandbox, live)).toBe(served);
  });

  it('recognises only the simulated: prefix', () => {
    expect(isSimulatedSlot('simulated:12')).toBe(true);
    expect(isSimulatedSlot('/dev/simulated:1')).toBe(false);
    expect(isSimulatedSlot(undefined)).toBe(false);
  });
});

describe('synthetic verification SMS', () => {
  it('writes the Telegram text integrators expect', () => {
    const sms = sandboxSms({ code: 'tg', name: 'Telegram' }, seeded(1));
    expect(sms.sender).toBe('Telegram');
    expect(sms.code).toMatch(/^[1-9]\d{4}$/);
    expect(sms.text).toBe(`Your Telegram code is ${sms.code}. Do not give this code to anyone.`);
  });

  it('uses a generic text and a sender made from the name for unknown services', () => {
    const sms = sandboxSms({ code: 'zz', name: 'Acme Bank & Co.' }, seeded(2));
    expect(sms.sender).toBe('Acme Bank');
    expect(sms.text).toContain(`Your Acme Bank & Co. verification code is ${sms.code}.`);
    expect(sms.code).toHaveLength(6);
    expect(sandboxSms({ code: 'ot', name: 'any other' }, seeded(3)).sender).toBe('Verify');
  });

  it.each(SEED_SERVICES.map((s) => [s.code, s] as const))(
    '%s: the code in the text is what extractCode finds, with a valid GSM sender',
    (_code, service) => {
      for (let seed = 1; seed <= 300; seed++) {
        const sms = sandboxSms(service, seeded(seed));
        expect(extractCode(sms.text, { pattern: service.codePattern }), sms.text).toBe(sms.code);
        expect(sms.sender).toMatch(/^[A-Za-z0-9 ]{1,11}$/);
        expect(sms.code).toMatch(/^[1-9]\d{3,7}$/);
      }
    },
  );

  it('never makes a four-digit code that reads as a year', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const n = Number(randomCode(4, seeded(seed)));
      expect(n < 1900 || n > 2099).toBe(true);
    }
    expect(randomCode(6, () => 0.999999999)).toBe('999999');
    expect(randomCode(5, () => 0)).toBe('10000');
  });
});

describe('whether a due synthetic SMS is still wanted', () => {
  it('injects for an open order still on the scheduled SIM, skips otherwise', () => {
    expect(decideSandboxDelivery({ status: 'waiting', simIccid: 'A' }, 'A')).toBe('inject');
    expect(decideSandboxDelivery({ status: 'retry', simIccid: 'A' }, 'A')).toBe('inject');
    expect(decideSandboxDelivery({ status: 'waiting', simIccid: 'B' }, 'A')).toBe('skip');
    expect(decideSandboxDelivery({ status: 'cancelled', simIccid: 'A' }, 'A')).toBe('skip');
    expect(decideSandboxDelivery({ status: 'expired', simIccid: 'A' }, 'A')).toBe('skip');
  });
});
