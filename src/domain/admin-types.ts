/**
 * The operator's view of the appliance (the admin API): what AdminService needs from storage
 * (implemented in src/store) and from the modems (implemented by the daemon over the pool).
 * Every port is async so a networked backend can implement it.
 */
import type { Customer, Page } from './customers.js';
import type { HostLeaseState } from './hosts.js';
import type { Order, OrderStatus } from './order-types.js';

export type CustomerKind = 'customer' | 'operator';

/** A customer as the admin list shows it. */
export interface CustomerSummary {
  readonly customer: Customer;
  /** Live balance (sandbox play money is not the operator's concern). */
  readonly balanceUnits: number;
  readonly openOrders: number;
}

export interface CustomerListQuery {
  /** Matches the e-mail or the id (substring, case-insensitive). */
  readonly q?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface AdminAccountsPort {
  /**
   * The operator account: inserted from `candidate` (kind `operator`) when there is none yet,
   * else the existing one. Idempotent and safe against two processes starting at once.
   */
  ensureOperator(candidate: Customer): Promise<Customer>;
  /** The operator account, once created. */
  findOperator(): Promise<Customer | undefined>;
  /** Customers of kind `customer`, newest first. */
  listCustomers(query: CustomerListQuery): Promise<Page<CustomerSummary>>;
}

export interface SimUsage {
  readonly service: string;
  /** Orders (live and sandbox) that had this SIM's number for this service. */
  readonly orders: number;
}

export interface AdminSim {
  readonly iccid: string;
  readonly country: string | null;
  readonly number: string | null;
  readonly operator: string | null;
  readonly status: string;
  readonly enabled: boolean;
  readonly notes: string;
  readonly usage: readonly SimUsage[];
  /** Service codes this SIM is never sold for. */
  readonly blacklist: readonly string[];
  /** The host whose modem holds it ('' for a SIM recorded before hosts, not yet adopted). */
  readonly hostId: string;
  /** That host's lease now; null when the host never registered (an appliance before hosts). */
  readonly hostState: HostLeaseState | null;
}

export interface SimPatch {
  readonly enabled?: boolean;
  readonly notes?: string;
  /** The whole list: services not in it are taken off the SIM's blacklist. */
  readonly blacklist?: readonly string[];
}

export interface SimAdminPort {
  listSims(): Promise<AdminSim[]>;
  getSim(iccid: string): Promise<AdminSim | undefined>;
  /** One transaction; undefined when there is no such SIM. */
  updateSim(iccid: string, patch: SimPatch, now: number): Promise<AdminSim | undefined>;
}

export interface AdminOrderQuery {
  readonly status?: OrderStatus;
  /** Matches the order id, activation id, phone number, customer id or service. */
  readonly q?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export type MessageDirection = 'in' | 'out';

/** One SMS in or out, as the admin message list shows it. */
export interface AdminMessage {
  /** `in_<n>` for received messages, the `msg_` id for sent ones. */
  readonly id: string;
  readonly direction: MessageDirection;
  readonly from: string | null;
  readonly to: string | null;
  readonly body: string;
  readonly parts: number;
  /** in: `received` | `incomplete`; out: the queue status (queued … delivered, failed). */
  readonly status: string;
  /** The ICCID of our SIM involved. */
  readonly simId: string | null;
  readonly createdAt: number;
}

export interface AdminMessageQuery {
  readonly direction?: MessageDirection;
  readonly status?: string;
  /** Matches the body or either number. */
  readonly q?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface HourCount {
  /** Start of the UTC hour, ms. */
  readonly hour: number;
  readonly in: number;
  readonly out: number;
}

/** What a SIM is doing, for the modem grid. */
export interface SimActivity {
  readonly currentOrderId: string | null;
  readonly lastSmsAt: number | null;
}

export type DeliveryRetry = 'retried' | 'not_found' | 'not_retryable';

export interface ActivityPort {
  listOrders(query: AdminOrderQuery): Promise<Page<Order>>;
  listMessages(query: AdminMessageQuery): Promise<Page<AdminMessage>>;
  /** SMS received and sent (handed to a modem) at or after `since`. */
  countSms(since: number): Promise<{ readonly in: number; readonly out: number }>;
  /** Counts per UTC hour from `since` (hours without SMS are left out). */
  smsPerHour(since: number): Promise<HourCount[]>;
  openOrders(): Promise<number>;
  /** next_attempt_at of the oldest deliverable webhook delivery already due, or null. */
  oldestDueDelivery(now: number): Promise<number | null>;
  /** By ICCID: the open order and the last SMS received. */
  simActivity(): Promise<ReadonlyMap<string, SimActivity>>;
  /** A failed, cancelled or pending delivery is due again now (one more attempt). */
  retryDelivery(id: string, now: number): Promise<DeliveryRetry>;
}

/** The store's side of the admin API. */
export interface AdminPorts {
  readonly accounts: AdminAccountsPort;
  readonly sims: SimAdminPort;
  readonly activity: ActivityPort;
}

export type ModemViewState =
  'connecting' | 'initializing' | 'ready' | 'degraded' | 'recovering' | 'offline';

/** One modem as the pool sees it now (the daemon's adapter fills it from the driver). */
export interface ModemView {
  /** The slot address: `simulated:0`, `/dev/ttyUSB2`, `tcp://…`. */
  readonly id: string;
  readonly imei: string | null;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly state: ModemViewState;
  readonly signalDbm: number | null;
  readonly registration: string | null;
  readonly operator: string | null;
  readonly iccid: string | null;
  readonly number: string | null;
  readonly country: string | null;
  /** The rung of the recovery ladder being tried while `recovering`, else null. */
  readonly recoveryStep: string | null;
}

export interface ModemEvent {
  readonly at: number;
  /** `state`, `recovery`, `attached`, `detached`, `sms`, `reset`, `ussd`, `test_sms`, `error`. */
  readonly type: string;
  readonly detail: string;
}

export interface RecentError {
  readonly at: number;
  /** e.g. `modem:simulated:0`. */
  readonly source: string;
  readonly message: string;
}

/** The modems, for the admin API (implemented by the daemon over the modem pool). */
export interface ModemControlPort {
  list(): ModemView[];
  get(id: string): ModemView | undefined;
  /** Newest first, bounded. */
  events(id: string): ModemEvent[];
  /** Newest first, bounded: recovery failures, modems going offline … */
  recentErrors(): RecentError[];
  /** Resets the modem (AT+CFUN=1,1, then found again and initialised). */
  reset(id: string): Promise<void>;
  /** Sends a USSD code; resolves with the network's answer. */
  ussd(id: string, code: string): Promise<string>;
  /** Queues an SMS from this modem's SIM; resolves with the message id. */
  sendTestSms(id: string, to: string, body: string): Promise<string>;
  /** `listener(id)` after a modem's state, health, SIM or last SMS changed. */
  subscribe(listener: (id: string) => void): () => void;
}

/**
 * A modem as its host last recorded it in the store: what another host's admin page shows of
 * modems it does not drive (several hosts on one database).
 */
export interface RecordedModem {
  readonly imei: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly revision: string | null;
  /** The slot (port path) it is in now, else the last path it was seen on. */
  readonly path: string | null;
  readonly state: string;
  readonly stateChangedAt: number;
  readonly lastSeenAt: number;
  /** The host that drives it ('' for a modem recorded before hosts, not yet adopted). */
  readonly hostId: string;
  /** That host's lease now; null when the host never registered (an appliance before hosts). */
  readonly hostState: HostLeaseState | null;
  readonly sim: {
    readonly iccid: string;
    readonly msisdn: string | null;
    readonly country: string | null;
    readonly operator: string | null;
    readonly status: string;
    readonly signalDbm: number | null;
    readonly registration: string | null;
    /** When signal and registration were read. */
    readonly healthAt: number | null;
  } | null;
}

/** Every host's modems as last recorded (the store's `modemInventory`). */
export interface RecordedModemsPort {
  modemInventory(): Promise<RecordedModem[]>;
}
