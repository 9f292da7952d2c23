/**
 * Sending from storage (27.005 §3.5.3, §3.5.2): `AT+CMGW=<len>[,<stat>]` stores a SUBMIT typed
 * after the prompt in mem2 (`+CMGW: <index>`, stat 2 STO UNSENT by default) and
 * `AT+CMSS=<index>` sends it (`+CMSS: <mr>`), after which it is STO SENT (3). Sending a stored
 * message again is allowed (real modems do), and counts as a second transmission in `sent`.
 * Flavours without `storesSubmits` answer both with ERROR.
 */
import { intArg, type CommandTable } from './handler.js';
import type { ModemCore } from './modem-core.js';
import { checkedSubmitPdu, networkRefusal, submitted } from './commands-sms-send.js';
import { decodeSubmit } from './pdu.js';
import { cms, error, ok, type Outcome } from './responses.js';
import type { MessageStat } from './state.js';

function storeSubmit(core: ModemCore, length: number, stat: MessageStat, payload: string): Outcome {
  const checked = checkedSubmitPdu(length, payload);
  if (!('decoded' in checked)) return checked;
  const storage = core.storages[core.settings.cpms[1]];
  const stored = storage.add({
    stat,
    pdu: checked.hex,
    tpduLength: length,
    kind: 'submit',
    from: checked.decoded.to,
    text: checked.decoded.text,
    timestampMs: core.clock.now(),
  });
  // 322: memory full (the network's incoming SMS and our drafts share it).
  return stored ? ok(`+CMGW: ${stored.index}`) : cms(322);
}

function sendStored(core: ModemCore, index: number): Outcome {
  const storage = core.storages[core.settings.cpms[1]];
  if (!storage.inRange(index)) return cms(321);
  const message = storage.get(index);
  if (!message) return cms(321);
  if (message.kind !== 'submit') return cms(302);
  let decoded;
  try {
    decoded = decodeSubmit(message.pdu);
  } catch {
    return cms(304);
  }
  return (
    networkRefusal(core, decoded.smsc) ??
    submitted(core, decoded, message.pdu, '+CMSS', () => {
      // Deleted meanwhile (AT+CMGD during the send delay): nothing left to mark.
      if (storage.get(index) === message) message.stat = 3;
    })
  );
}

export const smsStoredSendCommands: CommandTable = {
  '+CMGW': {
    sim: 'cms',
    run: (core, cmd) => {
      if (!core.flavour.storesSubmits) return error();
      if (cmd.kind === 'test') return ok();
      if (cmd.kind !== 'set') return error();
      // Text mode drafts are not simulated: simpool stores PDUs only.
      if (core.settings.cmgf !== 0) return cms(303);
      const length = intArg(cmd.args[0]);
      if (!(length >= 7 && length <= 164)) return cms(304);
      const statArg = cmd.args[1];
      const stat = statArg === undefined || statArg === '' ? 2 : intArg(statArg);
      if (stat !== 2 && stat !== 3) return cms(304);
      return {
        lines: [],
        final: { type: 'ok' },
        prompt: (payload) => storeSubmit(core, length, stat, payload),
      };
    },
  },
  '+CMSS': {
    sim: 'cms',
    run: (core, cmd) => {
      if (!core.flavour.storesSubmits) return error();
      if (cmd.kind === 'test') return ok();
      if (cmd.kind !== 'set') return error();
      // A destination override (`AT+CMSS=<i>,<da>`) is not simulated.
      if (cmd.args.length > 1) return cms(303);
      const index = intArg(cmd.args[0]);
      if (Number.isNaN(index)) return error();
      return sendStored(core, index);
    },
  },
};
