/**
 * The legacy endpoint's description for the OpenAPI document. Documentation only: the route
 * validates nothing through it (`documentationOnly`), because real clients send repeated,
 * unknown and oddly typed parameters and must still get a protocol token, never a 400.
 */
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { Type } from 'typebox';

/** Every value passes; the actions read and check their parameters themselves (params.ts). */
export const documentationOnly: FastifySchemaCompiler<unknown> = () => () => true;

function legacyParams(actions: readonly string[]) {
  const text = (description: string) => Type.Optional(Type.String({ description }));
  return Type.Object(
    {
      api_key: text('The API key (else the X-API-Key header).'),
      action: text(`One of: ${actions.join(', ')}.`),
      service: text('sms-activate service code (getNumber, getPrices …).'),
      country: text('sms-activate numeric country id.'),
      maxPrice: text('getNumber: refuse a price above this (USD).'),
      id: text('Activation id (digits).'),
      activationId: text('getIncomingCallStatus: the activation id (`id` works too).'),
      status: text('setStatus: 1 ready, 3 another code, 6 finish, 8 cancel.'),
      text: text('getStatus: 1 to add the SMS text in X-Text.'),
    },
    { additionalProperties: true },
  );
}

const ANSWER = {
  description:
    'Always HTTP 200: a plain-text token (ACCESS_NUMBER:…, STATUS_OK:…, NO_BALANCE …) or, for ' +
    'the JSON actions, a JSON document. ERROR_LIMIT (with Retry-After) when the key is over its ' +
    'per-minute budget (shared with REST and WebSocket upgrades) or the address is refused after ' +
    'too many failed authentications; ERROR_BODY_TOO_LARGE for a body over 16 KiB. An id of ' +
    "another customer or of the key's other mode (live/sandbox) is NO_ACTIVATION. See " +
    'docs/legacy-api.md.',
  content: {
    'text/plain': { schema: Type.String() },
    'application/json': { schema: Type.Object({}, { additionalProperties: true }) },
  },
};

export function legacySchema(method: 'GET' | 'POST', actions: readonly string[]): FastifySchema {
  const params = legacyParams(actions);
  return {
    summary:
      method === 'GET'
        ? 'sms-activate / DaisySMS compatible API'
        : 'sms-activate / DaisySMS compatible API (parameters also in a form body)',
    querystring: params,
    ...(method === 'POST'
      ? { body: { content: { 'application/x-www-form-urlencoded': { schema: params } } } }
      : {}),
    response: { 200: ANSWER },
  };
}
