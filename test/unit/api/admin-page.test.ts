import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PAGE_CSP,
  adminPage,
  findAdminPageRoot,
} from '../../../src/api/plugins/admin-page.js';
import { repoRoot } from '../../helpers/sim-process.js';

describe('the admin page plugin', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function serve(root?: string): Promise<FastifyInstance> {
    // The API's router options: a trailing slash does not make another route.
    app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await app.register(adminPage(root));
    return app;
  }

  it('finds web/admin of the source tree', () => {
    expect(findAdminPageRoot()).toBe(path.join(repoRoot, 'web', 'admin'));
  });

  it('serves the page at /admin/ and /admin with a self-only Content-Security-Policy', async () => {
    const server = await serve();
    for (const url of ['/admin/', '/admin']) {
      const response = await server.inject(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP);
      expect(response.body).toContain('<script type="module" src="/admin/app.js"></script>');
    }
    expect(ADMIN_PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('serves the modules as JavaScript, with the same policy', async () => {
    const response = await (await serve()).inject('/admin/views/overview.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/javascript/);
    expect(response.headers['content-security-policy']).toBe(ADMIN_PAGE_CSP);
  });

  it('redirects / to the page', async () => {
    const response = await (await serve()).inject('/');
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/admin/');
  });

  it('serves nothing outside web/admin', async () => {
    const server = await serve();
    for (const url of ['/admin/../package.json', '/admin/%2e%2e/package.json', '/admin/nope.js']) {
      const response = await server.inject(url);
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.body).not.toContain('"name": "simpool"');
    }
  });

  it('leaves /admin/ unserved when the page files are missing', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'simpool-no-page-'));
    try {
      const response = await (await serve(empty)).inject('/admin/');
      expect(response.statusCode).toBe(404);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
