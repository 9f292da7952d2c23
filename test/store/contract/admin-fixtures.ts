/**
 * Rows the admin, stats and listing contract suites read, seeded with SQL that reads the same on
 * both engines: customers, keys and orders (with their numbers), SMS in and out, SIMs, modems,
 * slots and hosts.
 */
import type { Exec } from './host-fixtures.js';

export const SEEDED_AT = Date.UTC(2026, 3, 1, 9);

export async function seedCustomer(
  exec: Exec,
  id: string,
  options: { readonly createdAt?: number; readonly balance?: number; readonly email?: string } = {},
): Promise<void> {
  const at = options.createdAt ?? SEEDED_AT;
  await exec('INSERT INTO customers (id, email, created_at) VALUES (?, ?, ?)', [
    id,
    options.email ?? `${id}@example.com`,
    at,
  ]);
  await exec(
    `INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, created_at)
     VALUES (?, ?, 'sp_live_', ?, '["orders"]', 0, ?)`,
    [`key_${id}`, id, `hash_${id}`, at],
  );
  if (options.balance !== undefined) {
    await exec(
      'INSERT INTO balances (customer_id, sandbox, balance, updated_at) VALUES (?, 0, ?, ?)',
      [id, options.balance, at],
    );
    // Sandbox play money is not the operator's concern: never shown as the balance.
    await exec(
      'INSERT INTO balances (customer_id, sandbox, balance, updated_at) VALUES (?, 1, 999999, ?)',
      [id, at],
    );
  }
}

export interface SeededOrder {
  readonly id: string;
  readonly activationId: number;
  readonly customerId: string;
  readonly sim: string;
  readonly status?: string;
  readonly service?: string;
  readonly phone?: string;
  readonly sandbox?: boolean;
  readonly createdAt?: number;
  /** Other SIMs the order had a number on before (swaps). */
  readonly swappedFrom?: readonly string[];
}

/** An order (of its customer's key) with one `order_numbers` row per SIM it was on. */
export async function seedOrder(exec: Exec, order: SeededOrder): Promise<void> {
  const at = order.createdAt ?? SEEDED_AT;
  const phone = order.phone ?? '+447700900001';
  await exec(
    `INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service, country,
       price_units, sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until,
       expires_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'GB', 5000, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      order.id,
      order.activationId,
      order.customerId,
      `key_${order.customerId}`,
      order.sandbox ? 1 : 0,
      order.service ?? 'tg',
      order.sim,
      phone,
      order.status ?? 'waiting',
      at,
      at,
      at,
      at + 20 * 60_000,
      at,
    ],
  );
  for (const sim of [...(order.swappedFrom ?? []), order.sim]) {
    await exec(
      `INSERT INTO order_numbers (order_id, sim_iccid, phone_number, assigned_at)
       VALUES (?, ?, ?, ?)`,
      [order.id, sim, phone, at],
    );
  }
}

export async function seedInbound(
  exec: Exec,
  sim: string,
  at: number,
  options: { readonly sender?: string; readonly text?: string; readonly complete?: boolean } = {},
): Promise<void> {
  await exec(
    `INSERT INTO inbound_messages (sim_iccid, sender, sender_kind, encoding, text, data_hex,
       sent_at, received_at, complete, part_count) VALUES (?, ?, 'international', 'gsm7', ?, '',
       ?, ?, ?, 1)`,
    [
      sim,
      options.sender ?? '+447700900123',
      options.text ?? 'hi',
      at,
      at,
      options.complete === false ? 0 : 1,
    ],
  );
}

export async function seedOutbound(
  exec: Exec,
  id: string,
  options: {
    readonly status?: string;
    readonly createdAt?: number;
    readonly sentAt?: number | null;
    readonly sender?: string | null;
    readonly to?: string;
    readonly body?: string;
  } = {},
): Promise<void> {
  const at = options.createdAt ?? SEEDED_AT;
  await exec(
    `INSERT INTO outbound_messages (id, sender_iccid, to_number, body, status, part_count,
       created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    [
      id,
      options.sender ?? null,
      options.to ?? '+447700900555',
      options.body ?? 'hello',
      options.status ?? 'queued',
      at,
      at,
      options.sentAt ?? null,
    ],
  );
}

export async function seedHost(
  exec: Exec,
  id: string,
  leaseUntil: number,
  stoppedAt: number | null = null,
): Promise<void> {
  await exec(
    `INSERT INTO hosts (id, epoch, lease_until, started_at, renewed_at, stopped_at, version)
     VALUES (?, 1, ?, ?, ?, ?, 'test')`,
    [id, leaseUntil, SEEDED_AT, SEEDED_AT, stoppedAt],
  );
}

export interface SeededSim {
  readonly iccid: string;
  readonly hostId?: string;
  readonly slot?: string | null;
  readonly imei?: string | null;
  readonly msisdn?: string | null;
  readonly status?: string;
}

export async function seedSimRow(exec: Exec, sim: SeededSim): Promise<void> {
  await exec(
    `INSERT INTO sims (iccid, msisdn, country, operator, modem_imei, slot_path, status,
       status_changed_at, signal_dbm, registration, health_at, first_seen_at, last_seen_at,
       host_id) VALUES (?, ?, 'GB', 'EE', ?, ?, ?, ?, -71, 'home', ?, ?, ?, ?)`,
    [
      sim.iccid,
      sim.msisdn === undefined ? `+4477009${sim.iccid.slice(-5)}` : sim.msisdn,
      sim.imei ?? null,
      sim.slot === undefined ? null : sim.slot,
      sim.status ?? 'ready',
      SEEDED_AT,
      SEEDED_AT,
      SEEDED_AT,
      SEEDED_AT,
      sim.hostId ?? '',
    ],
  );
}

/** A modem, and its slot (holding `sim` when given) on its host. */
export async function seedModemInSlot(
  exec: Exec,
  modem: {
    readonly imei: string;
    readonly hostId: string;
    readonly path: string | null;
    readonly lastPath?: string | null;
    readonly sim?: string;
    readonly state?: string;
  },
): Promise<void> {
  await exec(
    `INSERT INTO modems (imei, manufacturer, model, revision, last_path, state, state_changed_at,
       first_seen_at, last_seen_at, host_id)
     VALUES (?, 'Quectel', 'EC25', 'R01', ?, ?, ?, ?, ?, ?)`,
    [
      modem.imei,
      modem.lastPath ?? modem.path,
      modem.state ?? 'ready',
      SEEDED_AT,
      SEEDED_AT,
      SEEDED_AT + 1,
      modem.hostId,
    ],
  );
  if (modem.path === null) return;
  await exec(
    `INSERT INTO slots (path, modem_imei, sim_iccid, first_seen_at, last_seen_at, host_id)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [modem.path, modem.imei, modem.sim ?? null, SEEDED_AT, SEEDED_AT, modem.hostId],
  );
}
