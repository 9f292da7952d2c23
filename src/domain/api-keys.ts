/**
 * API keys: `sp_live_<32 base62>` and `sp_test_<32 base62>` (sandbox). The plain key is shown
 * once; only its SHA-256 is stored, so a leaked database does not leak usable keys.
 */
import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 32;
const KEY_PATTERN = /^sp_(live|test)_[0-9A-Za-z]{32}$/;

export const API_SCOPES = ['orders', 'messages', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface GeneratedKey {
  readonly plain: string;
  /** What lists show to tell keys apart: `sp_live_` plus the first 4 secret characters. */
  readonly prefix: string;
  readonly hash: string;
}

export function hashApiKey(plain: string): string {
  return createHash('sha256').update(plain, 'utf8').digest('hex');
}

/** 32 base62 characters from crypto random bytes; bytes ≥ 248 are rejected so each character
 * is uniform (248 = 4 × 62). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue;
      out += BASE62.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateApiKey(sandbox: boolean): GeneratedKey {
  const plain = `sp_${sandbox ? 'test' : 'live'}_${randomBase62(SECRET_LENGTH)}`;
  return { plain, prefix: plain.slice(0, 12), hash: hashApiKey(plain) };
}

/** Whether the text has a key's shape (checked before hashing, to answer junk cheaply). */
export function looksLikeApiKey(text: string): boolean {
  return KEY_PATTERN.test(text);
}

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}
