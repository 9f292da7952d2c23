/**
 * Vendor quirks of the modem layer, as data (DESIGN.md principle 5): which AT-level profile the
 * engine uses, how to read the ICCID, and which extra init commands silence or route URCs.
 * The first entry whose `match` fits `AT+CGMI` + `AT+CGMM` wins; `generic` always matches.
 */
import {
  genericProfile,
  huaweiProfile,
  quectelProfile,
  simcomProfile,
  wavecomProfile,
  type AtProfile,
} from '../at/index.js';

export interface VendorProfile {
  readonly name: string;
  /** Tested against `<CGMI> <CGMM>`. */
  readonly match: RegExp;
  readonly at: AtProfile;
  /** Vendor ICCID commands, tried in order before the `AT+CRSM` fallback. */
  readonly iccidCommands: readonly string[];
  /** Sent after identification; failures are logged and ignored (older firmwares lack them). */
  readonly extraInit: readonly string[];
}

export const VENDOR_PROFILES: readonly VendorProfile[] = [
  {
    name: 'simcom',
    match: /SIMCOM/i,
    at: simcomProfile,
    // SIM800 knows AT+CCID, SIM7600 AT+CICCID (simtron tries both).
    iccidCommands: ['AT+CCID', 'AT+CICCID'],
    extraInit: [],
  },
  {
    name: 'quectel',
    match: /QUECTEL|\bEC2[015]|\bEG2[15]|\bEG9|\bBG9|\bM35\b|\bM95\b/i,
    at: quectelProfile,
    iccidCommands: ['AT+QCCID'],
    // URCs go to one configurable port; if it is not ours, +CMTI never shows up.
    extraInit: ['AT+QURCCFG="urcport","usbat"'],
  },
  {
    name: 'huawei',
    match: /HUAWEI/i,
    at: huaweiProfile,
    iccidCommands: ['AT^ICCID?'],
    // ^RSSI ^BOOT ^MODE ^DSFLOWRPT every few seconds otherwise.
    extraInit: ['AT^CURC=0'],
  },
  {
    name: 'wavecom',
    match: /WAVECOM|SIERRA/i,
    at: wavecomProfile,
    iccidCommands: ['AT+CCID'],
    // +WIND indications are persisted in EEPROM: silence them for this and future boots.
    extraInit: ['AT+WIND=0'],
  },
  {
    name: 'generic',
    match: /(?:)/,
    at: genericProfile,
    // u-blox and many others answer AT+CCID; a wrong guess costs one ERROR.
    iccidCommands: ['AT+CCID'],
    extraInit: [],
  },
];

export function chooseVendor(manufacturer: string, model: string): VendorProfile {
  const key = `${manufacturer} ${model}`;
  const found = VENDOR_PROFILES.find((vendor) => vendor.match.test(key));
  // The generic entry matches everything; the fallback only satisfies the type checker.
  return found ?? (VENDOR_PROFILES[VENDOR_PROFILES.length - 1] as VendorProfile);
}
