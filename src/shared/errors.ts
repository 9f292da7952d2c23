/**
 * The one error type of simpool. Its `code` is a stable string that crosses every boundary
 * unchanged (AT engine → modem → domain → REST/WebSocket/webhooks); messages are for humans
 * and logs, codes are for programs.
 */
export type ErrorCode =
  // transport
  | 'transport_open_failed'
  | 'transport_closed'
  | 'transport_write_failed'
  // AT engine
  | 'at_timeout'
  | 'at_error'
  | 'at_cme_error'
  | 'at_cms_error'
  | 'at_prompt_failed'
  | 'at_engine_closed'
  | 'at_invalid_command'
  /** An earlier command's answer arrived while this one was in flight (echo off): not trusted. */
  | 'at_desync'
  // modem driver
  | 'modem_no_answer'
  | 'modem_stopped'
  | 'modem_offline'
  | 'modem_init_failed'
  // SMS codec
  | 'pdu_invalid'
  | 'sms_encoding_unsupported'
  | 'sms_too_long'
  // simulator
  | 'simulator_unknown_modem'
  | 'simulator_invalid_request'
  // store
  | 'store_open_failed'
  | 'store_schema_too_new'
  /** The configured database needs a store engine this build does not have. */
  /** A database older than this simpool where it must be current (`simpool migrate` it first). */
  | 'store_schema_outdated'
  /** Copying an appliance (`simpool migrate --from`): the target already holds data. */
  | 'store_target_not_empty'
  /** Copying an appliance: a table, column or sequence the copier does not know how to copy. */
  | 'store_copy_unsupported'
  /** Copying an appliance failed (PostgreSQL refused a row, counts or balances differ): undone. */
  | 'store_copy_failed'
  // hosts sharing one database
  /** Another live process holds this host id (its lock, and a lease not yet expired). */
  | 'host_id_in_use'
  /** This process's epoch is no longer its host's: another process took the id over. */
  | 'host_fenced'
  // outbound SMS (stored as a message's error code)
  | 'sms_send_failed'
  | 'sms_delivery_failed'
  // pool
  | 'power_cycle_failed'
  // domain: catalog, customers, orders
  | 'validation_failed'
  | 'unauthorized'
  | 'unknown_service'
  | 'unknown_country'
  | 'insufficient_balance'
  | 'no_numbers'
  | 'max_price_exceeded'
  | 'channels_limit'
  | 'key_banned'
  | 'order_not_found'
  | 'customer_not_found'
  | 'bad_status'
  | 'too_early'
  // HTTP API (codes with no domain counterpart; statuses in src/api)
  | 'forbidden'
  | 'rate_limited'
  | 'idempotency_conflict'
  | 'idempotency_mismatch'
  // general
  | 'invalid_argument'
  | 'config_invalid'
  /** The daemon could not listen on a configured address (port in use, no such address). */
  | 'listen_failed'
  | 'not_found'
  | 'webhook_not_found'
  /** The host that drives a modem did not carry out an action on it in time (down, cut off). */
  | 'host_unavailable'
  | 'internal_error';

export interface SimpoolErrorOptions {
  readonly cause?: unknown;
  /** Structured facts for logs and API error bodies (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class SimpoolError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: SimpoolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SimpoolError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isSimpoolError(value: unknown, code?: ErrorCode): value is SimpoolError {
  return value instanceof SimpoolError && (code === undefined || value.code === code);
}

/** A message for any thrown value, for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
