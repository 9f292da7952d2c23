import { EventEmitter } from 'node:events';
import type { InboundPduRead, InboundSink } from '../modem/index.js';
import {
  describeError,
  systemClock,
  type Clock,
  type Logger,
  silentLogger,
} from '../shared/index.js';
import { decodePdu } from '../sms/index.js';
import type { InboundRecord, InboundRepository, IngestResult } from './ports.js';

interface PendingCommit {
  readonly record: InboundRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface InboundPipelineEvents {
  /** A stored result: a new message, a part, a status report, a duplicate, a malformed PDU. */
  ingested: [{ readonly record: InboundRecord; readonly result: IngestResult }];
}

/** Decoding never throws out of here: what cannot be decoded is kept raw and flagged. */
function decodeForStore(pdu: string): InboundRecord['decoded'] {
  try {
    return decodePdu(pdu);
  } catch (error) {
    return { type: 'malformed', error: describeError(error) };
  }
}

/**
 * The sink every modem driver hands its PDUs to. Commits that arrive in the same turn of the
 * event loop (from many modems) are written in one transaction — one fsync for the batch — and
 * each driver learns its PDU is durable only after that transaction committed; only then does
 * it delete the SMS from the SIM. One batch is written at a time: PDUs read meanwhile wait for
 * the next batch, so the parts of a multipart are never reassembled by two transactions at once
 * (each would miss the other's part) and a slow commit gathers a bigger next batch.
 */
export class InboundPipeline extends EventEmitter<InboundPipelineEvents> implements InboundSink {
  private pending: PendingCommit[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    private readonly repository: InboundRepository,
    options: { readonly clock?: Clock; readonly logger?: Logger } = {},
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  commit(read: InboundPduRead): Promise<void> {
    const record: InboundRecord = {
      iccid: read.iccid,
      imei: read.imei,
      storage: read.storage,
      index: read.index,
      pdu: read.pdu.toUpperCase(),
      receivedAt: this.clock.now(),
      decoded: decodeForStore(read.pdu),
    };
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing || this.pending.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        this.scheduleFlush();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let results: IngestResult[];
    try {
      results = await this.repository.ingest(batch.map((p) => p.record));
    } catch (error) {
      // Nothing of the batch was written. One bad record must not hold the others back:
      // write them one by one, so only the bad one stays on its SIM (and is retried later).
      this.logger.warn(
        { err: describeError(error), batch: batch.length },
        'batch commit failed; committing one by one',
      );
      for (const p of batch) await this.commitAlone(p);
      return;
    }
    this.settle(batch, results);
  }

  private async commitAlone(pending: PendingCommit): Promise<void> {
    let results: IngestResult[];
    try {
      results = await this.repository.ingest([pending.record]);
    } catch (error) {
      this.logger.error(
        { err: describeError(error), iccid: pending.record.iccid, index: pending.record.index },
        'inbound commit failed; the SMS stays on the SIM',
      );
      pending.reject(error);
      return;
    }
    this.settle([pending], results);
  }

  private settle(batch: readonly PendingCommit[], results: readonly IngestResult[]): void {
    batch.forEach((p, i) => {
      p.resolve();
      const result = results[i];
      if (result) this.emitSafely(p.record, result);
    });
  }

  private emitSafely(record: InboundRecord, result: IngestResult): void {
    try {
      this.emit('ingested', { record, result });
    } catch (error) {
      this.logger.error({ err: describeError(error) }, 'an ingested listener threw');
    }
  }
}
