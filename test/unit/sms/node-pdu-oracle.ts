/**
 * The one place our code touches node-pdu: an independent decoder used as a second opinion on
 * what our encoder produces. Production code does not use node-pdu (see src/sms/index.ts).
 */
import { Submit, parse } from 'node-pdu';

export interface OracleSubmit {
  readonly recipient: string | null;
  readonly text: string;
}

export function nodePduReadSubmit(pduHex: string): OracleSubmit {
  const pdu = parse(pduHex);
  if (!(pdu instanceof Submit)) throw new Error('node-pdu did not read an SMS-SUBMIT');
  return { recipient: pdu.address.phone, text: pdu.data.getText() };
}
