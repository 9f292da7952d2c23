import type { ByteLink, DisconnectEvent } from './link.js';

/**
 * Listener bookkeeping shared by every transport, so each one only has to say how bytes are
 * written and when the link ended.
 */
export abstract class LinkBase implements ByteLink {
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly disconnectListeners = new Set<(event: DisconnectEvent) => void>();
  private disconnected: DisconnectEvent | undefined;

  protected constructor(readonly address: string) {}

  get isOpen(): boolean {
    return this.disconnected === undefined;
  }

  abstract write(bytes: Uint8Array | string): Promise<void>;
  abstract close(): Promise<void>;

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onDisconnect(listener: (event: DisconnectEvent) => void): () => void {
    if (this.disconnected) {
      const event = this.disconnected;
      queueMicrotask(() => listener(event));
      return () => undefined;
    }
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  protected emitData(chunk: Buffer): void {
    if (this.disconnected) return;
    for (const listener of this.dataListeners) listener(chunk);
  }

  /** Records the end of the link once; later calls are ignored. */
  protected emitDisconnect(event: DisconnectEvent): void {
    if (this.disconnected) return;
    this.disconnected = event;
    for (const listener of this.disconnectListeners) listener(event);
    this.disconnectListeners.clear();
    this.dataListeners.clear();
  }
}

export function toBuffer(bytes: Uint8Array | string): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
}
