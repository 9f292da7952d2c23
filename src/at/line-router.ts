/**
 * Routes framer tokens: lines to the command in flight, to URC subscribers or to noise; the
 * prompt to the command waiting for it. Holds the multi-line URC state, so a `+CDS:` header and
 * its PDU line stay together even in the middle of another command's answer.
 */
import type { Logger } from '../shared/index.js';
import { classifyLine, type ClassifierTables, type StaleReason } from './attribution.js';
import type { AtNoise } from './engine-types.js';
import type { AtToken } from './framer.js';
import type { AtProfile } from './profile.js';
import { parseFinalResult } from './result-codes.js';
import type { Transaction } from './transaction.js';
import { UrcCollector } from './urc-collector.js';
import { UrcRegistry, type AtUrc } from './urc-registry.js';

export interface RouterSinks {
  readonly urc: (urc: AtUrc) => void;
  readonly noise: (noise: AtNoise) => void;
  /** The prompt the transaction waits for arrived. */
  readonly prompt: (tx: Transaction) => void;
  /** A prompt nobody waits for: the modem must be taken out of it. */
  readonly strayPrompt: () => void;
  /** A line that can only be an earlier command's answer: commands and answers are out of step. */
  readonly stale: (line: string, reason: StaleReason, tx: Transaction | undefined) => void;
  readonly log: Logger;
}

function tablesFor(profile: AtProfile): ClassifierTables {
  return { finals: profile.extraFinalCodes, urcs: new UrcRegistry(profile.urcs) };
}

export class LineRouter {
  private tables: ClassifierTables;
  private readonly collector = new UrcCollector();

  constructor(
    profile: AtProfile,
    private readonly sinks: RouterSinks,
  ) {
    this.tables = tablesFor(profile);
  }

  get urcs(): UrcRegistry {
    return this.tables.urcs;
  }

  setProfile(profile: AtProfile): void {
    this.tables = tablesFor(profile);
  }

  route(token: AtToken, current: Transaction | undefined): void {
    // A finished transaction no longer owns anything; late lines are unsolicited.
    const tx = current && !current.isDone ? current : undefined;
    switch (token.kind) {
      case 'noise':
        this.sinks.log.debug({ noise: token }, 'noise bytes');
        this.sinks.noise({ reason: token.reason, length: token.length, sample: token.sample });
        return;
      case 'prompt':
        this.endOpenUrc();
        this.prompt(tx);
        return;
      case 'line':
        this.line(token.text, tx);
        return;
    }
  }

  private prompt(tx: Transaction | undefined): void {
    // With echo on, a prompt before the command's own echo is an earlier command's prompt.
    if (tx && tx.expectsPrompt && !tx.promptSeen && !tx.context().awaitingEcho) {
      this.sinks.prompt(tx);
      return;
    }
    this.sinks.log.warn('unexpected > prompt, sending ESC');
    this.sinks.noise({ reason: 'unexpected_prompt' });
    this.sinks.strayPrompt();
  }

  private line(text: string, tx: Transaction | undefined): void {
    const offered = this.collector.offer(
      text,
      (line) => parseFinalResult(line, this.tables.finals) !== undefined,
    );
    if (offered.completed) this.sinks.urc(offered.completed);
    if (offered.consumed) return;

    // A bare ">" line: a prompt from a modem that sends no space but a line ending.
    if (text === '>' && tx?.expectsPrompt === true && !tx.promptSeen) {
      this.sinks.prompt(tx);
      return;
    }

    const role = classifyLine(text, tx?.context(), this.tables);
    switch (role.role) {
      case 'echo':
        tx?.markEcho();
        return;
      case 'payload_echo':
        return;
      case 'final':
        tx?.finish({ type: 'final', final: role.final });
        return;
      case 'answer':
        tx?.lines.push(text);
        if (tx?.spec.completeOnAnswer.includes(role.prefix) === true) {
          tx.finish({ type: 'final', final: { kind: 'ok', line: text } });
        }
        return;
      case 'urc': {
        const urc = this.collector.start(role.definition, text);
        if (urc) this.sinks.urc(urc);
        return;
      }
      case 'body':
        tx?.lines.push(text);
        return;
      case 'stale':
        this.sinks.log.warn({ line: text, reason: role.reason }, 'an earlier command answers');
        this.sinks.stale(text, role.reason, tx);
        return;
      case 'unsolicited':
        this.sinks.log.debug({ line: text }, 'unsolicited line');
        this.sinks.noise({ reason: 'unsolicited', line: text });
        return;
    }
  }

  private endOpenUrc(): void {
    const urc = this.collector.drain();
    if (urc) this.sinks.urc(urc);
  }
}
