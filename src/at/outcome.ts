/**
 * What a finished transaction means for the caller and for the port: the result or the error,
 * whether the modem must be sent ESC (only while its `> ` prompt is open: after a final result
 * the prompt is closed and an ESC would glue itself to the next command), and whether the port
 * must be resynchronised before the next command (a timeout, an ESC, a desync). Pure, so the
 * policy reads in one place and is tested without I/O.
 */
import { SimpoolError, describeError } from '../shared/index.js';
import { finalResultError } from './at-errors.js';
import type { AtResponse, AtTimeoutEvent } from './engine-types.js';
import type { Outcome, Transaction } from './transaction.js';

export type Conclusion =
  | { readonly ok: true; readonly response: AtResponse }
  | {
      readonly ok: false;
      readonly error: Error;
      /** Write ESC: the modem may still sit in the `> ` prompt. */
      readonly escape: boolean;
      /** Resync before the next command: the modem's state is unknown. */
      readonly resync: boolean;
      readonly timeout: AtTimeoutEvent | undefined;
    };

export function concludeOutcome(tx: Transaction, outcome: Outcome): Conclusion {
  const { command } = tx.spec;
  const lines = [...tx.lines];
  const prompted = tx.expectsPrompt;
  const escape = tx.promptOpen && outcome.type !== 'final';
  const fail = (error: Error, timeout?: AtTimeoutEvent): Conclusion => ({
    ok: false,
    error,
    escape,
    resync: timeout !== undefined || escape || tx.doubtful,
    timeout,
  });

  if (outcome.type === 'closed') {
    return { ok: false, error: outcome.error, escape: false, resync: false, timeout: undefined };
  }
  if (tx.doubtful) {
    const final = outcome.type === 'final' ? outcome.final.line : null;
    return fail(
      new SimpoolError(
        'at_desync',
        `${command}: an earlier command's answer arrived in the middle; this answer is not trusted`,
        { details: { command, lines, final } },
      ),
    );
  }
  switch (outcome.type) {
    case 'final':
      if (outcome.final.kind !== 'ok') return fail(finalResultError(command, lines, outcome.final));
      if (prompted && !tx.promptSeen) {
        return fail(
          new SimpoolError('at_prompt_failed', `${command}: OK without a prompt`, {
            details: { command, reason: 'no_prompt', lines },
          }),
        );
      }
      return { ok: true, response: { command, lines, final: outcome.final } };
    case 'timeout': {
      const { timeoutMs } = outcome;
      const phase = outcome.phase === 'awaiting_prompt' ? 'awaiting_prompt' : 'awaiting_final';
      const event: AtTimeoutEvent = { command, phase, timeoutMs, partialLines: lines };
      if (phase === 'awaiting_prompt') {
        return fail(
          new SimpoolError('at_prompt_failed', `${command}: no prompt within ${timeoutMs} ms`, {
            details: { command, reason: 'prompt_timeout', partialLines: lines, timeoutMs },
          }),
          event,
        );
      }
      return fail(
        new SimpoolError('at_timeout', `${command}: no final result within ${timeoutMs} ms`, {
          details: { command, partialLines: lines, timeoutMs },
        }),
        event,
      );
    }
    case 'write_failed':
      if (outcome.stage === 'payload') {
        return fail(
          new SimpoolError('at_prompt_failed', `${command}: payload write failed`, {
            cause: outcome.error,
            details: { command, reason: 'payload_write_failed', lines },
          }),
        );
      }
      return fail(
        outcome.error instanceof SimpoolError
          ? outcome.error
          : new SimpoolError('transport_write_failed', describeError(outcome.error), {
              cause: outcome.error,
              details: { command },
            }),
      );
  }
}
