/**
 * Whether an SMS-SUBMIT read back from modem storage is the one we wrote there. The SMSC field
 * may come back filled in and TP-MR (the second TPDU octet) set by the modem when it sent it:
 * both are left out; everything else (recipient, flags, user data) must match octet for octet.
 */
export function sameSubmit(ours: string, stored: string): boolean {
  const a = tpduWithoutReference(ours);
  return a !== null && a === tpduWithoutReference(stored);
}

function tpduWithoutReference(pduHex: string): string | null {
  const hex = pduHex.trim().toUpperCase();
  if (!/^([0-9A-F]{2})+$/.test(hex)) return null;
  const smscOctets = parseInt(hex.slice(0, 2), 16);
  const tpdu = hex.slice(2 + smscOctets * 2);
  // First octet, TP-MR, then at least the recipient's length.
  if (tpdu.length < 6) return null;
  return tpdu.slice(0, 2) + tpdu.slice(4);
}
