/** What the feeds share to authenticate an upgrade request. */
import type { IncomingMessage } from 'node:http';

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
