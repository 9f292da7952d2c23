import type { Migration } from '../migrate.js';
import { modemsAndSms } from './001-modems-and-sms.js';
import { catalogCustomersOrders } from './002-catalog-customers-orders.js';
import { allocationLru } from './003-allocation-lru.js';
import { sandbox } from './004-sandbox.js';
import { idempotency } from './005-idempotency.js';
import { webhooks } from './006-webhooks.js';
import { messaging } from './007-messaging.js';
import { operatorAdmin } from './008-operator-admin.js';
import { statusCounts } from './009-status-counts.js';
import { calls } from './010-calls.js';
import { sendFromStorage } from './011-send-from-storage.js';
import { webhookPauseProbe } from './012-webhook-pause-probe.js';
import { hosts } from './013-hosts.js';
import { idempotentEffects } from './014-idempotent-effects.js';

/** Every migration, in order. Append only: never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  modemsAndSms,
  catalogCustomersOrders,
  allocationLru,
  sandbox,
  idempotency,
  webhooks,
  messaging,
  operatorAdmin,
  statusCounts,
  calls,
  sendFromStorage,
  webhookPauseProbe,
  hosts,
  idempotentEffects,
];
