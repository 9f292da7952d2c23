/** TypeBox schemas of the admin API (docs/admin-api.md) and the presenters that fill them. */
import type {} from '@fastify/swagger';
import { Type, type TObject, type TProperties } from 'typebox';
import {
  unitsToUsd,
  type AdminMessage,
  type AdminModem,
  type AdminSim,
  type ApiKeyInfo,
  type CustomerSummary,
  type ModemEvent,
  type Order,
} from '../../../domain/index.js';
import { messageSummary, messageSummaryFields } from '../../message-objects.js';
import { iso, orderSummary } from '../../present.js';
import { Iso, Nullable, OrderSummarySchema, Usd, errors } from '../../schemas.js';

export const TAGS = ['admin'];

export const Ok = Type.Object({ success: Type.Literal(true) });

/** A route's options: its schema with the admin tag, the success response and the errors. */
export function adminSchema<P extends Record<string, unknown>, R extends Record<number, TObject>>(
  parts: P,
  success: R,
) {
  return { schema: { tags: TAGS, ...parts, response: { ...success, ...errors } } };
}

export const dataOf = <T extends TProperties>(item: TObject<T>) =>
  Type.Object({ success: Type.Literal(true), data: Type.Array(item) });

const HostStateSchema = Type.Union([
  Type.Literal('alive'),
  Type.Literal('expired'),
  Type.Literal('stopped'),
]);

const modemFields = {
  id: Type.String(),
  imei: Nullable(Type.String()),
  manufacturer: Nullable(Type.String()),
  model: Nullable(Type.String()),
  state: Type.String(),
  signal_dbm: Nullable(Type.Number()),
  registration: Nullable(Type.String()),
  operator: Nullable(Type.String()),
  iccid: Nullable(Type.String()),
  number: Nullable(Type.String()),
  country: Nullable(Type.String()),
  current_order_id: Nullable(Type.String()),
  last_sms_at: Nullable(Iso),
  recovery_step: Nullable(Type.String()),
  /** The host that drives the modem, and that host's lease (several hosts, one database). */
  host: Type.String(),
  host_state: Nullable(HostStateSchema),
};
export const ModemSchema = Type.Object(modemFields);
export const ModemEventSchema = Type.Object({
  at: Iso,
  type: Type.String(),
  detail: Type.String(),
});
export const ModemDetailSchema = Type.Object({
  success: Type.Literal(true),
  ...modemFields,
  events: Type.Array(ModemEventSchema),
});

export function modemObject(m: AdminModem) {
  return {
    id: m.id,
    imei: m.imei,
    manufacturer: m.manufacturer,
    model: m.model,
    state: m.state,
    signal_dbm: m.signalDbm,
    registration: m.registration,
    operator: m.operator,
    iccid: m.iccid,
    number: m.number,
    country: m.country,
    current_order_id: m.currentOrderId,
    last_sms_at: m.lastSmsAt === null ? null : iso(m.lastSmsAt),
    recovery_step: m.recoveryStep,
    host: m.hostId,
    host_state: m.hostState,
  };
}

export const eventObject = (e: ModemEvent) => ({ at: iso(e.at), type: e.type, detail: e.detail });

export const SimSchema = Type.Object({
  iccid: Type.String(),
  country: Nullable(Type.String()),
  number: Nullable(Type.String()),
  operator: Nullable(Type.String()),
  status: Type.String(),
  enabled: Type.Boolean(),
  notes: Type.String(),
  usage: Type.Array(Type.Object({ service: Type.String(), orders: Type.Integer() })),
  blacklist: Type.Array(Type.String()),
  /** The host whose modem holds the SIM, and that host's lease (several hosts, one database). */
  host: Type.String(),
  host_state: Nullable(HostStateSchema),
});

export const simObject = (s: AdminSim) => ({
  iccid: s.iccid,
  country: s.country,
  number: s.number,
  operator: s.operator,
  status: s.status,
  enabled: s.enabled,
  notes: s.notes,
  usage: s.usage.map((u) => ({ service: u.service, orders: u.orders })),
  blacklist: [...s.blacklist],
  host: s.hostId,
  host_state: s.hostState,
});

export const CustomerSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  balance: Usd,
  banned: Type.Boolean(),
  created_at: Iso,
  open_orders: Type.Integer(),
});

export function customerObject(c: CustomerSummary, now: number) {
  return {
    id: c.customer.id,
    email: c.customer.email,
    balance: unitsToUsd(c.balanceUnits),
    banned: c.customer.bannedUntil !== null && c.customer.bannedUntil > now,
    created_at: iso(c.customer.createdAt),
    open_orders: c.openOrders,
  };
}

export const KeySchema = Type.Object({
  id: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  sandbox: Type.Boolean(),
  label: Nullable(Type.String()),
  revoked_at: Nullable(Iso),
  last_used_at: Nullable(Iso),
  created_at: Iso,
});

export const keyObject = (k: ApiKeyInfo) => ({
  id: k.id,
  prefix: k.prefix,
  scopes: [...k.scopes],
  sandbox: k.sandbox,
  label: k.label,
  revoked_at: k.revokedAt === null ? null : iso(k.revokedAt),
  last_used_at: k.lastUsedAt === null ? null : iso(k.lastUsedAt),
  created_at: iso(k.createdAt),
});

export const AdminOrderSchema = Type.Object({
  ...OrderSummarySchema.properties,
  customer_id: Type.String(),
  sandbox: Type.Boolean(),
  sim_id: Type.String(),
});

export const adminOrderObject = (o: Order) => ({
  ...orderSummary(o),
  customer_id: o.customerId,
  sandbox: o.sandbox,
  sim_id: o.simIccid,
});

export const MessageSchema = Type.Object({ ...messageSummaryFields, created_at: Iso });

export const messageObject = (m: AdminMessage) => ({
  ...messageSummary(m),
  created_at: iso(m.createdAt),
});

/** Path ids: what our ids can look like, so junk is a 400 and not a lookup. */
export const IdParam = (pattern: string) => Type.String({ minLength: 1, maxLength: 200, pattern });
export const CustomerIdParam = IdParam('^cus_[0-9A-Za-z]+$');
export const KeyIdParam = IdParam('^key_[0-9A-Za-z]+$');
