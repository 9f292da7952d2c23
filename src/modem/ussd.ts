/**
 * USSD (`*100#` balance checks and the like): `AT+CUSD=1,"<code>",15` is answered OK at once and
 * the network's reply arrives later as a `+CUSD:` URC. The listener is registered before the
 * command is written, so a fast reply is never missed.
 */
import type { AtEngine, AtUrc, UssdUrc } from '../at/index.js';
import { SimpoolError, type Clock, type TimerHandle } from '../shared/index.js';

export const USSD_TIMEOUT_MS = 20_000;

/** `+CUSD` texts in UCS2 (dcs 72, or hex when AT+CSCS="UCS2") come as hex of UTF-16BE. */
export function ussdText(urc: UssdUrc): string {
  const message = urc.message ?? '';
  const hex = /^([0-9A-Fa-f]{4})+$/.test(message);
  if (hex && (urc.dcs === 72 || urc.dcs === 8 || urc.dcs === 17)) {
    const bytes = Buffer.from(message, 'hex');
    let out = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
    return out;
  }
  return message;
}

export async function requestUssd(
  engine: AtEngine,
  code: string,
  clock: Clock,
  timeoutMs = USSD_TIMEOUT_MS,
): Promise<string> {
  if (!/^[0-9*#+]{1,32}$/.test(code)) {
    throw new SimpoolError('invalid_argument', `not a USSD code: ${code}`);
  }
  let timer: TimerHandle | undefined;
  let onUrc: ((urc: AtUrc) => void) | undefined;
  const reply = new Promise<UssdUrc>((resolve, reject) => {
    onUrc = (urc) => {
      if (urc.type === 'ussd') resolve(urc);
    };
    engine.on('urc', onUrc);
    timer = clock.setTimeout(
      () => reject(new SimpoolError('at_timeout', 'no USSD answer from the network')),
      timeoutMs,
    );
  });
  reply.catch(() => undefined); // awaited below; a rejection before that must not go unhandled
  try {
    await engine.send(`AT+CUSD=1,"${code}",15`);
    const urc = await reply;
    if (urc.status === 4) throw new SimpoolError('at_error', 'the network does not support it');
    if (urc.status === 1) {
      // The network waits for more input: close the session, the answer is what it said.
      await engine.send('AT+CUSD=2').catch(() => undefined);
    }
    return ussdText(urc);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    if (onUrc) engine.off('urc', onUrc);
  }
}
