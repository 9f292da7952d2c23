import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModemPool } from '../pool/index.js';

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A minimal read-only status endpoint (`GET /health`: the modems and their states) until the
 * full HTTP API arrives. Health checks and the tests wait on it.
 */
export async function startStatusServer(
  pool: ModemPool,
  options: { readonly host: string; readonly port: number },
): Promise<StatusServer> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') {
      const modems = pool.modems();
      const body = JSON.stringify({
        status: modems.some((m) => m.state === 'ready') ? 'ok' : 'degraded',
        modems,
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    response
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ success: false, error: 'not_found', message: 'try GET /health' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
