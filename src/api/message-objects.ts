/**
 * The fields an SMS in or out has in every list (the Messaging API's and the admin page's), with
 * their TypeBox schema: each list adds its own (timestamps, error, history) around them.
 */
import { Type } from 'typebox';
import type { AdminMessage } from '../domain/index.js';
import { Nullable } from './schemas.js';

/** What both the domain's AdminMessage and MessageView carry. */
type MessageSummary = Pick<
  AdminMessage,
  'id' | 'direction' | 'from' | 'to' | 'body' | 'parts' | 'status' | 'simId'
>;

export const messageSummaryFields = {
  id: Type.String(),
  direction: Type.String(),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  body: Type.String(),
  parts: Type.Integer(),
  status: Type.String(),
  sim_id: Nullable(Type.String()),
};

export function messageSummary(m: MessageSummary) {
  return {
    id: m.id,
    direction: m.direction,
    from: m.from,
    to: m.to,
    body: m.body,
    parts: m.parts,
    status: m.status,
    sim_id: m.simId,
  };
}
