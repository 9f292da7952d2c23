/**
 * Why a rule said no. Stores return refusals as values (nothing written, transaction rolled back
 * or never begun); services turn them into SimpoolErrors with stable codes and details.
 */
import { SimpoolError } from '../shared/index.js';
import { unitsToUsd } from './money.js';
import type { OrderStatus } from './order-types.js';

export type Refusal =
  | { readonly code: 'unknown_service'; readonly service: string }
  | { readonly code: 'unknown_country'; readonly country: string }
  | { readonly code: 'unauthorized' }
  | { readonly code: 'key_banned'; readonly until: number }
  | { readonly code: 'channels_limit'; readonly limit: number }
  | { readonly code: 'max_price_exceeded'; readonly priceUnits: number }
  | {
      readonly code: 'insufficient_balance';
      readonly requiredUnits: number;
      readonly currentUnits: number;
    }
  | { readonly code: 'no_numbers' }
  | { readonly code: 'order_not_found' }
  | { readonly code: 'bad_status'; readonly status: OrderStatus }
  | { readonly code: 'too_early'; readonly secondsRemaining: number };

export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

export function refusalError(refusal: Refusal): SimpoolError {
  switch (refusal.code) {
    case 'unknown_service':
      return new SimpoolError('unknown_service', `unknown service ${refusal.service}`, {
        details: { field: 'service', issue: 'unknown service' },
      });
    case 'unknown_country':
      return new SimpoolError('unknown_country', `unknown country ${refusal.country}`, {
        details: { field: 'country', issue: 'unknown country' },
      });
    case 'unauthorized':
      return new SimpoolError('unauthorized', 'unknown or revoked API key');
    case 'key_banned':
      return new SimpoolError('key_banned', 'this key is banned', {
        details: { until: new Date(refusal.until).toISOString() },
      });
    case 'channels_limit':
      return new SimpoolError('channels_limit', 'too many open orders for this key', {
        details: { limit: refusal.limit },
      });
    case 'max_price_exceeded':
      return new SimpoolError('max_price_exceeded', 'the price is above maxPrice', {
        details: { price: unitsToUsd(refusal.priceUnits) },
      });
    case 'insufficient_balance':
      return new SimpoolError('insufficient_balance', 'balance too low', {
        details: {
          required: unitsToUsd(refusal.requiredUnits),
          current: unitsToUsd(refusal.currentUnits),
        },
      });
    case 'no_numbers':
      return new SimpoolError('no_numbers', 'no number available for this service and country');
    case 'order_not_found':
      return new SimpoolError('order_not_found', 'no such order');
    case 'bad_status':
      return new SimpoolError('bad_status', `not allowed while the order is ${refusal.status}`, {
        details: { status: refusal.status },
      });
    case 'too_early':
      return new SimpoolError('too_early', 'not allowed during the hold', {
        details: { secondsRemaining: refusal.secondsRemaining },
      });
  }
}

/** The value of an outcome, or its refusal thrown as a SimpoolError. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw refusalError(outcome.refusal);
}

export function refuse(refusal: Refusal): { readonly ok: false; readonly refusal: Refusal } {
  return { ok: false, refusal };
}

export function accept<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}
