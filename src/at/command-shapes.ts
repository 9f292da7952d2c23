/**
 * What lines a command may own besides its final result and its `+NAME:` answers: its body.
 * Lines belong to a command only when it claims them; everything else is a URC, noise, or —
 * when it can only be another command's answer — evidence that answers and commands no longer
 * line up (a desync).
 *
 * - `none`: no body at all (`AT+CMGD`, `AT+CPMS=…`, `ATE0` …).
 * - `pdu`: hex PDU lines after its answer (`AT+CMGR`, `AT+CMGL`).
 * - `any`: unknown or free-form (`AT+CGSN`, `ATI`, vendor commands): every line is its body.
 */
export type BodyOwnership = 'none' | 'pdu' | 'any';

const SHAPES: ReadonlyArray<readonly [RegExp, BodyOwnership]> = [
  [/^AT\+CMG[RL]\b/i, 'pdu'],
  [/^AT\+(CMGD|CMGS|CMSS|CMGW|CPMS|CNMI|CMGF|CMEE|CSQ|CREG|CEREG|CGREG|CLIP|CSCS|CSMS)\b/i, 'none'],
  [/^AT(E\d?|H\d?|\+CHUP)?$/i, 'none'],
];

/** The body a command owns (chained commands own whatever their least strict part owns). */
export function bodyOwnership(command: string): BodyOwnership {
  if (command.includes(';')) return 'any';
  return SHAPES.find(([pattern]) => pattern.test(command))?.[1] ?? 'any';
}

/**
 * Answer prefixes of the commands simpool sends, none of them a URC. Seen while another
 * command is in flight, such a line can only be a late answer to an earlier command.
 */
export const KNOWN_ANSWER_PREFIXES: readonly string[] = [
  '+CMGR:',
  '+CMGL:',
  '+CMGS:',
  '+CMSS:',
  '+CMGW:',
  '+CPMS:',
  '+CSQ:',
  '+CNMI:',
  '+CMGF:',
  '+CSCA:',
  '+CNUM:',
  '+COPS:',
];
