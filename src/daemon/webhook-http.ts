/**
 * The HTTP POST of a webhook attempt, over node:http(s): redirects not followed, body read to
 * 1 KB. A request that names addresses connects only to those — the ones the URL check resolved
 * and approved — through a custom `lookup`, so no second DNS answer (DNS rebinding) can send it
 * into the LAN; the Host header and the TLS server name (SNI, certificate check) stay the URL's
 * host.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { RESPONSE_BODY_LIMIT, type WebhookTarget } from '../domain/index.js';

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Aborted by the worker's timeout (from its clock) or by stop(). */
  readonly signal: AbortSignal;
  /** Connect only to these addresses, without a DNS lookup; absent: the system resolver. */
  readonly addresses?: readonly string[];
}

export interface WebhookResponse {
  readonly status: number;
  /** At most the first RESPONSE_BODY_LIMIT bytes, decoded as UTF-8. */
  readonly body: string;
  readonly retryAfter: string | null;
}

export type WebhookSend = (request: WebhookRequest) => Promise<WebhookResponse>;

/** A `lookup` that answers the given addresses only (for the family asked, if any). */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const wanted =
      family === 4 || family === 6 ? entries.filter((e) => e.family === family) : entries;
    const first = wanted[0];
    if (!first) {
      const error: NodeJS.ErrnoException = new Error(`no checked address for ${hostname}`);
      error.code = 'ENOTFOUND';
      callback(error, '');
    } else if (options.all) callback(null, wanted);
    else callback(null, first.address, first.family);
  };
}

export const httpSend: WebhookSend = (request) =>
  new Promise<WebhookResponse>((resolve, reject) => {
    const url = new URL(request.url);
    const client = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body, 'utf8');
    const outgoing = client.request(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(body.length) },
        signal: request.signal,
        // A fresh connection made with this attempt's lookup, never a pooled socket.
        agent: false,
        ...(request.addresses ? { lookup: pinnedLookup(request.addresses) } : {}),
      },
      (response) => {
        // A receiver answering with a huge (or endless) body must not hold the worker or its
        // memory: read at most the limit, then drop the connection.
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (): void => {
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'),
            retryAfter: response.headers['retry-after'] ?? null,
          });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
          if (size >= RESPONSE_BODY_LIMIT) finish();
        });
        response.on('end', finish);
        response.on('error', reject);
        // Closed before its end (an abort, a reset): the attempt failed.
        response.on('close', () => reject(new Error('the response ended early')));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });

/** Rejects with the signal's reason once it aborts (a lookup that hangs must not hold a slot). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The daemon's send: each attempt resolves and checks the URL once (`target`), then connects to
 * exactly the addresses that passed.
 */
export function checkedSend(
  target: (url: string) => Promise<WebhookTarget>,
  send: WebhookSend = httpSend,
): WebhookSend {
  return async (request) => {
    const checked = await untilAborted(target(request.url), request.signal);
    return send({ ...request, url: checked.url, addresses: checked.addresses });
  };
}
