import type {
  OutboundMessageRow,
  OutboundPartToSend,
  OutboundStatus,
  RoutableMessage,
  SlottedPart,
} from '../../pool/index.js';

export interface OutboundMessageTableRow {
  readonly id: string;
  readonly sim_iccid: string | null;
  readonly sender_iccid: string | null;
  readonly to_number: string;
  readonly to_country: string | null;
  readonly body: string;
  readonly status: string;
  readonly part_count: number;
  readonly priority: number;
  readonly delivery_report: number;
  readonly valid_until: number | null;
  readonly customer_id: string | null;
  readonly api_key_id: string | null;
  readonly avoid_iccid: string | null;
  readonly avoid_until: number | null;
  readonly error_code: string | null;
  readonly error_detail: string | null;
  readonly cms_error: number | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly sent_at: number | null;
  readonly delivered_at: number | null;
}

export interface OutboundPartTableRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly pdu: string;
  readonly tpdu_length: number;
  readonly status: 'queued' | 'sending' | 'sent' | 'failed' | 'unknown';
  readonly attempts: number;
  readonly next_attempt_at: number;
  readonly sim_iccid: string | null;
  readonly claimed_at: number | null;
  readonly message_reference: number | null;
  readonly cms_error: number | null;
  readonly error_detail: string | null;
  readonly sent_at: number | null;
  readonly delivery_status: string | null;
  readonly delivery_status_code: number | null;
  readonly delivery_reported_at: number | null;
  readonly send_path: 'stored' | 'direct' | null;
  readonly slot_storage: string | null;
  readonly slot_index: number | null;
}

/** A claimable part joined with what the sender needs of its message. */
export interface ClaimRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly pdu: string;
  readonly tpdu_length: number;
  readonly attempts: number;
  readonly part_count: number;
  readonly to_number: string;
}

/** One outbound part as stored, for the admin page and tests (not part of the pool's port). */
export interface OutboundPartRow {
  readonly messageId: string;
  readonly sequence: number;
  readonly status: OutboundPartTableRow['status'];
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly iccid: string | null;
  readonly messageReference: number | null;
  readonly cmsError: number | null;
  readonly errorDetail: string | null;
  readonly sentAt: number | null;
  readonly deliveryStatus: string | null;
  readonly deliveryReportedAt: number | null;
}

export function outboundMessageFromRow(row: OutboundMessageTableRow): OutboundMessageRow {
  return {
    id: row.id,
    to: row.to_number,
    body: row.body,
    iccid: row.sim_iccid,
    senderIccid: row.sender_iccid,
    // The CHECK constraint keeps the column within the union.
    status: row.status as OutboundStatus,
    partCount: row.part_count,
    priority: row.priority,
    deliveryReport: row.delivery_report === 1,
    validUntil: row.valid_until,
    customerId: row.customer_id,
    errorCode: row.error_code,
    errorDetail: row.error_detail,
    cmsError: row.cms_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
  };
}

export function partToSendFromRow(row: ClaimRow): OutboundPartToSend {
  return {
    messageId: row.message_id,
    sequence: row.sequence,
    total: row.part_count,
    pduHex: row.pdu,
    tpduLength: row.tpdu_length,
    to: row.to_number,
    attempts: row.attempts,
  };
}

export function outboundPartFromRow(row: OutboundPartTableRow): OutboundPartRow {
  return {
    messageId: row.message_id,
    sequence: row.sequence,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    iccid: row.sim_iccid,
    messageReference: row.message_reference,
    cmsError: row.cms_error,
    errorDetail: row.error_detail,
    sentAt: row.sent_at,
    deliveryStatus: row.delivery_status,
    deliveryReportedAt: row.delivery_reported_at,
  };
}

/** A queued message as the routing query returns it. */
export interface RoutableRow {
  readonly id: string;
  readonly to_country: string | null;
  readonly priority: number;
  readonly sender_iccid: string | null;
  readonly avoid_iccid: string | null;
  readonly avoid_until: number | null;
}

export function routableFromRow(row: RoutableRow): RoutableMessage {
  return {
    id: row.id,
    toCountry: row.to_country,
    priority: row.priority,
    senderIccid: row.sender_iccid,
    avoidIccid: row.avoid_iccid,
    avoidUntil: row.avoid_until,
  };
}

export interface SlottedPartRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly status: 'queued' | 'sending' | 'sent' | 'failed' | 'unknown';
  readonly pdu: string;
  readonly attempts: number;
  readonly slot_storage: string;
  readonly slot_index: number;
}

export interface InterruptedPartRow {
  readonly message_id: string;
  readonly sequence: number;
  readonly send_path: 'stored' | 'direct' | null;
  readonly slot_index: number | null;
}

export function slottedPartFromRow(row: SlottedPartRow): SlottedPart {
  return {
    messageId: row.message_id,
    sequence: row.sequence,
    status: row.status,
    pduHex: row.pdu,
    attempts: row.attempts,
    slot: { storage: row.slot_storage, index: row.slot_index },
  };
}
