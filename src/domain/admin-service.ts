/**
 * The operator's service behind the admin API: modems and SIMs, customers and their keys,
 * catalog prices, every order and message, webhook deliveries, the overview and the chart.
 * Customer, catalog and webhook rules stay in their own services; this one adds what only the
 * operator may do and reads across accounts.
 */
import { SimpoolError, type Clock } from '../shared/index.js';
import { ModemActions } from './admin-modem-actions.js';
import { hourSeries, modemCounts } from './admin-stats.js';
import type {
  AdminMessage,
  AdminMessageQuery,
  AdminOrderQuery,
  AdminPorts,
  AdminSim,
  CustomerListQuery,
  CustomerSummary,
  HourCount,
  ModemControlPort,
  ModemEvent,
  RecentError,
  RecordedModemsPort,
  SimPatch,
} from './admin-types.js';
import type { CatalogService } from './catalog-service.js';
import type { Country, PriceEntry, Service } from './catalog.js';
import type { CreatedKey, CustomerService } from './customer-service.js';
import type { ApiKeyInfo, Customer, Page } from './customers.js';
import type { HostCommandClient } from './host-command-client.js';
import { otherHostsModems, ownModem, type HostedModemView } from './host-modems.js';
import type { HostCommand, HostCommandResult } from './host-commands.js';
import type { Order } from './order-types.js';
import { pageLimit, requireInteger, validationError } from './validation.js';
import type { WebhookService } from './webhook-service.js';
import type { WebhookDelivery, WebhookEndpoint } from './webhook-types.js';

/** The customer id under which the admin API manages the operator account's own keys. */
export const OPERATOR_ALIAS = 'operator';

export interface AdminServiceDeps {
  readonly ports: AdminPorts;
  readonly modems: ModemControlPort;
  readonly customers: CustomerService;
  readonly catalog: CatalogService;
  readonly webhooks?: WebhookService;
  readonly clock: Clock;
  /** Wakes the webhook worker after a delivery was made due again. */
  readonly onDeliveryRetried?: () => void;
  /** The built-in operator account, addressed as customer id `operator` (its own API keys). */
  readonly operator?: { ensure(): Promise<Customer> };
  /** Other hosts' modems, acted on by their hosts (several hosts on one database). */
  readonly hostCommands?: HostCommandClient;
  /**
   * This host's id and every host's recorded modems: the modem list shows the other hosts'
   * modems too. Without it, only this host's.
   */
  readonly hosts?: { readonly hostId: string; readonly recorded: RecordedModemsPort };
}

/** A modem row of the admin API: the pool's (or its host's) view plus what its SIM is doing. */
export interface AdminModem extends HostedModemView {
  readonly currentOrderId: string | null;
  readonly lastSmsAt: number | null;
}

export interface Overview {
  readonly modems: { readonly ready: number; readonly degraded: number; readonly offline: number };
  readonly smsInLastMinute: number;
  readonly smsOutLastMinute: number;
  readonly openOrders: number;
  readonly webhookLagSeconds: number;
  readonly recentErrors: readonly RecentError[];
}

export interface AdminCatalog {
  readonly services: readonly Service[];
  readonly countries: readonly Country[];
  readonly prices: readonly PriceEntry[];
}

const MAX_NOTES = 2000;

export class AdminService {
  private readonly modemActions: ModemActions;

  constructor(private readonly deps: AdminServiceDeps) {
    this.modemActions = new ModemActions({
      modems: deps.modems,
      ...(deps.hostCommands ? { hostCommands: deps.hostCommands } : {}),
    });
  }

  async overview(): Promise<Overview> {
    const now = this.deps.clock.now();
    const { activity } = this.deps.ports;
    const [sms, openOrders, oldestDue] = await Promise.all([
      activity.countSms(now - 60_000),
      activity.openOrders(),
      activity.oldestDueDelivery(now),
    ]);
    return {
      modems: modemCounts(this.deps.modems.list().map((m) => m.state)),
      smsInLastMinute: sms.in,
      smsOutLastMinute: sms.out,
      openOrders,
      webhookLagSeconds: oldestDue === null ? 0 : Math.max(0, Math.round((now - oldestDue) / 1000)),
      recentErrors: this.deps.modems.recentErrors(),
    };
  }

  // --- modems -------------------------------------------------------------------------------

  /** This host's modems, then (several hosts) the other hosts' as they recorded them. */
  async modems(): Promise<AdminModem[]> {
    const activity = await this.deps.ports.activity.simActivity();
    const own = this.deps.modems.list().map((view) => ownModem(view, this.hostId()));
    const others = await this.otherHostsModems();
    return [...own, ...others].map((view) => withActivity(view, activity));
  }

  /** One modem: this host's by slot address or IMEI, or another host's by IMEI. */
  async modem(id: string): Promise<AdminModem & { readonly events: readonly ModemEvent[] }> {
    const local = this.deps.modems.get(id);
    const view = local
      ? ownModem(local, this.hostId())
      : (await this.otherHostsModems()).find((m) => m.imei === id);
    if (!view) throw new SimpoolError('not_found', `no modem ${id}`);
    const activity = await this.deps.ports.activity.simActivity();
    // Timelines live in the memory of the host that drives the modem.
    const events = local ? this.deps.modems.events(id) : [];
    return { ...withActivity(view, activity), events };
  }

  /** `listener(id)` after a modem changed (state, health, SIM, last SMS): the live feed. */
  watchModems(listener: (id: string) => void): () => void {
    return this.deps.modems.subscribe(listener);
  }

  /** Modem actions: `id` is a local slot address or IMEI, or another host's modem's IMEI. */
  resetModem(id: string): Promise<void> {
    return this.modemActions.reset(id);
  }

  ussd(id: string, code: string): Promise<string> {
    return this.modemActions.ussd(id, code);
  }

  sendTestSms(id: string, to: string, body: string): Promise<string> {
    return this.modemActions.sendTestSms(id, to, body);
  }

  /** Carries out another host's command on one of this host's modems (HostCommandWorker). */
  runHostCommand(command: HostCommand): Promise<HostCommandResult> {
    return this.modemActions.runHostCommand(command);
  }

  // --- SIMs ---------------------------------------------------------------------------------

  sims(): Promise<AdminSim[]> {
    return this.deps.ports.sims.listSims();
  }

  async updateSim(iccid: string, patch: SimPatch): Promise<AdminSim> {
    if (patch.notes !== undefined && patch.notes.length > MAX_NOTES) {
      throw validationError('notes', `at most ${MAX_NOTES} characters`);
    }
    if (patch.blacklist !== undefined) {
      for (const code of patch.blacklist) await this.deps.catalog.getService(code);
    }
    const updated = await this.deps.ports.sims.updateSim(iccid, patch, this.deps.clock.now());
    if (!updated) throw new SimpoolError('not_found', `no SIM ${iccid}`);
    return updated;
  }

  // --- customers and keys -------------------------------------------------------------------

  customers(query: Partial<CustomerListQuery>): Promise<Page<CustomerSummary>> {
    return this.deps.ports.accounts.listCustomers({ ...query, limit: pageLimit(query.limit) });
  }

  /** A customer with one `orders` key (shown once) and an optional opening deposit. */
  async createCustomer(
    email: string,
    balanceUnits = 0,
  ): Promise<{ customer: Customer; created: CreatedKey; balanceUnits: number }> {
    requireInteger('balance', balanceUnits, 0, Number.MAX_SAFE_INTEGER);
    const customer = await this.deps.customers.createCustomer(email);
    const created = await this.deps.customers.createKey(customer.id, { scopes: ['orders'] });
    if (balanceUnits > 0) await this.topup(customer.id, balanceUnits);
    return { customer, created, balanceUnits };
  }

  async topup(customerId: string, amountUnits: number): Promise<number> {
    await this.customer(customerId);
    const entry = await this.deps.customers.credit(customerId, amountUnits, {
      type: 'deposit',
      description: 'Deposit (admin)',
    });
    return entry.balanceAfterUnits;
  }

  async keys(customerId: string): Promise<ApiKeyInfo[]> {
    const customer = await this.customer(customerId);
    return this.deps.customers.listKeys(customer.id);
  }

  async createKey(
    customerId: string,
    input: { readonly scopes?: readonly string[]; readonly sandbox?: boolean },
  ): Promise<CreatedKey> {
    const customer = await this.customer(customerId);
    return this.deps.customers.createKey(customer.id, input);
  }

  async revokeKey(customerId: string, keyId: string): Promise<void> {
    const customer = await this.customer(customerId);
    await this.deps.customers.revokeKey(customer.id, keyId);
  }

  // --- catalog, orders, messages ------------------------------------------------------------

  async catalog(): Promise<AdminCatalog> {
    const [services, countries, prices] = await Promise.all([
      this.deps.catalog.listServices(),
      this.deps.catalog.listCountries(),
      this.deps.catalog.prices(),
    ]);
    return { services, countries: countries.filter((c) => !c.virtual), prices };
  }

  setPrice(service: string, country: string, price: number): Promise<void> {
    return this.deps.catalog.setPrice(service, country.toUpperCase(), price);
  }

  /** Missed-call verification of a service: the caller's last N digits are its code (null: off). */
  setCallCodeDigits(service: string, digits: number | null): Promise<Service> {
    return this.deps.catalog.updateService(service, { callCodeDigits: digits });
  }

  orders(query: Partial<AdminOrderQuery>): Promise<Page<Order>> {
    return this.deps.ports.activity.listOrders({ ...query, limit: pageLimit(query.limit) });
  }

  messages(query: Partial<AdminMessageQuery>): Promise<Page<AdminMessage>> {
    return this.deps.ports.activity.listMessages({ ...query, limit: pageLimit(query.limit) });
  }

  // --- webhooks -----------------------------------------------------------------------------

  webhookEndpoints(): Promise<WebhookEndpoint[]> {
    return this.webhookService().list({ admin: true });
  }

  deliveries(
    endpointId: string,
    query: { readonly limit?: number; readonly cursor?: string },
  ): Promise<Page<WebhookDelivery>> {
    return this.webhookService().deliveries({ admin: true }, endpointId, query);
  }

  async retryDelivery(deliveryId: string): Promise<void> {
    const result = await this.deps.ports.activity.retryDelivery(deliveryId, this.deps.clock.now());
    if (result === 'not_found') throw new SimpoolError('not_found', `no delivery ${deliveryId}`);
    if (result === 'not_retryable') {
      throw new SimpoolError('bad_status', 'only failed, cancelled or pending deliveries retry');
    }
    this.deps.onDeliveryRetried?.();
  }

  // --- statistics ---------------------------------------------------------------------------

  async smsPerHour(hours = 24): Promise<HourCount[]> {
    const now = this.deps.clock.now();
    const series = hourSeries(now, [], hours);
    const counts = await this.deps.ports.activity.smsPerHour(series[0]?.hour ?? now);
    return hourSeries(now, counts, hours);
  }

  private hostId(): string {
    return this.deps.hosts?.hostId ?? '';
  }

  private async otherHostsModems(): Promise<HostedModemView[]> {
    const hosts = this.deps.hosts;
    if (!hosts) return [];
    return otherHostsModems(await hosts.recorded.modemInventory(), hosts.hostId);
  }

  /** A customer by id; `operator` names the built-in operator account (for its own keys). */
  private customer(id: string): Promise<Customer> {
    if (id === OPERATOR_ALIAS && this.deps.operator) return this.deps.operator.ensure();
    return this.deps.customers.getCustomer(id);
  }

  private webhookService(): WebhookService {
    if (!this.deps.webhooks) throw new SimpoolError('not_found', 'webhooks are not enabled');
    return this.deps.webhooks;
  }
}

function withActivity(
  view: HostedModemView,
  activity: ReadonlyMap<string, { currentOrderId: string | null; lastSmsAt: number | null }>,
): AdminModem {
  const own = view.iccid === null ? undefined : activity.get(view.iccid);
  return {
    ...view,
    currentOrderId: own?.currentOrderId ?? null,
    lastSmsAt: own?.lastSmsAt ?? null,
  };
}
