/**
 * One opened link and the AT engine on it. The driver replaces the session on every reopen;
 * events of a session being closed (by us) are not forwarded, so our own close is never taken
 * for an unplug.
 */
import { AtEngine, type AtDesyncEvent, type AtEngineOptions, type AtUrc } from '../at/index.js';
import { describeError, type Clock, type Logger } from '../shared/index.js';
import type { ByteLink, DisconnectEvent, LinkFactory } from '../transport/index.js';

const ESC = '\x1b';

export interface SessionHandlers {
  urc(urc: AtUrc): void;
  /** The engine's resync after a timeout got no answer. */
  resyncFailed(): void;
  timeout(): void;
  /** Answers and commands were out of step (the engine resyncs by itself). */
  desync(): void;
  /** The link went away without us closing it (unplug, re-enumeration, I/O error). */
  disconnected(event: DisconnectEvent): void;
}

/** The engine settings the driver's timing controls. */
export type SessionEngineOptions = Pick<
  AtEngineOptions,
  'defaultTimeoutMs' | 'resyncAttempts' | 'resyncTimeoutMs'
>;

export class Session {
  private closing = false;
  private readonly offs: (() => void)[];

  private constructor(
    readonly link: ByteLink,
    readonly engine: AtEngine,
    handlers: SessionHandlers,
    logger: Logger,
  ) {
    const live = <A extends unknown[]>(fn: (...args: A) => void) => {
      return (...args: A): void => {
        if (!this.closing) fn(...args);
      };
    };
    const onUrc = live((urc: AtUrc) => handlers.urc(urc));
    const onResync = live((event: { ok: boolean }) => {
      if (!event.ok) handlers.resyncFailed();
    });
    const onTimeout = live(() => handlers.timeout());
    const onDesync = live((event: AtDesyncEvent) => {
      logger.warn({ ...event }, 'answers out of step with commands');
      handlers.desync();
    });
    const onDisconnect = live((event: DisconnectEvent) => handlers.disconnected(event));
    const onNoise = (noise: unknown): void => logger.debug({ noise }, 'line noise');
    engine.on('urc', onUrc);
    engine.on('resync', onResync);
    engine.on('timeout', onTimeout);
    engine.on('desync', onDesync);
    engine.on('disconnect', onDisconnect);
    engine.on('noise', onNoise);
    this.offs = [
      () => engine.off('urc', onUrc),
      () => engine.off('resync', onResync),
      () => engine.off('timeout', onTimeout),
      () => engine.off('desync', onDesync),
      () => engine.off('disconnect', onDisconnect),
      () => engine.off('noise', onNoise),
    ];
  }

  static async open(
    factory: LinkFactory,
    options: { clock: Clock; logger: Logger; engine?: SessionEngineOptions },
    handlers: SessionHandlers,
  ): Promise<Session> {
    const link = await factory();
    const engine = new AtEngine(link, {
      ...options.engine,
      clock: options.clock,
      logger: options.logger,
    });
    return new Session(link, engine, handlers, options.logger.child({ port: link.address }));
  }

  get isOpen(): boolean {
    return !this.closing && !this.engine.isClosed;
  }

  /**
   * Stops forwarding events, writes ESC (a modem must never be left in the `> ` prompt, even
   * if something went wrong earlier), then closes the engine and the link.
   */
  async close(logger: Logger): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const off of this.offs) off();
    try {
      if (this.link.isOpen) await this.link.write(ESC);
    } catch (error) {
      logger.debug({ error: describeError(error) }, 'ESC before close failed (ignored)');
    }
    try {
      await this.engine.close();
    } catch (error) {
      logger.debug({ error: describeError(error) }, 'closing the link failed (ignored)');
    }
  }
}
