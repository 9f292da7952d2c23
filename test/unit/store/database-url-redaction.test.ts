/**
 * redactDatabaseUrl, the one masker of database URLs (messages, logs, `config check`, the admin
 * page): the password never shows, whether the URL reads one way only or not.
 */
import { describe, expect, it } from 'vitest';
import { redactDatabaseUrl } from '../../../src/store/index.js';

const SECRET = 's3cr3tPw';

describe('redactDatabaseUrl', () => {
  it('masks the password of a URL that reads one way only, keeping the rest as written', () => {
    expect(
      redactDatabaseUrl(`postgres://simpool:${SECRET}@db.lan:5432/simpool?sslmode=require`),
    ).toBe('postgres://simpool:***@db.lan:5432/simpool?sslmode=require');
    expect(redactDatabaseUrl(`postgres://simpool:${SECRET}@DB.Example:5433/simpool`)).toBe(
      'postgres://simpool:***@DB.Example:5433/simpool',
    );
    expect(redactDatabaseUrl('postgresql://u:p%40ss@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactDatabaseUrl(`postgres://:${SECRET}@h/db`)).toBe('postgres://:***@h/db');
    expect(redactDatabaseUrl(`postgres://u:${SECRET}@[::1]:5432/db`)).toBe(
      'postgres://u:***@[::1]:5432/db',
    );
    expect(redactDatabaseUrl(`postgres://u:${SECRET}@/db?host=/run/pg`)).toBe(
      'postgres://u:***@/db?host=/run/pg',
    );
    expect(redactDatabaseUrl('postgres://simpool@/simpool?host=/run/postgresql')).toBe(
      'postgres://simpool@/simpool?host=/run/postgresql',
    );
    expect(redactDatabaseUrl('postgres://u@h:5432/db')).toBe('postgres://u@h:5432/db');
    expect(redactDatabaseUrl('/var/lib/simpool/simpool.db')).toBe('/var/lib/simpool/simpool.db');
  });

  it('masks every query parameter named like a password, also percent-encoded', () => {
    expect(redactDatabaseUrl(`postgres://u@h/db?password=${SECRET}&sslpassword=k3y&x=1`)).toBe(
      'postgres://u@h/db?password=***&sslpassword=***&x=1',
    );
    expect(redactDatabaseUrl(`postgres://u@h/db?PASSWORD=${SECRET}`)).toBe(
      'postgres://u@h/db?PASSWORD=***',
    );
    // node-postgres decodes parameter names: this is its password.
    expect(redactDatabaseUrl(`postgres://u@h/db?%70assword=${SECRET}&sslmode=require`)).toBe(
      'postgres://u@h/db?%70assword=***&sslmode=require',
    );
    // A raw & in the password splits it; the piece without `=` is masked with it.
    expect(redactDatabaseUrl('postgres://u@h/db?password=s3c&r3t&sslmode=require')).toBe(
      'postgres://u@h/db?password=***&sslmode=require',
    );
  });

  it('masks a URL that does not read one way only by its shape, hiding too much rather than too little', () => {
    expect(redactDatabaseUrl(`postgres://simpool:p@ss:${SECRET}@db/simpool?sslmode=require`)).toBe(
      'postgres://simpool:***@db/simpool?sslmode=require',
    );
    expect(redactDatabaseUrl('postgres://u:pa/ss@h:bad/db')).toBe('postgres://u:***@h:bad/db');
    expect(redactDatabaseUrl(`postgres://simpool:${SECRET}/x@db/simpool`)).toBe(
      'postgres://simpool:***@db/simpool',
    );
    expect(redactDatabaseUrl('postgres://u:12#34@h/db')).toBe('postgres://u:***@h/db');
    expect(redactDatabaseUrl('postgres://u:12?34@h/db')).toBe('postgres://u:***@h/db');
    expect(redactDatabaseUrl('postgres://us#er@h/db')).toBe('postgres://***@h/db');
    // After a `#`, nothing: it can only be a raw character of a secret (and the user
    // information before the `@` may hold one too).
    expect(redactDatabaseUrl('postgres://u@h/db?password=s3c#r3t')).toBe(
      'postgres://***@h/db?password=***#***',
    );
    expect(redactDatabaseUrl(`postgres://u:${SECRET}@h/db#r3t`)).toBe('postgres://u:***@h/db#***');
    // No `@` to end the password: everything after the user's `:`.
    expect(redactDatabaseUrl(`postgres://u:${SECRET}/db`)).toBe('postgres://u:***');
  });

  it('never shows a piece of the password, however it is mistyped', () => {
    const pieces = ['s3c', 'r3t'];
    const urls = [
      'postgres://u:s3c#r3t@h/db',
      'postgres://u:s3c?r3t@h/db',
      'postgres://u:s3c/r3t@h/db',
      'postgres://u:s3c@r3t@h/db',
      'postgres://u:s3c:r3t@h:5432/db',
      'postgres://u:s3c r3t@h/db',
      'postgres://u:s3c%zzr3t@h/db',
      'postgres://u:s3c/r3t/db',
      'postgres://u:s3c#r3t/db',
      'postgres://u@h/db?password=s3c#r3t',
      'postgres://u@h/db?password=s3c&r3t',
      'postgres://u@h/db?sslpassword=s3c&r3t#x',
      'postgres://u:s3c#r3t@h/db?password=s3c#r3t',
      'postgres://s3c#r3t@h/db',
    ];
    for (const url of urls) {
      const shown = redactDatabaseUrl(url);
      for (const piece of pieces) expect(shown, url).not.toContain(piece);
    }
  });
});
