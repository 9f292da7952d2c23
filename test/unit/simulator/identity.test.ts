import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/index.js';
import {
  ModemBank,
  flavourFor,
  identityFor,
  isLuhnValid,
  type ModemIdentity,
} from '../../../src/simulator/index.js';

const mixed = (index: number) => flavourFor('mixed', index);

/** The identities of `count` modems of a mixed bank on host `hostId` (none: a lone bank). */
function bank(hostId: string | undefined, count = 8): ModemIdentity[] {
  return Array.from({ length: count }, (_, i) => identityFor(i, mixed(i), hostId));
}

const FIELDS = ['iccid', 'imsi', 'imei', 'msisdn'] as const;

/** The number ranges of the four simulated countries (UK: Ofcom's fictional 07700 900xxx). */
const NUMBER_PREFIXES: Readonly<Record<string, string>> = {
  '234': '+447700900',
  '310': '+1202555',
  '250': '+7916555',
  '262': '+4915155',
};

/** What must not depend on the host: everything but the four serials. */
const withoutSerials = (m: ModemIdentity) => ({ ...m, iccid: '', imsi: '', imei: '', msisdn: '' });

describe('simulated SIM identities per host', () => {
  it('without a host id are those of a lone bank, as tests and `simpool simulate` know them', () => {
    expect(identityFor(0, 'sim800c')).toMatchObject({
      iccid: '89441000000010000032',
      imsi: '234100123456789',
      imei: '862472031000001',
      msisdn: '+447700900100',
    });
    expect(identityFor(3, 'ec25')).toMatchObject({
      iccid: '8949020000013141904',
      imsi: '262010169914378',
      imei: '867615031237578',
      msisdn: '+491515500103',
    });
  });

  it('three hosts of eight modems: 24 distinct ICCIDs, IMSIs, IMEIs and numbers', () => {
    const all = ['host-a', 'host-b', 'host-c'].flatMap((host) => bank(host));
    expect(all).toHaveLength(24);
    for (const field of FIELDS) expect(new Set(all.map((m) => m[field])).size, field).toBe(24);
  });

  it('the same host and index give the same identity, run after run and through a ModemBank', () => {
    expect(bank('rack-1')).toEqual(bank('rack-1'));
    expect(bank('rack-1')[0]).not.toEqual(bank('rack-2')[0]);
    const modems = new ModemBank({
      count: 4,
      flavour: 'mixed',
      hostId: 'rack-1',
      clock: new ManualClock(),
    });
    try {
      expect(modems.modems.map((m) => m.identity)).toEqual(bank('rack-1', 4));
    } finally {
      modems.close();
    }
  });

  it('stay valid and in the format of the lone bank: country, lengths, Luhn digits, TAC, prefixes', () => {
    for (const host of ['a', 'host-b', 'web1.dc2.example.com']) {
      const lone = bank(undefined, 12);
      bank(host, 12).forEach((modem, i) => {
        const base = lone[i]!;
        expect(isLuhnValid(modem.iccid)).toBe(true);
        expect(isLuhnValid(modem.imei)).toBe(true);
        expect(modem.iccid).toHaveLength(base.iccid.length);
        expect(modem.iccid.slice(0, 6)).toBe(base.iccid.slice(0, 6));
        expect(modem.imei).toMatch(/^\d{15}$/);
        expect(modem.imei.slice(0, 8)).toBe(base.imei.slice(0, 8));
        expect(modem.imsi).toMatch(/^\d{15}$/);
        expect(modem.imsi.startsWith(base.mcc + base.mnc)).toBe(true);
        expect(modem.msisdn).toHaveLength(base.msisdn.length);
        expect(modem.msisdn.startsWith(NUMBER_PREFIXES[base.mcc]!)).toBe(true);
        expect(withoutSerials(modem)).toEqual(withoutSerials(base));
      });
    }
  });

  it("keep a host's SIMs in index order by ICCID, as the allocation tie-break sees them", () => {
    const order = (identities: ModemIdentity[]): number[] =>
      identities
        .map((m, index) => ({ iccid: m.iccid, index }))
        .sort((a, b) => (a.iccid < b.iccid ? -1 : 1))
        .map((m) => m.index);
    const lone = order(bank(undefined, 256));
    // host-11634's ICCID shift lies within 9 million of the top of the 12-digit serials: shifted
    // serials that wrapped around would put its modems from index 76 on before the others.
    for (const host of ['host-a', 'host-b', 'host-11634']) {
      expect(order(bank(host, 256)), host).toEqual(lone);
    }
  });

  it('a full bank of 256 modems has no duplicate; twenty hosts share no ICCID, IMSI or IMEI', () => {
    const full = bank('host-a', 256);
    for (const field of FIELDS) expect(new Set(full.map((m) => m[field])).size, field).toBe(256);
    const many = Array.from({ length: 20 }, (_, h) => bank(`host-${h}`));
    for (const field of ['iccid', 'imsi', 'imei'] as const) {
      expect(new Set(many.flat().map((m) => m[field])).size, field).toBe(160);
    }
  });
});
