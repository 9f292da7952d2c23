/**
 * The Messaging API (API.md): send SMS through our SIMs, read the SMS in and out a key may see.
 * Routing, throttles, retries and delivery reports happen in the pool once a message is queued.
 */
import { SimpoolError, type Clock } from '../shared/index.js';
import type { Page } from './customers.js';
import type {
  MessageAudience,
  MessageDetail,
  MessageListQuery,
  MessageView,
  MessagingPort,
  MessagingPrincipal,
  QueuedMessage,
  SendMessageInput,
} from './messaging-types.js';
import { countryOfNumber } from './phone-country.js';
import { pageLimit, requireInteger, validationError } from './validation.js';

/** Ten GSM-7 parts of 153 characters and a bit: what a sane sender puts in one message. */
export const MAX_BODY_CHARACTERS = 1600;
export const MAX_PRIORITY = 1000;
const E164 = /^\+[1-9]\d{4,14}$/;
const MESSAGE_ID = /^(msg_[0-9a-f]{1,64}|in_[1-9]\d{0,15})$/;

export interface MessagingServiceOptions {
  /** Called after a message was queued (the daemon wakes the pool's senders). */
  readonly onQueued?: () => void;
}

/**
 * The operator account's keys with scope `messages` (or `admin`) see every SMS; every other key
 * the inbound SMS of its own orders only (`isOperator`: the key belongs to the operator account).
 */
export function audienceOf(principal: MessagingPrincipal, isOperator: boolean): MessageAudience {
  const wide = principal.scopes.includes('messages') || principal.scopes.includes('admin');
  if (wide && isOperator) return { kind: 'operator' };
  return { kind: 'customer', customerId: principal.customerId, sandbox: principal.sandbox };
}

/** `to`: E.164 with `+`. */
export function requireRecipient(to: unknown): string {
  const value = typeof to === 'string' ? to.trim() : '';
  if (!E164.test(value)) throw validationError('to', 'must be an E.164 number with +');
  return value;
}

/** `body`: not blank, at most MAX_BODY_CHARACTERS characters (code points, as people count). */
export function requireBody(body: unknown): string {
  if (typeof body !== 'string' || body.trim() === '') {
    throw validationError('body', 'must not be empty');
  }
  if ([...body].length > MAX_BODY_CHARACTERS) {
    throw validationError('body', `must be at most ${MAX_BODY_CHARACTERS} characters`);
  }
  return body;
}

/** `valid_until`: an RFC 3339 time after `now`, as epoch ms. */
export function requireValidUntil(value: string, now: number): number {
  const at = /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) throw validationError('valid_until', 'must be an RFC 3339 time');
  if (at <= now) throw validationError('valid_until', 'must be in the future');
  return at;
}

export class MessagingService {
  private readonly onQueued: () => void;

  constructor(
    private readonly port: MessagingPort,
    private readonly clock: Clock,
    options: MessagingServiceOptions = {},
  ) {
    this.onQueued = options.onQueued ?? (() => undefined);
  }

  async send(input: SendMessageInput, principal: MessagingPrincipal): Promise<QueuedMessage> {
    if (!principal.scopes.includes('messages')) {
      throw new SimpoolError('forbidden', 'this key lacks the messages scope');
    }
    if (principal.sandbox) {
      // Sandbox keys play with simulated numbers; an SMS to a real person is not play.
      throw new SimpoolError('forbidden', 'sandbox (sp_test_) keys cannot send SMS');
    }
    const now = this.clock.now();
    const to = requireRecipient(input.to);
    const body = requireBody(input.body);
    const priority =
      input.priority === undefined
        ? 0
        : requireInteger('priority', input.priority, 0, MAX_PRIORITY);
    const validUntil =
      input.validUntil === undefined ? null : requireValidUntil(input.validUntil, now);
    const iccid = input.from === undefined ? null : await this.senderIccid(input.from);
    const queued = await this.port.queue({
      to,
      toCountry: countryOfNumber(to),
      body,
      iccid,
      deliveryReport: input.deliveryReport ?? true,
      validUntil,
      priority,
      customerId: principal.customerId,
      apiKeyId: principal.apiKeyId,
      now,
      ...(input.claimedKey !== undefined ? { claimedKey: input.claimedKey } : {}),
    });
    this.onQueued();
    return queued;
  }

  /** Another account's message, or one a customer key may not see, is not found (no 403). */
  async get(id: string, principal: MessagingPrincipal): Promise<MessageDetail> {
    const found = MESSAGE_ID.test(id)
      ? await this.port.getMessage(id, await this.audience(principal))
      : undefined;
    if (!found) throw new SimpoolError('not_found', `no message ${id}`);
    return found;
  }

  async list(
    query: Omit<MessageListQuery, 'limit'> & { readonly limit?: number },
    principal: MessagingPrincipal,
  ): Promise<Page<MessageView>> {
    const limit = pageLimit(query.limit);
    return this.port.listMessages({ ...query, limit }, await this.audience(principal));
  }

  private async audience(principal: MessagingPrincipal): Promise<MessageAudience> {
    return audienceOf(principal, await this.port.isOperatorAccount(principal.customerId));
  }

  private async senderIccid(from: string): Promise<string> {
    const ref = typeof from === 'string' ? from.trim() : '';
    if (ref === '') throw validationError('from', 'must be one of our SIMs (number or ICCID)');
    const sim = await this.port.findSim(ref);
    if (!sim) throw validationError('from', 'not one of our SIMs');
    if (!sim.enabled) throw validationError('from', 'that SIM is disabled');
    return sim.iccid;
  }
}
