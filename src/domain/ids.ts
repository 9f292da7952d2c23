/**
 * Public identifiers: `<prefix>_<ULID>`. A ULID sorts by creation time (48-bit ms timestamp)
 * and carries 80 random bits, so ids made in two processes never collide and list in order.
 */
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function ulid(nowMs: number): string {
  let time = Math.max(0, Math.trunc(nowMs));
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD.charAt(time % 32) + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let tail = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      tail += CROCKFORD.charAt((value >> bits) & 31);
    }
  }
  return head + tail;
}

export type IdPrefix = 'cus' | 'key' | 'ord' | 'evt' | 'cmd';

export function newId(prefix: IdPrefix, nowMs: number): string {
  return `${prefix}_${ulid(nowMs)}`;
}
