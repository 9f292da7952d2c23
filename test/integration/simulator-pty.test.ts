import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialLink } from '../../src/transport/index.js';
import { ModemBank, PtyExposure } from '../../src/simulator/index.js';
import { SimClient } from '../helpers/sim-client.js';
import { requireTool } from '../helpers/require-tool.js';
import { pollUntil } from '../helpers/sim-process.js';

/** Waits on real time (PTYs are real I/O), bounded by a deadline. */
async function waitFor(client: SimClient, text: string): Promise<void> {
  await pollUntil(
    () => (client.received.includes(text) ? true : undefined),
    5000,
    JSON.stringify(text),
  );
}

describe('simulated modems on pseudo-terminals', () => {
  let dir: string;
  let bank: ModemBank;
  let ptys: PtyExposure;

  beforeAll(async () => {
    requireTool('socat');
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-pty-'));
    bank = new ModemBank({
      count: 2,
      flavour: 'mixed',
      maxChunk: 5,
      reenumerateOnReset: true,
      timing: { resetDelayMs: 200 },
    });
    ptys = await PtyExposure.start(bank.modems, { dir });
  });

  afterAll(async () => {
    await ptys.stop();
    bank.close();
    expect(existsSync(path.join(dir, 'ttySIM0'))).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a client that opens, closes and reopens the port many times', async () => {
    for (let i = 0; i < 5; i++) {
      const client = new SimClient(await openSerialLink({ path: ptys.path(1) }));
      await client.send('ATE0\r');
      await waitFor(client, 'OK');
      client.take();
      await client.send('AT+CGMI\r');
      await waitFor(client, 'OK');
      expect(client.take()).toBe('\r\nQuectel\r\n\r\nOK\r\n');
      await client.link.close();
    }
  });

  it('removes the link on unplug (the open client sees it go) and recreates it on replug', async () => {
    const client = new SimClient(await openSerialLink({ path: ptys.path(0) }));
    await client.send('AT\r');
    await waitFor(client, 'OK');
    bank.modem(0).fault({ kind: 'unplug' });
    await pollUntil(() => (existsSync(ptys.path(0)) ? undefined : true), 5000, 'link removal');
    await pollUntil(() => (client.disconnected ? true : undefined), 5000, 'client disconnect');
    bank.modem(0).fault({ kind: 'replug' });
    await pollUntil(() => (existsSync(ptys.path(0)) ? true : undefined), 5000, 'link recreation');
    const again = new SimClient(await openSerialLink({ path: ptys.path(0) }));
    await again.send('AT\r');
    await waitFor(again, 'OK');
    await again.link.close();
  });

  it('comes back under another name after AT+CFUN=1,1, like a USB modem re-enumerating', async () => {
    const before = ptys.path(1);
    const client = new SimClient(await openSerialLink({ path: before }));
    // The modem may drop off before our write is drained: that is a reset, not a failure.
    await client.send('AT+CFUN=1,1\r').catch(() => undefined);
    await pollUntil(() => (client.disconnected ? true : undefined), 5000, 'old port gone');
    expect(existsSync(before)).toBe(false);
    const after = path.join(dir, 'ttySIM1-1');
    await pollUntil(() => (existsSync(after) ? true : undefined), 5000, 'new port');
    expect(ptys.path(1)).toBe(after);
    const again = new SimClient(await openSerialLink({ path: after }));
    await again.send('AT+CGSN\r');
    await waitFor(again, bank.modem(1).identity.imei);
    await again.link.close();
  });
});
