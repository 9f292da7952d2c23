import { afterEach, describe, expect, it } from 'vitest';
import {
  openSerialLink,
  type ByteLink,
  type DisconnectEvent,
} from '../../../src/transport/index.js';
import { createPtyPair, type PtyPair } from '../../helpers/socat-pair.js';

let pair: PtyPair | undefined;
const links: ByteLink[] = [];

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await pair?.stop();
  pair = undefined;
});

function collect(link: ByteLink): { text: () => string } {
  let received = '';
  link.onData((c) => (received += c.toString('latin1')));
  return { text: () => received };
}

async function until(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('serial links on real pseudo-terminals', () => {
  it('opens a PTY even though DTR/RTS cannot be set on it, and carries bytes both ways', async () => {
    pair = await createPtyPair();
    const host = await openSerialLink({ path: pair.a });
    const modem = await openSerialLink({ path: pair.b });
    links.push(host, modem);
    const atModem = collect(modem);
    const atHost = collect(host);
    await host.write('AT+CGSN\r');
    await until(() => atModem.text() === 'AT+CGSN\r');
    await modem.write('\r\n490154203237518\r\n\r\nOK\r\n');
    await until(() => atHost.text().endsWith('OK\r\n'));
    expect(atHost.text()).toBe('\r\n490154203237518\r\n\r\nOK\r\n');
  });

  it('reports a disconnect when the device behind the path goes away', async () => {
    pair = await createPtyPair();
    const host = await openSerialLink({ path: pair.a });
    const modem = await openSerialLink({ path: pair.b });
    links.push(host, modem);
    const atHost = collect(host);
    await modem.write('\r\nRDY\r\n');
    await until(() => atHost.text().includes('RDY'));
    const ended = new Promise<DisconnectEvent>((resolve) => host.onDisconnect(resolve));
    await pair.stop();
    const event = await ended;
    expect(['device_removed', 'remote_closed', 'io_error']).toContain(event.reason);
    expect(host.isOpen).toBe(false);
  });

  it('reports device_removed when the device path vanishes, even while a read is pending', async () => {
    pair = await createPtyPair();
    // Opened right away and never used: the case where serialport can miss a hang-up.
    const host = await openSerialLink({ path: pair.a, presenceCheckMs: 50 });
    links.push(host);
    const ended = new Promise<DisconnectEvent>((resolve) => host.onDisconnect(resolve));
    await pair.stop();
    expect((await ended).reason).toMatch(/device_removed|remote_closed|io_error/);
    expect(host.isOpen).toBe(false);
  });

  it('fails to open a missing device with transport_open_failed', async () => {
    await expect(openSerialLink({ path: '/nonexistent/ttySIM9' })).rejects.toMatchObject({
      code: 'transport_open_failed',
    });
  });
});
