/**
 * SimpoolError codes → HTTP statuses and the API.md error body. The one place that decides what a
 * client sees of a failure: unknown errors become `internal_error` with no message or stack.
 */
import { isSimpoolError, type ErrorCode } from '../shared/index.js';

export interface ErrorIssue {
  readonly field: string;
  readonly issue: string;
}

export interface ErrorBody {
  readonly success: false;
  readonly error: string;
  readonly message: string;
  readonly details?: readonly ErrorIssue[];
  readonly request_id: string;
  readonly [extra: string]: unknown;
}

export interface HttpError {
  readonly statusCode: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

/** Status and public code per domain code; unlisted codes are internal (500). */
const STATUS: Partial<Record<ErrorCode, readonly [number, string]>> = {
  validation_failed: [400, 'validation_failed'],
  invalid_argument: [400, 'validation_failed'],
  // API.md's own example: an unknown country is a validation failure of that field.
  unknown_service: [400, 'validation_failed'],
  unknown_country: [400, 'validation_failed'],
  unauthorized: [401, 'unauthorized'],
  insufficient_balance: [402, 'insufficient_balance'],
  forbidden: [403, 'forbidden'],
  key_banned: [403, 'forbidden'],
  not_found: [404, 'not_found'],
  order_not_found: [404, 'not_found'],
  customer_not_found: [404, 'not_found'],
  webhook_not_found: [404, 'not_found'],
  no_numbers: [409, 'no_numbers'],
  bad_status: [409, 'bad_status'],
  channels_limit: [409, 'channels_limit'],
  max_price_exceeded: [409, 'max_price_exceeded'],
  idempotency_conflict: [409, 'idempotency_conflict'],
  idempotency_mismatch: [422, 'idempotency_mismatch'],
  too_early: [425, 'too_early'],
  rate_limited: [429, 'rate_limited'],
  // Another host was to act on its modem and did not answer: a gateway timeout, not our fault.
  host_unavailable: [504, 'host_unavailable'],
};

/** Domain detail keys that clients may see, as the API spells them (top level of the body). */
const PUBLIC_DETAILS: Readonly<Record<string, string>> = {
  required: 'required',
  current: 'current',
  secondsRemaining: 'seconds_remaining',
  until: 'until',
  limit: 'limit',
  price: 'price',
  status: 'status',
};

/** Fastify's own 4xx errors (body parsing, routing) by their code. */
const FRAMEWORK: Readonly<Record<string, readonly [number, string, string]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'validation_failed', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'validation_failed', 'the JSON body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'the body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'validation_failed', 'bad Content-Length'],
  FST_ERR_BAD_URL: [400, 'validation_failed', 'the URL is not valid percent-encoded UTF-8'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'a path segment is too long'],
};

interface ValidationEntry {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** TypeBox/Ajv errors → `[{field, issue}]`; the field is the property path (`body.service`). */
function validationIssues(entries: readonly ValidationEntry[], context: string): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  for (const entry of entries) {
    // TypeBox reports `additionalProperties: false` twice; keep the readable one.
    if (entry.keyword === 'boolean') continue;
    const path = (entry.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const params = entry.params ?? {};
    const missing = params.requiredProperties;
    const extra = params.additionalProperties;
    if (entry.keyword === 'required' && Array.isArray(missing)) {
      for (const name of missing)
        issues.push({ field: join(path, String(name)), issue: 'required' });
    } else if (entry.keyword === 'additionalProperties' && Array.isArray(extra)) {
      for (const name of extra)
        issues.push({ field: join(path, String(name)), issue: 'unknown field' });
    } else {
      issues.push({ field: path || context, issue: entry.message ?? 'invalid' });
    }
  }
  return issues.length > 0 ? issues : [{ field: context, issue: 'invalid' }];
}

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function body(
  error: string,
  message: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): ErrorBody {
  return { success: false, error, message, ...extra, request_id: requestId };
}

/** The response for anything thrown while handling a request. */
export function toHttpError(thrown: unknown, requestId: string): HttpError {
  if (isSimpoolError(thrown)) {
    const mapped = STATUS[thrown.code];
    if (!mapped) return internal(requestId);
    const [statusCode, code] = mapped;
    const extra: Record<string, unknown> = {};
    const { field, issue } = thrown.details;
    if (typeof field === 'string' && typeof issue === 'string') extra.details = [{ field, issue }];
    for (const [key, value] of Object.entries(thrown.details)) {
      const name = PUBLIC_DETAILS[key];
      if (name !== undefined) extra[name] = value;
    }
    const headers: Record<string, string> = {};
    const retryAfter = thrown.details.secondsRemaining ?? thrown.details.retryAfter;
    if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, retryAfter));
    return { statusCode, body: body(code, thrown.message, requestId, extra), headers };
  }
  const framework = thrown as {
    code?: unknown;
    statusCode?: unknown;
    validation?: readonly ValidationEntry[];
    validationContext?: string;
  };
  if (Array.isArray(framework.validation)) {
    const context = framework.validationContext ?? 'request';
    return {
      statusCode: 400,
      body: body('validation_failed', `invalid ${context}`, requestId, {
        details: validationIssues(framework.validation, context),
      }),
      headers: {},
    };
  }
  const known = typeof framework.code === 'string' ? FRAMEWORK[framework.code] : undefined;
  if (known) {
    const [statusCode, code, message] = known;
    const extra =
      code === 'validation_failed' ? { details: [{ field: 'body', issue: message }] } : {};
    return { statusCode, body: body(code, message, requestId, extra), headers: {} };
  }
  const status = typeof framework.statusCode === 'number' ? framework.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { statusCode: status, body: body('bad_request', 'bad request', requestId), headers: {} };
  }
  return internal(requestId);
}

function internal(requestId: string): HttpError {
  return {
    statusCode: 500,
    body: body('internal_error', 'internal error; quote the request id to the operator', requestId),
    headers: {},
  };
}
