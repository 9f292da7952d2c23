/**
 * Webhook URL checks. A webhook makes the appliance send requests where a customer says, so an
 * unchecked URL would let customers probe the operator's LAN (SSRF): only http(s), and no
 * private, loopback, link-local or unspecified address — by the addresses the hostname resolves
 * to, not its spelling — unless the operator allows the host (or all private hosts) in config.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { validationError } from './validation.js';

export interface WebhookUrlPolicy {
  /** Allow every address (tests, closed networks). */
  readonly allowPrivate: boolean;
  /** Hostnames (or IP literals) allowed whatever they resolve to. */
  readonly allowedHosts: readonly string[];
}

/** All addresses a hostname resolves to. */
export type HostResolver = (hostname: string) => Promise<string[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const MAX_URL_LENGTH = 2048;

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // unspecified / "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses a webhook must not reach without the operator's consent. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) reaches the IPv4 host: judge that one.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) return blocked.check(bare, 'ipv6');
  return true; // not an address at all: refuse rather than guess
}

/** Parses and checks a webhook URL; returns its normalised form or throws validation_failed. */
export async function validateWebhookUrl(
  raw: unknown,
  policy: WebhookUrlPolicy,
  resolve: HostResolver = systemResolver,
): Promise<string> {
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > MAX_URL_LENGTH) {
    throw validationError('url', `must be a URL of at most ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw validationError('url', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw validationError('url', 'only http and https URLs are allowed');
  }
  if (url.username !== '' || url.password !== '') {
    throw validationError('url', 'credentials in the URL are not allowed');
  }
  if (policy.allowPrivate) return url.href;
  const host = url.hostname.toLowerCase();
  const bare = host.replace(/^\[|\]$/g, '');
  const allowed = policy.allowedHosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, ''));
  if (allowed.includes(bare)) return url.href;
  let addresses: string[];
  if (isIP(bare) !== 0) {
    addresses = [bare];
  } else {
    try {
      addresses = await resolve(bare);
    } catch {
      throw validationError('url', `cannot resolve host ${bare}`);
    }
    if (addresses.length === 0) throw validationError('url', `cannot resolve host ${bare}`);
  }
  if (addresses.some(isPrivateAddress)) {
    throw validationError('url', 'private, loopback and link-local addresses are not allowed');
  }
  return url.href;
}
