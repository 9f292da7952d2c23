import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temp folder, a server on 127.0.0.1 and a free port, no
 * fsync, trust authentication for the `simpool` role. Started in about a second, stopped with
 * `-m immediate` and its folder removed.
 *
 * initdb refuses to run as root, so as root the server runs as Debian's `postgres` user.
 */
export interface PostgresCluster {
  /** `postgres://simpool@127.0.0.1:PORT/simpool` */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** A URL of the same server naming another database. */
  databaseUrl(name: string): string;
  /** Stops the server at once (as a crash would), keeping its data: `resume` starts it again. */
  pause(): void;
  /** Starts a paused server again, on the same port with the same data. */
  resume(): void;
  stop(): void;
}

/** The newest installed server's bin folder (Debian: /usr/lib/postgresql/<major>/bin). */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors[0] !== undefined) return path.join(root, majors[0], 'bin');
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(path.join(bindir, 'initdb'))) return bindir;
  } catch {
    // no pg_config either: reported below
  }
  throw new Error(
    'PostgreSQL server is not installed; these tests need it (apt-get install -y postgresql, as .ci/run does)',
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function asServerUser(bin: string, args: readonly string[]): void {
  const root = process.getuid?.() === 0;
  const [command, argv] = root
    ? ['runuser', ['-u', 'postgres', '--', bin, ...args]]
    : [bin, [...args]];
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(bin)} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
    );
  }
}

export interface PostgresClusterOptions {
  /**
   * Keep `synchronous_commit` on: a commit is on disk before the client hears of it, so an
   * immediate stop (`pause`) loses nothing committed. Off by default (faster tests; only a crash
   * of the server loses the last commits).
   */
  readonly durableCommits?: boolean;
}

export async function startPostgresCluster(
  options: PostgresClusterOptions = {},
): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const dir = mkdtempSync(path.join(tmpdir(), 'simpool-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  let serverOptions = '';
  const startServer = (): void =>
    asServerUser(path.join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-o',
      serverOptions,
      'start',
    ]);
  const pause = (): void =>
    asServerUser(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
  const stop = (): void => {
    try {
      asServerUser(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped (or never started): the folder goes all the same
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    asServerUser(path.join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'simpool',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      `-c synchronous_commit=${options.durableCommits ? 'on' : 'off'}`,
      '-c full_page_writes=off',
      '-c max_connections=400',
    ].join(' ');
    startServer();
    execFileSync(path.join(bin, 'createdb'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'simpool',
      'simpool',
    ]);
  } catch (error) {
    stop();
    throw error;
  }
  const databaseUrl = (name: string): string =>
    `postgres://simpool@127.0.0.1:${port}/${encodeURIComponent(name)}`;
  return { url: databaseUrl('simpool'), port, dir, databaseUrl, pause, resume: startServer, stop };
}
