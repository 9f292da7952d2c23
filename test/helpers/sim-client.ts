import type { ByteLink } from '../../src/transport/index.js';

/** A final result at the end of what was received (or the `> ` prompt). */
const FINAL = /(\r\n(OK|ERROR|\+CME ERROR: [^\r]*|\+CMS ERROR: [^\r]*)\r\n|\r\n> )$/;

/** Lets pending setImmediate / promise callbacks run. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The test side of a link to a simulated modem: collects what the modem writes and offers
 * bounded waits (a number of event-loop turns, never wall-clock sleeps).
 */
export class SimClient {
  received = '';
  chunks: Buffer[] = [];
  disconnected = false;

  constructor(readonly link: ByteLink) {
    link.onData((chunk) => {
      this.chunks.push(chunk);
      this.received += chunk.toString('latin1');
    });
    link.onDisconnect(() => (this.disconnected = true));
  }

  async send(text: string | Buffer): Promise<void> {
    await this.link.write(text);
  }

  /** Waits until `predicate(received)` holds; throws after `maxTurns` event-loop turns. */
  async waitFor(predicate: (received: string) => boolean, maxTurns = 2000): Promise<void> {
    for (let i = 0; i < maxTurns; i++) {
      if (predicate(this.received)) return;
      await turn();
    }
    throw new Error(`timed out waiting; received so far: ${JSON.stringify(this.received)}`);
  }

  async waitForText(text: string, maxTurns?: number): Promise<void> {
    await this.waitFor((received) => received.includes(text), maxTurns);
  }

  /** Returns everything received so far and forgets it. */
  take(): string {
    const all = this.received;
    this.received = '';
    return all;
  }

  /** Sends `line\r` and resolves with everything up to and including the final result. */
  async command(line: string): Promise<string> {
    this.take();
    await this.send(`${line}\r`);
    await this.waitFor((received) => FINAL.test(received));
    return this.take();
  }

  /** Turns spent to prove that nothing arrives. */
  async quietFor(turns = 50): Promise<string> {
    for (let i = 0; i < turns; i++) await turn();
    return this.received;
  }
}

/** The information lines of a response (echo, blank lines and the final result removed). */
export function infoLines(response: string, command?: string): string[] {
  return response
    .split('\r\n')
    .filter((line) => line !== '' && line !== command && !(command && line === `${command}\r`))
    .filter((line) => !/^(OK|ERROR|\+CME ERROR|\+CMS ERROR)/.test(line))
    .map((line) =>
      command && line.startsWith(`${command}\r`) ? line.slice(command.length + 1) : line,
    )
    .filter((line) => line !== '');
}
