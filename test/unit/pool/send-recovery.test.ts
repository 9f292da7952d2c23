import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ModemPool,
  composeOutbound,
  type DeliveryGuarantee,
  type NewOutboundMessage,
} from '../../../src/pool/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { ModemBank, type FlavourName, type SimulatedModem } from '../../../src/simulator/index.js';
import { createRepositories, openDatabase, type SqliteStore } from '../../../src/store/index.js';
import { advanceUntil } from '../../helpers/advance.js';
import { SimClient } from '../../helpers/sim-client.js';

/**
 * What a restart finds after a crash mid-send, through a real pool: the store says what was in
 * flight (as the crashed run committed it), the simulated modem holds what it really did, and
 * the pool must settle each part by reading the modem before its SIM sends anything new.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Crashed {
  readonly clock: ManualClock;
  readonly modem: SimulatedModem;
  readonly repos: SqliteStore;
  readonly iccid: string;
  /** Starts the pool as the restarted daemon would. */
  restart(guarantee?: DeliveryGuarantee): Promise<ModemPool>;
}

async function crashed(flavour: FlavourName = 'sim800c'): Promise<Crashed> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-recovery-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12));
  const bank = new ModemBank({ count: 1, clock, flavour: [flavour], timing: { sendDelayMs: 0 } });
  const db = openDatabase(path.join(dir, 'simpool.db'));
  const repos = createRepositories(db);
  let pool: ModemPool | undefined;
  cleanups.push(async () => {
    await pool?.stop();
    bank.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const modem = bank.modems[0]!;
  // The crashed run had identified its modem and SIM: its claims name a SIM of this host, which
  // is what start-up recovery looks for.
  const { imei, iccid, imsi } = modem.identity;
  const at = clock.now();
  await repos.inventory.recordModem({
    imei,
    manufacturer: 'SIMCOM',
    model: flavour,
    revision: '1',
    path: 'sim0',
    state: 'ready',
    at,
  });
  await repos.inventory.recordSim({
    iccid,
    imsi,
    msisdn: null,
    country: null,
    operator: null,
    imei,
    path: 'sim0',
    at,
  });
  return {
    clock,
    modem,
    repos,
    iccid: modem.identity.iccid,
    async restart(guarantee = 'at-most-once') {
      pool = new ModemPool({
        sources: [],
        fixedSlots: [{ address: 'sim0', linkFactory: modem.connect }],
        inventory: repos.inventory,
        inbound: repos.inbound,
        outbound: repos.outbound,
        clock,
        deliveryGuarantee: guarantee,
      });
      const starting = pool.start();
      // Start-up recovery is awaited before the modem is attached: wait for it.
      const ready = () => pool!.modems().some((m) => m.state === 'ready');
      await advanceUntil(clock, ready);
      await starting;
      return pool;
    },
  };
}

/** Types AT commands into the modem as the crashed run did, before the pool opens the port. */
async function atSession(modem: SimulatedModem): Promise<SimClient> {
  const client = new SimClient(await modem.connect());
  await client.command('AT+CMGF=0');
  return client;
}

/** AT+CMGW of the message's first part; its slot index. */
async function storeOnModem(client: SimClient, message: NewOutboundMessage): Promise<number> {
  const part = message.parts[0]!;
  client.take();
  await client.send(`AT+CMGW=${part.tpduLength},2\r`);
  await client.waitForText('> ');
  await client.send(`${part.pduHex}\x1a`);
  await client.waitFor((received) => /\r\nOK\r\n/.test(received));
  const index = /\+CMGW: (\d+)/.exec(client.take())?.[1];
  expect(index).toBeDefined();
  return Number(index);
}

async function compose(r: Crashed, text: string): Promise<NewOutboundMessage> {
  const message = composeOutbound({ to: '+447700900555', text, iccid: null, now: r.clock.now() });
  await r.repos.outbound.enqueue(message);
  return message;
}

/** The crashed run's commits: claimed by the SIM, slot recorded. */
async function inFlight(r: Crashed, message: NewOutboundMessage, index: number): Promise<void> {
  expect(await r.repos.outbound.claimPart(message.id, r.iccid, r.clock.now())).toBeDefined();
  await r.repos.outbound.recordStoredSlot(message.id, 1, { storage: 'SM', index });
}

describe('settling sends a crash interrupted', () => {
  it('records a part the modem shows STO SENT as sent, without sending it again', async () => {
    const r = await crashed();
    const message = await compose(r, 'went out before the crash');
    const client = await atSession(r.modem);
    const index = await storeOnModem(client, message);
    await inFlight(r, message, index);
    // The modem sent it; the crash came before +CMSS was recorded.
    expect(await client.command(`AT+CMSS=${index}`)).toMatch(/\+CMSS: \d+/);
    expect(r.modem.sent).toHaveLength(1);
    await r.restart();
    await advanceUntil(
      r.clock,
      async () => (await r.repos.outbound.getMessage(message.id))?.status === 'sent',
    );
    expect(r.modem.sent).toHaveLength(1);
    expect(r.repos.outbound.getParts(message.id)[0]).toMatchObject({
      status: 'sent',
      messageReference: null,
    });
    // Its slot is freed, and nothing of it was taken for an inbound SMS.
    await advanceUntil(r.clock, () => r.modem.stored('SM').length === 0);
    expect(await r.repos.inbound.listMessages({ limit: 10 })).toEqual([]);
  });

  it('sends the rest of a long message once its part in doubt is found STO SENT', async () => {
    const r = await crashed();
    const message = await compose(r, 'long '.repeat(40));
    expect(message.parts).toHaveLength(2);
    const client = await atSession(r.modem);
    const index = await storeOnModem(client, message);
    await inFlight(r, message, index);
    await client.command(`AT+CMSS=${index}`);
    await r.restart();
    await advanceUntil(
      r.clock,
      async () => (await r.repos.outbound.getMessage(message.id))?.status === 'sent',
    );
    expect(r.modem.sent.map((m) => m.concat?.seq)).toEqual([1, 2]);
  });

  it('sends a part the modem shows STO UNSENT exactly once', async () => {
    const r = await crashed();
    const message = await compose(r, 'stored, then the crash');
    const index = await storeOnModem(await atSession(r.modem), message);
    await inFlight(r, message, index);
    await r.restart();
    await advanceUntil(
      r.clock,
      async () => (await r.repos.outbound.getMessage(message.id))?.status === 'sent',
    );
    expect(r.modem.sent.map((m) => m.text)).toEqual(['stored, then the crash']);
    expect(r.repos.outbound.getParts(message.id)[0]?.messageReference).toBe(r.modem.sent[0]!.mr);
    await advanceUntil(r.clock, () => r.modem.stored('SM').length === 0);
  });

  it('holds new messages of the SIM until its slot is settled, then sends them', async () => {
    const r = await crashed();
    const old = await compose(r, 'old');
    const index = await storeOnModem(await atSession(r.modem), old);
    await inFlight(r, old, index);
    const fresh = await compose(r, 'fresh');
    await r.restart();
    await advanceUntil(
      r.clock,
      async () => (await r.repos.outbound.getMessage(fresh.id))?.status === 'sent',
    );
    expect(r.modem.sent.map((m) => m.text)).toEqual(['old', 'fresh']);
  });

  it('deletes a stored message no part names (crash before its slot was committed), and sends that part once', async () => {
    const r = await crashed();
    const message = await compose(r, 'orphaned slot');
    await storeOnModem(await atSession(r.modem), message);
    // Claimed, but the crash came before the slot's commit: nothing was sent.
    await r.repos.outbound.claimPart(message.id, r.iccid, r.clock.now());
    await r.restart();
    await advanceUntil(
      r.clock,
      async () => (await r.repos.outbound.getMessage(message.id))?.status === 'sent',
    );
    await advanceUntil(r.clock, () => r.modem.stored('SM').length === 0);
    expect(r.modem.sent.map((m) => m.text)).toEqual(['orphaned slot']);
  });

  it('marks a part in doubt unknown when its slot holds something else (at-most-once)', async () => {
    const r = await crashed();
    const message = await compose(r, 'slot lost');
    await inFlight(r, message, 7);
    await r.restart();
    await advanceUntil(
      r.clock,
      async () => (await r.repos.outbound.getMessage(message.id))?.status === 'unknown',
    );
    expect(r.modem.sent).toEqual([]);
  });

  it('on a modem without AT+CMGW, a part sent with AT+CMGS when the crash came is unknown by default and sent again with at-least-once', async () => {
    for (const guarantee of ['at-most-once', 'at-least-once'] as const) {
      const r = await crashed('generic');
      const message = await compose(r, `direct ${guarantee}`);
      await r.repos.outbound.claimPart(message.id, r.iccid, r.clock.now());
      await r.repos.outbound.recordDirectSend(message.id, 1);
      await r.restart(guarantee);
      const expected = guarantee === 'at-most-once' ? 'unknown' : 'sent';
      await advanceUntil(
        r.clock,
        async () => (await r.repos.outbound.getMessage(message.id))?.status === expected,
      );
      expect(r.modem.sent.length).toBe(guarantee === 'at-most-once' ? 0 : 1);
    }
  });
});
