import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, openDatabase } from '../../../src/store/index.js';
import {
  SIM_A,
  StoreFixture,
  countRows,
  deliverPdu,
  outboundMessage,
  recordOf,
} from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/ingest-child.ts', import.meta.url));

/** Runs the ingesting child until it reported `batches` commits, then kills it with SIGKILL. */
function ingestThenKill(file: string, batches: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acknowledged = 0;
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const match of chunk.matchAll(/committed (\d+)/g)) {
        acknowledged = Math.max(acknowledged, Number(match[1]));
      }
      if (acknowledged >= batches) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`child exited on its own: ${stderr}`));
    });
  });
}

describe('durability', () => {
  const fx = new StoreFixture();
  afterEach(() => fx.close());

  it('keeps what one connection committed for the next one to open the file', async () => {
    const file = fx.dirs.file();
    const writer = createStore(openDatabase(file));
    await writer.inbound.ingest([recordOf(deliverPdu({ text: 'persisted' }))]);
    await writer.outbound.enqueue(outboundMessage('out-1'));
    // Committed means visible to another connection before the writer closes.
    const reader = openDatabase(file);
    expect(countRows(reader, 'inbound_messages')).toBe(1);
    reader.close();
    writer.db.close();

    const reopened = fx.store(file);
    expect(await reopened.inbound.listMessages({ limit: 5 })).toMatchObject([
      { iccid: SIM_A, text: 'persisted' },
    ]);
    expect((await reopened.outbound.getMessage('out-1'))?.status).toBe('queued');
  });

  it('keeps every acknowledged batch, and no half batch, after kill -9', async () => {
    const file = fx.dirs.file();
    const acknowledged = await ingestThenKill(file, 20);
    const db = fx.openDb(file);
    const messages = countRows(db, 'inbound_messages');
    expect(messages).toBeGreaterThanOrEqual(acknowledged * 3);
    expect(messages % 3).toBe(0);
    expect(countRows(db, 'inbound_pdus')).toBe(messages);
  });
});
