/**
 * The device side of a link, scripted per test: it reads what the engine writes (command lines,
 * ESC, prompt payloads ended by Ctrl-Z) and answers with whatever bytes the test chose — URCs in
 * the middle, garbage, fragmented writes, silence. Not a mock of src/at: it only speaks bytes.
 * (The behavioural simulated modem lives in src/simulator; this is for precise AT-level cases.)
 */
import type { ByteLink } from '../../src/transport/index.js';

/** Bytes to send back for a command, or null to stay silent (a hung modem). */
export type Reply = string | null | ((command: string) => string | null);

interface Rule {
  readonly match: string | RegExp;
  readonly reply: Reply;
  /** When set, the command opens a prompt and this answers the payload (after Ctrl-Z). */
  readonly onPayload: ((payload: string) => string | null) | undefined;
  remaining: number;
}

export interface ScriptedModemOptions {
  /** Echo command lines back (ATE1). Default true. ATE0/ATE1 switch it. */
  readonly echo?: boolean;
  /** Echo the payload typed after the prompt, as some modems do. Default false. */
  readonly echoPayload?: boolean;
  /** Split every write into chunks of this many bytes (1 = byte by byte). Default: whole. */
  readonly chunkSize?: number;
  /**
   * Keep an ESC that arrives outside a prompt in the command line, as modems that do not skip
   * bytes before `AT` do: `<ESC>AT+CMGS=23` is then an unknown command (ERROR). Default false.
   */
  readonly escGlues?: boolean;
}

/** Formats answer lines the way V.250 verbose mode does: `\r\n<line>\r\n` each. */
export function lines(...texts: string[]): string {
  return texts.map((text) => `\r\n${text}\r\n`).join('');
}

const CTRL_Z = '\x1a';
const ESC = '\x1b';

export class ScriptedModem {
  echo: boolean;
  echoPayload: boolean;
  chunkSize: number | undefined;
  readonly escGlues: boolean;
  /** Everything received, in order: command lines, `<ESC>`, `<PAYLOAD:…>`. */
  readonly log: string[] = [];
  private readonly rules: Rule[] = [];
  private buffer = '';
  private payload: { text: string; rule: Rule } | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly waiters: Array<{ match: RegExp; resolve: () => void }> = [];

  constructor(
    readonly link: ByteLink,
    options: ScriptedModemOptions = {},
  ) {
    this.echo = options.echo ?? true;
    this.echoPayload = options.echoPayload ?? false;
    this.chunkSize = options.chunkSize;
    this.escGlues = options.escGlues ?? false;
    link.onData((chunk) => this.receive(chunk.toString('latin1')));
    this.on('AT', lines('OK'));
    this.on(/^ATE[01]$/i, (command) => {
      this.echo = command.endsWith('1');
      return lines('OK');
    });
  }

  /** Answers commands matching `match` (exact, case-insensitive, or a RegExp). Later rules win. */
  on(match: string | RegExp, reply: Reply, times = Number.POSITIVE_INFINITY): this {
    this.rules.unshift({ match, reply, onPayload: undefined, remaining: times });
    return this;
  }

  once(match: string | RegExp, reply: Reply): this {
    return this.on(match, reply, 1);
  }

  /** A prompt command: `reply` (default `\r\n> `) then `onPayload` answers the payload. */
  onPrompt(
    match: string | RegExp,
    onPayload: (payload: string) => string | null,
    reply: Reply = '\r\n> ',
    times = Number.POSITIVE_INFINITY,
  ): this {
    this.rules.unshift({ match, reply, onPayload, remaining: times });
    return this;
  }

  /** Writes raw bytes to the engine (URCs, garbage), honouring chunkSize. */
  send(bytes: string): Promise<void> {
    const chunkSize = this.chunkSize ?? bytes.length;
    this.writeChain = this.writeChain.then(async () => {
      for (let at = 0; at < bytes.length; at += Math.max(1, chunkSize)) {
        if (!this.link.isOpen) return;
        await this.link.write(bytes.slice(at, at + Math.max(1, chunkSize)));
      }
    });
    return this.writeChain;
  }

  /** Resolves when a received log entry matches (commands, `<ESC>`, `<PAYLOAD:…>`). */
  waitFor(match: RegExp): Promise<void> {
    if (this.log.some((entry) => match.test(entry))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  get commands(): string[] {
    return this.log.filter((entry) => !entry.startsWith('<'));
  }

  private record(entry: string): void {
    this.log.push(entry);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match.test(entry)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  private receive(text: string): void {
    for (const char of text) {
      if (this.payload) {
        this.payloadChar(char, this.payload);
        continue;
      }
      if (char === ESC) {
        this.record('<ESC>');
        if (this.escGlues) this.buffer += char;
      } else if (char === '\r') {
        const command = this.buffer.trim();
        this.buffer = '';
        if (command.length > 0) this.command(command);
      } else if (char !== '\n') {
        this.buffer += char;
      }
    }
  }

  private payloadChar(char: string, state: { text: string; rule: Rule }): void {
    if (char === ESC) {
      this.payload = undefined;
      this.record('<ESC>');
      return;
    }
    if (char !== CTRL_Z) {
      state.text += char;
      return;
    }
    this.payload = undefined;
    this.record(`<PAYLOAD:${state.text}>`);
    const answer = state.rule.onPayload?.(state.text) ?? null;
    const echoed = this.echoPayload ? `${state.text}${CTRL_Z}` : '';
    if (echoed || answer !== null) void this.send(`${echoed}${answer ?? ''}`);
  }

  private command(command: string): void {
    const echo = this.echo ? `${command}\r` : '';
    this.record(command);
    const rule = this.rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (typeof candidate.match === 'string'
          ? candidate.match.toUpperCase() === command.toUpperCase()
          : candidate.match.test(command)),
    );
    if (rule) rule.remaining--;
    const reply = rule ? rule.reply : lines('ERROR');
    const answer = typeof reply === 'function' ? reply(command) : reply;
    if (rule?.onPayload && answer !== null) this.payload = { text: '', rule };
    if (echo || answer !== null) void this.send(`${echo}${answer ?? ''}`);
  }
}

/** Lets queued I/O callbacks run (the memory link delivers with setImmediate). */
export async function flushIo(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
