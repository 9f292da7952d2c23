import { defaultTimeoutFor, expectedPrefixes } from './attribution.js';
import { bodyOwnership } from './command-shapes.js';
import type { AtPromptOptions } from './engine-types.js';
import type { AtProfile } from './profile.js';
import { ownsCallResults } from './result-codes.js';
import type { TransactionSpec } from './transaction.js';
import type { UrcRegistry } from './urc-registry.js';

export interface SpecContext {
  readonly urcs: UrcRegistry;
  readonly profile: AtProfile;
  readonly defaultTimeoutMs: number;
  readonly promptTimeoutMs: number;
}

/**
 * What one command expects: the answer prefixes that are its own (not URCs), its timeout
 * (AT+CMGS gets 120 s unless told otherwise), and whether an answer line completes it without OK
 * (modems that answer `AT+CPIN?` with no final result, per profile).
 */
export function buildSpec(
  command: string,
  payload: string | null,
  options: AtPromptOptions,
  context: SpecContext,
): TransactionSpec {
  const prefixes = (
    options.expectedPrefix === undefined
      ? expectedPrefixes(command, context.urcs)
      : typeof options.expectedPrefix === 'string'
        ? [options.expectedPrefix]
        : [...options.expectedPrefix]
  ).map((prefix) => prefix.toUpperCase());
  return {
    command,
    payload,
    expectedPrefixes: prefixes,
    timeoutMs: options.timeoutMs ?? defaultTimeoutFor(command, context.defaultTimeoutMs),
    promptTimeoutMs: options.promptTimeoutMs ?? context.promptTimeoutMs,
    ownsCallResults: ownsCallResults(command),
    body: bodyOwnership(command),
    completeOnAnswer:
      options.completeOnAnswer === true
        ? prefixes
        : (context.profile.flags.completeWithoutOk ?? []).filter((p) => prefixes.includes(p)),
  };
}
