/**
 * What an action answers, before it meets Fastify, and how domain errors become the legacy
 * tokens. Everything is HTTP 200: clients throw on any other status and lose the token.
 */
import { isSimpoolError, type SimpoolError } from '../../../shared/index.js';
import { bannedTime, parseUsdUnits, usd } from './format.js';

export type LegacyMode = 'sms-activate' | 'daisysms';

export type LegacyReply =
  | {
      readonly kind: 'text';
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'json';
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    };

export const text = (body: string, headers?: Record<string, string>): LegacyReply =>
  headers ? { kind: 'text', body, headers } : { kind: 'text', body };

export const json = (body: unknown, headers?: Record<string, string>): LegacyReply =>
  headers ? { kind: 'json', body, headers } : { kind: 'json', body };

/** Thrown by parameter checks and actions to answer a token at once. */
export class LegacyToken extends Error {
  constructor(readonly token: string) {
    super(token);
    this.name = 'LegacyToken';
  }
}

/** The few tokens DaisySMS spells differently (LEGACY-API.md rows 7, 10, 11, 28). */
export function spell(mode: LegacyMode, token: string): string {
  if (mode !== 'daisysms') return token;
  switch (token) {
    case 'NO_BALANCE':
      return 'NO_MONEY';
    case 'CHANNELS_LIMIT':
      return 'TOO_MANY_ACTIVE_RENTALS';
    default:
      return token;
  }
}

export function bannedToken(until: number): string {
  return `BANNED:${bannedTime(until)}`;
}

/**
 * The token of a domain refusal, or null when the error is not a refusal the protocol knows
 * (the caller logs it and answers ERROR_SQL).
 */
export function tokenOf(error: unknown, mode: LegacyMode): string | null {
  if (error instanceof LegacyToken) return error.token;
  if (!isSimpoolError(error)) return null;
  switch (error.code) {
    case 'unauthorized':
      return 'BAD_KEY';
    case 'unknown_service':
      return 'BAD_SERVICE';
    case 'unknown_country':
      return 'BAD_COUNTRY';
    case 'no_numbers':
      return 'NO_NUMBERS';
    case 'insufficient_balance':
      return spell(mode, 'NO_BALANCE');
    case 'channels_limit':
      return spell(mode, 'CHANNELS_LIMIT');
    case 'max_price_exceeded':
      return mode === 'daisysms' ? 'MAX_PRICE_EXCEEDED' : `WRONG_MAX_PRICE:${priceOf(error)}`;
    case 'key_banned':
      return bannedOf(error);
    case 'order_not_found':
      return 'NO_ACTIVATION';
    case 'bad_status':
      return 'BAD_STATUS';
    case 'too_early':
      return 'EARLY_CANCEL_DENIED';
    case 'validation_failed':
      return validationToken(error);
    default:
      return null;
  }
}

function priceOf(error: SimpoolError): string {
  const price = error.details['price'];
  const units = typeof price === 'number' ? parseUsdUnits(String(price)) : null;
  return units === null ? '0.00' : usd(units);
}

function bannedOf(error: SimpoolError): string {
  const until = error.details['until'];
  const ms = typeof until === 'string' ? Date.parse(until) : NaN;
  return Number.isFinite(ms) ? bannedToken(ms) : 'BANNED';
}

/** The services check their inputs too; the parameter they name picks the token. */
function validationToken(error: SimpoolError): string | null {
  switch (error.details['field']) {
    case 'service':
      return 'BAD_SERVICE';
    case 'country':
      return 'BAD_COUNTRY';
    case 'maxPrice':
      return 'WRONG_MAX_PRICE:0.00';
    default:
      return null;
  }
}
