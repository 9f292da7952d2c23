/**
 * Turns what is wrong with a configuration into one line per problem, each starting with the
 * field's path ("modems/0: must be a string, got 3"), so an operator finds it in the file.
 */
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { trustProxyEntryProblem } from '../api/index.js';
import { ConfigSchema, HOST_ID_PATTERN, PATTERN_MEANINGS } from './config-schema.js';
import type { Config, ThrottleConfig } from './config-types.js';

type Json = Record<string, unknown>;

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly message: string;
  readonly params: Json;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list ([…])',
  object: 'an object ({…})',
};

function segments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fieldName(parts: readonly string[]): string {
  return parts.length === 0 ? '(top level)' : parts.join('/');
}

/** The value at a JSON pointer of the checked document. */
function valueAt(root: unknown, parts: readonly string[]): unknown {
  let value = root;
  for (const part of parts) value = (value as Json | undefined)?.[part];
  return value;
}

/** The schema that applies at a path: properties, record patterns, array items. */
function schemaAt(parts: readonly string[]): Json | undefined {
  let schema: Json | undefined = ConfigSchema as unknown as Json;
  for (const part of parts) {
    if (!schema) return undefined;
    const properties = schema.properties as Record<string, Json> | undefined;
    const patterns = schema.patternProperties as Record<string, Json> | undefined;
    if (properties?.[part]) schema = properties[part];
    else if (patterns)
      schema = Object.entries(patterns).find(([p]) => new RegExp(p).test(part))?.[1];
    else schema = schema.items as Json | undefined;
  }
  return schema;
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

/** Edit distance, to suggest the field a typo meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

function unknownField(parent: readonly string[], key: string): string {
  const where = fieldName([...parent, key]);
  const schema = schemaAt(parent);
  const patterns = schema?.patternProperties as Record<string, unknown> | undefined;
  if (patterns) {
    const wanted = Object.keys(patterns).map((p) => PATTERN_MEANINGS[p] ?? `a key matching ${p}`);
    return `${where}: "${key}" is not ${wanted.join(' or ')}`;
  }
  const known = Object.keys((schema?.properties as Json | undefined) ?? {});
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || distance(k, key) <= 2);
  const hint = close ? `did you mean "${close}"?` : `known here: ${known.join(', ')}`;
  return `${where}: unknown field "${key}" (${hint})`;
}

function describeError(error: SchemaError, root: unknown): string[] {
  const parts = segments(error.instancePath);
  const where = fieldName(parts);
  const value = valueAt(root, parts);
  const p = error.params;
  switch (error.keyword) {
    case 'boolean': // the `false` schema of an unknown field: reported by additionalProperties
      return [];
    case 'additionalProperties':
      return (p.additionalProperties as string[]).map((key) => unknownField(parts, key));
    case 'type':
      return [
        `${where}: must be ${TYPE_NAMES[String(p.type)] ?? String(p.type)}, got ${shown(value)}`,
      ];
    case 'minimum':
    case 'exclusiveMinimum':
      return [`${where}: must be at least ${String(p.limit)}, got ${shown(value)}`];
    case 'maximum':
    case 'exclusiveMaximum':
      return [`${where}: must be at most ${String(p.limit)}, got ${shown(value)}`];
    case 'minLength':
      return [`${where}: must not be empty`];
    case 'enum':
      return [
        `${where}: must be one of ${(p.allowedValues as unknown[]).join(', ')}, got ${shown(value)}`,
      ];
    case 'anyOf': {
      // One line for a value of none of the allowed forms (the branches' errors are dropped).
      const schema = schemaAt(parts);
      const forms = (schema?.anyOf as Json[] | undefined) ?? [];
      const literals = forms.every((f) => 'const' in f) ? forms.map((f) => String(f.const)) : [];
      const described = typeof schema?.description === 'string' ? schema.description : undefined;
      const wanted =
        literals.length > 0
          ? `one of ${literals.join(', ')}`
          : (described ?? 'one of the allowed forms');
      return [`${where}: must be ${wanted}, got ${shown(value)}`];
    }
    case 'pattern': {
      // The value is not repeated: it may be a PIN.
      const pattern = String(p.pattern);
      return [`${where}: must be ${PATTERN_MEANINGS[pattern] ?? `text matching ${pattern}`}`];
    }
    default:
      return [`${where}: ${error.message}`];
  }
}

/** Problems with the shape of the merged configuration, in document order. */
export function schemaProblems(value: unknown): string[] {
  // TypeBox buffers 8 errors by default (a guard for untrusted input); a config file is the
  // operator's own, and every mistake at once saves round trips. Restored for the HTTP API.
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: 200 });
  let errors: SchemaError[];
  try {
    errors = Value.Errors(ConfigSchema, value);
  } finally {
    Settings.Set({ maxErrors });
  }
  const own = errors.filter((e) => !/\/anyOf\/\d+/.test(e.schemaPath));
  return [...new Set(own.flatMap((e) => describeError(e, value)))];
}

/**
 * A configured host id passed the schema; the default, the machine's hostname, is checked here
 * (a long FQDN or an odd character would otherwise surface much later, in the database).
 */
function hostIdProblems(hostId: string): string[] {
  if (new RegExp(HOST_ID_PATTERN).test(hostId)) return [];
  return [
    `hostId: this machine's hostname ${JSON.stringify(hostId)} is not ` +
      `${PATTERN_MEANINGS[HOST_ID_PATTERN]}: set hostId, --host-id or SIMPOOL_HOST_ID`,
  ];
}

/**
 * Rules across fields, on the resolved configuration: the host id (the hostname by default) is
 * one; each throttle's pause range is ordered; every trusted proxy is an address, a range or a
 * known name.
 */
export function crossFieldProblems(config: Config): string[] {
  const proxies =
    config.trustProxy === true || config.trustProxy === false ? [] : config.trustProxy;
  const proxyProblems = proxies.flatMap((entry, i) => {
    const problem = trustProxyEntryProblem(entry);
    return problem === undefined ? [] : [`trustProxy/${i}: ${problem}`];
  });
  const { throttle, sims } = config.messaging;
  const checked: Array<[string, ThrottleConfig]> = [
    ['messaging/throttle', throttle],
    ...Object.entries(sims).map(([iccid, t]): [string, ThrottleConfig] => [
      `messaging/sims/${iccid}`,
      t,
    ]),
  ];
  const throttleProblems = checked
    .filter(([, t]) => t.pauseMaxMs < t.pauseMinMs)
    .map(
      ([where, t]) =>
        `${where}/pauseMaxMs: must be at least pauseMinMs (${t.pauseMinMs}), got ${t.pauseMaxMs}`,
    );
  return [...hostIdProblems(config.hostId), ...proxyProblems, ...throttleProblems];
}

/** Line and column (1-based) of a JSON.parse failure, when V8's message lets us find it. */
export function jsonErrorLocation(
  message: string,
  text: string,
): { line: number; column: number } | undefined {
  let offset: number | undefined;
  const at = /at position (\d+)/.exec(message);
  const token = /^Unexpected token '(.+?)', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(
    message,
  );
  if (at) offset = Number(at[1]);
  else if (token) {
    // V8 quotes the text around the bad token: ten characters before it when it cut ("…").
    const snippet = token[3] ?? '';
    const start = text.indexOf(snippet);
    if (start >= 0) offset = start + (token[2] ? 10 : snippet.indexOf(token[1] ?? ''));
  } else if (message.includes('Unexpected end of JSON input')) offset = text.length;
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
