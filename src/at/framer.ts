/**
 * Pure AT framer: bytes in, tokens out. No timers, no I/O, no knowledge of commands.
 *
 * Every decision is taken one byte at a time from the framer's own state, never from where a
 * chunk happens to end, so the same transcript fed in any chunking (down to single bytes) yields
 * the same tokens. Modems fragment freely, so this is the property everything above relies on.
 *
 *   bytes ──► [printable?] ──► line buffer ──CR/LF──► line
 *                 │                 └── "> " at line start ──► prompt
 *                 └── NUL / control / binary ──► noise run ──(next non-noise byte)──► noise
 */

/** A complete line: text without CR/LF, trimmed; empty lines are never emitted. */
export interface LineToken {
  readonly kind: 'line';
  readonly text: string;
}

/** The `> ` that AT+CMGS prints without a line ending when it wants the payload. */
export interface PromptToken {
  readonly kind: 'prompt';
}

/**
 * Bytes that are not AT text. `binary`: NUL, control or (by default) non-ASCII bytes, removed from
 * the line they interrupted; `overflow`: a line longer than `maxLineLength`, dropped whole.
 */
export interface NoiseToken {
  readonly kind: 'noise';
  readonly reason: 'binary' | 'overflow';
  /** Total bytes discarded in this run. */
  readonly length: number;
  /** Hex of the first bytes, for logs (bounded). */
  readonly sample: string;
}

export type AtToken = LineToken | PromptToken | NoiseToken;

export interface FramerOptions {
  /** Longest line kept; longer lines become one `overflow` noise token. Default 8192. */
  readonly maxLineLength?: number;
  /** Keep bytes 0x80–0xFF as latin1 text (for `AT+CSCS="8859-1"` users). Default false. */
  readonly keepHighBytes?: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;
const GT = 0x3e;
const SAMPLE_BYTES = 16;
const INITIAL_LINE_CAPACITY = 256;

export const DEFAULT_MAX_LINE_LENGTH = 8192;

export class AtFramer {
  private readonly maxLineLength: number;
  private readonly keepHighBytes: boolean;
  /**
   * Text bytes of the current line (bounded by maxLineLength): a reused buffer and its length,
   * grown on demand, so a line costs one string and no per-byte array.
   */
  private line = new Uint8Array(INITIAL_LINE_CAPACITY);
  private lineLength = 0;
  /** Current run of noise bytes: total count plus a bounded sample. */
  private noiseLength = 0;
  private noiseSample: number[] = [];
  /** Set once the current line overflowed: everything up to the next line end is dropped. */
  private overflowLength = 0;
  private overflowSample: number[] = [];

  constructor(options: FramerOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    this.keepHighBytes = options.keepHighBytes ?? false;
  }

  /** Feeds one chunk; returns the tokens it completed (possibly none). */
  push(chunk: Uint8Array): AtToken[] {
    const out: AtToken[] = [];
    for (const byte of chunk) this.pushByte(byte, out);
    return out;
  }

  /**
   * Ends the stream: emits a pending noise run and a pending unterminated line. Only for the
   * end of a link; while bytes still flow, an unterminated line is simply not finished yet.
   */
  flush(): AtToken[] {
    const out: AtToken[] = [];
    this.endNoiseRun(out);
    this.endLine(out);
    return out;
  }

  /** Forgets any partial state (used after a link is replaced). */
  reset(): void {
    this.lineLength = 0;
    this.noiseLength = 0;
    this.noiseSample = [];
    this.overflowLength = 0;
    this.overflowSample = [];
  }

  private pushByte(byte: number, out: AtToken[]): void {
    if (byte === CR || byte === LF) {
      this.endNoiseRun(out);
      this.endLine(out);
      return;
    }
    if (!this.isText(byte)) {
      this.noiseLength++;
      if (this.noiseSample.length < SAMPLE_BYTES) this.noiseSample.push(byte);
      return;
    }
    // A text byte ends a noise run first, so noise is reported before the line it interrupted.
    this.endNoiseRun(out);
    if (this.overflowLength > 0) {
      this.overflowLength++;
      return;
    }
    if (byte === SPACE && this.lineLength === 1 && this.line[0] === GT) {
      // "> " at the start of a line is the SMS prompt; it never gets a line ending.
      this.lineLength = 0;
      out.push({ kind: 'prompt' });
      return;
    }
    if (this.lineLength >= this.maxLineLength) {
      this.overflowLength = this.lineLength + 1;
      this.overflowSample = Array.from(
        this.line.subarray(0, Math.min(SAMPLE_BYTES, this.lineLength)),
      );
      this.lineLength = 0;
      return;
    }
    if (this.lineLength === this.line.length) {
      const grown = new Uint8Array(Math.min(this.line.length * 2, Math.max(this.maxLineLength, 1)));
      grown.set(this.line);
      this.line = grown;
    }
    this.line[this.lineLength++] = byte;
  }

  private isText(byte: number): boolean {
    if (byte === TAB) return true;
    if (byte >= SPACE && byte < 0x7f) return true;
    return this.keepHighBytes && byte >= 0xa0;
  }

  private endNoiseRun(out: AtToken[]): void {
    if (this.noiseLength === 0) return;
    out.push({
      kind: 'noise',
      reason: 'binary',
      length: this.noiseLength,
      sample: Buffer.from(this.noiseSample).toString('hex'),
    });
    this.noiseLength = 0;
    this.noiseSample = [];
  }

  private endLine(out: AtToken[]): void {
    if (this.overflowLength > 0) {
      out.push({
        kind: 'noise',
        reason: 'overflow',
        length: this.overflowLength,
        sample: Buffer.from(this.overflowSample).toString('hex'),
      });
      this.overflowLength = 0;
      this.overflowSample = [];
      return;
    }
    if (this.lineLength === 0) return;
    const text = Buffer.from(this.line.buffer, 0, this.lineLength).toString('latin1').trim();
    this.lineLength = 0;
    if (text.length > 0) out.push({ kind: 'line', text });
  }
}
