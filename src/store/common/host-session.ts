/**
 * What a host's session does the same on both engines (docs/several-hosts.md): it is running
 * until its lease is found taken over (fenced) or it stops; a fenced or stopped session acts for
 * no one. The engines supply the writes and their lock (a file on SQLite, an advisory lock on
 * PostgreSQL).
 */
import type { AdoptedRows, HostRenewal, HostSession, ReapedHost } from '../../domain/index.js';
import { SimpoolError } from '../../shared/index.js';

/** What a start wrote: the session's identity and first lease. */
export interface StartedHost {
  readonly hostId: string;
  readonly ttl: number;
  readonly epoch: number;
  readonly leaseUntil: number;
  readonly startedAt: number;
  readonly adopted: AdoptedRows;
}

export abstract class LeasedHostSession implements HostSession {
  readonly hostId: string;
  readonly epoch: number;
  readonly startedAt: number;
  readonly adopted: AdoptedRows;
  protected readonly ttl: number;
  private lease: number;
  private state: 'running' | 'fenced' | 'stopped' = 'running';

  constructor(started: StartedHost) {
    this.hostId = started.hostId;
    this.epoch = started.epoch;
    this.startedAt = started.startedAt;
    this.adopted = started.adopted;
    this.lease = started.leaseUntil;
    this.ttl = started.ttl;
  }

  get leaseUntil(): number {
    return this.lease;
  }

  /** The new lease end, or undefined when this epoch is no longer the host's (fenced). */
  protected abstract extendLease(): Promise<number | undefined>;
  /** Whether the engine's lock on the host id is held now. */
  protected abstract lockHeld(): boolean;
  protected abstract releaseLock(): Promise<void>;
  /** Marks the host stopped in its row (its SIMs go offline for the others at once). */
  protected abstract recordStop(): Promise<void>;
  protected abstract reap(): Promise<ReapedHost[]>;
  abstract setApiUrl(apiUrl: string | null): Promise<void>;

  async renew(): Promise<HostRenewal> {
    if (this.state === 'stopped') {
      throw new SimpoolError('internal_error', `the session of host ${this.hostId} was stopped`);
    }
    if (this.state === 'fenced') return { ok: false, reason: 'fenced' };
    const leaseUntil = await this.extendLease();
    if (leaseUntil === undefined) {
      this.state = 'fenced';
      await this.releaseLock();
      return { ok: false, reason: 'fenced' };
    }
    this.lease = leaseUntil;
    return { ok: true, leaseUntil, lockHeld: this.lockHeld() };
  }

  async reapDeadHosts(): Promise<ReapedHost[]> {
    // A fenced or stopped process acts for no one.
    return this.state === 'running' ? this.reap() : [];
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    try {
      if (wasRunning) await this.recordStop();
    } finally {
      await this.releaseLock();
    }
  }
}
