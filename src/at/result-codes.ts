/**
 * Final result codes: the lines that end a command. V.250 verbose codes, 27.007 `+CME ERROR`,
 * 27.005 `+CMS ERROR`, plus whatever a vendor profile adds (data, see profile.ts).
 */

/** How a profile declares an extra final code: an exact line and whether it means success. */
export interface FinalCodeDefinition {
  readonly line: string;
  readonly success: boolean;
}

export type FinalResult =
  | { readonly kind: 'ok'; readonly line: string }
  /** `ERROR`, `NO CARRIER`, `BUSY`, `COMMAND NOT SUPPORT`, a profile's failure code … */
  | { readonly kind: 'error'; readonly line: string }
  | {
      readonly kind: 'cme_error' | 'cms_error';
      readonly line: string;
      /** The numeric code (also when the modem reported text, if the text is a known one). */
      readonly number: number | null;
      /** Stable snake_case name when known, e.g. `sim_busy`. */
      readonly name: string | null;
      /** What followed the colon, as sent. */
      readonly text: string;
    };

/**
 * Finals every modem may send. `COMMAND NOT SUPPORT` is Huawei's, common enough to be default.
 * The call results among them end only call commands (see `CALL_RESULT_LINES`).
 */
export const STANDARD_FINAL_CODES: readonly FinalCodeDefinition[] = [
  { line: 'OK', success: true },
  { line: 'ERROR', success: false },
  { line: 'NO CARRIER', success: false },
  { line: 'BUSY', success: false },
  { line: 'NO ANSWER', success: false },
  { line: 'NO DIALTONE', success: false },
  { line: 'COMMAND NOT SUPPORT', success: false },
];

/**
 * Results of a call. V.250 makes them finals of `ATD`/`ATA`/`ATH`, but SIM800 and EC25 also send
 * `NO CARRIER` unsolicited when an incoming caller hangs up, at any moment — inside the answer to
 * `AT+CMGS` or `AT+CMGD` too. For any other command they are URCs, never its final result.
 */
export const CALL_RESULT_LINES: readonly string[] = [
  'NO CARRIER',
  'BUSY',
  'NO ANSWER',
  'NO DIALTONE',
];

/** True for `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE`. */
export function isCallResult(final: FinalResult): boolean {
  return final.kind === 'error' && CALL_RESULT_LINES.includes(final.line);
}

/** The commands that may end with a call result: dial, answer, hang up. */
export function ownsCallResults(command: string): boolean {
  return /^AT(D|A$|H|\+CHUP)/i.test(command);
}

type ErrorEntry = readonly [number, string, string];

/** 27.007 §9.2 (+CME ERROR), the codes worth naming. [number, name, text as in CMEE=2]. */
const CME_ERRORS: readonly ErrorEntry[] = [
  [0, 'phone_failure', 'phone failure'],
  [1, 'no_connection', 'no connection to phone'],
  [3, 'operation_not_allowed', 'operation not allowed'],
  [4, 'operation_not_supported', 'operation not supported'],
  [5, 'ph_sim_pin_required', 'PH-SIM PIN required'],
  [10, 'sim_not_inserted', 'SIM not inserted'],
  [11, 'sim_pin_required', 'SIM PIN required'],
  [12, 'sim_puk_required', 'SIM PUK required'],
  [13, 'sim_failure', 'SIM failure'],
  [14, 'sim_busy', 'SIM busy'],
  [15, 'sim_wrong', 'SIM wrong'],
  [16, 'incorrect_password', 'incorrect password'],
  [17, 'sim_pin2_required', 'SIM PIN2 required'],
  [18, 'sim_puk2_required', 'SIM PUK2 required'],
  [20, 'memory_full', 'memory full'],
  [21, 'invalid_index', 'invalid index'],
  [22, 'not_found', 'not found'],
  [23, 'memory_failure', 'memory failure'],
  [24, 'text_too_long', 'text string too long'],
  [25, 'invalid_text_characters', 'invalid characters in text string'],
  [26, 'dial_string_too_long', 'dial string too long'],
  [27, 'invalid_dial_characters', 'invalid characters in dial string'],
  [30, 'no_network', 'no network service'],
  [31, 'network_timeout', 'network timeout'],
  [32, 'emergency_calls_only', 'network not allowed - emergency calls only'],
  [100, 'unknown', 'unknown'],
  [515, 'device_busy', 'please wait, init or command processing in progress'],
];

/**
 * 27.005 §3.2.5 (+CMS ERROR) and the RP/TP causes (24.011 E-2, 23.040 9.2.3.22) that AT+CMGS
 * reports when the network refuses a message.
 */
const CMS_ERRORS: readonly ErrorEntry[] = [
  [1, 'unassigned_number', 'unassigned (unallocated) number'],
  [8, 'operator_barring', 'operator determined barring'],
  [10, 'call_barred', 'call barred'],
  [21, 'transfer_rejected', 'short message transfer rejected'],
  [27, 'destination_out_of_service', 'destination out of service'],
  [28, 'unidentified_subscriber', 'unidentified subscriber'],
  [29, 'facility_rejected', 'facility rejected'],
  [30, 'unknown_subscriber', 'unknown subscriber'],
  [38, 'network_out_of_order', 'network out of order'],
  [41, 'temporary_failure', 'temporary failure'],
  [42, 'congestion', 'congestion'],
  [47, 'resources_unavailable', 'resources unavailable, unspecified'],
  [50, 'facility_not_subscribed', 'requested facility not subscribed'],
  [69, 'facility_not_implemented', 'requested facility not implemented'],
  [96, 'invalid_mandatory_information', 'invalid mandatory information'],
  [111, 'protocol_error', 'protocol error, unspecified'],
  [127, 'interworking_unspecified', 'interworking, unspecified'],
  [300, 'me_failure', 'ME failure'],
  [301, 'sms_service_reserved', 'SMS service of ME reserved'],
  [302, 'operation_not_allowed', 'operation not allowed'],
  [303, 'operation_not_supported', 'operation not supported'],
  [304, 'invalid_pdu_parameter', 'invalid PDU mode parameter'],
  [305, 'invalid_text_parameter', 'invalid text mode parameter'],
  [310, 'sim_not_inserted', 'SIM not inserted'],
  [311, 'sim_pin_required', 'SIM PIN required'],
  [312, 'ph_sim_pin_required', 'PH-SIM PIN required'],
  [313, 'sim_failure', 'SIM failure'],
  [314, 'sim_busy', 'SIM busy'],
  [315, 'sim_wrong', 'SIM wrong'],
  [316, 'sim_puk_required', 'SIM PUK required'],
  [317, 'sim_pin2_required', 'SIM PIN2 required'],
  [318, 'sim_puk2_required', 'SIM PUK2 required'],
  [320, 'memory_failure', 'memory failure'],
  [321, 'invalid_index', 'invalid memory index'],
  [322, 'memory_full', 'memory full'],
  [330, 'smsc_unknown', 'SMSC address unknown'],
  [331, 'no_network', 'no network service'],
  [332, 'network_timeout', 'network timeout'],
  [340, 'no_cnma_expected', 'no +CNMA acknowledgement expected'],
  [500, 'unknown', 'unknown error'],
  [512, 'mt_sms_collision', 'SMS collided with an incoming message'],
];

function indexTable(entries: readonly ErrorEntry[]) {
  const byNumber = new Map<number, string>();
  const byText = new Map<string, ErrorEntry>();
  for (const entry of entries) {
    byNumber.set(entry[0], entry[1]);
    byText.set(entry[2].toLowerCase(), entry);
  }
  return { byNumber, byText };
}

const CME = indexTable(CME_ERRORS);
const CMS = indexTable(CMS_ERRORS);

/** The snake_case name of a +CME ERROR number, if we know it. */
export function cmeErrorName(number: number): string | undefined {
  return CME.byNumber.get(number);
}

/** The snake_case name of a +CMS ERROR number, if we know it. */
export function cmsErrorName(number: number): string | undefined {
  return CMS.byNumber.get(number);
}

function parseExtendedError(
  kind: 'cme_error' | 'cms_error',
  line: string,
  rest: string,
): FinalResult {
  const table = kind === 'cme_error' ? CME : CMS;
  const text = rest.trim();
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    return { kind, line, number, name: table.byNumber.get(number) ?? null, text };
  }
  // AT+CMEE=2 (verbose) modems send the text; recover the number when the text is standard.
  const entry = table.byText.get(text.toLowerCase());
  return { kind, line, number: entry?.[0] ?? null, name: entry?.[1] ?? null, text };
}

/**
 * The final result a line represents, or undefined. `extra` are the profile's extra finals,
 * checked after the standard ones.
 */
export function parseFinalResult(
  line: string,
  extra: readonly FinalCodeDefinition[] = [],
): FinalResult | undefined {
  if (line.startsWith('+CME ERROR:')) return parseExtendedError('cme_error', line, line.slice(11));
  if (line.startsWith('+CMS ERROR:')) return parseExtendedError('cms_error', line, line.slice(11));
  for (const def of STANDARD_FINAL_CODES) {
    if (line === def.line) return { kind: def.success ? 'ok' : 'error', line };
  }
  for (const def of extra) {
    if (line === def.line) return { kind: def.success ? 'ok' : 'error', line };
  }
  return undefined;
}

/** Numbers that mean "not now, try again shortly" (SIM/SMS subsystem still starting). */
export interface BusyCodes {
  readonly cme: readonly number[];
  readonly cms: readonly number[];
}

export const DEFAULT_BUSY_CODES: BusyCodes = { cme: [14, 515], cms: [314, 500] };

export function isBusyResult(result: FinalResult, busy: BusyCodes): boolean {
  if (result.kind === 'cme_error')
    return result.number !== null && busy.cme.includes(result.number);
  if (result.kind === 'cms_error')
    return result.number !== null && busy.cms.includes(result.number);
  return false;
}
