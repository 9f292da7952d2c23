import type { Migration } from '../migrate.js';

/**
 * Idempotency keys that survive the death of their holder (docs/several-hosts.md, "Idempotency
 * keys"). A claim names its holder, the host session that runs the request (`holder_host`,
 * `holder_epoch`; NULL without a session), and the attempt (`claim_id`): a retry takes over at
 * once a claim whose holder's epoch is over or whose lease ran out.
 *
 * A re-run must not repeat the effect, so the requests that create something (purchase, swap,
 * message send) record it on the claim in the transaction of the effect itself: `effect_kind`
 * ('order', 'swap', 'message'), `effect_id` (the order or message id) and `effect_detail` (the
 * swap's previous number). The re-run finds it and answers with that resource. Only the attempt
 * named by `claim_id` may record it: a taken-over attempt that was merely slow rolls back.
 */
export const idempotentEffects: Migration = {
  id: 14,
  name: 'idempotent-effects',
  sql: `
ALTER TABLE idempotency_keys ADD COLUMN claim_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN holder_host TEXT;
ALTER TABLE idempotency_keys ADD COLUMN holder_epoch INTEGER;
ALTER TABLE idempotency_keys ADD COLUMN effect_kind TEXT
  CHECK (effect_kind IN ('order', 'swap', 'message'));
ALTER TABLE idempotency_keys ADD COLUMN effect_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN effect_detail TEXT;
`,
};
