/**
 * Rows a host's work leaves in the database (modems, SIMs, outbound parts at each stage,
 * webhook deliveries in flight, sandbox SMS due), seeded with SQL that reads the same on both
 * engines, for the host registry's contract suite and the PostgreSQL cluster tests.
 */
export type Exec = (sql: string, params?: readonly unknown[]) => Promise<void>;

/** A fixed time for seeded rows (their own times never decide anything under test). */
export const SEEDED_AT = 1_700_000_000_000;

export async function seedModem(
  exec: Exec,
  imei: string,
  hostId: string,
  state = 'ready',
): Promise<void> {
  await exec(
    `INSERT INTO modems (imei, state, state_changed_at, first_seen_at, last_seen_at, host_id)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [imei, state, SEEDED_AT, SEEDED_AT, SEEDED_AT, hostId],
  );
}

export async function seedSim(
  exec: Exec,
  iccid: string,
  hostId: string,
  options: { readonly imei?: string; readonly status?: string } = {},
): Promise<void> {
  await exec(
    `INSERT INTO sims (iccid, modem_imei, slot_path, status, status_changed_at, first_seen_at,
       last_seen_at, host_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      iccid,
      options.imei ?? null,
      `simulated:${iccid.slice(-1)}`,
      options.status ?? 'ready',
      SEEDED_AT,
      SEEDED_AT,
      SEEDED_AT,
      hostId,
    ],
  );
}

export interface SeededPart {
  readonly status: 'queued' | 'sending' | 'sent';
  readonly simIccid?: string | null;
  readonly sendPath?: 'stored' | 'direct' | null;
  readonly slotIndex?: number | null;
}

/** An outbound message and its parts; `sender` is the SIM it is bound to once claimed. */
export async function seedMessage(
  exec: Exec,
  id: string,
  sender: string | null,
  parts: readonly SeededPart[],
  status = 'sending',
): Promise<void> {
  await exec(
    `INSERT INTO outbound_messages (id, sim_iccid, sender_iccid, to_number, body, status,
       part_count, created_at, updated_at) VALUES (?, NULL, ?, '+447700900999', 'hi', ?, ?, ?, ?)`,
    [id, sender, status, parts.length, SEEDED_AT, SEEDED_AT],
  );
  for (const [index, part] of parts.entries()) {
    const slot = part.slotIndex ?? null;
    await exec(
      `INSERT INTO outbound_parts (message_id, sequence, pdu, tpdu_length, status, attempts,
         next_attempt_at, sim_iccid, claimed_at, send_path, slot_storage, slot_index)
       VALUES (?, ?, '00', 1, ?, 0, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        index + 1,
        part.status,
        SEEDED_AT,
        part.simIccid ?? null,
        part.status === 'queued' ? null : SEEDED_AT,
        part.sendPath ?? null,
        slot === null ? null : 'ME',
        slot,
      ],
    );
  }
}

let endpoints = 0;

/** A webhook endpoint and one delivery to it per entry of `deliveries`. */
export async function seedWebhookDeliveries(
  exec: Exec,
  deliveries: readonly {
    readonly id: string;
    readonly status: string;
    readonly claimedBy: string | null;
  }[],
): Promise<void> {
  const endpoint = `we_${++endpoints}`;
  await exec(
    `INSERT INTO webhook_endpoints (id, customer_id, url, events, secret, created_at, updated_at)
     VALUES (?, NULL, 'https://example.com/hook', '["*"]', 'secret', ?, ?)`,
    [endpoint, SEEDED_AT, SEEDED_AT],
  );
  for (const delivery of deliveries) {
    await exec(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status,
         next_attempt_at, created_at, claimed_by_host, claimed_until)
       VALUES (?, ?, ?, 'order.updated', '{}', ?, ?, ?, ?, ?)`,
      [
        delivery.id,
        endpoint,
        `ev_${delivery.id}`,
        delivery.status,
        SEEDED_AT,
        SEEDED_AT,
        delivery.claimedBy,
        delivery.claimedBy === null ? null : SEEDED_AT + 60_000,
      ],
    );
  }
}

let orders = 0;

/** A (finished) sandbox order on the SIM and its synthetic SMS, due or already delivered. */
export async function seedSandboxDelivery(
  exec: Exec,
  iccid: string,
  delivered: boolean,
): Promise<void> {
  const n = ++orders;
  // Once per database; ON CONFLICT … DO NOTHING reads the same on both engines.
  await exec(
    `INSERT INTO customers (id, email, created_at) VALUES ('cu_hosts', 'hosts@example.com', ?)
     ON CONFLICT (id) DO NOTHING`,
    [SEEDED_AT],
  );
  await exec(
    `INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, created_at)
     VALUES ('ak_hosts', 'cu_hosts', 'sp_test_', 'hash-hosts', '[]', 1, ?)
     ON CONFLICT (id) DO NOTHING`,
    [SEEDED_AT],
  );
  const order = `or_${n}`;
  await exec(
    `INSERT INTO orders (id, activation_id, customer_id, api_key_id, sandbox, service, country,
       price_units, sim_iccid, phone_number, status, created_at, number_assigned_at, hold_until,
       expires_at, updated_at)
     VALUES (?, ?, 'cu_hosts', 'ak_hosts', 1, 'tg', 'GB', 0, ?, '+447700900001', 'finished', ?,
       ?, ?, ?, ?)`,
    [order, 1_000 + n, iccid, SEEDED_AT, SEEDED_AT, SEEDED_AT, SEEDED_AT, SEEDED_AT],
  );
  await exec(
    `INSERT INTO sandbox_deliveries (order_id, kind, sim_iccid, due_at, delivered_at, outcome,
       created_at) VALUES (?, 'purchase', ?, ?, ?, ?, ?)`,
    [
      order,
      iccid,
      SEEDED_AT,
      delivered ? SEEDED_AT : null,
      delivered ? 'injected' : null,
      SEEDED_AT,
    ],
  );
}

/** A reaper's report of a dead host that had nothing left to reap. */
export function nothingReaped(hostId: string, epoch: number) {
  return {
    hostId,
    epoch,
    sims: 0,
    modems: 0,
    requeuedParts: 0,
    webhookDeliveries: 0,
    sandboxDeliveries: 0,
    hostCommands: 0,
  };
}

/** An outbound_parts row as the reaper tests read it. */
export function partRow(
  message_id: string,
  sequence: number,
  status: string,
  attempts: number,
  sim_iccid: string | null,
  send_path: string | null,
  slot_index: number | null,
) {
  return { message_id, sequence, status, attempts, sim_iccid, send_path, slot_index };
}
