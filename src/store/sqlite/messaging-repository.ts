/**
 * The Messaging API's storage (MessagingPort): a validated draft is encoded into its SUBMIT PDUs
 * (common/outbound-drafts.ts) and queued in one transaction; reads come from message-reads.ts.
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
import { outboundFromDraft, queuedFrom } from '../common/outbound-drafts.js';
import type { SqliteDatabase } from './database.js';
import type { SqliteInventoryRepository } from './inventory-repository.js';
import { SqliteMessageReads } from './message-reads.js';
import type { SqliteOutboundRepository } from './outbound-repository.js';

export class SqliteMessagingRepository implements MessagingPort {
  private readonly reads: SqliteMessageReads;
  private readonly kindOf;

  constructor(
    db: SqliteDatabase,
    private readonly outbound: SqliteOutboundRepository,
    private readonly inventory: SqliteInventoryRepository,
  ) {
    this.reads = new SqliteMessageReads(db);
    this.kindOf = db.prepare<[string], string>('SELECT kind FROM customers WHERE id = ?').pluck();
  }

  isOperatorAccount(customerId: string): Promise<boolean> {
    return Promise.resolve(this.kindOf.get(customerId) === 'operator');
  }

  async findSim(iccidOrNumber: string): Promise<SenderSim | undefined> {
    const sim = await this.inventory.findSim(iccidOrNumber);
    return sim ? { iccid: sim.iccid, msisdn: sim.msisdn, enabled: sim.enabled } : undefined;
  }

  async queue(draft: OutboundDraft): Promise<QueuedMessage> {
    const message = outboundFromDraft(draft);
    await this.outbound.enqueue(message);
    return queuedFrom(message);
  }

  getMessage(id: string, audience: MessageAudience): Promise<MessageDetail | undefined> {
    return Promise.resolve(this.reads.getMessage(id, audience));
  }

  listMessages(query: MessageListQuery, audience: MessageAudience): Promise<Page<MessageView>> {
    return Promise.resolve(this.reads.listMessages(query, audience));
  }
}
