/**
 * The system under test, built in-process: a bank of simulated modems on in-memory links, the
 * real ModemPool and InboundPipeline, and either the real SQLite store (WAL, synchronous FULL)
 * or a sink that only counts (to isolate what the store costs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ModemPool,
  type FixedSlot,
  type InboundRecord,
  type InboundRepository,
  type IngestResult,
} from '../../src/pool/index.js';
import { ModemBank } from '../../src/simulator/index.js';
import { createRepositories, openDatabase, type SqliteDatabase } from '../../src/store/index.js';

export type SinkKind = 'sqlite' | 'count';

export interface Rig {
  readonly bank: ModemBank;
  readonly pool: ModemPool;
  readonly db: SqliteDatabase;
  /** Milliseconds from pool.start() until every modem was ready. */
  readonly startupMs: number;
  /** Inbound transactions (ingest calls) and the records they carried; reset at will. */
  readonly batches: { count: number; records: number };
  /** Called with the decoded text of every committed SMS, right after its commit. */
  onCommitted(listener: (text: string) => void): void;
  close(): Promise<void>;
}

/** Keeps the decode the pipeline did, writes nothing: what the pool costs without SQLite. */
function countingRepository(): InboundRepository {
  let id = 0;
  return {
    ingest(records: readonly InboundRecord[]): Promise<IngestResult[]> {
      const results = records.map((record): IngestResult => {
        const d = record.decoded;
        if (d.type !== 'deliver') return { kind: 'malformed' };
        return {
          kind: 'message',
          message: {
            id: ++id,
            iccid: record.iccid,
            sender: d.sender.value,
            text: d.text,
            encoding: d.encoding,
            sentAt: d.timestamp.getTime(),
            receivedAt: record.receivedAt,
            complete: true,
            partCount: 1,
            missingParts: [],
          },
        };
      });
      return Promise.resolve(results);
    },
    expireIncomplete: () => Promise.resolve([]),
    listMessages: () => Promise.resolve([]),
    listReceivedSince: () => Promise.resolve([]),
  };
}

async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function buildRig(modems: number, sink: SinkKind): Promise<Rig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'simpool-bench-'));
  const db = openDatabase(path.join(dir, 'simpool.db'));
  const repositories = createRepositories(db);
  const bank = new ModemBank({ count: modems, flavour: 'mixed' });
  const fixedSlots: FixedSlot[] = bank.modems.map((modem) => ({
    address: `simulated:${modem.index}`,
    linkFactory: modem.connect,
  }));
  const batches = { count: 0, records: 0 };
  const base = sink === 'sqlite' ? repositories.inbound : countingRepository();
  const inbound: InboundRepository = {
    ingest(records) {
      batches.count++;
      batches.records += records.length;
      return base.ingest(records);
    },
    expireIncomplete: (cutoff, now) => base.expireIncomplete(cutoff, now),
    listMessages: (options) => base.listMessages(options),
    listReceivedSince: (since, limit) => base.listReceivedSince(since, limit),
  };
  const pool = new ModemPool({
    sources: [],
    fixedSlots,
    inventory: repositories.inventory,
    inbound,
    outbound: repositories.outbound,
  });
  const started = performance.now();
  await pool.start();
  await until(
    `${modems} ready modems`,
    () => pool.modems().filter((m) => m.state === 'ready').length === modems,
    120_000,
  );
  const startupMs = performance.now() - started;
  // Let the start-up sweeps and the first inventory writes settle.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    bank,
    pool,
    db,
    startupMs,
    batches,
    onCommitted(listener) {
      pool.pipeline.on('ingested', ({ record }) => {
        if (record.decoded.type === 'deliver') listener(record.decoded.text);
      });
    },
    async close() {
      await pool.stop();
      bank.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
