import { AtEngine } from '../at/index.js';
import {
  describeError,
  systemClock,
  type Clock,
  type Logger,
  silentLogger,
} from '../shared/index.js';
import type { LinkFactory } from '../transport/index.js';

export type ProbeResult =
  | { readonly answers: true; readonly imei: string | null }
  | { readonly answers: false; readonly reason: string };

export interface ProbeOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How long each `AT` may take; auto-bauding modems need a few tries. */
  readonly timeoutMs?: number;
  readonly attempts?: number;
}

/**
 * Is there an AT interpreter behind this port, and which modem is it? USB modems expose several
 * ports (diagnostics, NMEA, PPP, AT): only one or two answer `AT`. The IMEI tells two AT ports
 * of one modem apart from two modems.
 */
export async function probePort(
  factory: LinkFactory,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const logger = options.logger ?? silentLogger;
  let engine: AtEngine | undefined;
  try {
    engine = new AtEngine(await factory(), {
      clock: options.clock ?? systemClock,
      defaultTimeoutMs: options.timeoutMs ?? 1500,
      resyncAttempts: 1,
      resyncTimeoutMs: 500,
      resyncQuietMs: 0,
    });
    // ESC first: a process that died in the middle of AT+CMGS left the modem in its `> ` prompt,
    // where every `AT` is message text (MODEMS.md); out of a prompt the ESC is a stray byte the
    // `AT` after it absorbs. Then plain `AT`s, which an auto-bauding modem needs a few of.
    const attempts = options.attempts ?? 3;
    if (!(await engine.resync())) {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          await engine.send('AT');
          break;
        } catch (error) {
          if (attempt === attempts) return { answers: false, reason: describeError(error) };
        }
      }
    }
    try {
      const answer = await engine.send('AT+CGSN');
      const imei = answer.lines
        .map((l) => l.replace(/^\+CGSN:\s*/, '').replace(/"/g, ''))
        .find((l) => /^\d{14,17}$/.test(l));
      return { answers: true, imei: imei ?? null };
    } catch (error) {
      logger.debug({ err: describeError(error) }, 'port answers AT but not AT+CGSN');
      return { answers: true, imei: null };
    }
  } catch (error) {
    return { answers: false, reason: describeError(error) };
  } finally {
    await engine?.close().catch(() => undefined);
  }
}
