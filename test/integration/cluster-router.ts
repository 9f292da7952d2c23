/**
 * The cluster test's HTTP clients: each call prefers one host and, when that host is down (the
 * test killed it, or its connection broke mid-request), goes to the next live host with the same
 * request and the same Idempotency-Key, as a client behind a load balancer would.
 */
import { callApi, type ApiCallOptions, type ApiReply } from '../helpers/customer-api.js';
import type { ClusterHost } from '../helpers/cluster.js';

export interface RoutedReply extends ApiReply {
  /** The index of the host that answered. */
  readonly host: number;
  /** How many hosts failed (connection refused or reset) before this one answered. */
  readonly failovers: number;
}

/** Every answer with a status ≥ 500, for the "contention never surfaces as a 500" check. */
export interface ServerError {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

export class HostRouter {
  private readonly down = new Set<number>();
  readonly serverErrors: ServerError[] = [];
  failovers = 0;

  constructor(private readonly hosts: () => readonly ClusterHost[]) {}

  get size(): number {
    return this.hosts().length;
  }

  isDown(index: number): boolean {
    return this.down.has(index);
  }

  /** From now on requests avoid this host (the test is about to kill it). */
  markDown(index: number): void {
    this.down.add(index);
  }

  markUp(index: number): void {
    this.down.delete(index);
  }

  /** The first live host at or after `preferred`. */
  live(preferred: number): number {
    for (let step = 0; step < this.size; step++) {
      const index = (preferred + step) % this.size;
      if (!this.down.has(index)) return index;
    }
    throw new Error('every host is down');
  }

  url(index: number): string {
    return this.hosts()[index]!.apiUrl;
  }

  /**
   * `method path` on `preferred` (or the next live host), again on the next live host after a
   * connection failure. A connection failure of a host the test did not mark down is a failure.
   */
  async call(
    preferred: number,
    method: string,
    path: string,
    options: ApiCallOptions = {},
  ): Promise<RoutedReply> {
    let failovers = 0;
    let index = this.live(preferred);
    for (;;) {
      try {
        const reply = await callApi(method, `${this.url(index)}${path}`, options);
        if (reply.status >= 500) {
          this.serverErrors.push({ method, path, status: reply.status, body: reply.body });
        }
        return { ...reply, host: index, failovers };
      } catch (error) {
        if (!this.down.has(index)) throw error;
        failovers++;
        this.failovers++;
        index = this.live(index + 1);
      }
    }
  }
}
