/**
 * Who the client is when simpool sits behind a reverse proxy (TLS terminated there). Only with
 * the operator's `trustProxy` setting are `X-Forwarded-For` and `X-Forwarded-Proto` believed,
 * and then only from a trusted peer: anyone reaching the port directly could otherwise pick the
 * address the failed-login throttle and the logs see, or claim HTTPS. Fastify gets the same
 * setting (`request.ip`, `request.protocol`); WebSocket upgrades, raw Node requests, use
 * `clientAddress` here, with the same library Fastify uses, so both always agree.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * `false`: no proxy (the peer is the client). `true`: every peer is a trusted proxy. A list:
 * proxies by address, CIDR range (`10.0.0.0/8`) or the names `loopback`, `linklocal`,
 * `uniquelocal`.
 */
export type TrustProxy = boolean | readonly string[];

/** The trust test for one hop, as Fastify builds it from the same setting. */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust === true) return () => true;
  if (trust === false || trust.length === 0) return () => false;
  return proxyAddr.compile([...trust]);
}

/** The client address of a raw request: the nearest address not a trusted proxy. */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string {
  return proxyAddr(request, trustFunction(trust)) || 'unknown';
}

/** What is wrong with one entry of a trustProxy list, or undefined when it is usable. */
export function trustProxyEntryProblem(entry: string): string | undefined {
  try {
    proxyAddr.compile([entry]);
    return undefined;
  } catch {
    return `must be an IP address, an address/prefix (10.0.0.0/8) or loopback, linklocal, uniquelocal; got ${JSON.stringify(entry)}`;
  }
}
