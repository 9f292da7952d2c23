/** The HTTP POST of a webhook attempt: global fetch, redirects not followed, body read to 1 KB. */
import { RESPONSE_BODY_LIMIT } from '../domain/index.js';

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Aborted by the worker's timeout (from its clock) or by stop(). */
  readonly signal: AbortSignal;
}

export interface WebhookResponse {
  readonly status: number;
  /** At most the first RESPONSE_BODY_LIMIT bytes, decoded as UTF-8. */
  readonly body: string;
  readonly retryAfter: string | null;
}

export type WebhookSend = (request: WebhookRequest) => Promise<WebhookResponse>;

/** Reads at most `limit` bytes and drops the rest: a receiver answering with a huge (or
 * endless) body must not hold the worker or its memory. */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export const fetchSend: WebhookSend = async (request) => {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    // A 3xx is a failure: following it would let a receiver redirect us to an internal address.
    redirect: 'manual',
    signal: request.signal,
  });
  return {
    status: response.status,
    body: await readLimited(response, RESPONSE_BODY_LIMIT),
    retryAfter: response.headers.get('retry-after'),
  };
};
