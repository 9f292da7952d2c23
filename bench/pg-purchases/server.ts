/**
 * What the PostgreSQL purchase benchmark reads off the server: what its backends were doing
 * (pg_stat_activity samples), the server's CPU time (Linux /proc), a calibration of the
 * machine (simple round trips per second) and, on request, server time per statement
 * (pg_stat_statements, loaded by restarting the throwaway server).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { findPostgresBin, type PostgresCluster } from '../../test/helpers/postgres-cluster.js';

export interface ActivitySampler {
  stop(): Promise<Record<string, number>>;
}

export async function sampleActivity(url: string): Promise<ActivitySampler> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const seen = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ what: string; n: number }>(
        `SELECT CASE WHEN wait_event_type = 'Lock' THEN 'lock wait: ' || wait_event
                     WHEN state = 'idle in transaction' THEN 'in transaction, waiting for the client'
                     WHEN state = 'active' THEN 'running' || COALESCE(' (' || wait_event_type
                       || ': ' || wait_event || ')', '')
                     ELSE 'idle' END AS what, COUNT(*)::int AS n
           FROM pg_stat_activity WHERE application_name LIKE 'simpool:bench-%' GROUP BY 1`,
      );
      samples++;
      for (const { what, n } of rows) seen.set(what, (seen.get(what) ?? 0) + n);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      // Mean backends in each state over the run.
      const mean = [...seen].sort((a, b) => b[1] - a[1]);
      return Object.fromEntries(mean.map(([what, n]) => [what, Number((n / samples).toFixed(2))]));
    },
  };
}

/**
 * CPU seconds used so far by the server's processes: the live ones, and the exited ones the
 * postmaster has reaped (its children's times). Linux /proc, clock ticks of 10 ms.
 */
export function serverCpuSeconds(cluster: PostgresCluster): number {
  const postmaster = Number(
    readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const fields = (pid: number | string): string[] | undefined => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined; // exited meanwhile
    }
  };
  // After the ")": state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const ticks = (f: string[], from: number, to: number) =>
    f.slice(from, to + 1).reduce((sum, v) => sum + Number(v), 0);
  let total = ticks(fields(postmaster) ?? [], 11, 14);
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const f = fields(pid);
    if (f && Number(f[1]) === postmaster) total += ticks(f, 11, 14);
  }
  return total / 100;
}

/** The server's processes now (the postmaster's children): e.g. for `perf record -p`. */
export function serverPids(cluster: PostgresCluster): number[] {
  const postmaster = Number(
    readFileSync(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Simple round trips per second over 30 connections: how busy the machine was. */
export async function calibrate(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 30 });
  try {
    await Promise.all(Array.from({ length: 30 }, () => pool.query('SELECT 1')));
    let count = 0;
    const end = performance.now() + 2000;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (performance.now() < end) {
          await pool.query('SELECT 1');
          count++;
        }
      }),
    );
    return Math.round(count / 2);
  } finally {
    await pool.end();
  }
}

/** Restarts the server with pg_stat_statements loaded (planning time tracked too). */
export async function loadStatementStatistics(cluster: PostgresCluster): Promise<void> {
  const asAdmin = async (sql: string) => {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await asAdmin(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  const pgCtl = path.join(findPostgresBin(), 'pg_ctl');
  // The server's output to its log file: execFileSync would wait for a pipe it holds open.
  const args = ['-D', path.join(cluster.dir, 'data'), '-l', path.join(cluster.dir, 'server.log')];
  args.push('-w', '-m', 'fast', 'restart');
  const options = { stdio: 'ignore' } as const;
  if (process.getuid?.() === 0) {
    execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], options);
  } else execFileSync(pgCtl, args, options);
  // Known only once the library is loaded.
  await asAdmin('ALTER SYSTEM SET pg_stat_statements.track_planning = on');
  await asAdmin('SELECT pg_reload_conf()');
}

export interface StatementCost {
  readonly query: string;
  readonly callsPerPurchase: number;
  readonly planMsPerPurchase: number;
  readonly execMsPerPurchase: number;
  /** Shared buffers touched per call: how much a statement walks. */
  readonly blocksPerCall: number;
}

/** The statements of the database `name` by server time per purchase, most first. */
export async function statementCosts(
  db: pg.Client,
  name: string,
  purchases: number,
): Promise<StatementCost[]> {
  const { rows } = await db.query<{
    query: string;
    calls: number;
    plan: number;
    exec: number;
    blocks: number;
  }>(
    `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls::int AS calls,
            total_plan_time AS plan, total_exec_time AS exec,
            (shared_blks_hit + shared_blks_read)::bigint AS blocks
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 ORDER BY total_plan_time + total_exec_time DESC LIMIT 20`,
    [name],
  );
  return rows.map((r) => ({
    query: r.query.slice(0, 160),
    callsPerPurchase: Number((r.calls / purchases).toFixed(2)),
    planMsPerPurchase: Number((r.plan / purchases).toFixed(3)),
    execMsPerPurchase: Number((r.exec / purchases).toFixed(3)),
    blocksPerCall: Math.round(r.blocks / Math.max(1, r.calls)),
  }));
}
