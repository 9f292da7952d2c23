import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/index.js';
import { useAppliance } from '../helpers/appliance.js';

/**
 * `GET /openapi.json` of the whole appliance (the daemon's own server, wired with every part it
 * has, listening on 127.0.0.1): it validates as OpenAPI 3 and describes every route the server
 * registered, so a route added later without a description fails here. `/docs` serves Swagger
 * UI from the installed package.
 */
const appliance = useAppliance();

/** Web pages and their files, not API: /docs (Swagger UI), the admin page, its `/` redirect. */
const PAGES = [/^\/docs(\/|$)/, /^\/admin(\/|$)/, /^\/$/];

interface Operation {
  readonly tags?: string[];
  readonly summary?: string;
  readonly security?: unknown[];
  readonly responses?: Record<string, unknown>;
}
interface Spec {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { securitySchemes: Record<string, Record<string, string>> };
}

const TREE_LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/;

/**
 * Every `METHOD /path` of Fastify's route tree (`printRoutes`), without HEAD, OPTIONS and the
 * PAGES: a node's path is its parent's plus its own segment, its depth the indentation.
 */
function registeredRoutes(app: ApiServer): string[] {
  const parents: string[] = [];
  const routes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = TREE_LINE.exec(line);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    const parent = parents[depth - 1] ?? '';
    const segment = node[2]!;
    // A wildcard child is printed as `*` under its parent's path without the slash between.
    const path = segment === '*' && !parent.endsWith('/') ? `${parent}/*` : parent + segment;
    parents[depth] = path;
    // Static file trees print compressed (`/docs/static/*` shows as `*` under `/docs`).
    if (PAGES.some((page) => page.test(path))) continue;
    for (const method of (node[3] ?? '').split(', ').filter(Boolean)) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      // The parse is right only if Fastify knows the route it names.
      expect(app.hasRoute({ method, url: path }), `${method} ${path}`).toBe(true);
      routes.push(`${method} ${path}`);
    }
  }
  return routes;
}

/** Fastify's `/order/:id` is OpenAPI's `/order/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

let base = '';
async function served(): Promise<ApiServer> {
  const { daemon } = await appliance.start({ prefix: 'simpool-openapi-', modems: 1 });
  base = daemon.api.url;
  return daemon.api.app;
}

async function fetchSpec(): Promise<Spec> {
  const response = await fetch(`${base}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Spec;
}

describe('GET /openapi.json', () => {
  it('validates as an OpenAPI 3 document', async () => {
    await served();
    const spec = await fetchSpec();
    expect(spec.openapi).toMatch(/^3\./);
    // validate() dereferences in place: give it a copy.
    const result = await validate(structuredClone(spec) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('describes every route the server registered, with tags and responses', async () => {
    const app = await served();
    const spec = await fetchSpec();
    const routes = registeredRoutes(app);
    // The sweep must have something to sweep: the main areas are there.
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /metrics',
        'GET /openapi.json',
        'POST /api/v1/customer/purchase',
        'GET /api/v1/customer/webhooks/:id/deliveries',
        'POST /stubs/handler_api.php',
      ]),
    );
    const missing: string[] = [];
    for (const route of routes) {
      const [method, url] = route.split(' ') as [string, string];
      const operation = spec.paths[openApiPath(url)]?.[method.toLowerCase()];
      if (!operation) {
        missing.push(route);
        continue;
      }
      expect(operation.tags?.length, route).toBeGreaterThan(0);
      expect(Object.keys(operation.responses ?? {}).length, route).toBeGreaterThan(0);
    }
    expect(missing, 'routes without an OpenAPI operation').toEqual([]);
  });

  it('names the ways in: API key header, bearer token, admin cookie', async () => {
    await served();
    const spec = await fetchSpec();
    expect(spec.components.securitySchemes).toMatchObject({
      ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      bearer: { type: 'http', scheme: 'bearer' },
      adminCookie: { type: 'apiKey', in: 'cookie' },
    });
    const purchase = spec.paths['/api/v1/customer/purchase']!.post!;
    expect(purchase.security).toEqual([{ ApiKey: [] }, { bearer: [] }]);
    expect(spec.paths['/healthz']!.get!.security).toEqual([]);
    expect(spec.paths['/api/v1/price']!.get!.security).toEqual([]);
  });

  it('documents the legacy endpoint with its parameters, without validating them', async () => {
    await served();
    const spec = await fetchSpec();
    const legacy = spec.paths['/stubs/handler_api.php']!.get! as Operation & {
      parameters: Array<{ name: string; in: string }>;
    };
    expect(legacy.tags).toEqual(['legacy']);
    expect(legacy.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['api_key', 'action', 'service', 'country', 'id', 'status']),
    );
    // A repeated parameter is still a protocol answer, not a schema error.
    const answer = await fetch(`${base}/stubs/handler_api.php?action=getBalance&action=x`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('NO_KEY');
  });
});

describe('GET /docs', () => {
  it('answers Swagger UI as HTML, its scripts served by this server', async () => {
    await served();
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/i);
    // No CDN: every script the page loads is a relative path on this server.
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const asset = await fetch(new URL(src, `${base}/docs/`));
      expect(asset.status, src).toBe(200);
      expect(asset.headers.get('content-type'), src).toMatch(/javascript/);
      // Read it: an unread body keeps the connection busy and the server from closing.
      expect((await asset.arrayBuffer()).byteLength, src).toBeGreaterThan(0);
    }
  });
});
