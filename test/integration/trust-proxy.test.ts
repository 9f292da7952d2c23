import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TrustProxy } from '../../src/api/index.js';
import { useAppliance } from '../helpers/appliance.js';

/**
 * `trustProxy` over the daemon's own listening server: X-Forwarded-Proto makes the admin cookie
 * Secure and X-Forwarded-For names the client of the failed-login throttle (REST and WebSocket
 * upgrades alike) — only when the peer is a trusted proxy. This test's requests come from
 * 127.0.0.1, the "proxy".
 */
const appliance = useAppliance();

async function start(trustProxy: TrustProxy) {
  const { daemon } = await appliance.start({
    modems: 1,
    configure: (config) => ({
      ...config,
      trustProxy,
      api: { ...config.api, authFailureLimit: 3 },
    }),
  });
  return { url: daemon.api.url, credential: daemon.admin.credential.credential };
}

async function login(url: string, credential: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/api/v1/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ credential }),
  });
  return { status: response.status, cookie: response.headers.get('set-cookie') ?? '' };
}

/** The close code of a /ws/orders upgrade. */
function wsClose(url: string, key: string, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/orders?api_key=${key}`, {
    headers,
  });
  socket.on('error', () => undefined);
  socket.on('open', () => socket.close(1000));
  return new Promise((resolve) => socket.on('close', (code) => resolve(code)));
}

const HTTPS = { 'x-forwarded-proto': 'https' };

describe('trustProxy', () => {
  it('makes the admin cookie Secure when a trusted proxy says the page came over HTTPS', async () => {
    const { url, credential } = await start(['127.0.0.1']);
    const forwarded = await login(url, credential, HTTPS);
    expect(forwarded.status).toBe(200);
    expect(forwarded.cookie).toMatch(/^simpool_admin=[^;]+;.*\bSecure\b/);
    expect(forwarded.cookie).toMatch(/HttpOnly/);
    const plain = await login(url, credential);
    expect(plain.status).toBe(200);
    expect(plain.cookie).not.toMatch(/Secure/);
  });

  it('ignores X-Forwarded-Proto without trustProxy, and from a peer it does not list', async () => {
    for (const trust of [false, ['10.0.0.1']] as const) {
      const { url, credential } = await start(trust);
      const answer = await login(url, credential, HTTPS);
      expect(answer.status).toBe(200);
      expect(answer.cookie).toMatch(/^simpool_admin=/);
      expect(answer.cookie).not.toMatch(/Secure/);
    }
  });

  it('throttles failed logins per forwarded client: one guessing client does not lock out another', async () => {
    const { url, credential } = await start(true);
    const guesser = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 3; i++) expect((await login(url, 'wrong', guesser)).status).toBe(401);
    expect((await login(url, credential, guesser)).status).toBe(429);
    const colleague = { 'x-forwarded-for': '203.0.113.8' };
    expect((await login(url, credential, colleague)).status).toBe(200);
  });

  it('without trustProxy, a client cannot leave the throttle by inventing X-Forwarded-For', async () => {
    const { url, credential } = await start(false);
    for (let i = 0; i < 3; i++) {
      const spoofed = { 'x-forwarded-for': `198.51.100.${i}` };
      expect((await login(url, 'wrong', spoofed)).status).toBe(401);
    }
    const fresh = { 'x-forwarded-for': '198.51.100.99' };
    expect((await login(url, credential, fresh)).status).toBe(429);
  });

  it('names the client of a WebSocket upgrade by the same rule', async () => {
    const { url } = await start(['loopback']);
    const wrong = `sp_live_${'C'.repeat(32)}`;
    const guesser = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 3; i++) expect(await wsClose(url, wrong, guesser)).toBe(4401);
    expect(await wsClose(url, wrong, guesser)).toBe(4429);
    // Another client behind the same proxy is still judged on its key (4401, not 4429).
    expect(await wsClose(url, wrong, { 'x-forwarded-for': '203.0.113.8' })).toBe(4401);
  });
});
