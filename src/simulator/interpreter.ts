import { sleep } from '../shared/index.js';
import { parseCommandLine } from './command-line.js';
import type { CommandTable } from './handler.js';
import type { ModemCore } from './modem-core.js';
import { ERROR, formatFinal, type Final, type Outcome } from './responses.js';

const CR = 0x0d;
const LF = 0x0a;
const BACKSPACE = 0x08;
const CTRL_Z = 0x1a;
const ESC = 0x1b;
/** A modem's command buffer is small; longer lines are cut, as a real one would. */
const MAX_LINE = 1024;
const MAX_PAYLOAD = 4096;

/** What one command line (possibly `;`-chained) produced. */
interface LineResult {
  readonly groups: string[][];
  readonly final: Final;
  readonly delayMs: number;
  readonly afters: (() => void)[];
  readonly prompt: ((payload: string) => Outcome) | undefined;
}

/**
 * The AT port: turns a byte stream (any fragmentation, one byte at a time is fine) into command
 * lines, runs them one at a time and writes echo, responses and the `> ` prompt.
 */
export class Interpreter {
  private line = '';
  private lastByteWasCr = false;
  private lastLine = '';
  private readonly queued: string[] = [];
  private busy = false;
  private prompt: ((payload: string) => Outcome) | undefined;
  private payload = '';

  constructor(
    private readonly core: ModemCore,
    private readonly commands: CommandTable,
  ) {}

  /** Forgets partial input and an open prompt (port reopened, modem reset). */
  reset(): void {
    this.line = '';
    this.queued.length = 0;
    this.prompt = undefined;
    this.payload = '';
    this.busy = false;
  }

  receive(chunk: Buffer): void {
    const { core } = this;
    if (core.faults.hung || core.faults.unplugged || core.resetting) return;
    let echo = '';
    for (const byte of chunk) {
      if (this.prompt) {
        if (byte === CTRL_Z || byte === ESC) {
          this.flushEcho(echo);
          echo = '';
          this.endPrompt(byte === CTRL_Z);
          continue;
        }
        if (this.payload.length < MAX_PAYLOAD) this.payload += String.fromCharCode(byte);
        if (core.settings.echo) echo += String.fromCharCode(byte);
        continue;
      }
      if (core.settings.echo && byte !== 0) echo += String.fromCharCode(byte);
      this.inputByte(byte);
    }
    this.flushEcho(echo);
    void this.processNext();
  }

  private flushEcho(echo: string): void {
    if (echo) this.core.output.write(echo, 'echo');
  }

  private inputByte(byte: number): void {
    const wasCr = this.lastByteWasCr;
    this.lastByteWasCr = byte === CR;
    if (byte === CR || byte === LF) {
      if (byte === LF && wasCr) return;
      const line = this.line;
      this.line = '';
      const at = /AT/i.exec(line);
      // Text without "AT" (noise, a stray newline) gets no answer, as on real modems.
      if (at) this.queued.push(line.slice(at.index + 2));
      return;
    }
    if (byte === BACKSPACE) {
      this.line = this.line.slice(0, -1);
      return;
    }
    if (byte === ESC) {
      this.line = '';
      return;
    }
    if (byte < 0x20 || byte > 0x7e) return;
    if (this.line.length < MAX_LINE) this.line += String.fromCharCode(byte);
    // "A/" repeats the last command line without waiting for a line end.
    if (this.line.toUpperCase() === 'A/') {
      this.line = '';
      this.queued.push(this.lastLine);
    }
  }

  private endPrompt(submit: boolean): void {
    const handler = this.prompt;
    const payload = this.payload;
    this.prompt = undefined;
    this.payload = '';
    if (!handler) return;
    const outcome: Outcome = submit ? handler(payload) : { lines: [], final: { type: 'ok' } };
    this.busy = true;
    void this.respond({
      groups: outcome.lines.length ? [[...outcome.lines]] : [],
      final: outcome.final,
      delayMs: outcome.delayMs ?? 0,
      afters: outcome.after ? [outcome.after] : [],
      prompt: undefined,
    });
  }

  private async processNext(): Promise<void> {
    if (this.busy || this.prompt) return;
    const body = this.queued.shift();
    if (body === undefined) return;
    this.busy = true;
    if (body.toUpperCase() !== 'A/') this.lastLine = body;
    await this.respond(this.execute(body));
  }

  /** Runs every command of a line; the first failure ends the line with that failure. */
  private execute(body: string): LineResult {
    const commands = parseCommandLine(body);
    const groups: string[][] = [];
    const afters: (() => void)[] = [];
    let delayMs = 0;
    if (!commands) return { groups, final: ERROR, delayMs, afters, prompt: undefined };
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i]!;
      const spec = this.commands[command.name];
      const outcome = spec ? this.run(spec, command) : undefined;
      if (!outcome) return { groups, final: ERROR, delayMs, afters, prompt: undefined };
      if (outcome.lines.length) groups.push([...outcome.lines]);
      delayMs += outcome.delayMs ?? 0;
      if (outcome.after) afters.push(outcome.after);
      if (outcome.final.type !== 'ok') {
        return { groups, final: outcome.final, delayMs, afters, prompt: undefined };
      }
      if (outcome.prompt) {
        // The prompt takes over the port: only the last command of a line may open it.
        if (i !== commands.length - 1)
          return { groups, final: ERROR, delayMs, afters, prompt: undefined };
        return { groups, final: outcome.final, delayMs, afters, prompt: outcome.prompt };
      }
    }
    return { groups, final: { type: 'ok' }, delayMs, afters, prompt: undefined };
  }

  private run(
    spec: CommandTable[string],
    command: Parameters<CommandTable[string]['run']>[1],
  ): Outcome {
    const sim = this.core.simState();
    if (spec.sim && sim !== 'ready' && command.kind !== 'test') {
      const code = sim === 'absent' ? 10 : 11;
      return spec.sim === 'cme'
        ? { lines: [], final: { type: 'cme', code } }
        : { lines: [], final: { type: 'cms', code: code + 300 } };
    }
    return spec.run(this.core, command);
  }

  private async respond(result: LineResult): Promise<void> {
    const { core } = this;
    const delay = core.faults.slowMs + result.delayMs;
    if (delay > 0) await sleep(core.clock, delay);
    if (core.faults.hung || core.resetting || core.faults.unplugged) {
      this.busy = false;
      return;
    }
    const out = core.output;
    const block = out.newBlock();
    if (core.faults.garbage) out.write(core.garbage(8), 'raw');
    const { verbose, quiet, cmee } = core.settings;
    for (const group of result.groups) {
      group.forEach((line, i) => {
        out.write(`${verbose && i === 0 ? '\r\n' : ''}${line}\r\n`, 'response', block);
      });
    }
    if (result.prompt) {
      this.prompt = result.prompt;
      this.payload = '';
      out.write('\r\n> ', 'response', block);
    } else if (!quiet) {
      const final = formatFinal(result.final, cmee, verbose);
      out.write(verbose ? `\r\n${final}\r\n` : `${final}\r`, 'response', block);
    }
    for (const after of result.afters) after();
    this.busy = false;
    void this.processNext();
  }
}
