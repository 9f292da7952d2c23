/**
 * The sms-activate / DaisySMS compatible endpoint `/stubs/handler_api.php` (LEGACY-API.md): a
 * thin adapter over the domain services. Every answer is HTTP 200 (text/plain tokens, or JSON for
 * the JSON actions); an unexpected failure is logged and answers ERROR_SQL, never a stack.
 *
 * Where LEGACY-API.md leaves a choice:
 * - Times are UTC `YYYY-MM-DD HH:MM:SS` (sms-activate uses Moscow time; our REST API is UTC).
 * - A finished activation answers STATUS_OK:<last code>; cancelled/expired ones STATUS_CANCEL.
 * - `X-Text` carries printable ASCII as is; any other text is percent-encoded UTF-8 and flagged
 *   with `X-Text-Encoding: percent`.
 * - Errors of the JSON actions are the same plain-text tokens (as sms-activate does).
 * - Auth comes first: without a valid key every action, even an unknown one, is NO_KEY/BAD_KEY;
 *   a banned key answers BANNED:<until> to every action.
 * - Repeating setStatus 6 or 8 answers as the first call did (clients retry after timeouts).
 * - activationOperator is the SIM's operator as the modem reported it, else `any`.
 * - getActiveActivations lists the open orders of the key's mode (live or sandbox), newest
 *   first; smsCode is null before any SMS. Every action that takes an id sees only the key's
 *   mode too: another mode's activation is NO_ACTIVATION (actions-status.ts).
 * - ERROR_LIMIT (with Retry-After) when the key is over its per-minute budget, which REST and
 *   the WebSocket upgrades share, and when the client's address is refused after too many
 *   failed authentications. sms-activate documents no token for either; ERROR_LIMIT follows
 *   its ERROR_SQL spelling and is still HTTP 200, which clients parse.
 * - ERROR_BODY_TOO_LARGE for a body over 16 KiB (never ERROR_SQL: nothing failed inside).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerDeps } from '../../deps.js';
import { getBalance } from './actions-account.js';
import {
  getActiveActivations,
  getCountries,
  getNumbersStatus,
  getPrices,
  getServicesList,
} from './actions-lists.js';
import { getNumber, getNumberV2 } from './actions-number.js';
import {
  getFullSms,
  getIncomingCallStatus,
  getStatus,
  getStatusV2,
  setStatus,
} from './actions-status.js';
import type { LegacyAction } from './context.js';
import { apiKeyOf, readParams } from './params.js';
import { bannedToken, text, tokenOf, type LegacyReply } from './reply.js';
import { documentationOnly, legacySchema } from './schema.js';

export const LEGACY_PATH = '/stubs/handler_api.php';
/** Legacy requests are a handful of short parameters. */
const BODY_LIMIT = 16 * 1024;

const ACTIONS: Readonly<Record<string, LegacyAction>> = {
  getBalance,
  getBalanceAndCashBack: getBalance,
  getNumber,
  getNumberV2,
  getStatus,
  getStatusV2,
  getIncomingCallStatus,
  getFullSms,
  setStatus,
  getActiveActivations,
  getPrices,
  getCountries,
  getServicesList,
  getNumbersStatus,
};

/** Every action's name (the security tests sweep each one across the live/sandbox line). */
export const LEGACY_ACTIONS: readonly string[] = Object.keys(ACTIONS);

function send(reply: FastifyReply, answer: LegacyReply): FastifyReply {
  reply.code(200);
  if (answer.headers) reply.headers(answer.headers);
  if (answer.kind === 'json') {
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
  }
  return reply.type('text/plain; charset=utf-8').send(answer.body);
}

/**
 * Registered by `buildServer` (`app.register(legacyRoutes, { deps })`). Everything below lives
 * in this plugin's encapsulated scope: the catch-all body parser and the error handler never
 * touch the JSON API.
 */
export function legacyRoutes(app: FastifyInstance, opts: { deps: ServerDeps }): Promise<void> {
  const { deps } = opts;
  const mode = deps.config.legacyMode;

  // Real clients POST with an empty body and any content type (or none); the parameters may be
  // in the query string or a form body. Keep the raw string and read it in readParams.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  // A body without any content type is refused by Fastify before a parser runs: call it a form.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.headers['content-type']) {
      request.headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    done();
  });

  // Anything that escapes a handler (an oversized body, a parser failure) still answers a token.
  app.setErrorHandler((error, request, reply) => {
    if ((error as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      request.log.info({ limit: BODY_LIMIT }, 'legacy API request body too large');
      return send(reply, text('ERROR_BODY_TOO_LARGE'));
    }
    request.log.warn({ err: error }, 'legacy API request failed');
    return send(reply, text('ERROR_SQL'));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) =>
    send(reply, await answer(deps, mode, request));

  const actions = Object.keys(ACTIONS);
  const described = { validatorCompiler: documentationOnly };
  app.get(LEGACY_PATH, { ...described, schema: legacySchema('GET', actions) }, handler);
  app.post(
    LEGACY_PATH,
    { ...described, schema: legacySchema('POST', actions), bodyLimit: BODY_LIMIT },
    handler,
  );
  return Promise.resolve();
}

/** Over the key's budget, or refused after too many failed authentications. */
const limited = (retryAfterSeconds: number): LegacyReply =>
  text('ERROR_LIMIT', { 'Retry-After': String(retryAfterSeconds) });

async function answer(
  deps: ServerDeps,
  mode: ServerDeps['config']['legacyMode'],
  request: FastifyRequest,
): Promise<LegacyReply> {
  try {
    const params = readParams(request);
    const key = apiKeyOf(request, params);
    if (key === null) return text('NO_KEY');
    const check = await deps.guards.checkKey(deps.customers, key, request.ip, 'legacy');
    if (check.kind === 'throttled') return limited(check.retryAfterSeconds);
    if (check.kind === 'unknown') return text('BAD_KEY');
    const auth = check.auth;
    if (auth.bannedUntil !== null) return text(bannedToken(auth.bannedUntil));
    // This API sells numbers: a key without the `orders` scope (e.g. `messages` only) is refused
    // as REST and /ws/orders refuse it. The protocol has no "forbidden" token; BAD_KEY is the one
    // clients already handle as "this key cannot be used here".
    if (!auth.key.scopes.includes('orders')) return text('BAD_KEY');
    // The same budget as the key's REST requests and WebSocket upgrades.
    const budget = deps.guards.keyLimit.take(auth.key.id);
    if (!budget.allowed) return limited(budget.resetSeconds);
    const name = params.get('action')?.trim() ?? '';
    // hasOwn: `action=toString` must not reach Object.prototype.
    const action = Object.hasOwn(ACTIONS, name) ? ACTIONS[name] : undefined;
    if (!action) return text('BAD_ACTION');
    return await action({ deps, auth, params, mode });
  } catch (error) {
    const token = tokenOf(error, mode);
    if (token !== null) return text(token);
    deps.logger.error({ err: error }, 'legacy API action failed');
    return text('ERROR_SQL');
  }
}
