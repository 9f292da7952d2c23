import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/daemon/index.js';
import {
  checkedSend,
  httpSend,
  pinnedLookup,
  type WebhookRequest,
} from '../../src/daemon/webhook-http.js';
import { startWebhooks } from '../../src/daemon/webhooks.js';
import { CustomerService, resolveWebhookTarget } from '../../src/domain/index.js';
import { ManualClock, silentLogger } from '../../src/shared/index.js';
import { createStore, openDatabase } from '../../src/store/index.js';
import { requireTool } from '../helpers/require-tool.js';

/**
 * DNS rebinding: a hostname that passes the check with one address and answers another on the
 * next lookup. Each delivery attempt resolves once, checks, and connects to the checked address
 * (a custom `lookup`), keeping the Host header and the TLS server name the URL's host. Real HTTP
 * servers on 127.0.0.1 and 127.0.0.2 (the same port) stand for the two answers.
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Hit {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

async function server(host: string, port = 0): Promise<{ port: number; hits: Hit[] }> {
  const hits: Hit[] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      hits.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => srv.listen(port, host, resolve));
  cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
  return { port: (srv.address() as AddressInfo).port, hits };
}

/** A resolver answering `first` on its first call and `later` on every other. */
function rebinding(first: string, later: string) {
  const calls: string[] = [];
  const resolve = (host: string): Promise<string[]> => {
    calls.push(host);
    return Promise.resolve([calls.length === 1 ? first : later]);
  };
  return { resolve, calls };
}

const request = (url: string, signal = new AbortController().signal): WebhookRequest => ({
  url,
  headers: { 'content-type': 'application/json' },
  body: '{"id":"evt_1"}',
  signal,
});

describe('webhook delivery and DNS rebinding', () => {
  it('checks the first answer (public) and sends there, not to a later loopback answer', async () => {
    const { resolve, calls } = rebinding('93.184.216.34', '127.0.0.1');
    const policy = { allowPrivate: false, allowedHosts: [] };
    const sent: WebhookRequest[] = [];
    const send = checkedSend(
      (url) => resolveWebhookTarget(url, policy, resolve),
      (req) => {
        sent.push(req);
        return Promise.resolve({ status: 204, body: '', retryAfter: null });
      },
    );
    await send(request('https://hooks.example/simpool'));
    expect(sent.map((r) => r.addresses)).toEqual([['93.184.216.34']]);
    expect(sent[0]?.url).toBe('https://hooks.example/simpool');
    expect(calls).toEqual(['hooks.example']); // one lookup for the check and the connection

    // The next attempt resolves again: now loopback, refused before anything is sent.
    await expect(send(request('https://hooks.example/simpool'))).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(sent).toHaveLength(1);
  });

  it('the daemon delivers to the address its one lookup answered, with the Host header kept', async () => {
    const first = await server('127.0.0.1');
    const second = await server('127.0.0.2', first.port);
    const dir = mkdtempSync(path.join(tmpdir(), 'simpool-rebinding-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = createStore(openDatabase(path.join(dir, 'simpool.db')));
    cleanups.push(() => store.db.close());
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const { resolve, calls } = rebinding('127.0.0.1', '127.0.0.2');
    // Private addresses allowed, so that real servers on loopback can answer; the rule under
    // test is where the connection goes, which the check does not change.
    const config = loadConfig(undefined, {}, {});
    const webhooks = await startWebhooks(
      store,
      { webhooks: { ...config.webhooks, allowPrivate: true } },
      { clock, logger: silentLogger, resolve },
    );
    cleanups.push(() => webhooks.stop());
    const customer = await new CustomerService(store.customers, clock).createCustomer('a@x.test');
    // `.test` names never resolve in real DNS: only the injected resolver knows this one.
    const url = `http://rebind.test:${first.port}/hook`;
    await webhooks.service.create({ customerId: customer.id }, { url, events: ['sms.received'] });
    const emit = (): void =>
      store.events.append({
        type: 'sms.received',
        customerId: customer.id,
        orderId: null,
        data: {},
        now: clock.now(),
      });

    emit();
    webhooks.worker.poke();
    await webhooks.worker.idle();
    expect(first.hits).toHaveLength(1);
    expect(second.hits).toHaveLength(0);
    expect(first.hits[0]?.headers.host).toBe(`rebind.test:${first.port}`);
    expect(JSON.parse(first.hits[0]!.body)).toMatchObject({ type: 'sms.received' });
    expect(calls).toEqual(['rebind.test']);

    // The next attempt's single lookup answers the other address, and that is where it goes.
    emit();
    webhooks.worker.poke();
    await webhooks.worker.idle();
    expect(second.hits).toHaveLength(1);
    expect(first.hits).toHaveLength(1);
    expect(calls).toHaveLength(2);
  });

  it('sends to the given address without any DNS lookup', async () => {
    const target = await server('127.0.0.1');
    const response = await httpSend({
      ...request(`http://unresolvable.invalid:${target.port}/h?x=1`),
      addresses: ['127.0.0.1'],
    });
    expect(response).toEqual({ status: 200, body: 'ok', retryAfter: null });
    expect(target.hits[0]?.headers.host).toBe(`unresolvable.invalid:${target.port}`);
    expect(target.hits[0]?.body).toBe('{"id":"evt_1"}');
    // Without addresses the system resolver is asked, and a .invalid name does not resolve.
    await expect(
      httpSend(request(`http://unresolvable.invalid:${target.port}/h`)),
    ).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(target.hits).toHaveLength(1);
  });

  it('answers a lookup for one family from the checked addresses of that family only', () => {
    const lookup = pinnedLookup(['2606:4700::1111', '93.184.216.34']);
    const answers: unknown[] = [];
    const record = (error: NodeJS.ErrnoException | null, address: unknown, family?: number) =>
      answers.push(error ? error.code : [address, family]);
    lookup('hooks.example', { family: 4 }, record);
    lookup('hooks.example', { family: 6 }, record);
    lookup('hooks.example', { all: true }, record);
    pinnedLookup(['2606:4700::1111'])('hooks.example', { family: 4 }, record);
    expect(answers).toEqual([
      ['93.184.216.34', 4],
      ['2606:4700::1111', 6],
      [
        [
          { address: '2606:4700::1111', family: 6 },
          { address: '93.184.216.34', family: 4 },
        ],
        undefined,
      ],
      'ENOTFOUND',
    ]);
  });

  it('keeps the TLS server name and certificate check on the URL host', async () => {
    const openssl = requireTool('openssl');
    const dir = mkdtempSync(path.join(tmpdir(), 'simpool-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      openssl,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=hooks.test',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const names: Array<string | undefined> = [];
    const srv = createTlsServer(
      {
        key: readFileSync(key),
        cert: readFileSync(cert),
        SNICallback: (name, done) => {
          names.push(name);
          done(null);
        },
      },
      (_req, res) => res.end('ok'),
    );
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => srv.close(resolve)));
    const { port } = srv.address() as AddressInfo;
    // The certificate is self-signed: the send refuses it, which shows it was checked, and the
    // server saw the hostname as the TLS server name although the connection went to 127.0.0.1.
    await expect(
      httpSend({ ...request(`https://hooks.test:${port}/h`), addresses: ['127.0.0.1'] }),
    ).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(names).toEqual(['hooks.test']);
  });
});
