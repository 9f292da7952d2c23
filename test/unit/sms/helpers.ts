import { decodePdu, type DecodedDeliver, type DecodedPdu } from '../../../src/sms/index.js';

/** Dates → ISO strings and byte arrays → lower-case hex, so decoded PDUs compare as plain data. */
export function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    ),
  );
}

export function decodeDeliver(hex: string): DecodedDeliver {
  const pdu: DecodedPdu = decodePdu(hex);
  if (pdu.type !== 'deliver') throw new Error(`expected a deliver, got ${pdu.type}`);
  return pdu;
}

/**
 * Turns one of our SMS-SUBMIT PDUs into the SMS-DELIVER the recipient's modem would store, by
 * byte surgery independent of the codec: the user data and DCS travel unchanged.
 */
export function submitToDeliver(
  pduHex: string,
  sender = '+4915112345678',
  scts = '62101241000080',
): string {
  const bytes = Buffer.from(pduHex, 'hex');
  let pos = 1; // skip the `00` SMSC field
  const fo = bytes[pos++]!;
  pos++; // TP-MR
  const daDigits = bytes[pos]!;
  pos += 2 + Math.ceil(daDigits / 2);
  const pid = bytes[pos++]!;
  const dcs = bytes[pos++]!;
  const vpf = (fo >> 3) & 0x03;
  pos += vpf === 2 ? 1 : vpf === 0 ? 0 : 7;
  const userData = bytes.subarray(pos).toString('hex');
  const digits = sender.replace('+', '');
  const swapped = (digits.length % 2 ? digits + 'F' : digits)
    .match(/../g)!
    .map((pair) => pair[1]! + pair[0]!)
    .join('');
  const deliverFo = 0x04 | (fo & 0x40); // no more messages, keep TP-UDHI
  return (
    '07919471060040F0' +
    deliverFo.toString(16).padStart(2, '0') +
    digits.length.toString(16).padStart(2, '0') +
    '91' +
    swapped +
    pid.toString(16).padStart(2, '0') +
    dcs.toString(16).padStart(2, '0') +
    scts +
    userData
  ).toUpperCase();
}
