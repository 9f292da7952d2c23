/**
 * The outbox event of an outbound message's change (`message.sent`, `message.delivered`,
 * `message.failed`, `message.unknown`), built from its row as both engines read it. The history
 * rows and the SQL around them are per engine (src/store/{sqlite,postgres}/outbound-events.ts).
 */
import type { EventType } from '../../domain/index.js';
import type { NewEvent } from './events.js';
import { iso } from './iso-time.js';
import type { OutboundMessageTableRow } from './outbound-rows.js';

export type OutboundEventType = Extract<EventType, `message.${string}`>;

/** What the event of `row`'s new state carries: the Messaging API's view of the message. */
export function outboundEvent(
  type: OutboundEventType,
  row: OutboundMessageTableRow,
  /** The sending SIM's own number, when known. */
  from: string | null,
  /** Tries of its most-tried part. */
  attempts: number,
  at: number,
): NewEvent {
  const sender = row.sender_iccid;
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
      from: sender === null ? null : from,
      to: row.to_number,
      sim_id: sender,
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
