import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SimpoolError, silentLogger, type Logger } from '../shared/index.js';
import { LinkBase, toBuffer, type ByteLink } from '../transport/index.js';
import type { SimulatedModem } from './simulated-modem.js';

/**
 * The modem's end of a socat child: socat owns the pseudo-terminal (`DIR/ttySIMi`) and relays
 * it to its stdin/stdout, which this link reads and writes. Clients open, close and reopen the
 * PTY as often as they like: socat keeps the master side, so the link outlives them.
 */
class SocatLink extends LinkBase {
  private closing = false;

  constructor(
    address: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    super(address);
    child.stdout.on('data', (chunk: Buffer) => this.emitData(chunk));
    child.stdin.on('error', () => undefined);
    child.once('exit', () =>
      this.emitDisconnect({ reason: this.closing ? 'closed_locally' : 'remote_closed' }),
    );
  }

  write(bytes: Uint8Array | string): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new SimpoolError('transport_closed', `${this.address} is closed`));
    }
    return new Promise((resolve, reject) => {
      this.child.stdin.write(toBuffer(bytes), (error) =>
        error
          ? reject(new SimpoolError('transport_write_failed', error.message, { cause: error }))
          : resolve(),
      );
    });
  }

  /** Stops socat (which removes the PTY symlink) and resolves once it has exited. */
  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Starts socat for one PTY and waits (bounded) until its symlink exists. */
export async function openSocatPty(link: string, socatPath = 'socat'): Promise<ByteLink> {
  await rm(link, { force: true });
  const child = spawn(socatPath, [`PTY,link=${link},raw,echo=0`, 'STDIO'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new SimpoolError('transport_open_failed', `cannot run ${socatPath}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    child.once('exit', (code) =>
      reject(new SimpoolError('transport_open_failed', `socat exited (${code}): ${stderr.trim()}`)),
    );
  });
  failure.catch(() => undefined);
  const deadline = Date.now() + 5000;
  for (;;) {
    const ready = await Promise.race([exists(link), failure]);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new SimpoolError('transport_open_failed', `socat did not create ${link} in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return new SocatLink(link, child);
}

export interface PtyExposureOptions {
  readonly dir: string;
  readonly socatPath?: string;
  readonly logger?: Logger;
}

/**
 * Exposes each modem at `DIR/ttySIM<index>`. Unplug removes the link (socat stops, open clients
 * see the port vanish); replug recreates it. If socat dies on its own it is restarted.
 */
export class PtyExposure {
  private readonly links = new Map<number, ByteLink>();
  /** Where each modem's current link was made (its name changes when it re-enumerates). */
  private readonly linkPaths = new Map<number, string>();
  private readonly offs: (() => void)[] = [];
  private stopped = false;

  private constructor(
    private readonly modems: readonly SimulatedModem[],
    private readonly options: PtyExposureOptions,
  ) {}

  static async start(
    modems: readonly SimulatedModem[],
    options: PtyExposureOptions,
  ): Promise<PtyExposure> {
    await mkdir(options.dir, { recursive: true });
    const exposure = new PtyExposure(modems, options);
    try {
      for (const modem of modems) {
        if (modem.plugged) await exposure.open(modem);
        exposure.offs.push(modem.onPlugChange((plugged) => void exposure.follow(modem, plugged)));
      }
    } catch (error) {
      await exposure.stop();
      throw error;
    }
    return exposure;
  }

  /**
   * The PTY path of modem `index` now: `ttySIM<index>`, or `ttySIM<index>-<n>` after it
   * re-enumerated n times (as a USB modem comes back as another ttyUSB after a reset).
   */
  path(index: number): string {
    const enumeration = this.modems[index]?.enumeration ?? 0;
    const name = enumeration === 0 ? `ttySIM${index}` : `ttySIM${index}-${enumeration}`;
    return path.join(this.options.dir, name);
  }

  private async open(modem: SimulatedModem): Promise<void> {
    const linkPath = this.path(modem.index);
    const link = await openSocatPty(linkPath, this.options.socatPath);
    if (this.stopped || !modem.plugged) {
      await link.close();
      return;
    }
    this.links.set(modem.index, link);
    this.linkPaths.set(modem.index, linkPath);
    modem.attach(link);
    link.onDisconnect((event) => {
      if (this.links.get(modem.index) !== link) return;
      this.links.delete(modem.index);
      if (event.reason !== 'closed_locally' && !this.stopped && modem.plugged) {
        (this.options.logger ?? silentLogger).warn(
          { index: modem.index },
          'socat exited; restarting',
        );
        void this.open(modem).catch(() => undefined);
      }
    });
  }

  private async follow(modem: SimulatedModem, plugged: boolean): Promise<void> {
    if (this.stopped) return;
    if (plugged) {
      if (!this.links.has(modem.index)) await this.open(modem).catch(() => undefined);
      return;
    }
    const link = this.links.get(modem.index);
    const linkPath = this.linkPaths.get(modem.index);
    this.links.delete(modem.index);
    await link?.close();
    if (linkPath !== undefined) await rm(linkPath, { force: true });
  }

  /** Stops every socat child and removes the links. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs) off();
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((link) => link.close()));
    await Promise.all([...this.linkPaths.values()].map((p) => rm(p, { force: true })));
  }
}
