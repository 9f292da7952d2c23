/**
 * What an outbound message's outbox event (`message.sent`, `message.delivered`,
 * `message.failed`, `message.unknown`) carries, built from its row on either engine. The
 * history rows and the outbox append are per engine (outbound-events.ts of each).
 */
import type { EventType } from '../../domain/index.js';
import { iso } from './iso-time.js';

export type OutboundEventType = Extract<EventType, `message.${string}`>;

/** The columns of `outbound_messages` an event shows. */
export interface OutboundEventSource {
  readonly id: string;
  readonly sender_iccid: string | null;
  readonly to_number: string;
  readonly status: string;
  readonly part_count: number;
  readonly customer_id: string | null;
  readonly error_code: string | null;
  readonly error_detail: string | null;
  readonly cms_error: number | null;
  readonly created_at: number;
  readonly sent_at: number | null;
  readonly delivered_at: number | null;
}

/**
 * The event of the message's new state: `from` is its sending SIM's number (null when unknown),
 * `attempts` the tries of its most-tried part.
 */
export function outboundEvent(
  type: OutboundEventType,
  row: OutboundEventSource,
  from: string | null,
  attempts: number,
  at: number,
) {
  const failed = ['failed', 'expired', 'unknown'].includes(row.status);
  return {
    type,
    customerId: row.customer_id,
    orderId: null,
    now: at,
    data: {
      id: row.id,
      direction: 'out',
      status: row.status,
      from,
      to: row.to_number,
      sim_id: row.sender_iccid,
      parts: row.part_count,
      attempts,
      ...(failed
        ? {
            error: {
              code: row.error_code,
              cms_error: row.cms_error,
              detail: row.error_detail,
            },
          }
        : {}),
      created_at: iso(row.created_at),
      sent_at: row.sent_at === null ? null : iso(row.sent_at),
      delivered_at: row.delivered_at === null ? null : iso(row.delivered_at),
    },
  };
}
