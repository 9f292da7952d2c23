/**
 * The local admin web page (`web/admin/`: plain HTML, CSS and JavaScript modules, no build step)
 * served at `/admin/`, with `/` redirecting there. The page talks to `/api/v1/admin` and
 * `/ws/admin` only, so its Content-Security-Policy allows nothing but its own origin: SMS from
 * strangers are displayed on it, and an injected script must have nowhere to load from or send to.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
// For `schema.hide` (the redirect is no API route for /openapi.json).
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export const ADMIN_PAGE_PREFIX = '/admin/';

export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `web/admin` of the installation: from src/api/plugins (tsx) it is three folders up, from
 * dist/src/api/plugins (the built daemon) four; walking up finds it either way.
 */
export function findAdminPageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'web', 'admin');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) return path.join(from, '../../../web/admin');
  }
}

/** Registers the page; a missing `web/admin` (a stripped install) leaves only the API. */
export function adminPage(root = findAdminPageRoot()) {
  return async (app: FastifyInstance): Promise<void> => {
    if (!existsSync(path.join(root, 'index.html'))) {
      app.log.warn({ root }, 'admin page files not found; /admin/ is not served');
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: ADMIN_PAGE_PREFIX,
      index: 'index.html',
      // The page is small and changes with upgrades: revalidate rather than serve a stale copy.
      cacheControl: false,
      setHeaders: (reply) => {
        void reply.headers({
          'content-security-policy': ADMIN_PAGE_CSP,
          'cache-control': 'no-cache',
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
        });
      },
    });
    // The router ignores trailing slashes, so `/admin/` never reaches the static wildcard
    // route: serve the page itself for `/admin` and `/admin/` (its URLs are absolute).
    app.get('/admin', { schema: { hide: true } }, (_request, reply) =>
      reply.sendFile('index.html'),
    );
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply.redirect(ADMIN_PAGE_PREFIX),
    );
  };
}
