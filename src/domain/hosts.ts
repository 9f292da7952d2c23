/**
 * Hosts sharing one database (issue 13, "Ownership and liveness"). Every running simpool
 * process holds its host's row in `hosts`:
 *
 * - a **lease** (`lease_until`), renewed every third of its length on the database's clock: a
 *   host whose lease ran out is dead to the others;
 * - an **epoch** that rises at every start: a fencing token. Writes a host makes for its own
 *   modems and SIMs carry its epoch, and the database refuses those of an older epoch, so a
 *   process that lost its id (paused past its lease, cut off, then taken over) can no longer act
 *   on work that someone else now owns.
 *
 * One process per host id: a second `start` of a host id whose process still runs is refused
 * (`host_id_in_use`). Each engine holds a lock for the process's life beside the lease (a session
 * advisory lock on PostgreSQL, a lock file on SQLite), which the operating system or the server
 * frees the moment the process dies: a start that obtains it may take over at once, even before
 * the dead process's lease ran out. On PostgreSQL the lease still decides when the lock cannot
 * (a power cut or a network cut leaves the server holding a dead session's lock for as long as
 * TCP keepalive takes): an expired lease is taken over whoever holds the lock. On SQLite every
 * process runs on one machine, whose kernel frees the lock exactly when its holder dies: a held
 * lock refuses the start whatever the lease says.
 *
 * Live hosts **reap** dead ones: the SIMs and modems of a host whose lease expired (or that
 * stopped) go offline, its work in flight goes back to the queues and the modem actions asked of
 * it fail, once per dead epoch.
 */

/** What `simpool hosts` and the admin API say of a host's lease. */
export type HostLeaseState = 'alive' | 'expired' | 'stopped';

export interface HostStartRequest {
  readonly hostId: string;
  /** simpool's version on this host, for the listing. */
  readonly version: string;
  /** Where this host's HTTP API answers, when known at start. */
  readonly apiUrl: string | null;
  /** How long the lease lasts unrenewed (ms); renewals come every third of it. */
  readonly leaseTtlMs: number;
}

/** Rows from before hosts existed (host id '') that this start took as its own. */
export interface AdoptedRows {
  readonly modems: number;
  readonly sims: number;
  readonly simPlacements: number;
  readonly slots: number;
}

export type HostRenewal =
  | {
      readonly ok: true;
      /** The lease's new end (database clock). */
      readonly leaseUntil: number;
      /** Whether this process holds the host's lock (false: the lease alone protects the id). */
      readonly lockHeld: boolean;
    }
  /** Another process took this host id over: this one must stop its modems' work. */
  | { readonly ok: false; readonly reason: 'fenced' };

/** What reaping one dead host (at one epoch) did. */
export interface ReapedHost {
  readonly hostId: string;
  readonly epoch: number;
  /** Its SIMs set offline. */
  readonly sims: number;
  /** Its modems set offline. */
  readonly modems: number;
  /** Outbound parts it had claimed but never handed to a modem, queued again. */
  readonly requeuedParts: number;
  /** Webhook deliveries it had in flight, pending again. */
  readonly webhookDeliveries: number;
  /** Sandbox SMS due on its simulated SIMs, completed as failed. */
  readonly sandboxDeliveries: number;
  /**
   * Modem actions asked of it (`host_commands`) still pending or running, failed as
   * `host_unavailable`: whoever waits for one gets its answer now, not at the end of its wait.
   */
  readonly hostCommands: number;
}

/** One process's hold on its host id, from `HostRegistryPort.start`. */
export interface HostSession {
  readonly hostId: string;
  /** This start's epoch (1 for a host's first start). */
  readonly epoch: number;
  /** When this start took the lease (database clock). */
  readonly startedAt: number;
  readonly adopted: AdoptedRows;
  /** The lease's end as last written by this session. */
  readonly leaseUntil: number;
  /**
   * Extends the lease by its length from now. `{ ok: false }` when this session was fenced
   * (another process started with the host id after the lease expired, or a reaper already
   * reaped this epoch): the host's modem work must stop. Throws when the database cannot be
   * reached (retry; the lease still holds until `leaseUntil`).
   */
  renew(): Promise<HostRenewal>;
  /**
   * Reaps every other host whose lease expired or that stopped, each at most once per epoch
   * across all hosts (another host reaping it at the same moment is skipped). Never reaps this
   * host.
   */
  reapDeadHosts(): Promise<ReapedHost[]>;
  /** Records where this host's API answers (known once it listens). */
  setApiUrl(apiUrl: string | null): Promise<void>;
  /**
   * A clean stop: the lease ends now (its SIMs are offline for the others at once) and the lock
   * is released. Idempotent; a fenced session only lets go of its lock.
   */
  stop(): Promise<void>;
}

/** A host as `simpool hosts` lists it. */
export interface HostInfo {
  readonly id: string;
  readonly epoch: number;
  readonly state: HostLeaseState;
  readonly leaseUntil: number;
  readonly renewedAt: number;
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  readonly version: string;
  readonly apiUrl: string | null;
  /** Modems recorded under this host. */
  readonly modems: number;
  readonly sims: { readonly ready: number; readonly total: number };
}

/** The `hosts` registry, one per store. */
export interface HostRegistryPort {
  /**
   * Takes the host id for this process: a new epoch, a fresh lease, the lock; the first host to
   * start on a database adopts the rows from before hosts existed. `host_id_in_use` when another
   * process holds the id (its lock, and a lease still running).
   */
  start(request: HostStartRequest): Promise<HostSession>;
  /** Every host that ever started, by id. */
  listHosts(): Promise<HostInfo[]>;
}
