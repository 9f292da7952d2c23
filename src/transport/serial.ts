import { SerialPort } from 'serialport';
import { SimpoolError, silentLogger, type Logger } from '../shared/index.js';
import { LinkBase, toBuffer } from './link-base.js';
import type { ByteLink } from './link.js';

export interface SerialOptions {
  readonly path: string;
  readonly baudRate?: number;
  readonly logger?: Logger;
}

/** serialport sets `disconnected` on the close error when the device went away. */
function isDeviceRemoval(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { disconnected?: unknown }).disconnected === true
  );
}

class SerialLink extends LinkBase {
  private closingLocally = false;

  constructor(private readonly port: SerialPort) {
    super(port.path);
    port.on('data', (chunk: Buffer) => this.emitData(chunk));
    port.on('error', (error: Error) => this.emitDisconnect({ reason: 'io_error', error }));
    port.on('close', (error: Error | null) => {
      if (this.closingLocally) this.emitDisconnect({ reason: 'closed_locally' });
      else if (isDeviceRemoval(error))
        this.emitDisconnect({ reason: 'device_removed', ...(error ? { error } : {}) });
      else this.emitDisconnect({ reason: 'remote_closed', ...(error ? { error } : {}) });
    });
  }

  write(bytes: Uint8Array | string): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new SimpoolError('transport_closed', `${this.address} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.port.write(toBuffer(bytes), (error) => {
        if (error) {
          reject(new SimpoolError('transport_write_failed', error.message, { cause: error }));
          return;
        }
        // drain: the bytes left our buffer, so the command timer may start now.
        this.port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
      });
    });
  }

  close(): Promise<void> {
    if (!this.isOpen || !this.port.isOpen) {
      this.emitDisconnect({ reason: 'closed_locally' });
      return Promise.resolve();
    }
    this.closingLocally = true;
    return new Promise((resolve) => {
      this.port.close(() => {
        this.emitDisconnect({ reason: 'closed_locally' });
        resolve();
      });
    });
  }
}

/**
 * Opens a tty or pseudo-terminal. Raising DTR/RTS is best effort: the ioctls fail on PTYs
 * ("Inappropriate ioctl for device") and on some USB bridges, and modems work without them.
 */
export async function openSerialLink(options: SerialOptions): Promise<ByteLink> {
  const logger = options.logger ?? silentLogger;
  const port = new SerialPort({
    path: options.path,
    baudRate: options.baudRate ?? 115200,
    autoOpen: false,
    hupcl: false,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((error) =>
      error
        ? reject(
            new SimpoolError('transport_open_failed', `${options.path}: ${error.message}`, {
              cause: error,
            }),
          )
        : resolve(),
    );
  });
  await new Promise<void>((resolve) => {
    port.set({ dtr: true, rts: true }, (error) => {
      if (error) logger.debug({ path: options.path, err: error.message }, 'DTR/RTS not settable');
      resolve();
    });
  });
  return new SerialLink(port);
}
