/**
 * Webhook URL checks. A webhook makes the appliance send requests where a customer says, so an
 * unchecked URL would let customers probe the operator's LAN (SSRF): only http(s), and no
 * private, loopback, link-local or unspecified address — nor an IPv6 form that carries one — by
 * the addresses the hostname resolves to, not its spelling, unless the operator allows the host
 * (or all private hosts) in config. A delivery resolves once and connects only to the addresses
 * it checked (`resolveWebhookTarget`): a second lookup could answer a LAN address (DNS rebinding).
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

/** Where one delivery attempt goes: the URL, and the addresses to connect to (already checked). */
export interface WebhookTarget {
  readonly url: string;
  /** The host's addresses from the one lookup of this attempt (the literal for an IP host). */
  readonly addresses: readonly string[];
}

const MAX_URL_LENGTH = 2048;

const blockedV4 = new BlockList();
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
  blockedV4.addSubnet(net, prefix, 'ipv4');
}

const blockedV6 = new BlockList();
for (const [net, prefix] of [
  // IPv4-compatible (deprecated): ::a.b.c.d; also the unspecified :: and loopback ::1.
  ['::', 96],
  // Local-use NAT64 (RFC 8215): the operator's own translator, into its own networks.
  ['64:ff9b:1::', 48],
  // Teredo and 6to4 carry an IPv4 address (the relay reaches it); both are obsolete for webhooks.
  ['2001::', 32],
  ['2002::', 16],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
] as const) {
  blockedV6.addSubnet(net, prefix, 'ipv6');
}

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted quad is two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groups = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16));
  const [head, tail] = text.split('::');
  const first = groups(head);
  const last = groups(tail);
  const zeros = tail === undefined ? 0 : 8 - first.length - last.length;
  return [...first, ...new Array<number>(zeros).fill(0), ...last];
}

/**
 * The IPv4 address an IPv6 address reaches through a well-defined translation, judged like that
 * IPv4 address: IPv4-mapped `::ffff:a.b.c.d`, and the NAT64 well-known prefix `64:ff9b::/96` (a
 * DNS64 network gives public IPv4-only receivers such addresses, which must keep working).
 */
function translatedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  const [high = 0, low = 0] = g.slice(6);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** True for addresses a webhook must not reach without the operator's consent. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return blockedV4.check(bare, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const ipv4 = translatedIpv4(bare);
  return ipv4 === undefined ? blockedV6.check(bare, 'ipv6') : blockedV4.check(ipv4, 'ipv4');
}

/** Parses a webhook URL: http(s) only, no credentials, bounded length; else validation_failed. */
function parseWebhookUrl(raw: unknown): URL {
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
  return url;
}

/** The URL's host without IPv6 brackets, lower case. */
function bareHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

/** Whether the operator's config lets this host through without an address check. */
function unchecked(host: string, policy: WebhookUrlPolicy): boolean {
  if (policy.allowPrivate) return true;
  return policy.allowedHosts.some((h) => h.toLowerCase().replace(/^\[|\]$/g, '') === host);
}

async function addressesOf(host: string, resolve: HostResolver): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    throw validationError('url', `cannot resolve host ${host}`);
  }
  if (addresses.length === 0) throw validationError('url', `cannot resolve host ${host}`);
  return addresses;
}

function refusePrivate(addresses: readonly string[]): void {
  if (addresses.some(isPrivateAddress)) {
    throw validationError(
      'url',
      'private, loopback and link-local addresses (and IPv6 forms that embed an IPv4 address) are not allowed',
    );
  }
}

/** Parses and checks a webhook URL (creating or changing an endpoint); returns its normal form. */
export async function validateWebhookUrl(
  raw: unknown,
  policy: WebhookUrlPolicy,
  resolve: HostResolver = systemResolver,
): Promise<string> {
  const url = parseWebhookUrl(raw);
  // A host the config allows is not even resolved: it may not exist yet where it is created.
  if (unchecked(bareHost(url), policy)) return url.href;
  return (await resolveWebhookTarget(url.href, policy, resolve)).url;
}

/**
 * One delivery attempt's target: the host resolved once, every address checked (unless the
 * config allows the host), and those addresses returned for the connection, so no later lookup
 * can point the request somewhere else.
 */
export async function resolveWebhookTarget(
  raw: unknown,
  policy: WebhookUrlPolicy,
  resolve: HostResolver = systemResolver,
): Promise<WebhookTarget> {
  const url = parseWebhookUrl(raw);
  const host = bareHost(url);
  const addresses = await addressesOf(host, resolve);
  if (!unchecked(host, policy)) refusePrivate(addresses);
  return { url: url.href, addresses };
}
