import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isSimpoolError } from '../../src/shared/index.js';
import {
  isPostgresUrl,
  openPostgres,
  postgresMigrations,
  type PostgresDatabase,
} from '../../src/store/postgres/index.js';
import { freePort } from '../helpers/postgres-cluster.js';
import { freshPostgresDatabase, requirePostgres } from '../helpers/postgres.js';
import { pollUntil } from '../helpers/sim-process.js';

const opened: PostgresDatabase[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

const dir = mkdtempSync(path.join(tmpdir(), 'simpool-pg-open-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(url: string, options: Parameters<typeof openPostgres>[1] = {}) {
  const db = await openPostgres(url, options);
  opened.push(db);
  return db;
}

async function openFailure(url: string, options: Parameters<typeof openPostgres>[1] = {}) {
  const error = await openPostgres(url, options).then(
    async (db) => {
      await db.close();
      throw new Error('expected openPostgres to fail');
    },
    (e: unknown) => e,
  );
  if (!isSimpoolError(error)) throw error;
  return error;
}

/** Everything an error could show: message, cause's message, its enumerable properties. */
function everythingShown(error: Error): string {
  const cause = error.cause as Error | undefined;
  return [error.message, String(error.stack), JSON.stringify(error), cause?.message ?? '']
    .concat(cause ? [JSON.stringify(cause), String(cause.stack)] : [])
    .join('\n');
}

describe('openPostgres errors', () => {
  it('an unreachable server is store_open_failed, with the password masked', async () => {
    const port = await freePort();
    const error = await openFailure(`postgres://simpool:Sup3rSecretPw@127.0.0.1:${port}/simpool`, {
      connectTimeoutMs: 2000,
    });
    expect(error.code).toBe('store_open_failed');
    expect(error.message).toContain(`postgres://simpool:***@127.0.0.1:${port}/simpool`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(everythingShown(error)).not.toContain('Sup3rSecretPw');
  });

  it('a URL that reads more than one way is refused, its password never shown', async () => {
    // A raw # or ? in a password makes the rest a fragment or a query: host 127.0.0.1 would be
    // lost and the digits before it taken for a port.
    for (const [url, secret] of [
      ['postgres://simpool:12#34@127.0.0.1/db', '12#34'],
      ['postgres://simpool:12?34@127.0.0.1/db', '12?34'],
      ['postgres://simpool:pw@127.0.0.1/db?application_name=a@b', 'pw'],
    ] as const) {
      const error = await openFailure(url);
      expect(error.code).toBe('store_open_failed');
      expect(error.message).toContain('percent-encode');
      expect(error.message).toContain('postgres://simpool:***@');
      expect(everythingShown(error)).not.toContain(secret);
    }
  });

  it('a password with a stray % is refused without being shown', async () => {
    const error = await openFailure('postgres://simpool:50%off@127.0.0.1:1/db');
    expect(error.code).toBe('store_open_failed');
    expect(everythingShown(error)).not.toContain('50%off');
  });

  it('a URL that does not parse never shows its password', async () => {
    const error = await openFailure('postgres://simpool:Pa55/word@127.0.0.1:notaport/db');
    expect(error.code).toBe('store_open_failed');
    expect(everythingShown(error)).not.toContain('Pa55/word');
    expect(everythingShown(error)).not.toContain('Pa55');
  });

  it('a schema from a newer simpool is store_schema_too_new, and left alone', async () => {
    const url = await freshPostgresDatabase('pg_too_new');
    const db = await openPostgres(url);
    await db.query("INSERT INTO schema_migrations (id, name, applied_at) VALUES (99, 'future', 0)");
    await db.close();
    const error = await openFailure(url);
    expect(error.code).toBe('store_schema_too_new');
    expect(error.details).toEqual({ databaseVersion: 99, knownVersion: postgresMigrations.length });
  });

  it('a missing password file is store_open_failed', async () => {
    const url = await freshPostgresDatabase('pg_nofile');
    const error = await openFailure(url, { passwordFile: path.join(dir, 'missing') });
    expect(error.code).toBe('store_open_failed');
    expect(error.message).toMatch(/cannot read the password file .*missing \(ENOENT\)/);
  });
});

/**
 * A role that must log in with a password (the test server trusts everyone else): a rule for it
 * alone is put first in pg_hba.conf and the server told to reload.
 */
async function passwordRole(password: string): Promise<{ url: string; role: string }> {
  const serverUrl = requirePostgres();
  const databaseUrl = new URL(await freshPostgresDatabase('pg_password'));
  const role = `pw_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.query(`ALTER DATABASE "${databaseUrl.pathname.slice(1)}" OWNER TO ${role}`);
    const hba = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
    const rule = `host all ${role} 127.0.0.1/32 scram-sha-256\n`;
    writeFileSync(hba, rule + readFileSync(hba, 'utf8'));
    await admin.query('SELECT pg_reload_conf()');
  } finally {
    await admin.end();
  }
  const url = databaseUrl;
  url.username = role;
  // The reload is asynchronous: wait until a wrong password is refused.
  await pollUntil(
    async () => {
      const probe = new pg.Client({ connectionString: url.toString(), password: 'probe-wrong' });
      const refused = await probe.connect().then(
        async () => {
          await probe.end();
          return false;
        },
        () => true,
      );
      return refused ? true : undefined;
    },
    2_000,
    'the pg_hba.conf reload to take effect',
    20,
  );
  return { url: url.toString(), role };
}

describe('passwords', () => {
  it('from the URL, a file or PGPASSWORD; a refused one never shown', async () => {
    const right = 'R1ght-Pa55word';
    const { url } = await passwordRole(right);
    const withPassword = (password: string) => {
      const u = new URL(url);
      u.password = encodeURIComponent(password);
      return u.toString();
    };

    const wrong = 'Wr0ng-Pa55word!';
    const refused = await openFailure(withPassword(wrong));
    expect(refused.code).toBe('store_open_failed');
    expect(refused.message).toContain('password authentication failed');
    expect(refused.message).toContain(':***@');
    expect(everythingShown(refused)).not.toContain(wrong);
    expect(everythingShown(refused)).not.toContain(encodeURIComponent(wrong));

    const fromUrl = await open(withPassword(right));
    expect((await fromUrl.query('SELECT current_user AS who')).rows[0]).toBeDefined();

    const file = path.join(dir, 'password');
    writeFileSync(file, `${right}\n`);
    const fromFile = await open(url, { passwordFile: file });
    expect(await fromFile.ping()).toBe(true);
    const both = await openFailure(withPassword(right), { passwordFile: file });
    expect(both.message).toContain('a password file is set too');
    expect(everythingShown(both)).not.toContain(right);

    writeFileSync(file, wrong);
    const wrongFile = await openFailure(url, { passwordFile: file });
    expect(wrongFile.message).toContain('password authentication failed');
    expect(everythingShown(wrongFile)).not.toContain(wrong);

    const saved = process.env['PGPASSWORD'];
    process.env['PGPASSWORD'] = right;
    try {
      const fromEnv = await open(url);
      expect(await fromEnv.ping()).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['PGPASSWORD'];
      else process.env['PGPASSWORD'] = saved;
    }
  });

  it('isPostgresUrl tells URLs from SQLite paths', () => {
    expect(isPostgresUrl('postgres://h/db')).toBe(true);
    expect(isPostgresUrl('PostgreSQL://h/db')).toBe(true);
    expect(isPostgresUrl('/var/lib/simpool/postgres.db')).toBe(false);
    expect(isPostgresUrl('mysql://h/db')).toBe(false);
  });
});
