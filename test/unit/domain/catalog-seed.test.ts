import { describe, expect, it } from 'vitest';
import {
  SEED_COUNTRIES,
  SEED_SERVICES,
  countryByActivateId,
  countryByIso2,
  countryForMcc,
  explainCode,
  extractCode,
  serviceByCode,
} from '../../../src/domain/index.js';

// Copied from LEGACY-API.md ("Service codes", "Country ids"): the test must not read files
// outside the repository.
const LEGACY_SERVICES: readonly (readonly [string, string])[] = [
  ['tg', 'Telegram'],
  ['wa', 'WhatsApp'],
  ['go', 'Google'],
  ['fb', 'Facebook'],
  ['ig', 'Instagram'],
  ['tw', 'Twitter/X'],
  ['vi', 'Viber'],
  ['wb', 'WeChat'],
  ['vk', 'VKontakte'],
  ['ok', 'Odnoklassniki'],
  ['ds', 'Discord'],
  ['lf', 'TikTok'],
  ['fu', 'Snapchat'],
  ['oi', 'Tinder'],
  ['mm', 'Microsoft'],
  ['mb', 'Yahoo'],
  ['pm', 'AOL'],
  ['am', 'Amazon'],
  ['ub', 'Uber'],
  ['tn', 'LinkedIn'],
  ['me', 'LINE'],
  ['kt', 'KakaoTalk'],
  ['nv', 'Naver'],
  ['qq', 'Tencent QQ'],
  ['nf', 'Netflix'],
  ['mt', 'Steam'],
  ['dp', 'ProtonMail'],
  ['ma', 'Mail.ru'],
  ['ya', 'Yandex'],
  ['av', 'Avito'],
  ['dh', 'eBay'],
  ['re', 'Coinbase'],
  ['ts', 'PayPal'],
  ['wx', 'Apple'],
  ['bw', 'Signal'],
  ['dr', 'OpenAI'],
  ['yw', 'Grindr'],
  ['ka', 'Shopee'],
  ['ot', 'any other'],
];

// prettier-ignore
const LEGACY_COUNTRIES: readonly (readonly [number, string])[] = [
  [0, 'RU'], [1, 'UA'], [2, 'KZ'], [3, 'CN'], [4, 'PH'], [6, 'ID'], [7, 'MY'], [8, 'KE'],
  [10, 'VN'], [12, 'US'], [13, 'IL'], [14, 'HK'], [15, 'PL'], [16, 'GB'], [19, 'NG'], [21, 'EG'],
  [22, 'IN'], [23, 'IE'], [31, 'ZA'], [32, 'RO'], [33, 'CO'], [36, 'CA'], [39, 'AR'], [43, 'DE'],
  [46, 'SE'], [48, 'NL'], [50, 'AT'], [52, 'TH'], [53, 'SA'], [54, 'MX'], [56, 'ES'], [62, 'TR'],
  [63, 'CZ'], [66, 'PK'], [73, 'BR'], [78, 'FR'], [82, 'BE'], [86, 'IT'], [95, 'AE'], [117, 'PT'],
  [128, 'GE'], [129, 'GR'], [151, 'CL'], [163, 'FI'], [172, 'DK'], [173, 'CH'], [174, 'NO'],
  [175, 'AU'], [182, 'JP'], [187, 'US'], [190, 'KR'], [196, 'SG'],
];

/** The one ISO code with two rows: sms-activate's 12 "USA (virtual)" and 187 "USA". */
const VIRTUAL_IDS = [12];

describe('seed services', () => {
  it('has every LEGACY-API.md service code exactly once, in order, with its name', () => {
    expect(SEED_SERVICES.map((s) => [s.code, s.name])).toEqual(LEGACY_SERVICES);
  });

  it('has sender patterns that compile and are anchored', () => {
    for (const service of SEED_SERVICES) {
      for (const source of service.senderPatterns) {
        expect(() => new RegExp(source, 'i'), `${service.code}: ${source}`).not.toThrow();
        expect(source, service.code).toMatch(/^\^.*\$$/);
      }
    }
  });

  it('has code patterns that compile and name a `code` group', () => {
    const withPattern = SEED_SERVICES.filter((s) => s.codePattern !== null);
    expect(withPattern.length).toBeGreaterThan(0);
    for (const { code, codePattern } of withPattern) {
      const regex = new RegExp(codePattern!, 'u');
      expect(regex.source, code).toContain('(?<code>');
      expect(explainCode('no code here', { pattern: codePattern }).invalidPattern, code).toBe(
        false,
      );
    }
  });

  it.each([
    [
      'tg',
      'Telegram code: 48213\n\nYou can also tap on this link to log in:\nhttps://t.me/login/48213',
      '48213',
    ],
    [
      'tg',
      'Login code: 73105. Do not give this code to anyone, even if they say they are from Telegram!',
      '73105',
    ],
    [
      'go',
      '<#> G-902318 is your Google verification code. (Sent from Google) kRlmFdh6b3c',
      '902318',
    ],
  ])('%s pattern returns digits only: %j', (code, text, expected) => {
    const { codePattern } = serviceByCode(code)!;
    expect(explainCode(text, { pattern: codePattern })).toEqual({
      code: expected,
      method: 'pattern',
      invalidPattern: false,
    });
  });

  it('leaves split codes to the generic extractor, which returns digits only', () => {
    const wa = serviceByCode('wa')!;
    expect(wa.codePattern).toBeNull();
    expect(extractCode('Your WhatsApp code: 123-456', { pattern: wa.codePattern })).toBe('123456');
  });

  it('matches known senders case-insensitively', () => {
    const matches = (code: string, sender: string): boolean =>
      serviceByCode(code)!.senderPatterns.some((p) => new RegExp(p, 'i').test(sender));
    expect(matches('tg', 'Telegram')).toBe(true);
    expect(matches('tg', '42777')).toBe(true);
    expect(matches('go', 'GOOGLE')).toBe(true);
    expect(matches('go', '22000')).toBe(true);
    expect(matches('wa', 'WhatsApp')).toBe(true);
    expect(matches('tg', 'Telegram Premium')).toBe(false);
  });

  it('looks services up by code', () => {
    expect(serviceByCode('tg')?.name).toBe('Telegram');
    expect(serviceByCode('zz9')).toBeUndefined();
  });
});

describe('seed countries', () => {
  it('has every LEGACY-API.md country id exactly once, in order, with its ISO code', () => {
    expect(SEED_COUNTRIES.map((c) => [c.activateId, c.iso2])).toEqual(LEGACY_COUNTRIES);
  });

  it('has unique ISO codes apart from the virtual US row', () => {
    const real = SEED_COUNTRIES.filter((c) => c.virtual !== true);
    expect(new Set(real.map((c) => c.iso2)).size).toBe(real.length);
    expect(SEED_COUNTRIES.filter((c) => c.virtual === true).map((c) => c.activateId)).toEqual(
      VIRTUAL_IDS,
    );
    expect(countryByActivateId(12)).toMatchObject({ iso2: 'US', virtual: true, mccs: [] });
  });

  it('has well-formed names, calling codes and MCCs', () => {
    for (const c of SEED_COUNTRIES) {
      expect(c.iso2, String(c.activateId)).toMatch(/^[A-Z]{2}$/);
      expect(c.eng.length && c.rus.length && c.chn.length, c.iso2).toBeGreaterThan(0);
      expect(Number.isInteger(c.callingCode) && c.callingCode >= 1 && c.callingCode <= 999).toBe(
        true,
      );
      for (const mcc of c.mccs) expect(mcc, c.iso2).toMatch(/^[2-7]\d{2}$/);
      if (c.virtual !== true) expect(c.mccs.length, c.iso2).toBeGreaterThan(0);
    }
  });

  it('never gives one MCC to two countries', () => {
    const owner = new Map<string, string>();
    for (const c of SEED_COUNTRIES) {
      for (const mcc of c.mccs) {
        expect(owner.get(mcc), `${mcc}: ${c.iso2}`).toBeUndefined();
        owner.set(mcc, c.iso2);
      }
    }
  });

  it.each([
    ['GB', 44, ['234', '235']],
    ['RU', 7, ['250']],
    ['US', 1, ['310', '311', '312', '313', '314', '315', '316']],
    ['DE', 49, ['262']],
    ['IN', 91, ['404', '405', '406']],
  ])('%s: +%i, MCCs %j', (iso2, callingCode, mccs) => {
    expect(countryByIso2(iso2)).toMatchObject({ callingCode, mccs });
  });

  it('has the names getCountries shows', () => {
    expect(countryByActivateId(16)).toMatchObject({
      eng: 'United Kingdom',
      rus: 'Англия',
      chn: '英国',
    });
    expect(countryByActivateId(0)).toMatchObject({ eng: 'Russia', rus: 'Россия', chn: '俄罗斯' });
    expect(countryByActivateId(187)).toMatchObject({ eng: 'USA', rus: 'США', chn: '美国' });
  });

  it('maps an MCC to its real country', () => {
    expect(countryForMcc('234')?.iso2).toBe('GB');
    expect(countryForMcc('235')?.activateId).toBe(16);
    expect(countryForMcc('310')?.activateId).toBe(187);
    expect(countryForMcc('316')?.activateId).toBe(187);
    expect(countryForMcc('250')?.iso2).toBe('RU');
    expect(countryForMcc('001')).toBeUndefined();
    expect(countryForMcc('')).toBeUndefined();
  });

  it('looks countries up by id and by ISO code, preferring the real US row', () => {
    expect(countryByActivateId(16)?.iso2).toBe('GB');
    expect(countryByActivateId(9999)).toBeUndefined();
    expect(countryByIso2('US')?.activateId).toBe(187);
    expect(countryByIso2('gb')?.activateId).toBe(16);
    expect(countryByIso2('XX')).toBeUndefined();
  });
});
