import { stat } from 'node:fs';
import { SerialPort } from 'serialport';
import { SimpoolError, silentLogger, type Logger } from '../shared/index.js';
import { LinkBase, toBuffer } from './link-base.js';
import type { ByteLink } from './link.js';

export interface SerialOptions {
  readonly path: string;
  readonly baudRate?: number;
  readonly logger?: Logger;
  /** How often the device path is checked for existence; 0 turns the check off. Default 1 s. */
  readonly presenceCheckMs?: number;
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
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: SerialPort,
    presenceCheckMs: number,
  ) {
    super(port.path);
    if (presenceCheckMs > 0) this.watchPresence(presenceCheckMs);
    port.on('data', (chunk: Buffer) => this.emitData(chunk));
    port.on('error', (error: Error) => this.emitDisconnect({ reason: 'io_error', error }));
    port.on('close', (error: Error | null) => {
      if (this.closingLocally) this.emitDisconnect({ reason: 'closed_locally' });
      else if (isDeviceRemoval(error))
        this.emitDisconnect({ reason: 'device_removed', ...(error ? { error } : {}) });
      else this.emitDisconnect({ reason: 'remote_closed', ...(error ? { error } : {}) });
    });
  }

  /**
   * A device node that vanished (USB unplug, re-enumeration, a PTY whose owner died) does not
   * always make a pending read fail: serialport can wait forever on a hung-up PTY. The path
   * going away is the surest sign, so it is checked now and then.
   */
  private watchPresence(intervalMs: number): void {
    this.presenceTimer = setInterval(() => {
      stat(this.address, (error) => {
        if (!error || error.code !== 'ENOENT' || !this.isOpen) return;
        this.emitDisconnect({ reason: 'device_removed', error });
        this.port.close(() => undefined);
      });
    }, intervalMs);
    this.presenceTimer.unref();
    this.onDisconnect(() => clearInterval(this.presenceTimer));
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
        // drain: the bytes left our buffer, so the command timer may start now. A device that
        // vanished right after taking the bytes (a modem resetting at once) fails the drain.
        this.port.drain((drainError) =>
          drainError
            ? reject(
                new SimpoolError('transport_write_failed', drainError.message, {
                  cause: drainError,
                }),
              )
            : resolve(),
        );
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
  return new SerialLink(port, options.presenceCheckMs ?? 1000);
}
