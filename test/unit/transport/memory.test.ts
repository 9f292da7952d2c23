import { describe, expect, it } from 'vitest';
import { createMemoryPair, type DisconnectEvent } from '../../../src/transport/index.js';

function nextData(link: ReturnType<typeof createMemoryPair>[0]): Promise<string> {
  return new Promise((resolve) => {
    const off = link.onData((chunk) => {
      off();
      resolve(chunk.toString('latin1'));
    });
  });
}

describe('in-memory link pair', () => {
  it('delivers what one end writes to the other end, in both directions', async () => {
    const [a, b] = createMemoryPair('t');
    const atB = nextData(b);
    await a.write('AT\r');
    expect(await atB).toBe('AT\r');
    const atA = nextData(a);
    await b.write(Buffer.from('\r\nOK\r\n'));
    expect(await atA).toBe('\r\nOK\r\n');
  });

  it('reports closed_locally on the closing end and remote_closed on the other', async () => {
    const [a, b] = createMemoryPair('t');
    const events: Array<[string, DisconnectEvent]> = [];
    a.onDisconnect((e) => events.push(['a', e]));
    const bClosed = new Promise<void>((resolve) =>
      b.onDisconnect((e) => {
        events.push(['b', e]);
        resolve();
      }),
    );
    await a.close();
    await bClosed;
    expect(events.map(([end, e]) => `${end}:${e.reason}`)).toEqual([
      'a:closed_locally',
      'b:remote_closed',
    ]);
    expect(a.isOpen).toBe(false);
    expect(b.isOpen).toBe(false);
  });

  it('rejects writes after close with transport_closed', async () => {
    const [a] = createMemoryPair('t');
    await a.close();
    await expect(a.write('AT\r')).rejects.toMatchObject({ code: 'transport_closed' });
  });

  it('tells a late disconnect subscriber that the link already ended', async () => {
    const [a] = createMemoryPair('t');
    await a.close();
    const event = await new Promise<DisconnectEvent>((resolve) => a.onDisconnect(resolve));
    expect(event.reason).toBe('closed_locally');
  });
});
