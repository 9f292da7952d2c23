/**
 * The Messaging API's storage (MessagingPort): a validated draft is encoded into its SUBMIT PDUs
 * (common/outbound-drafts.ts) and queued in one transaction, with the request's idempotency key
 * recorded in it (common/idempotent-effects.ts); reads come from message-reads.ts.
 */
import type {
  MessageAudience,
  MessageDetail,
  MessageListQuery,
  MessageView,
  MessagingPort,
  OutboundDraft,
  Page,
  QueuedMessage,
  SenderSim,
} from '../../domain/index.js';
import {
  QUEUED_MESSAGE_COLUMNS,
  outboundFromDraft,
  queuedFrom,
  queuedFromRow,
  type QueuedMessageRow,
} from '../common/outbound-drafts.js';
import type { SqliteDatabase } from './database.js';
import { SqliteIdempotentEffects } from './idempotent-effects.js';
import { settled } from './settled.js';
import type { SqliteInventoryRepository } from './inventory-repository.js';
import { SqliteMessageReads } from './message-reads.js';
import type { SqliteOutboundRepository } from './outbound-repository.js';

export class SqliteMessagingRepository implements MessagingPort {
  private readonly reads: SqliteMessageReads;
  private readonly kindOf;
  private readonly queueTx;

  constructor(
    db: SqliteDatabase,
    outbound: SqliteOutboundRepository,
    private readonly inventory: SqliteInventoryRepository,
  ) {
    this.reads = new SqliteMessageReads(db);
    this.kindOf = db.prepare<[string], string>('SELECT kind FROM customers WHERE id = ?').pluck();
    const effects = new SqliteIdempotentEffects(db);
    const queued = db.prepare<[string], QueuedMessageRow>(
      `SELECT ${QUEUED_MESSAGE_COLUMNS} FROM outbound_messages WHERE id = ?`,
    );
    this.queueTx = db.transaction((draft: OutboundDraft): QueuedMessage => {
      const claimed = draft.claimedKey;
      // A re-run of a request whose holder died after queueing: the same message, not a second.
      const sent = claimed && effects.recorded(claimed, 'message');
      const row = sent && queued.get(sent.id);
      if (row) return queuedFromRow(row);
      const message = outboundFromDraft(draft);
      outbound.enqueueWithin(message);
      if (claimed) effects.record(claimed, { kind: 'message', id: message.id, detail: null });
      return queuedFrom(message);
    });
  }

  isOperatorAccount(customerId: string): Promise<boolean> {
    return Promise.resolve(this.kindOf.get(customerId) === 'operator');
  }

  async findSim(iccidOrNumber: string): Promise<SenderSim | undefined> {
    const sim = await this.inventory.findSim(iccidOrNumber);
    return sim ? { iccid: sim.iccid, msisdn: sim.msisdn, enabled: sim.enabled } : undefined;
  }

  queue(draft: OutboundDraft): Promise<QueuedMessage> {
    return settled(() => this.queueTx.immediate(draft));
  }

  getMessage(id: string, audience: MessageAudience): Promise<MessageDetail | undefined> {
    return Promise.resolve(this.reads.getMessage(id, audience));
  }

  listMessages(query: MessageListQuery, audience: MessageAudience): Promise<Page<MessageView>> {
    return Promise.resolve(this.reads.listMessages(query, audience));
  }
}
