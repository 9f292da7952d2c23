import { passwordFromFileText } from '../../../src/store/index.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkConfig,
  configSummary,
  describeDatabase,
  loadConfig,
  openConfiguredStore,
  passwordSource,
  readDatabasePassword,
  type PostgresDatabaseConfig,
} from '../../../src/daemon/index.js';
import { isSimpoolError } from '../../../src/shared/index.js';

const SECRET = 's3cr3t-Pw';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-db-cfg-'));
  dirs.push(dir);
  return dir;
}

/** The problems of a configuration given only by environment variables. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  const checked = checkConfig(undefined, {}, env);
  if (checked.ok) throw new Error('expected the configuration to be refused');
  return checked.problems;
}

describe('the database setting', () => {
  it('a path is a SQLite file, relative to the data directory; the default is simpool.db there', () => {
    const env = { SIMPOOL_DATA_DIR: '/var/lib/simpool' };
    expect(loadConfig(undefined, {}, env).database).toEqual({
      engine: 'sqlite',
      file: '/var/lib/simpool/simpool.db',
    });
    expect(loadConfig(undefined, { database: 'other/x.db' }, env).database).toEqual({
      engine: 'sqlite',
      file: '/var/lib/simpool/other/x.db',
    });
    expect(loadConfig(undefined, {}, { ...env, SIMPOOL_DATABASE: '/srv/a.db' }).database).toEqual({
      engine: 'sqlite',
      file: '/srv/a.db',
    });
  });

  it('a postgres:// or postgresql:// URL is PostgreSQL, kept as written for node-postgres', () => {
    const urls = [
      'postgres://simpool@db.example/simpool',
      `postgresql://simpool:${SECRET}@[::1]:5433/simpool?sslmode=verify-full&sslrootcert=/etc/ca.pem`,
      // A Unix socket: no host in the authority, the socket folder in ?host= (node-postgres form).
      'postgres://simpool@/simpool?host=/run/postgresql',
      'postgres://simpool:p%40ss%2Fword@db/simpool',
    ];
    for (const url of urls) {
      expect(loadConfig(undefined, {}, { SIMPOOL_DATABASE: url }).database).toEqual({
        engine: 'postgres',
        url,
        passwordFile: null,
      });
    }
  });

  it('layers like every setting: file < SIMPOOL_DATABASE < --database', async () => {
    const file = path.join(await tempDir(), 'simpool.json');
    await writeFile(file, JSON.stringify({ database: 'postgres://file@db/simpool' }));
    expect(loadConfig(file, {}, {}).database).toMatchObject({ url: 'postgres://file@db/simpool' });
    const env = { SIMPOOL_DATABASE: 'postgres://env@db/simpool' };
    expect(loadConfig(file, {}, env).database).toMatchObject({ url: 'postgres://env@db/simpool' });
    expect(loadConfig(file, { database: '/tmp/flag.db' }, env).database).toEqual({
      engine: 'sqlite',
      file: '/tmp/flag.db',
    });
  });

  it('refuses an unknown scheme, naming the field and its variable but not the URL', () => {
    const problems = problemsOf({ SIMPOOL_DATABASE: `mysql://root:${SECRET}@db/simpool` });
    expect(problems).toEqual([
      'database (from SIMPOOL_DATABASE): unknown URL scheme "mysql:"; give a SQLite file path or a postgres:// (postgresql://) URL',
    ]);
  });

  it('refuses a malformed PostgreSQL URL without quoting its password', () => {
    const malformed = [
      `postgres://simpool:${SECRET}/x@db/simpool`, // an unencoded / in the password
      `postgres://simpool:123#${SECRET}@db/simpool`, // parses, as host "simpool", port 123
      `postgres://simpool:${SECRET}@db:99999/simpool`, // no such port
      'postgres:/db/simpool', // one slash
    ];
    for (const url of malformed) {
      const problems = problemsOf({ SIMPOOL_DATABASE: url });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^database \(from SIMPOOL_DATABASE\): .*PostgreSQL URL/);
      expect(problems[0]).not.toContain(SECRET);
    }
    expect(problemsOf({ SIMPOOL_DATABASE: 'postgres:/db/simpool' })[0]).toContain(
      'starts with postgres:// or postgresql://',
    );
  });

  it('takes the password from a file (trailing line break dropped), checked at load', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'pg-password');
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
    const database = loadConfig(
      undefined,
      {},
      { SIMPOOL_DATABASE: 'postgres://simpool@db/simpool', SIMPOOL_DATABASE_PASSWORD_FILE: file },
    ).database;
    expect(database).toEqual({
      engine: 'postgres',
      url: 'postgres://simpool@db/simpool',
      passwordFile: file,
    });
    expect(readDatabasePassword(file)).toBe(SECRET);
    // The store reads the file by the same rule: only the trailing line break goes.
    expect(passwordFromFileText(' pass word \r\n')).toBe(' pass word ');
    expect(
      loadConfig(
        undefined,
        { databasePasswordFile: file },
        { SIMPOOL_DATABASE: 'postgres://simpool@db/simpool' },
      ).database,
    ).toMatchObject({ passwordFile: file });
  });

  it('refuses a password file that is missing, empty, doubled by the URL or next to SQLite', async () => {
    const dir = await tempDir();
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n');
    const missing = path.join(dir, 'missing');
    const url = 'postgres://simpool@db/simpool';
    expect(
      problemsOf({ SIMPOOL_DATABASE: url, SIMPOOL_DATABASE_PASSWORD_FILE: missing })[0],
    ).toMatch(
      new RegExp(
        `^databasePasswordFile \\(from SIMPOOL_DATABASE_PASSWORD_FILE\\): cannot read ${missing}: .*ENOENT`,
      ),
    );
    expect(problemsOf({ SIMPOOL_DATABASE: url, SIMPOOL_DATABASE_PASSWORD_FILE: empty })).toEqual([
      `databasePasswordFile (from SIMPOOL_DATABASE_PASSWORD_FILE): ${empty} is empty`,
    ]);
    const doubled = problemsOf({
      SIMPOOL_DATABASE: `postgres://simpool:${SECRET}@db/simpool`,
      SIMPOOL_DATABASE_PASSWORD_FILE: empty,
    });
    expect(doubled[0]).toContain('the database URL carries a password already');
    expect(doubled.join()).not.toContain(SECRET);
    expect(problemsOf({ SIMPOOL_DATABASE_PASSWORD_FILE: empty })).toEqual([
      'databasePasswordFile (from SIMPOOL_DATABASE_PASSWORD_FILE): only for a PostgreSQL database, but database is a SQLite file',
    ]);
  });
});

describe('the database password is never shown', () => {
  it('describes the database and where its password comes from, never the password', () => {
    const database: PostgresDatabaseConfig = {
      engine: 'postgres',
      url: `postgres://simpool:${SECRET}@db/simpool`,
      passwordFile: null,
    };
    expect(describeDatabase(database)).toBe('postgres://simpool:***@db/simpool');
    expect(describeDatabase({ engine: 'sqlite', file: '/srv/a.db' })).toBe('/srv/a.db');
    expect(passwordSource(database, {})).toBe('in the URL (masked)');
    const bare = { ...database, url: 'postgres://simpool@db/simpool' };
    expect(passwordSource(bare, { PGPASSWORD: SECRET })).toBe('from $PGPASSWORD');
    expect(passwordSource(bare, {})).toMatch(/^none given/);
    expect(passwordSource({ ...bare, passwordFile: '/etc/simpool/pg' }, {})).toBe(
      'from /etc/simpool/pg',
    );
  });

  it("the admin page's configuration summary shows the host id and the masked URL", () => {
    const config = loadConfig(
      undefined,
      {},
      {
        SIMPOOL_DATABASE: `postgres://simpool:${SECRET}@db/simpool`,
        SIMPOOL_HOST_ID: 'rack-1',
      },
    );
    const summary = configSummary(config);
    expect(summary).toMatchObject({
      host_id: 'rack-1',
      database: 'postgres://simpool:***@db/simpool',
      database_engine: 'postgres',
    });
    expect(JSON.stringify(summary)).not.toContain(SECRET);
  });

  it('a PostgreSQL server that cannot be reached fails the store with the URL masked', async () => {
    const database: PostgresDatabaseConfig = {
      engine: 'postgres',
      // Port 1 on the loopback: nothing listens, the connection is refused at once.
      url: `postgres://simpool:${SECRET}@127.0.0.1:1/simpool`,
      passwordFile: null,
    };
    const error: unknown = await openConfiguredStore({ database, hostId: 'h1' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isSimpoolError(error, 'store_open_failed')).toBe(true);
    const { message } = error as { message: string };
    expect(message).toContain('postgres://simpool:***@127.0.0.1:1/simpool');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(SECRET);
    expect(message).not.toContain(SECRET);
  });

  it('a SQLite file that cannot be opened names the file and the settings that place it', async () => {
    const dir = await tempDir();
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a directory');
    const file = path.join(blocker, 'simpool.db');
    await expect(
      openConfiguredStore({ database: { engine: 'sqlite', file }, hostId: 'h1' }),
    ).rejects.toThrow(`cannot open the database ${file}: ENOTDIR`);
  });
});
