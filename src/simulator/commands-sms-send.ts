import { fitsGsm7 } from './gsm7.js';
import { intArg, type CommandTable } from './handler.js';
import type { ModemCore } from './modem-core.js';
import { decodeSubmit, ucs2Decode, type DecodedSubmit } from './pdu.js';
import { cms, error, ok, type Outcome } from './responses.js';

/** Checks that apply to every submit, whatever the mode: radio, registration, SMSC. */
export function networkRefusal(core: ModemCore, pduSmsc: string | undefined): Outcome | undefined {
  if (!core.registered()) return cms(331);
  if (!pduSmsc && !core.smsc) return cms(330);
  const refusal = core.faults.sendErrors;
  if (refusal && refusal.remaining > 0) {
    refusal.remaining--;
    return cms(refusal.cms);
  }
  return undefined;
}

/**
 * The network takes the SUBMIT: `<answer>: <mr>` (`+CMGS`, or `+CMSS` from storage) once the
 * send delay passed; `onSent` runs when it went out (a stored message becomes STO SENT).
 */
export function submitted(
  core: ModemCore,
  record: Omit<DecodedSubmit, 'mr' | 'tpduLength'>,
  pdu?: string,
  answer = '+CMGS',
  onSent?: () => void,
): Outcome {
  const mr = core.nextMr();
  return {
    lines: [`${answer}: ${mr}`],
    final: { type: 'ok' },
    delayMs: core.timing.sendDelayMs,
    after: () => {
      onSent?.();
      core.recordSent({
        to: record.to,
        text: record.text,
        encoding: record.encoding,
        concat: record.concat,
        mr,
        timestampMs: core.clock.now(),
        statusReportRequested: record.statusReportRequested,
        pdu,
        smsc: record.smsc ?? core.smsc,
      });
    },
  };
}

/**
 * A SUBMIT PDU typed after a prompt, checked: `<len>` counts the TPDU octets, i.e. everything
 * after the SMSC field. The decoded message and the hex, or +CMS ERROR: 304.
 */
export function checkedSubmitPdu(
  length: number,
  payload: string,
): { decoded: DecodedSubmit; hex: string } | Outcome {
  const hex = payload.replace(/\s+/g, '');
  if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) return cms(304);
  const smscOctets = parseInt(hex.slice(0, 2), 16);
  if (hex.length / 2 - 1 - smscOctets !== length) return cms(304);
  try {
    return { decoded: decodeSubmit(hex), hex: hex.toUpperCase() };
  } catch {
    return cms(304);
  }
}

function submitPdu(core: ModemCore, length: number, payload: string): Outcome {
  const checked = checkedSubmitPdu(length, payload);
  if (!('decoded' in checked)) return checked;
  const { decoded, hex } = checked;
  return networkRefusal(core, decoded.smsc) ?? submitted(core, decoded, hex);
}

/** Text mode: the payload is the text itself (hex UCS2 when AT+CSCS="UCS2"). */
function submitText(core: ModemCore, to: string, payload: string): Outcome {
  const ucs2 = core.settings.cscs === 'UCS2';
  if (ucs2 && !/^([0-9A-Fa-f]{4})*$/.test(payload)) return cms(305);
  const text = ucs2 ? ucs2Decode(Buffer.from(payload, 'hex')) : payload;
  const refusal = networkRefusal(core, undefined);
  if (refusal) return refusal;
  return submitted(core, {
    smsc: undefined,
    to,
    text,
    encoding: fitsGsm7(text) ? 'gsm7' : 'ucs2',
    concat: undefined,
    // TP-SRR is bit 5 of the first octet set with AT+CSMP.
    statusReportRequested: (core.settings.csmp[0] & 0x20) !== 0,
  });
}

/** Sending: AT+CMGS with its prompt, and the parameters around it. */
export const smsSendCommands: CommandTable = {
  '+CMGS': {
    sim: 'cms',
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      if (cmd.kind !== 'set') return error();
      if (core.settings.cmgf === 0) {
        const length = intArg(cmd.args[0]);
        if (!(length >= 7 && length <= 164)) return cms(304);
        return {
          lines: [],
          final: { type: 'ok' },
          prompt: (payload) => submitPdu(core, length, payload),
        };
      }
      const to = cmd.args[0] ?? '';
      if (!/^\+?[0-9]{1,20}$/.test(to)) return cms(305);
      return {
        lines: [],
        final: { type: 'ok' },
        prompt: (payload) => submitText(core, to, payload),
      };
    },
  },
  '+CSCA': {
    sim: 'cme',
    run: (core, cmd) => {
      if (cmd.kind === 'test') return ok();
      if (cmd.kind === 'read') {
        const type = core.smsc.startsWith('+') ? 145 : 129;
        return ok(`+CSCA: "${core.smsc}",${type}`);
      }
      if (cmd.kind !== 'set') return error();
      const number = cmd.args[0] ?? '';
      if (!/^\+?[0-9]{0,20}$/.test(number)) return error();
      core.smsc = number;
      return ok();
    },
  },
  '+CSMP': {
    run: (core, cmd) => {
      if (cmd.kind === 'read') return ok(`+CSMP: ${core.settings.csmp.join(',')}`);
      if (cmd.kind === 'test') return ok();
      const next = [...core.settings.csmp] as typeof core.settings.csmp;
      for (let i = 0; i < Math.min(4, cmd.args.length); i++) {
        const arg = cmd.args[i] ?? '';
        if (arg === '') continue;
        const value = intArg(arg);
        if (!(value >= 0 && value <= 255)) return error();
        next[i] = value;
      }
      core.settings.csmp = next;
      return ok();
    },
  },
  '+CMMS': {
    run: (core, cmd) => {
      if (cmd.kind === 'read') return ok(`+CMMS: ${core.settings.cmms}`);
      if (cmd.kind === 'test') return ok('+CMMS: (0-2)');
      const mode = cmd.kind === 'exec' ? 0 : intArg(cmd.args[0]);
      if (!(mode >= 0 && mode <= 2)) return error();
      core.settings.cmms = mode;
      return ok();
    },
  },
};
