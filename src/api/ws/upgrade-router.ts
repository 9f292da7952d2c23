/**
 * One `upgrade` listener per HTTP server for all our WebSocket paths: each feed registers its
 * path; an upgrade to any other path is refused with 404 instead of being left hanging.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
) => void;

const routes = new WeakMap<Server, Map<string, UpgradeHandler>>();

export function routeUpgrade(server: Server, path: string, handler: UpgradeHandler): void {
  let table = routes.get(server);
  if (!table) {
    const created = new Map<string, UpgradeHandler>();
    table = created;
    routes.set(server, created);
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const route = created.get(url.pathname.replace(/\/$/, ''));
      if (route) route(request, socket, head, url);
      // Another listener (not ours) may own the path; with none, do not leave it hanging.
      else if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
    });
  }
  table.set(path, handler);
}

export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
