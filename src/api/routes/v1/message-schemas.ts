/** TypeBox schemas of the Messaging API (API.md "Messaging API") and the domain → JSON mapping. */
import { Type } from 'typebox';
import {
  MAX_PRIORITY,
  MESSAGE_STATUSES,
  type MessageDetail,
  type MessageView,
  type QueuedMessage,
} from '../../../domain/index.js';
import { messageSummary, messageSummaryFields } from '../../message-objects.js';
import { iso } from '../../present.js';
import { Iso, Nullable, PageQuery, errors, page } from '../../schemas.js';

const tags = ['messages'];

// The rules the service applies name their field in the error (to, body, from, valid_until):
// the schema only bounds sizes and types, so the service's clearer issue reaches the client.
export const SendBody = Type.Object(
  {
    to: Type.String({ maxLength: 32, description: 'E.164 with +', examples: ['+447700900123'] }),
    body: Type.String({ maxLength: 8000, description: 'At most 1600 characters' }),
    from: Type.Optional(
      Type.String({ maxLength: 32, description: 'E.164 number or ICCID of one of our SIMs' }),
    ),
    delivery_report: Type.Optional(Type.Boolean({ default: true })),
    valid_until: Type.Optional(
      Type.String({ maxLength: 64, description: 'RFC 3339; not sent by then: expired' }),
    ),
    priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_PRIORITY,
        description: 'Higher first; 100 and above skip the pause between sends',
      }),
    ),
  },
  { additionalProperties: false },
);

const Queued = Type.Object({
  success: Type.Literal(true),
  id: Type.String(),
  status: Type.Literal('queued'),
  parts: Type.Integer(),
  created_at: Iso,
});

const History = Type.Array(Type.Object({ status: Type.String(), at: Iso }));

const messageFields = {
  ...messageSummaryFields,
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  error: Nullable(
    Type.Object({
      code: Type.String(),
      cms_error: Nullable(Type.Integer()),
      detail: Nullable(Type.String()),
    }),
  ),
  created_at: Iso,
  sent_at: Nullable(Iso),
  delivered_at: Nullable(Iso),
  received_at: Nullable(Iso),
  history: History,
};

const MessageItem = Type.Object(messageFields);

const PartDetail = Type.Object({
  sequence: Type.Integer(),
  status: Type.String(),
  attempts: Type.Integer(),
  message_reference: Nullable(Type.Integer()),
  delivery_status: Nullable(Type.String()),
  history: Type.Array(
    Type.Object({
      status: Type.String(),
      at: Iso,
      sim_id: Nullable(Type.String()),
      detail: Nullable(Type.String()),
    }),
  ),
});

const MessageObject = Type.Object({
  success: Type.Literal(true),
  ...messageFields,
  parts_detail: Type.Optional(Type.Array(PartDetail)),
});

export const sendSchema = {
  tags,
  summary: 'Queue an SMS (scope messages)',
  body: SendBody,
  response: { 202: Queued, ...errors },
};

export const getSchema = {
  tags,
  summary: 'One SMS in (in_<n>) or out (msg_…) with its history',
  params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
  response: { 200: MessageObject, ...errors },
};

export const listSchema = {
  tags,
  summary: 'SMS in and out visible to this key, newest first',
  querystring: Type.Object({
    direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out')])),
    status: Type.Optional(Type.Enum([...MESSAGE_STATUSES])),
    ...PageQuery,
  }),
  response: { 200: page(MessageItem), ...errors },
};

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function queuedObject(queued: QueuedMessage) {
  return {
    success: true as const,
    id: queued.id,
    status: queued.status,
    parts: queued.parts,
    created_at: iso(queued.createdAt),
  };
}

export function messageItem(message: MessageView) {
  return {
    ...messageSummary(message),
    error:
      message.error === null
        ? null
        : {
            code: message.error.code,
            cms_error: message.error.cmsError,
            detail: message.error.detail,
          },
    created_at: iso(message.createdAt),
    sent_at: isoOrNull(message.sentAt),
    delivered_at: isoOrNull(message.deliveredAt),
    received_at: isoOrNull(message.receivedAt),
    history: message.history.map((h) => ({ status: h.status, at: iso(h.at) })),
  };
}

export function messageObject(message: MessageDetail) {
  return {
    success: true as const,
    ...messageItem(message),
    ...(message.partsDetail === null
      ? {}
      : {
          parts_detail: message.partsDetail.map((part) => ({
            sequence: part.sequence,
            status: part.status,
            attempts: part.attempts,
            message_reference: part.messageReference,
            delivery_status: part.deliveryStatus,
            history: part.history.map((h) => ({
              status: h.status,
              at: iso(h.at),
              sim_id: h.simId,
              detail: h.detail,
            })),
          })),
        }),
  };
}
