/**
 * What a command handler returns: information lines and a final result, or a request to
 * open the `> ` prompt. Formatting (ATV, ATQ, AT+CMEE) happens in the interpreter.
 */
export type Final =
  | { readonly type: 'ok' }
  | { readonly type: 'error' }
  | { readonly type: 'cme'; readonly code: number }
  | { readonly type: 'cms'; readonly code: number }
  /** `ATA` with nothing ringing. */
  | { readonly type: 'no_carrier' };

export interface Outcome {
  readonly lines: readonly string[];
  readonly final: Final;
  /** Extra time before the response (a network round trip, a scan). */
  readonly delayMs?: number;
  /** Runs once the final result has been queued (e.g. go silent for a reset). */
  readonly after?: () => void;
  /** Opens the `> ` prompt; the payload typed up to Ctrl-Z is handed to this. */
  readonly prompt?: (payload: string) => Outcome;
}

export const OK: Final = { type: 'ok' };
export const ERROR: Final = { type: 'error' };

export function ok(...lines: string[]): Outcome {
  return { lines, final: OK };
}

export function error(): Outcome {
  return { lines: [], final: ERROR };
}

export function cme(code: number): Outcome {
  return { lines: [], final: { type: 'cme', code } };
}

export function cms(code: number): Outcome {
  return { lines: [], final: { type: 'cms', code } };
}

const CME_TEXT: Readonly<Record<number, string>> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  13: 'SIM failure',
  14: 'SIM busy',
  16: 'incorrect password',
  30: 'no network service',
  50: 'Incorrect parameters',
  100: 'unknown',
};

const CMS_TEXT: Readonly<Record<number, string>> = {
  302: 'operation not allowed',
  303: 'operation not supported',
  304: 'invalid PDU mode parameter',
  305: 'invalid text mode parameter',
  310: 'SIM not inserted',
  311: 'SIM PIN required',
  321: 'invalid memory index',
  322: 'SIM memory full',
  330: 'SMSC address unknown',
  331: 'no network service',
  500: 'unknown error',
};

/** The final result line for `AT+CMEE=<mode>` and `ATV<verbose>`. */
export function formatFinal(final: Final, cmee: number, verbose: boolean): string {
  switch (final.type) {
    case 'ok':
      return verbose ? 'OK' : '0';
    case 'error':
      return verbose ? 'ERROR' : '4';
    case 'no_carrier':
      return verbose ? 'NO CARRIER' : '3';
    case 'cme':
    case 'cms': {
      if (cmee === 0) return verbose ? 'ERROR' : '4';
      const prefix = final.type === 'cme' ? '+CME ERROR: ' : '+CMS ERROR: ';
      const text = (final.type === 'cme' ? CME_TEXT : CMS_TEXT)[final.code];
      return prefix + (cmee === 2 && text ? text : String(final.code));
    }
  }
}
