/**
 * Ports that did not answer `AT` when probed. Some never will (a USB modem's diagnostics, NMEA or
 * PPP interface), but a modem still booting, stuck in a `>` prompt by a process that died, or
 * slow on a loaded host answers later: such a port is probed again, first after 30 s, then at
 * doubling intervals up to 10 min, so a late modem is found within a minute and a port that is
 * not AT gets an `AT` only now and then.
 */
export const FIRST_REPROBE_MS = 30_000;
export const MAX_REPROBE_MS = 600_000;

interface SilentPort {
  readonly nextProbeAt: number;
  readonly backoffMs: number;
}

export class SilentPorts {
  private readonly ports = new Map<string, SilentPort>();

  /** The probe of `address` at `now` found no AT interpreter. */
  failed(address: string, now: number): void {
    const previous = this.ports.get(address);
    const backoffMs = previous
      ? Math.min(previous.backoffMs * 2, MAX_REPROBE_MS)
      : FIRST_REPROBE_MS;
    this.ports.set(address, { nextProbeAt: now + backoffMs, backoffMs });
  }

  /** Whether `address` is a silent port not yet due for another probe. */
  waiting(address: string, now: number): boolean {
    const port = this.ports.get(address);
    return port !== undefined && now < port.nextProbeAt;
  }

  /** Forgets the ports that answered since, or are gone (a port that comes back starts over). */
  forget(address: string): void {
    this.ports.delete(address);
  }

  /** Forgets every port not in `present`. */
  keepOnly(present: ReadonlySet<string>): void {
    for (const address of [...this.ports.keys()]) if (!present.has(address)) this.forget(address);
  }
}
