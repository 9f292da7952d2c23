import net from 'node:net';
import { SimpoolError } from '../shared/index.js';
import { LinkBase, toBuffer } from './link-base.js';
import type { ByteLink } from './link.js';

class TcpLink extends LinkBase {
  private closingLocally = false;

  constructor(
    address: string,
    private readonly socket: net.Socket,
  ) {
    super(address);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.emitData(chunk));
    socket.on('error', (error) => this.emitDisconnect({ reason: 'io_error', error }));
    socket.on('close', () =>
      this.emitDisconnect({ reason: this.closingLocally ? 'closed_locally' : 'remote_closed' }),
    );
  }

  write(bytes: Uint8Array | string): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new SimpoolError('transport_closed', `${this.address} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.socket.write(toBuffer(bytes), (error) =>
        error
          ? reject(new SimpoolError('transport_write_failed', error.message, { cause: error }))
          : resolve(),
      );
    });
  }

  close(): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    this.closingLocally = true;
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      this.socket.destroySoon();
    });
  }
}

export interface TcpAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `tcp://host:port` (ser2net, network modem pools). */
export function parseTcpUrl(url: string): TcpAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new SimpoolError('invalid_argument', `not a URL: ${url}`, { cause });
  }
  const port = Number(parsed.port);
  if (parsed.protocol !== 'tcp:' || !parsed.hostname || !Number.isInteger(port) || port <= 0) {
    throw new SimpoolError('invalid_argument', `expected tcp://host:port, got ${url}`);
  }
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}

export function openTcpLink(url: string, connectTimeoutMs = 5000): Promise<ByteLink> {
  const { host, port } = parseTcpUrl(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SimpoolError('transport_open_failed', `${url}: connect timed out`));
    }, connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new TcpLink(url, socket));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new SimpoolError('transport_open_failed', `${url}: ${error.message}`, { cause: error }),
      );
    });
  });
}
