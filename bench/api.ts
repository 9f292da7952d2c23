/**
 * API benchmark (`npm run bench:api`): the real services over a realistic SQLite database
 * (bench/api/fixture.ts), `buildServer(deps)` listening on 127.0.0.1 in a child process with the
 * rate limit raised, and from this process:
 *   rest     autocannon, 50 connections: GET /api/v1/customer/order/{id} (X-API-Key), cycling
 *            through 40 customers' orders that hold an SMS;
 *   legacy   the same orders over GET /stubs/handler_api.php?action=getStatus;
 *   ws       1,000 WebSocket clients of one customer; one SMS matched to one of its orders through
 *            the real MatchingService; time until the last client has the `sms` frame, 10 rounds.
 * Each HTTP run has a warm-up run first (not counted). Prints a table and writes
 * bench/results/api.json. Never fails on a missed target.
 *
 *   --quick          short runs (smoke check)
 *   --only NAME      rest, legacy or ws
 *   --profile        afterwards, a CPU profile of the server under each HTTP load (top self time)
 *   --save-profile   with --profile: also write bench/results/api-<name>.cpuprofile
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, machineInfo, resultsDir, runMain, writeResults } from './common.js';
import { buildApiFixture, DEFAULT_API_FIXTURE } from './api/fixture.js';
import {
  checkRequests,
  fanOut,
  legacyRequests,
  load,
  restRequests,
  type FanOutResult,
  type HttpRequestSpec,
  type LoadResult,
} from './api/scenarios.js';
import { serve, startServer, type ServerSpec } from './api/server.js';
import type { Attribution } from './ingest/profile.js';

const entry = fileURLToPath(import.meta.url);
const CONNECTIONS = 50;
const WS_CLIENTS = 1_000;
const WS_ROUNDS = 10;
/** Far above what the load sends in a minute: the limiter still runs, it never refuses. */
const RAISED_RATE_LIMIT = 100_000_000;

interface Target {
  readonly name: string;
  readonly limit: string;
  readonly measured: number | null;
  readonly unit: string;
  readonly pass: boolean;
}

function target(
  name: string,
  limit: string,
  measured: number | undefined,
  unit: string,
  ok: (v: number) => boolean,
): Target {
  const m = measured === undefined || Number.isNaN(measured) ? null : measured;
  return { name, limit, measured: m, unit, pass: m !== null && ok(m) };
}

function targets(http: ReadonlyMap<string, LoadResult>, ws: FanOutResult | undefined): Target[] {
  const list: Target[] = [];
  for (const [name, r] of http) {
    list.push(
      target(`${name}: requests/s`, '>= 8000', r.requestsPerS, 'req/s', (v) => v >= 8000),
      target(`${name}: p99 latency`, '<= 15', r.latencyMs.p99, 'ms', (v) => v <= 15),
      target(
        `${name}: errors + non-2xx`,
        '= 0',
        r.errors + r.non2xx + r.timeouts,
        '',
        (v) => v === 0,
      ),
    );
  }
  if (ws) {
    list.push(
      target(
        `ws: one event to ${ws.clients} clients (max of ${ws.rounds})`,
        '<= 100',
        ws.lastClientMs.maxMs,
        'ms',
        (v) => v <= 100,
      ),
    );
  }
  return list;
}

async function main(): Promise<void> {
  const { only, quick, saveProfile } = benchArgs();
  const profile = process.argv.includes('--profile');
  const durationS = quick ? 3 : 10;
  const warmupS = quick ? 1 : 3;
  const work = mkdtempSync(path.join(os.tmpdir(), 'simpool-bench-api-'));
  try {
    process.stdout.write('building the database (catalog, SIMs, customers, orders, SMS) … ');
    const fixture = await buildApiFixture(work);
    console.log(`${(fixture.buildMs / 1000).toFixed(1)} s`, fixture.rows);
    const spec: ServerSpec = {
      file: fixture.file,
      now: fixture.now,
      rateLimitPerMinute: RAISED_RATE_LIMIT,
    };
    const server = await startServer(entry, spec);
    const base = `http://127.0.0.1:${server.port}`;
    const http = new Map<string, LoadResult>();
    const profiles: Record<string, Attribution> = {};
    let ws: FanOutResult | undefined;
    try {
      const runs: [string, HttpRequestSpec[]][] = [
        ['rest GET /order/{id}', restRequests(fixture.polled)],
        ['legacy getStatus', legacyRequests(fixture.polled)],
      ];
      for (const [name, requests] of runs) {
        if (only && !name.startsWith(only)) continue;
        await checkRequests(base, requests);
        process.stdout.write(`running ${name} … `);
        await load(base, requests, CONNECTIONS, warmupS);
        const result = await load(base, requests, CONNECTIONS, durationS);
        http.set(name, result);
        console.log(
          `${result.requestsPerS} req/s, p99 ${result.latencyMs.p99} ms, ` +
            `errors ${result.errors}, non-2xx ${result.non2xx}`,
        );
      }
      if (!only || only === 'ws') {
        process.stdout.write(`running ws fan-out to ${WS_CLIENTS} clients … `);
        ws = await fanOut(server, fixture.feed.key, fixture.feed.orders, WS_CLIENTS, WS_ROUNDS);
        console.log(`p50 ${ws.lastClientMs.p50Ms} ms, max ${ws.lastClientMs.maxMs} ms`);
      }
      if (profile) {
        for (const [name, requests] of runs) {
          if (only && !name.startsWith(only)) continue;
          const file = name.split(' ')[0]!;
          await server.request({ op: 'profile-start' });
          await load(base, requests, CONNECTIONS, quick ? 2 : 5);
          const { attribution } = await server.request({
            op: 'profile-stop',
            ...(saveProfile ? { saveTo: path.join(resultsDir, `api-${file}.cpuprofile`) } : {}),
          });
          if (attribution) profiles[name] = attribution;
        }
      }
    } finally {
      await server.stop();
    }

    console.table(
      [...http].map(([name, r]) => ({
        scenario: name,
        'req/s': r.requestsPerS,
        requests: r.requests,
        'p50 ms': r.latencyMs.p50,
        'p97.5 ms': r.latencyMs.p97_5,
        'p99 ms': r.latencyMs.p99,
        'max ms': r.latencyMs.max,
        errors: r.errors,
        'non-2xx': r.non2xx,
        timeouts: r.timeouts,
      })),
    );
    if (ws) {
      console.table([
        {
          scenario: `ws fan-out, ${ws.clients} clients`,
          rounds: ws.rounds,
          'last client p50 ms': ws.lastClientMs.p50Ms,
          'last client max ms': ws.lastClientMs.maxMs,
          'first client p50 ms': ws.firstClientMs.p50Ms,
          'connect ms': ws.connectMs,
          missed: ws.missed,
        },
      ]);
    }
    for (const [name, a] of Object.entries(profiles)) {
      console.log(`Server CPU by layer, ${name}:`, a.byLayer);
      for (const { fn, share } of a.topSelf.slice(0, 15)) {
        console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${fn}`);
      }
    }
    const checks = targets(http, ws);
    console.table(
      checks.map((t) => ({
        target: t.name,
        limit: `${t.limit} ${t.unit}`.trim(),
        measured: t.measured,
        result: t.pass ? 'PASS' : 'MISS',
      })),
    );
    writeResults('api', {
      benchmark: 'api',
      date: new Date().toISOString(),
      machine: machineInfo(),
      load: {
        tool: 'autocannon (programmatic, this process)',
        connections: CONNECTIONS,
        durationS,
        warmupS,
        rateLimitPerMinute: RAISED_RATE_LIMIT,
        polledOrders: fixture.polled.length,
      },
      fixture: { ...DEFAULT_API_FIXTURE, rows: fixture.rows, buildMs: fixture.buildMs },
      notes: [
        'The server (buildServer with the real services, SQLite WAL synchronous FULL, outbox feed) runs in a child process; autocannon and the WebSocket clients run in this one, so the load generator does not share the server event loop. Both share the machine’s cores.',
        'HTTP: each of the 50 connections cycles through 40 requests (40 customers, each with its own key and an open order holding one SMS); every request is checked once (200 and the expected body) before the load. A warm-up run precedes each measured run.',
        'WebSocket: 1,000 clients subscribed to one customer (per-customer feed); each round matches one SMS to one of its open orders through MatchingService in the server process; the time runs from the call into matching (commit, outbox read, render, 1,000 sends) to the arrival of the last client’s `sms` frame in this process (epoch clocks with sub-ms resolution, same machine). Round 0 is a warm-up.',
      ],
      http: Object.fromEntries(http),
      ws: ws ?? null,
      profiles,
      targets: checks,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--server') {
  serve(JSON.parse(process.argv[3] ?? '{}') as ServerSpec).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  runMain(main);
}
