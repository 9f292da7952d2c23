/**
 * Incoming calls in the legacy protocol (docs/calls.md): `getStatusV2`'s `call` object and
 * `getIncomingCallStatus`. Pure: the actions in actions-status.ts load the activation.
 */
import type { OrderCall, OrderDetail } from '../../../domain/index.js';
import { legacyTime } from './format.js';
import { LegacyToken, type LegacyReply, json } from './reply.js';
import type { LegacyParams } from './params.js';

/** getIncomingCallStatus `status`: as sms-activate's clients number them. */
export const INCOMING_CALL_STATUS = { waiting: 2, received: 3, closed: 4 } as const;

/** The newest call with a caller id: the one a missed-call verification is read from. */
function lastIdentifiedCall(order: OrderDetail): OrderCall | undefined {
  return order.calls.filter((call) => call.caller !== null).at(-1);
}

/** sms-activate spells phone numbers as digits only. */
const digits = (caller: string): string => caller.replace(/\D/g, '');

/** `getStatusV2`'s `call`: null until a call with a caller id reached the number. */
export function legacyCall(order: OrderDetail): Record<string, unknown> | null {
  const call = lastIdentifiedCall(order);
  if (!call?.caller) return null;
  return {
    from: digits(call.caller),
    text: '',
    code: call.code ?? '',
    dateTime: legacyTime(call.startedAt),
    url: '',
    parsingCount: 1,
  };
}

/** `{"status":2,"phone":false}` waiting, `{"status":3,"phone":"<caller>"}`, 4 closed unanswered. */
export function incomingCallStatus(order: OrderDetail): LegacyReply {
  const call = lastIdentifiedCall(order);
  if (call?.caller) {
    return json({ status: INCOMING_CALL_STATUS.received, phone: digits(call.caller) });
  }
  const closed = order.closedAt !== null;
  return json({
    status: closed ? INCOMING_CALL_STATUS.closed : INCOMING_CALL_STATUS.waiting,
    phone: false,
  });
}

/** sms-activate names the parameter `activationId`; clients also send `id`. */
export function callActivationParams(params: LegacyParams): LegacyParams {
  const id = params.get('activationId') ?? params.get('id');
  if (id === undefined) throw new LegacyToken('WRONG_ACTIVATION_ID');
  return new Map([['id', id]]);
}
