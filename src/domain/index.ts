/**
 * Domain layer: the rules of number rental (catalog, customers, ledger, orders, matching, code
 * extraction). Other layers import only from here.
 */
export { extractCode, explainCode, extractGeneric } from './code-extraction.js';
export type { CodeExtraction, ExtractCodeOptions } from './code-extraction.js';
export {
  SEED_SERVICES,
  SEED_COUNTRIES,
  countryForMcc,
  serviceByCode,
  countryByActivateId,
  countryByIso2,
} from './catalog-seed.js';
export type { SeedService, SeedCountry } from './catalog-seed.js';
export { UNITS_PER_USD, usdToUnits, unitsToUsd, formatUnits } from './money.js';
export type { FormatOptions } from './money.js';
export { ulid, newId } from './ids.js';
export type { IdPrefix } from './ids.js';
export { API_SCOPES, generateApiKey, hashApiKey, looksLikeApiKey, isApiScope } from './api-keys.js';
export type { ApiScope, GeneratedKey } from './api-keys.js';
export type {
  Service,
  Country,
  PriceEntry,
  ServicePatch,
  CatalogSeedInput,
  SeedReport,
} from './catalog.js';
export { LEDGER_TYPES } from './customers.js';
export type {
  Customer,
  ApiKeyInfo,
  NewApiKey,
  Authenticated,
  LedgerType,
  LedgerEntry,
  LedgerQuery,
  Page,
  CreditRequest,
  Profile,
} from './customers.js';
export { ORDER_STATUSES, OPEN_STATUSES, isOpenStatus, EVENT_TYPES } from './order-types.js';
export type {
  OrderStatus,
  OpenStatus,
  Order,
  OrderNumber,
  OrderMessage,
  OrderDetail,
  ReleaseReason,
  UsageOutcome,
  EventType,
  DomainEvent,
  PurchaseRequest,
  OrderQuery,
  InboundSms,
  MatchResult,
  ExpiryReport,
} from './order-types.js';
export { refusalError, unwrap, refuse, accept } from './refusals.js';
export type { Refusal, Outcome } from './refusals.js';
export {
  DEFAULT_ORDER_RULES,
  orderTimers,
  decidePurchase,
  decideCancel,
  decideSwap,
  decideRetry,
  decideFinish,
  decideExpiry,
  decideSms,
} from './order-rules.js';
export type {
  OrderRulesConfig,
  OrderTimers,
  PurchaseFacts,
  ExpiryDecision,
  SmsDecision,
} from './order-rules.js';
export { leastRecentlyUsed, randomPolicy, allocationPolicy, toE164 } from './allocation.js';
export type {
  SimCandidate,
  AllocationPolicy,
  AllocationPolicyName,
  EligibilityRules,
} from './allocation.js';
export type {
  CatalogPort,
  CustomerPort,
  OrderPort,
  EventPort,
  OrderCommandContext,
  SandboxGrant,
  SandboxDeliveryPort,
  IdempotencyPort,
} from './ports.js';
export { IDEMPOTENCY_TTL_MS, IDEMPOTENCY_LEASE_MS, decideIdempotency } from './idempotency.js';
export type {
  ClaimHolder,
  ClaimedIdempotencyKey,
  IdempotencyClaim,
  NewIdempotencyClaim,
  IdempotencyRecord,
  StoredResponse,
  IdempotencyDecision,
} from './idempotency.js';
export { CatalogService, DEFAULT_PRICE_UNITS } from './catalog-service.js';
export type { CatalogServiceOptions } from './catalog-service.js';
export { CustomerService } from './customer-service.js';
export type { CreateKeyInput, CreatedKey, CustomerServiceOptions } from './customer-service.js';
export { OrderService } from './order-service.js';
export type { OrderServiceOptions, Principal, PurchaseInput } from './order-service.js';
export { MatchingService } from './matching-service.js';
export { CALL_CODE_DIGITS, callCode, hasDelivery } from './calls.js';
export type { CallEndReason, CallMatchResult, IncomingCallRecord, OrderCall } from './calls.js';
export {
  SIMULATED_SLOT_PREFIX,
  isSimulatedSlot,
  allowedSimKind,
  simServesOrder,
  DEFAULT_SANDBOX_STARTING_BALANCE_UNITS,
  SANDBOX_GRANT_DESCRIPTION,
  decideSandboxDelivery,
  randomCode,
  sandboxSms,
} from './sandbox.js';
export type {
  SimKind,
  SandboxDeliveryKind,
  SandboxDeliveryOutcome,
  DueSandboxDelivery,
  SyntheticSms,
} from './sandbox.js';
export {
  WEBHOOK_EVENT_TYPES,
  ADMIN_WEBHOOK_EVENT_TYPES,
  DELIVERY_STATUSES,
  PAUSE_REASONS,
} from './webhook-types.js';
export type {
  WebhookEventType,
  DeliveryStatus,
  WebhookEndpoint,
  PauseReason,
  WebhookEndpointWithSecret,
  WebhookDelivery,
  ClaimedDelivery,
  NewDelivery,
  NewEndpoint,
  EndpointPatch,
  AttemptRecord,
  WebhookScope,
  WebhookPort,
} from './webhook-types.js';
export { generateWebhookSecret, standardSignature, webhookHeaders } from './webhook-signing.js';
export {
  RETRY_SCHEDULE_MS,
  DEFAULT_DELIVERY_SETTINGS,
  DELIVERY_TIMEOUT_MS,
  RESPONSE_BODY_LIMIT,
  retryDelay,
  parseRetryAfter,
  decideAttempt,
} from './webhook-policy.js';
export type { AttemptResult, DeliverySettings } from './webhook-policy.js';
export { fanOutEvent, envelope, endpointChangeEvent } from './webhook-events.js';
export type { Envelope } from './webhook-events.js';
export {
  validateWebhookUrl,
  resolveWebhookTarget,
  isPrivateAddress,
  systemResolver,
} from './webhook-url.js';
export type { WebhookUrlPolicy, HostResolver, WebhookTarget } from './webhook-url.js';
export { WebhookService } from './webhook-service.js';
export type {
  WebhookServiceOptions,
  WebhookInput,
  WebhookUpdate,
  CreatedWebhook,
} from './webhook-service.js';
export { AdminService } from './admin-service.js';
export type { AdminServiceDeps, AdminModem, Overview, AdminCatalog } from './admin-service.js';
export { otherHostsModems, ownModem, recordedModem } from './host-modems.js';
export type { HostedModemView } from './host-modems.js';
export { hourSeries, hourStart, modemCounts, HOUR_MS } from './admin-stats.js';
export { HOST_UNAVAILABLE } from './host-commands.js';
export type {
  HostCommandAction,
  HostCommandStatus,
  HostCommandParams,
  HostCommandResult,
  HostCommand,
  NewHostCommand,
  HostCommandOutcome,
  HostCommandPort,
} from './host-commands.js';
export { HostCommandClient, HOST_COMMAND_TIMEOUT_MS } from './host-command-client.js';
export type { HostCommandClientOptions } from './host-command-client.js';
export { HostCommandWorker } from './host-command-worker.js';
export type { HostCommandWorkerOptions } from './host-command-worker.js';
export {
  OperatorAccount,
  OPERATOR_EMAIL,
  ADMIN_CREDENTIAL_SCOPES,
  ADMIN_CREDENTIAL_LABEL,
} from './operator-account.js';
export type * from './admin-types.js';
export type { StatsPort, TrafficStats, StatusCounts, ModemReading } from './stats.js';
export {
  MessagingService,
  MAX_BODY_CHARACTERS,
  MAX_PRIORITY,
  audienceOf,
  requireRecipient,
  requireBody,
  requireValidUntil,
} from './messaging-service.js';
export type { MessagingServiceOptions } from './messaging-service.js';
export { OUTBOUND_STATUSES, MESSAGE_STATUSES } from './messaging-types.js';
export type {
  OutboundMessageStatus,
  MessageStatus,
  MessagingDirection,
  MessagingPrincipal,
  MessageAudience,
  SendMessageInput,
  OutboundDraft,
  QueuedMessage,
  HistoryEntry,
  MessageError,
  MessageView,
  PartView,
  MessageDetail,
  MessageListQuery,
  SenderSim,
  MessagingPort,
} from './messaging-types.js';
export { countryOfNumber } from './phone-country.js';
export type {
  HostLeaseState,
  HostStartRequest,
  AdoptedRows,
  HostRenewal,
  ReapedHost,
  HostSession,
  HostInfo,
  HostRegistryPort,
} from './hosts.js';
