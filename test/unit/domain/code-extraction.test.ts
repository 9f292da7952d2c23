import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainCode, extractCode } from '../../../src/domain/index.js';
import { codeCases } from './code-extraction-cases.js';

describe('extracting the code from real-world verification SMS', () => {
  it('has enough cases to mean something', () => {
    expect(codeCases.length).toBeGreaterThanOrEqual(45);
    expect(codeCases.filter((c) => c.expected === null).length).toBeGreaterThanOrEqual(3);
  });

  it.each(codeCases.map((c) => [c.service, c.trap, c] as const))(
    '%s (%s)',
    (_service, _trap, { text, expected }) => {
      expect(extractCode(text)).toBe(expected);
    },
  );
});

describe('the shape of what is returned', () => {
  it.each([
    ['Your WhatsApp code: 123-456', '123456'],
    ['123 456 is your Instagram code', '123456'],
    ['Your code: 1234-5678', '12345678'],
    ['G-123456 is your Google verification code.', '123456'],
    ['FB-12345 is your Facebook confirmation code', '12345'],
    ['Your code is 0042', '0042'],
  ])('returns numeric codes as digits only: %s → %s', (text, code) => {
    expect(extractCode(text)).toBe(code);
  });

  it('returns an alphanumeric code as written when a keyword introduces it', () => {
    expect(extractCode('Steam Guard code: XK4P9')).toBe('XK4P9');
    expect(extractCode('Ваш код: AB12CD')).toBe('AB12CD');
  });

  it('does not take an upper-case word that a keyword does not introduce directly', () => {
    expect(extractCode('OTP for VISA card is required')).toBeNull();
    expect(extractCode('Welcome to SHOP24 today')).toBeNull();
  });

  it('prefers a number after a code keyword over a longer number elsewhere', () => {
    expect(extractCode('Account 12345678 updated. Code 4821')).toBe('4821');
    expect(extractCode('Ticket 7788990 booked. Ваш код 5521')).toBe('5521');
  });

  it('takes a year-like number only when the text clearly says it is the code', () => {
    expect(extractCode('Your code is 2024')).toBe('2024');
    expect(extractCode('2026 is your verification code')).toBe('2026');
    expect(extractCode('See you in 2026')).toBeNull();
    expect(extractCode('Code valid. Thanks, 2026')).toBeNull();
  });

  it('never takes a number shaped like a phone, date, time, amount or percentage', () => {
    for (const text of [
      '+44 7700 900123',
      '8-800-555-35-35',
      '(800) 555-0199',
      '12.05.2026',
      '2026-05-12',
      '12:30',
      '$12.50',
      '1 000 ₽',
      '€25',
      '1500 RUB',
      '2500%',
      'card *1234',
      'Order #58213',
    ]) {
      expect(extractCode(`Hello. ${text}.`), text).toBeNull();
    }
  });

  it('returns null for empty and digit-free text', () => {
    expect(extractCode('')).toBeNull();
    expect(extractCode('Your code is on its way')).toBeNull();
  });
});

describe('service patterns', () => {
  const telegram =
    'Telegram code: 48213\n\nYou can also tap on this link: https://t.me/login/48213';

  it('uses the first capture group of the pattern', () => {
    expect(explainCode('Code 12345, call 555-0199', { pattern: '(\\d{3}-\\d{4})' })).toEqual({
      code: '555-0199',
      method: 'pattern',
      invalidPattern: false,
    });
  });

  it('prefers the named group "code" over earlier groups', () => {
    expect(extractCode('ID 77 code 123456', { pattern: '(\\d+) code (?<code>\\d+)' })).toBe(
      '123456',
    );
  });

  it('returns the whole match when the pattern has no group', () => {
    expect(extractCode(telegram, { pattern: '\\d{5}' })).toBe('48213');
  });

  it('accepts a RegExp and ignores its global state between messages', () => {
    const pattern = /(\d{5})/g;
    expect(extractCode(telegram, { pattern })).toBe('48213');
    expect(extractCode(telegram, { pattern })).toBe('48213');
    expect(pattern.lastIndex).toBe(0);
  });

  it('reads full-width digits through the pattern', () => {
    expect(extractCode('認証コード：１２３４５６', { pattern: '(\\d{6})' })).toBe('123456');
  });

  it('treats a null pattern (none in the catalog) as no pattern', () => {
    expect(explainCode(telegram, { pattern: null })).toMatchObject({
      code: '48213',
      method: 'generic',
    });
  });

  it('falls back to the generic extractor when the pattern does not match', () => {
    expect(explainCode(telegram, { pattern: '(\\d{9})' })).toEqual({
      code: '48213',
      method: 'generic',
      invalidPattern: false,
    });
  });

  it('falls back to the generic extractor, and says so, when the pattern is invalid', () => {
    expect(explainCode(telegram, { pattern: '(\\d{5}' })).toEqual({
      code: '48213',
      method: 'generic',
      invalidPattern: true,
    });
    expect(explainCode(telegram, { pattern: '[' }).invalidPattern).toBe(true);
  });

  it('accepts legacy patterns that are only valid without the u flag', () => {
    expect(extractCode('code 12-34', { pattern: '(\\d\\d\\-\\d\\d)' })).toBe('12-34');
  });
});

/** Digits of a given length as a string (leading zeros allowed). */
const digitString = (min: number, max: number): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max })
    .map((digits) => digits.join(''));

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Sentences full of numbers that are not codes. */
const noiseSentence: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1, max: 999 }),
      digitString(3, 3),
      digitString(3, 3),
      digitString(4, 4),
    )
    .map(([cc, a, b, c]) => `Call +${cc} ${a} ${b} ${c} for help.`),
  fc
    .tuple(digitString(3, 3), digitString(2, 2), digitString(2, 2))
    .map(([a, b, c]) => `Support: 8-800-${a}-${b}-${c}.`),
  fc
    .tuple(digitString(3, 3), digitString(3, 3), digitString(4, 4))
    .map(([a, b, c]) => `Questions? (${a}) ${b}-${c}.`),
  fc.integer({ min: 1900, max: 2099 }).map((year) => `Since ${year} with you.`),
  fc
    .tuple(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 0, max: 99 }))
    .map(([a, c]) => `Paid $${a}.${pad2(c)} at SHOP.`),
  fc.integer({ min: 1, max: 999_999 }).map((a) => `Списано ${a.toLocaleString('ru-RU')} ₽.`),
  fc.integer({ min: 1, max: 99_999 }).map((a) => `Total €${a},00 today.`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 2000, max: 2099 }),
    )
    .map(([d, m, y]) => `Valid until ${pad2(d)}.${pad2(m)}.${y} ${pad2(m + 8)}:${pad2(d + 10)}.`),
  fc
    .tuple(
      fc.integer({ min: 2000, max: 2099 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
    )
    .map(([y, m, d]) => `Sent on ${y}-${pad2(m)}-${pad2(d)}.`),
  fc.integer({ min: 1, max: 9_999 }).map((p) => `Save ${p}% now.`),
  digitString(4, 8).map((n) => `Order #${n} shipped.`),
  digitString(4, 8).map((n) => `Order ${n} shipped.`),
  digitString(4, 4).map((n) => `Card *${n} charged.`),
  digitString(4, 8).map((n) => `Open https://example.com/t/${n} to track.`),
);

const codeTemplate: fc.Arbitrary<(code: string) => string> = fc.constantFrom(
  (code: string) => `Your verification code is ${code}.`,
  (code: string) => `${code} is your verification code.`,
  (code: string) => `Код подтверждения: ${code}.`,
  (code: string) => `验证码：${code}。`,
  (code: string) => `OTP ${code}.`,
  (code: string) => `Tu código es ${code}.`,
  (code: string) => `Use ${code} as your login code.`,
  (code: string) => `Doğrulama kodunuz: ${code}.`,
);

describe('properties', () => {
  it('extracts a random 4–8 digit code from any mix of phones, years, dates and amounts', () => {
    fc.assert(
      fc.property(
        digitString(4, 8),
        codeTemplate,
        fc.array(noiseSentence, { maxLength: 3 }),
        fc.array(noiseSentence, { maxLength: 3 }),
        (code, template, before, after) => {
          const text = [...before, template(code), ...after].join(' ');
          expect(extractCode(text)).toBe(code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds no code in noise alone', () => {
    fc.assert(
      fc.property(fc.array(noiseSentence, { minLength: 1, maxLength: 5 }), (sentences) => {
        expect(extractCode(sentences.join(' '))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text and returns a code-shaped value or null', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 300 }),
          fc.string({ unit: fc.constantFrom(...'0123456789 -.:+$€₽*#/()%code'), maxLength: 300 }),
        ),
        (text) => {
          const code = extractCode(text);
          if (code !== null) expect(code).toMatch(/^(?:\d{4,8}|[A-Z0-9]{4,10})$/);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws whatever the pattern', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ maxLength: 12 }), (text, pattern) => {
        const result = explainCode(text, { pattern });
        expect(['pattern', 'generic']).toContain(result.method);
      }),
      { numRuns: 500 },
    );
  });
});

describe('bounded work', () => {
  const huge = 100_000;

  it.each([
    ['digits', '1'.repeat(huge)],
    ['spaced digit groups', '111 '.repeat(huge / 4)],
    ['dotted digits', '1.'.repeat(huge / 2)],
    ['dotted words', 'a.'.repeat(huge / 2)],
    ['plus signs and digits', '+1 '.repeat(huge / 3)],
    ['keywords', 'code '.repeat(huge / 5)],
    ['currency', '$1,'.repeat(huge / 3)],
    ['at signs', 'a@'.repeat(huge / 2)],
    [
      'binary noise',
      String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 65_536)).repeat(
        25,
      ),
    ],
  ])('returns on a 100 KB adversarial string (%s)', (_name, text) => {
    const code = extractCode(`Your code is 4821. ${text}`);
    expect(code).toBe('4821');
  });

  it('ignores text beyond the scan limit', () => {
    expect(extractCode(`${'x '.repeat(5000)}Your code is 4821`)).toBeNull();
  });
});
