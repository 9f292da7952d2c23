/**
 * Vendor flavours as data: what differs between a SIMCom SIM800C and a Quectel EC25 as seen
 * from the AT port. Handlers read these fields instead of branching on the model name.
 */
export type FlavourName = 'sim800c' | 'ec25' | 'generic';

export interface Flavour {
  readonly name: FlavourName;
  readonly manufacturer: string;
  readonly model: string;
  readonly revision: string;
  /** Lines of `ATI`. */
  readonly ati: readonly string[];
  /** The vendor's ICCID command (the other vendor's answers ERROR). */
  readonly iccidCommand: '+CCID' | '+QCCID';
  /** URCs printed after power-on or `AT+CFUN=1,1`, in order. */
  readonly bootUrcs: readonly string[];
  readonly smCapacity: number;
  readonly meCapacity: number;
  /** `AT+CNMI=?` answer. */
  readonly cnmiRanges: string;
  /** LTE modules know `+CEREG`; the 2G SIM800 answers ERROR. */
  readonly hasCereg: boolean;
  /** Access technology appended to `+COPS?`/`+CREG: 2,...` (7 = E-UTRAN), undefined on 2G. */
  readonly accessTechnology: number | undefined;
  /** `AT+CMGR` on an empty slot: SIM800 answers a bare OK, EC25 +CMS ERROR: 321. */
  readonly emptyReadIsError: boolean;
  /** Extra `AT+CSCS=?` character sets. */
  readonly charsets: readonly string[];
  /**
   * `AT+CMGW` (store a SUBMIT) and `AT+CMSS` (send it from storage) work. False: both answer
   * ERROR, as on firmware without them, and SMS go out with `AT+CMGS` only.
   */
  readonly storesSubmits: boolean;
}

export const FLAVOURS: Readonly<Record<FlavourName, Flavour>> = {
  sim800c: {
    name: 'sim800c',
    manufacturer: 'SIMCOM_Ltd',
    model: 'SIMCOM_SIM800C',
    revision: 'Revision:1418B05SIM800C24',
    ati: ['SIM800 R14.18'],
    iccidCommand: '+CCID',
    bootUrcs: ['RDY', '+CFUN: 1', '+CPIN: READY', 'Call Ready', 'SMS Ready'],
    smCapacity: 30,
    meCapacity: 50,
    cnmiRanges: '(0-3),(0-3),(0,2),(0-2),(0,1)',
    hasCereg: false,
    accessTechnology: undefined,
    emptyReadIsError: false,
    charsets: ['IRA', 'GSM', 'UCS2', 'HEX', 'PCCP', 'PCDN', '8859-1'],
    storesSubmits: true,
  },
  ec25: {
    name: 'ec25',
    manufacturer: 'Quectel',
    model: 'EC25',
    revision: 'EC25EFAR06A06M4G',
    ati: ['Quectel', 'EC25', 'Revision: EC25EFAR06A06M4G'],
    iccidCommand: '+QCCID',
    bootUrcs: ['RDY', '+CFUN: 1', '+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE'],
    smCapacity: 50,
    meCapacity: 255,
    cnmiRanges: '(0-2),(0-3),(0,2),(0-2),(0,1)',
    hasCereg: true,
    accessTechnology: 7,
    emptyReadIsError: true,
    charsets: ['GSM', 'IRA', 'UCS2'],
    storesSubmits: true,
  },
  /** A plain 27.005 GSM modem whose firmware has no AT+CMGW/AT+CMSS (sends with AT+CMGS only). */
  generic: {
    name: 'generic',
    manufacturer: 'GENERIC',
    model: 'GSM MODEM',
    revision: 'R01',
    ati: ['GSM MODEM R01'],
    iccidCommand: '+CCID',
    bootUrcs: ['RDY', '+CPIN: READY'],
    smCapacity: 30,
    meCapacity: 50,
    cnmiRanges: '(0-2),(0-3),(0,2),(0-2),(0,1)',
    hasCereg: false,
    accessTechnology: undefined,
    emptyReadIsError: false,
    charsets: ['IRA', 'GSM', 'UCS2'],
    storesSubmits: false,
  },
};
