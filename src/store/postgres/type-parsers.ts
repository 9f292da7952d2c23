import type pg from 'pg';
import { pgDriver } from './pg-driver.js';

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
} as const;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`BIGINT value ${text} does not fit a JavaScript number`);
  }
  return value;
}

/** node-postgres' own parsers (its typings know only scalar type ids). */
type BuiltinParsers = (oid: number, format?: 'text' | 'binary') => (text: string) => unknown;
const builtinParser: BuiltinParsers = (oid, format) =>
  (pgDriver().types.getTypeParser as BuiltinParsers)(oid, format);

type Nested<T> = T | null | Nested<T>[];

function mapNested(value: Nested<string>, parse: (text: string) => number): Nested<number> {
  if (value === null) return null;
  return Array.isArray(value) ? value.map((entry) => mapNested(entry, parse)) : parse(value);
}

/** node-postgres' own array parser (quoting, NULL, nesting), its string entries made numbers. */
const parseInt8Array = (text: string): Nested<number> =>
  mapNested(builtinParser(OID.int8Array, 'text')(text) as Nested<string>, parseInt8);

const textParsers = new Map<number, (text: string) => unknown>([
  [OID.int8, parseInt8],
  [OID.numeric, (text) => Number(text)],
  [OID.int8Array, parseInt8Array],
  // NUMERIC[] is already read as numbers by node-postgres.
]);

/** The `types` option of simpool's pools and dedicated clients. */
export const simpoolTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const custom = (format ?? 'text') === 'text' ? textParsers.get(oid) : undefined;
    return custom ?? builtinParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};
