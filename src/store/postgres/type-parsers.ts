import pg from 'pg';

/**
 * How this pool's connections turn PostgreSQL values into JavaScript ones. node-postgres returns
 * BIGINT (int8: millisecond times, ids, money, COUNT(*)) and NUMERIC (SUM of a BIGINT, AVG) as
 * strings by default, because they may exceed 2^53; simpool's values never do, and its row
 * mapping code (shared with SQLite) expects numbers. Set per pool (the Pool's `types` option),
 * never on `pg.types`, so other users of `pg` in the process are unaffected.
 *
 * An int8 beyond Number.MAX_SAFE_INTEGER throws rather than silently losing precision.
 */
const OID = {
  int8: 20,
  numeric: 1700,
  int8Array: 1016,
  numericArray: 1231,
} as const;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`BIGINT value ${text} does not fit a JavaScript number`);
  }
  return value;
}

const parseNumeric = (text: string): number => Number(text);

const textParsers = new Map<number, (text: string) => unknown>([
  [OID.int8, parseInt8],
  [OID.numeric, parseNumeric],
  [OID.int8Array, (text): unknown[] => pg.types.arrayParser(text, parseInt8) as unknown[]],
  [OID.numericArray, (text): unknown[] => pg.types.arrayParser(text, parseNumeric) as unknown[]],
]);

/** The `types` option of simpool's pools and dedicated clients. */
export const simpoolTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const custom = (format ?? 'text') === 'text' ? textParsers.get(oid) : undefined;
    return custom ?? (pg.types.getTypeParser(oid, format) as (text: string) => unknown);
  }) as pg.CustomTypesConfig['getTypeParser'],
};
