import { constants as osConstants } from 'node:os';
import { InvalidArgumentError } from 'commander';

/** A commander option parser for an integer in [min, max], with a readable error. */
export function integer(min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export interface StopSignals {
  /** Resolves with the first SIGINT or SIGTERM received since `stopSignals()`. */
  readonly signal: Promise<NodeJS.Signals>;
  received(): boolean;
}

/**
 * Listens for SIGINT and SIGTERM from now on. Called before a long start, a stop asked during
 * it is kept for when the start is done, instead of Node's default of killing the process with
 * its modems mid-command. A second signal ends the process at once (128 + the signal's number,
 * as a shell reports it), for a stop that hangs.
 */
export function stopSignals(): StopSignals {
  let first: NodeJS.Signals | undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (received: NodeJS.Signals): void => {
      if (first !== undefined) process.exit(128 + (osConstants.signals[received] ?? 0));
      first = received;
      resolve(received);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { signal, received: () => first !== undefined };
}

/** Resolves once SIGINT or SIGTERM arrives; returns the signal's name. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return stopSignals().signal;
}
