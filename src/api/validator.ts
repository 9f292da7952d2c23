/**
 * TypeBox's Fastify validator with strict numbers in the query string and path. Its
 * `Value.Convert` reads `limit=1.5` as 1, `true` as 1, `0x10` as 16 and ` 5` as 5: a client's typo
 * would silently become another request. A string that became a number must be plain decimal
 * notation with the same value, else the field fails validation (400 validation_failed).
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';

interface Checked {
  readonly value?: unknown;
  readonly error?: Error | FastifySchemaValidationError[];
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function looseNumbers(original: unknown, converted: unknown): FastifySchemaValidationError[] {
  if (!original || typeof original !== 'object' || !converted || typeof converted !== 'object') {
    return [];
  }
  const issues: FastifySchemaValidationError[] = [];
  for (const [name, value] of Object.entries(converted as Record<string, unknown>)) {
    const sent = (original as Record<string, unknown>)[name];
    if (typeof value !== 'number' || typeof sent !== 'string') continue;
    if (DECIMAL.test(sent) && Number(sent) === value) continue;
    issues.push({
      keyword: 'type',
      instancePath: `/${name}`,
      schemaPath: '#/type',
      params: {},
      message: 'must be a number in decimal notation',
    });
  }
  return issues;
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const compiled = TypeBoxValidatorCompiler(route);
  if (route.httpPart === 'body') return compiled;
  // The compiler returns a function; FastifySchemaCompiler's type also allows a result.
  const validate = compiled as (value: unknown) => Checked;
  return (value: unknown): Checked => {
    // Value.Convert may convert in place: keep what the client sent.
    const sent: unknown = value && typeof value === 'object' ? { ...value } : value;
    const result = validate(value);
    if (result.error !== undefined) return result;
    const issues = looseNumbers(sent, result.value);
    return issues.length > 0 ? { error: issues } : result;
  };
};
