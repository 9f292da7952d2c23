/**
 * Incoming voice calls, from the URCs a ringing modem prints: `RING` (or `+CRING: VOICE`) every
 * few seconds, `+CLIP: "<number>",<type>,…` after each when caller id is on, and `NO CARRIER`
 * when the caller gives up. The driver records each call (caller, first ring, rings, end) and,
 * by default, rejects it with `ATH` after the first RING — as one work item, so it never lands
 * inside a command in flight.
 */
import { splitFields, type AtUrc } from '../at/index.js';
import { describeError, type TimerHandle } from '../shared/index.js';
import type { CallEnd, CallPolicy, IncomingCall } from './contract.js';
import type { ModemDriver } from './driver.js';
import { WorkPriority } from './work-queue.js';

/** A call nobody hears ring for this long is over (its NO CARRIER was lost, or never sent). */
export const CALL_SILENCE_MS = 15_000;

interface OpenCall {
  caller: string | null;
  callerType: number | null;
  readonly startedAt: number;
  rings: number;
  /** ATH was queued for it. */
  rejecting: boolean;
  silence: TimerHandle | null;
}

/** `+CLIP: "+447700900123",145,"",0,"",0` → number and type; null when withheld or malformed. */
export function parseClip(value: string | null): { number: string; type: number | null } | null {
  if (value === null) return null;
  const fields = splitFields(value);
  const number = fields[0]?.value.trim() ?? '';
  if (!/^\+?[0-9*#]{1,32}$/.test(number)) return null;
  const type = fields[1] && /^\d+$/.test(fields[1].value) ? Number(fields[1].value) : null;
  return { number, type };
}

export class CallTracker {
  private open: OpenCall | null = null;

  constructor(
    private readonly driver: ModemDriver,
    private readonly policy: CallPolicy,
  ) {}

  /** True when `urc` was a call URC (RING, +CRING, +CLIP, NO CARRIER …) and is handled. */
  onUrc(urc: AtUrc): boolean {
    switch (urc.name) {
      case 'RING':
      case '+CRING':
        this.ring();
        return true;
      case '+CLIP':
        this.callerId(urc.type === 'generic' ? urc.value : null);
        return true;
      case 'NO CARRIER':
        // The caller hung up; NO CARRIER without a call (a data call of someone else) is ignored.
        this.end('caller_hung_up');
        return true;
      case 'BUSY':
      case 'NO ANSWER':
      case 'NO DIALTONE':
        return true;
      default:
        return false;
    }
  }

  /** Forgets an open call without an event (the link is gone; the modem dropped it). */
  reset(): void {
    if (this.open?.silence) this.driver.clock.clearTimeout(this.open.silence);
    this.open = null;
  }

  private start(): OpenCall {
    this.open ??= {
      caller: null,
      callerType: null,
      startedAt: this.driver.clock.now(),
      rings: 0,
      rejecting: false,
      silence: null,
    };
    this.armSilence(this.open);
    return this.open;
  }

  private ring(): void {
    const call = this.start();
    call.rings++;
    if (this.policy.onIncoming === 'reject' && !call.rejecting) {
      call.rejecting = true;
      this.hangUp(call);
    }
  }

  private callerId(value: string | null): void {
    const call = this.start();
    const clip = parseClip(value);
    if (clip) {
      call.caller = clip.number;
      call.callerType = clip.type;
    }
  }

  /** `ATH` as one work item; skipped when the call ended while it waited in the queue. */
  private hangUp(call: OpenCall): void {
    const d = this.driver;
    d.runItem(WorkPriority.call, async (engine) => {
      if (this.open !== call) return;
      await engine.send('ATH');
      // A NO CARRIER that beat our ATH already ended the call as the caller's.
      if (this.open === call) this.end('rejected');
    }).catch((error: unknown) => {
      // Refused or unanswered: the call ends by NO CARRIER or, at worst, by ring silence.
      d.logger.warn({ error: describeError(error) }, 'hanging up an incoming call failed');
    });
  }

  private armSilence(call: OpenCall): void {
    const { clock } = this.driver;
    if (call.silence) clock.clearTimeout(call.silence);
    call.silence = clock.setTimeout(() => {
      call.silence = null;
      if (this.open === call) this.end('unknown');
    }, CALL_SILENCE_MS);
  }

  private end(how: CallEnd): void {
    const call = this.open;
    if (!call) return;
    this.reset();
    const d = this.driver;
    const event: IncomingCall = {
      imei: d.info?.imei ?? null,
      iccid: d.sim?.iccid ?? null,
      caller: call.caller,
      callerType: call.callerType,
      startedAt: call.startedAt,
      endedAt: d.clock.now(),
      rings: call.rings,
      end: how,
    };
    // The caller's digits may be a missed-call verification code: never at info level.
    d.logger.info({ rings: event.rings, end: how }, 'incoming call');
    d.logger.debug({ caller: event.caller }, 'incoming call: caller');
    d.safeEmit('call', event);
  }
}
