/**
 * Fencing for the modem side's writes (docs/several-hosts.md): a host whose epoch is no longer
 * current (it was cut off, its lease ran out and a new process took its host id) must not write
 * over its successor. The PostgreSQL pool-side repositories call `check(client)` first inside
 * each transaction that writes on behalf of this host's modems (inventory, inbound, outbound
 * claims and outcomes); it throws `host_fenced` once the session is stale.
 *
 * The store is created before the host session starts (the session needs the store), so the
 * session is bound later; until then there is nothing to fence against (CLI commands, tests).
 */
import type { Queryable } from './database.js';

export interface FencedSession {
  /** Throws `SimpoolError('host_fenced')` unless this host's epoch is still current. */
  assertCurrent(client: Queryable): Promise<void>;
}

export class Fencing {
  private session: FencedSession | undefined;

  bind(session: FencedSession | undefined): void {
    this.session = session;
  }

  async check(client: Queryable): Promise<void> {
    await this.session?.assertCurrent(client);
  }
}
