/** What the feeds share to authenticate an upgrade request. */
import type { IncomingMessage } from 'node:http';
import type { Authenticated } from '../../domain/index.js';
import { clientAddress } from '../client-address.js';
import type { ServerDeps } from '../deps.js';

/** A refused connection: closed with this code and reason (browsers can read both). */
export class FeedRefusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The key of an upgrade request: X-API-Key, Bearer, or `?api_key=` (browsers set no headers). */
export function keyOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1];
  const query = url.searchParams.get('api_key');
  return query !== null && query.trim() !== '' ? query.trim() : undefined;
}

/**
 * A presented key through the failed-authentication throttle: 4429 while the client's address
 * is refused, 4401 for a wrong key (counted against the address).
 */
export async function checkFeedKey(
  deps: Pick<ServerDeps, 'guards' | 'customers' | 'config'>,
  plain: string,
  request: IncomingMessage,
): Promise<Authenticated> {
  // A raw Node request (no Fastify request.ip): the same proxy rule, applied here.
  const client = clientAddress(request, deps.config.trustProxy ?? false);
  const check = await deps.guards.checkKey(deps.customers, plain, client, 'ws');
  if (check.kind === 'throttled') {
    throw new FeedRefusal(4429, 'too many failed authentications: retry later');
  }
  if (check.kind === 'unknown') throw new FeedRefusal(4401, 'unknown or revoked API key');
  return check.auth;
}
