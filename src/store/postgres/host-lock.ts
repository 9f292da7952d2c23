import type pg from 'pg';
import type { PostgresDatabase } from './database.js';

/**
 * The first key of the two-key session advisory lock a host holds on its id (the second is
 * `hashtext(host id)`). The two-key space never overlaps the one-key space of
 * MIGRATION_LOCK_KEY. Arbitrary, fixed for ever.
 */
export const HOST_LOCK_CLASS = 7369;

/** The lock connection's name in pg_stat_activity, for operators (and tests) to find it. */
export function hostLockApplicationName(hostId: string): string {
  return `simpool-host-lock:${hostId}`;
}

/**
 * A host's session advisory lock, held on a dedicated connection for the process's life. When
 * the process dies its socket closes and the server drops the lock within milliseconds (kill -9
 * included), so a start that obtains it knows that the previous holder is gone. A power cut or a
 * network cut leaves the lock held until TCP keepalive gives up on the dead peer (two hours by
 * default): the lease decides then, the lock is only the fast path.
 *
 * The connection may be lost while the process lives (server restart, network): `ensure` takes
 * the lock again in the background, and while it is not held only the lease protects the id.
 */
export class PostgresHostLock {
  private client: pg.Client | undefined;
  private acquiring: Promise<void> | undefined;
  private released = false;

  private constructor(
    private readonly db: PostgresDatabase,
    readonly hostId: string,
  ) {}

  /** One attempt at the lock (held or not: see `held`); rejects when the server is unreachable. */
  static async attempt(db: PostgresDatabase, hostId: string): Promise<PostgresHostLock> {
    const lock = new PostgresHostLock(db, hostId);
    await lock.tryOnce();
    return lock;
  }

  get held(): boolean {
    return this.client !== undefined;
  }

  /** When the lock is not held: one more attempt, in the background (never rejects). */
  ensure(): void {
    if (this.client !== undefined || this.released || this.acquiring !== undefined) return;
    this.acquiring = this.tryOnce()
      .catch(() => undefined)
      .finally(() => (this.acquiring = undefined));
  }

  /** Lets go of the lock: its connection ends (which releases it). Idempotent. */
  async release(): Promise<void> {
    this.released = true;
    await this.acquiring;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async tryOnce(): Promise<void> {
    let client: pg.Client | undefined = undefined;
    const lost = (): void => {
      if (client !== undefined && this.client === client) this.client = undefined;
    };
    client = await this.db.connectClient(lost);
    client.on('end', lost);
    let locked = false;
    try {
      await client.query(`SELECT set_config('application_name', $1, false)`, [
        hostLockApplicationName(this.hostId),
      ]);
      const result = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [HOST_LOCK_CLASS, this.hostId],
      );
      locked = result.rows[0]?.locked === true && !this.released;
    } finally {
      if (locked) this.client = client;
      else await client.end().catch(() => undefined);
    }
  }
}
