/**
 * Multi-line URCs: `+CMT:`/`+CDS:` headers own the next (PDU) line, a `+CUSD:` whose quoted text
 * contains newlines owns lines until the quote closes. Lines that cannot belong (not hex, or a
 * final result) end the URC early and go back to normal attribution, so a lost line never
 * swallows the `OK` of the command in flight.
 */
import { isPduLine } from './attribution.js';
import { hasOpenQuote } from './fields.js';
import { parseUrc, type AtUrc, type UrcDefinition } from './urc-registry.js';

/** A quoted USSD text longer than this many lines is cut off (bounded memory). */
const MAX_CONTINUATION_LINES = 20;

export interface OfferResult {
  /** The line was part of the open URC. */
  readonly consumed: boolean;
  /** A URC completed by this line, or ended early because of it. */
  readonly completed: AtUrc | undefined;
}

interface OpenUrc {
  readonly definition: UrcDefinition;
  readonly lines: string[];
  pduRemaining: number;
}

export class UrcCollector {
  private open: OpenUrc | undefined;

  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** Starts a URC at its header; returns it at once when it is a single line. */
  start(definition: UrcDefinition, header: string): AtUrc | undefined {
    const pending: OpenUrc = {
      definition,
      lines: [header],
      pduRemaining: definition.pduLines ?? 0,
    };
    if (this.wantsMore(pending)) {
      this.open = pending;
      return undefined;
    }
    return parseUrc(definition, pending.lines);
  }

  /** Offers the next line to the open URC, if there is one. */
  offer(line: string, isFinal: (line: string) => boolean): OfferResult {
    const pending = this.open;
    if (!pending) return { consumed: false, completed: undefined };
    const belongs =
      pending.pduRemaining > 0
        ? isPduLine(line)
        : !isFinal(line) && pending.lines.length < MAX_CONTINUATION_LINES;
    if (!belongs) {
      this.open = undefined;
      return { consumed: false, completed: parseUrc(pending.definition, pending.lines) };
    }
    pending.lines.push(line);
    if (pending.pduRemaining > 0) pending.pduRemaining--;
    if (this.wantsMore(pending)) return { consumed: true, completed: undefined };
    this.open = undefined;
    return { consumed: true, completed: parseUrc(pending.definition, pending.lines) };
  }

  /** Ends an open URC as it is (used when a prompt or the end of the link interrupts it). */
  drain(): AtUrc | undefined {
    const pending = this.open;
    this.open = undefined;
    return pending ? parseUrc(pending.definition, pending.lines) : undefined;
  }

  private wantsMore(pending: OpenUrc): boolean {
    if (pending.pduRemaining > 0) return true;
    return pending.definition.quotedMayContinue === true && hasOpenQuote(pending.lines.join('\n'));
  }
}
