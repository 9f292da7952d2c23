import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  linkFactoryFor,
  openTcpLink,
  parseTcpUrl,
  type DisconnectEvent,
} from '../../../src/transport/index.js';

const servers: net.Server[] = [];

async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

describe('tcp:// links (ser2net, network modem pools)', () => {
  it('parses tcp://host:port and refuses anything else with invalid_argument', () => {
    expect(parseTcpUrl('tcp://127.0.0.1:7001')).toEqual({ host: '127.0.0.1', port: 7001 });
    expect(parseTcpUrl('tcp://[::1]:7001')).toEqual({ host: '::1', port: 7001 });
    for (const bad of ['tcp://host', 'udp://h:1', 'tcp://:5', 'nonsense']) {
      let thrown: unknown;
      try {
        parseTcpUrl(bad);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'invalid_argument' });
    }
  });

  it('carries bytes both ways through a real socket on 127.0.0.1', async () => {
    const port = await listen((socket) =>
      socket.on('data', (d) => socket.write(`echo:${d.toString()}`)),
    );
    const link = await linkFactoryFor(`tcp://127.0.0.1:${port}`)();
    const reply = new Promise<string>((resolve) => link.onData((c) => resolve(c.toString())));
    await link.write('AT\r');
    expect(await reply).toBe('echo:AT\r');
    await link.close();
    expect(link.isOpen).toBe(false);
  });

  it('emits remote_closed when the server drops the connection', async () => {
    const port = await listen((socket) => socket.end());
    const link = await openTcpLink(`tcp://127.0.0.1:${port}`);
    const event = await new Promise<DisconnectEvent>((resolve) => link.onDisconnect(resolve));
    expect(event.reason).toBe('remote_closed');
    await expect(link.write('AT\r')).rejects.toMatchObject({ code: 'transport_closed' });
  });

  it('fails to open a closed port with transport_open_failed', async () => {
    const port = await listen(() => undefined);
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    await expect(openTcpLink(`tcp://127.0.0.1:${port}`)).rejects.toMatchObject({
      code: 'transport_open_failed',
    });
  });
});
