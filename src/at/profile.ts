/**
 * Vendor quirks at the AT level, as data: extra final codes, URC additions/removals, busy codes,
 * flags. The modem layer picks a profile (from AT+CGMI/CGMM or USB ids) and hands it to the
 * engine with `setProfile`; nothing here branches on a vendor name.
 */
import { DEFAULT_BUSY_CODES, type BusyCodes, type FinalCodeDefinition } from './result-codes.js';
import { DEFAULT_URCS, type UrcDefinition } from './urc-registry.js';

export interface AtProfileFlags {
  /** Keep bytes 0x80–0xFF as latin1 text instead of treating them as noise. */
  readonly highBytesAreText?: boolean;
  /**
   * Answer prefixes that end their command without an `OK` (Wavecom M1306 answers
   * `AT+CPIN?` with `+CPIN: READY` only). The engine completes on that line.
   */
  readonly completeWithoutOk?: readonly string[];
}

export interface AtProfile {
  readonly name: string;
  /** Finals beyond OK/ERROR/+CME/+CMS/NO CARRIER/BUSY/NO ANSWER/NO DIALTONE/COMMAND NOT SUPPORT. */
  readonly extraFinalCodes: readonly FinalCodeDefinition[];
  /** The complete URC table for this profile (defaults plus additions, minus removals). */
  readonly urcs: readonly UrcDefinition[];
  readonly busyCodes: BusyCodes;
  readonly flags: AtProfileFlags;
}

export interface AtProfileSpec {
  readonly name: string;
  /** Start from this profile instead of the generic one. */
  readonly base?: AtProfile;
  readonly extraFinalCodes?: readonly FinalCodeDefinition[];
  /** Added after the base table; a definition with the same `match` replaces the base one. */
  readonly extraUrcs?: readonly UrcDefinition[];
  /** URC names to drop from the base table. */
  readonly removeUrcs?: readonly string[];
  readonly busyCodes?: BusyCodes;
  readonly flags?: AtProfileFlags;
}

/** 27.005/27.007 with the URCs of every vendor in MODEMS.md (their names never collide). */
export const genericProfile: AtProfile = {
  name: 'generic',
  extraFinalCodes: [],
  urcs: DEFAULT_URCS,
  busyCodes: DEFAULT_BUSY_CODES,
  flags: {},
};

/** Builds a profile from a base (generic by default) and a few differences. */
export function defineProfile(spec: AtProfileSpec): AtProfile {
  const base = spec.base ?? genericProfile;
  const removed = new Set(spec.removeUrcs ?? []);
  const added = spec.extraUrcs ?? [];
  const replaced = new Set(added.map((def) => `${def.exact === true}:${def.match}`));
  const urcs = [
    ...base.urcs.filter(
      (def) => !removed.has(def.name) && !replaced.has(`${def.exact === true}:${def.match}`),
    ),
    ...added,
  ];
  return {
    name: spec.name,
    extraFinalCodes: [...base.extraFinalCodes, ...(spec.extraFinalCodes ?? [])],
    urcs,
    busyCodes: spec.busyCodes ?? base.busyCodes,
    flags: { ...base.flags, ...spec.flags },
  };
}

/** Huawei E-series sticks (PCUI port). */
export const huaweiProfile: AtProfile = defineProfile({
  name: 'huawei',
  extraFinalCodes: [{ line: 'TOO MANY PARAMETERS', success: false }],
  extraUrcs: [
    { name: '^CEND', match: '^CEND:' },
    { name: '^ORIG', match: '^ORIG:' },
    { name: '^CONF', match: '^CONF:' },
    { name: '^CONN', match: '^CONN:' },
    { name: '^STIN', match: '^STIN:' },
    { name: '^NWTIME', match: '^NWTIME:' },
  ],
});

/** SIMCom SIM800 / SIM7600 (boot URCs are in the defaults). */
export const simcomProfile: AtProfile = defineProfile({
  name: 'simcom',
  extraUrcs: [
    { name: '*PSUTTZ', match: '*PSUTTZ:' },
    { name: 'DST', match: 'DST:' },
    { name: '+CPSI', match: '+CPSI:', solicitedBy: ['read', 'test', 'set'] },
  ],
});

/** Quectel EC25 / EG25-G (boot URCs are in the defaults). */
export const quectelProfile: AtProfile = defineProfile({
  name: 'quectel',
  extraUrcs: [{ name: 'POWERED DOWN', match: 'POWERED DOWN', exact: true }],
});

/** Wavecom / Sierra modem pools: `+CPIN?` is answered without OK. */
export const wavecomProfile: AtProfile = defineProfile({
  name: 'wavecom',
  flags: { completeWithoutOk: ['+CPIN:'] },
});
