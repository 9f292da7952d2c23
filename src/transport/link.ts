/**
 * A byte link: the one shape every transport returns. Nothing above the transport layer knows
 * whether the bytes travel over a tty, a pseudo-terminal, TCP or memory. Reconnecting means
 * calling the factory again.
 */
export type DisconnectReason =
  /** We closed it. */
  | 'closed_locally'
  /** The other side closed it (TCP FIN, simulator unplugged, PTY peer gone). */
  | 'remote_closed'
  /** The device vanished (USB unplug, modem re-enumeration after AT+CFUN=1,1). */
  | 'device_removed'
  /** A read or write failed. */
  | 'io_error';

export interface DisconnectEvent {
  readonly reason: DisconnectReason;
  readonly error?: Error;
}

export interface ByteLink {
  /** Human-readable address: the device path, tcp://host:port or memory:name. */
  readonly address: string;
  readonly isOpen: boolean;
  write(bytes: Uint8Array | string): Promise<void>;
  /** Subscribe to received bytes; returns an unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Fires once, when the link stops for any reason. */
  onDisconnect(listener: (event: DisconnectEvent) => void): () => void;
  close(): Promise<void>;
}

export type LinkFactory = () => Promise<ByteLink>;
