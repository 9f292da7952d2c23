/**
 * A real webhook receiver: node:http on 127.0.0.1 (port 0). Each request is recorded and
 * answered by a script: a status (with headers) or 'hang' (never answers).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when the request had arrived whole. */
  readonly at: number;
}

export type Reply =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | 'hang';

export class WebhookReceiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  private waiters: Array<() => void> = [];

  /** `script(n)` answers the n-th request (0-based); default 200. */
  constructor(private script: (n: number) => Reply = () => ({ status: 200 })) {}

  setScript(script: (n: number) => Reply): void {
    this.script = script;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  /** `port` 0: any free one; a receiver that was closed can come back on its old port. */
  async listen(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const reply = this.script(this.received.length);
        this.received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        for (const wake of this.waiters.splice(0)) wake();
        if (reply === 'hang') return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? 'ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  /** Resolves once `count` requests have arrived (real I/O, so real waiting; bounded). */
  async waitFor(count: number, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`receiver got ${this.received.length} of ${count} requests`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Stops listening (connections are then refused) until `listen` is called again. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
