/** Small tools shared by the driver's parts: tolerant commands and pauses that stop() can end. */
import type { AtEngine, AtResponse, AtSendOptions } from '../at/index.js';
import { SimpoolError, isSimpoolError, type Clock, type TimerHandle } from '../shared/index.js';

/** The modem answered and said no (ERROR, +CME ERROR, +CMS ERROR): it is alive. */
export function isRefusal(error: unknown): boolean {
  return (
    isSimpoolError(error, 'at_error') ||
    isSimpoolError(error, 'at_cme_error') ||
    isSimpoolError(error, 'at_cms_error')
  );
}

/**
 * Sends a command whose refusal is acceptable (vendor extras, optional queries): null when
 * refused. Timeouts and a closed engine still throw: those mean the modem is not answering.
 */
export async function tryCommand(
  engine: AtEngine,
  command: string,
  options?: AtSendOptions,
): Promise<AtResponse | null> {
  try {
    return await engine.send(command, options);
  } catch (error) {
    if (isRefusal(error)) return null;
    throw error;
  }
}

/**
 * Pauses on the injected clock that all end, rejecting with `modem_stopped`, when the driver
 * stops: stop() never waits out a 60 s recovery pause, and leaves no timer behind.
 */
export class Lifetime {
  private readonly pending = new Map<TimerHandle, (error: Error) => void>();
  private endError: SimpoolError | undefined;

  constructor(private readonly clock: Clock) {}

  get ended(): boolean {
    return this.endError !== undefined;
  }

  /** Throws `modem_stopped` once ended: call between steps of long sequences. */
  check(): void {
    if (this.endError) throw this.endError;
  }

  sleep(ms: number): Promise<void> {
    if (this.endError) return Promise.reject(this.endError);
    return new Promise<void>((resolve, reject) => {
      const handle = this.clock.setTimeout(() => {
        this.pending.delete(handle);
        resolve();
      }, ms);
      this.pending.set(handle, reject);
    });
  }

  end(): void {
    if (this.endError) return;
    this.endError = new SimpoolError('modem_stopped', 'the modem driver stopped');
    for (const [handle, reject] of this.pending) {
      this.clock.clearTimeout(handle);
      reject(this.endError);
    }
    this.pending.clear();
  }
}

/** A CME/CMS number of an AT error, or null. */
export function errorNumber(error: unknown): number | null {
  if (!isSimpoolError(error)) return null;
  const number = error.details['number'];
  return typeof number === 'number' ? number : null;
}

/** +CME ERROR: 10 / +CMS ERROR: 310: the SIM is gone. */
export function isSimMissing(error: unknown): boolean {
  const number = errorNumber(error);
  return (
    (isSimpoolError(error, 'at_cme_error') && number === 10) ||
    (isSimpoolError(error, 'at_cms_error') && number === 310)
  );
}
