import { SimpoolError } from '../shared/index.js';
import { LinkBase, toBuffer } from './link-base.js';
import type { ByteLink } from './link.js';

/** One end of an in-memory pair. Bytes are delivered asynchronously, as real I/O would be. */
class MemoryEnd extends LinkBase {
  peer: MemoryEnd | undefined;

  constructor(address: string) {
    super(address);
  }

  write(bytes: Uint8Array | string): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new SimpoolError('transport_closed', `${this.address} is closed`));
    }
    const chunk = toBuffer(bytes);
    const peer = this.peer;
    setImmediate(() => peer?.receive(chunk));
    return Promise.resolve();
  }

  receive(chunk: Buffer): void {
    this.emitData(chunk);
  }

  close(): Promise<void> {
    this.endLocally();
    return Promise.resolve();
  }

  endLocally(): void {
    if (!this.isOpen) return;
    this.emitDisconnect({ reason: 'closed_locally' });
    const peer = this.peer;
    setImmediate(() => peer?.endRemotely());
  }

  endRemotely(): void {
    this.emitDisconnect({ reason: 'remote_closed' });
  }
}

/**
 * Two connected links: what one writes, the other receives. The simulator holds one end,
 * the AT engine the other.
 */
export function createMemoryPair(name = 'memory'): [ByteLink, ByteLink] {
  const a = new MemoryEnd(`memory:${name}`);
  const b = new MemoryEnd(`memory:${name}:peer`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
