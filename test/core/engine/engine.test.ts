/**
 * Creating engines: URLs, laziness, driver loading by scheme, connection
 * failures, SQLite file options, and drivers around pools the application owns.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import mysql from 'mysql2';
import { ConnectionError } from '../../../src/core/errors.js';
import { createEngine } from '../../../src/connect/index.js';
import { redactUrl } from '../../../src/core/engine/translate-error.js';
import { parseSqliteUrl } from '../../../src/drivers/better-sqlite3/index.js';
import { createPgDriver } from '../../../src/drivers/pg/index.js';
import { createMysqlDriver } from '../../../src/drivers/mysql2/index.js';
import { sql } from '../../../src/core/sql/index.js';
import { forEachDialect, targets } from '../../support/dialects.js';

describe('engine URLs', () => {
  it('parses SQLite URLs', () => {
    assert.equal(parseSqliteUrl('sqlite::memory:'), ':memory:');
    assert.equal(parseSqliteUrl('sqlite:data/app.db'), 'data/app.db');
    assert.equal(parseSqliteUrl('sqlite:///var/lib/app.db'), '/var/lib/app.db');
    assert.throws(() => parseSqliteUrl('sqlite:'), /names no database/);
  });

  it('refuses unknown schemes, naming the supported ones and hiding the password', () => {
    assert.throws(
      () => createEngine('oracle://scott:tiger@db/orcl'),
      (error: Error) => /sqlite:.*postgres:.*mysql:/.test(error.message) && !error.message.includes('tiger'),
    );
    assert.equal(redactUrl('postgres://u:p%40ss@h:1/d'), 'postgres://u:***@h:1/d');
    assert.equal(redactUrl('postgres://u@h/d'), 'postgres://u@h/d');
  });

  it('is lazy: nothing connects until used, and a failed connect is retried', async () => {
    const engine = createEngine('postgres://nobody:secret@127.0.0.1:1/nothing');
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(engine.ready(), (error: unknown) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /could not connect to postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/nothing \(pg\)/);
        assert.ok(!error.message.includes('secret'));
        return true;
      });
    }
    await engine.close();
  });

  it('needs the server to tell MySQL from MariaDB, unless told', () => {
    const detected = createEngine('mysql://root@127.0.0.1:1/x');
    assert.throws(() => detected.dialect, /await engine.ready\(\)/);
    const told = createEngine('mariadb://root@127.0.0.1:1/x');
    assert.equal((told.dialect as { flavor?: string }).flavor, 'mariadb');
    const byOption = createEngine('mysql://root@127.0.0.1:1/x', { flavor: 'mysql' });
    assert.equal((byOption.dialect as { flavor?: string }).flavor, 'mysql');
  });

  it('loads only the driver its URL needs', async () => {
    const script = `
      import { createRequire } from 'node:module';
      import { createEngine } from './src/connect/index.ts';
      import { sql } from './src/core/sql/index.ts';
      const engine = createEngine('sqlite::memory:');
      await engine.all(sql\`SELECT 1 AS one\`);
      await engine.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(['better-sqlite3', 'pg', 'mysql2'].filter((lib) => loaded.some((p) => p.includes('/node_modules/' + lib + '/')))));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../../', import.meta.url),
    });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1)!), ['better-sqlite3']);
  });

  it('fails to open an impossible SQLite path with a ConnectionError', async () => {
    const engine = createEngine('sqlite:/nonexistent-dir/deeper/app.db');
    await assert.rejects(engine.ready(), ConnectionError);
    await engine.close();
  });

  it('refuses work once closed', async () => {
    const engine = createEngine('sqlite::memory:');
    await engine.all(sql`SELECT 1 AS one`);
    await engine.close();
    await assert.rejects(engine.all(sql`SELECT 1 AS one`), /closed/);
  });
});

describe('SQLite files', () => {
  it('use WAL and enforce foreign keys by default; foreignKeys: false turns enforcement off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'athanor-'));
    try {
      const engine = createEngine(`sqlite:${join(dir, 'a.db')}`);
      assert.equal(await engine.scalar(sql`PRAGMA journal_mode`), 'wal');
      assert.equal(await engine.scalar(sql`PRAGMA foreign_keys`), 1);
      await engine.close();
      const lax = createEngine(`sqlite:${join(dir, 'a.db')}`, { foreignKeys: false });
      assert.equal(await lax.scalar(sql`PRAGMA foreign_keys`), 0);
      await lax.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachDialect(
  'drivers around application-owned pools',
  (ctx) => {
    it('runs on the pool and leaves it open on close', async () => {
      const url = targets.find((t) => t.name === ctx.name)!.url;
      if (ctx.name === 'postgres') {
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        const engine = createEngine({ driver: createPgDriver({ pool }), dialect: 'postgres' });
        assert.equal(await engine.scalar(sql`SELECT 40 + 2 AS n`), 42);
        await engine.close();
        assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool still works');
        await pool.end();
      } else {
        const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
        // dialect by name: the engine asks the server which flavor it is
        const engine = createEngine({ driver: createMysqlDriver({ pool }), dialect: 'mysql' });
        await engine.ready();
        assert.ok(['mysql', 'mariadb'].includes((engine.dialect as { flavor?: string }).flavor!));
        assert.equal(Number(await engine.scalar(sql`SELECT 40 + 2 AS n`)), 42);
        await engine.close();
        await new Promise<void>((resolve, reject) => pool.query('SELECT 1', (error) => (error ? reject(error) : resolve())));
        await new Promise<void>((resolve) => pool.end(() => resolve()));
      }
    });

    if (ctx.name !== 'postgres') return;
    it('a single pg Client serves queued callers one at a time', async () => {
      const url = targets.find((t) => t.name === 'postgres')!.url;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const engine = createEngine({ driver: createPgDriver({ client }), dialect: 'postgres' });
      const results = await Promise.all([1, 2, 3].map((n) => engine.transaction(async (tx) => tx.scalar(sql`SELECT ${n}::int AS n`))));
      assert.deepEqual(results, [1, 2, 3]);
      await engine.close();
      await client.end();
    });
  },
  { only: ['postgres', 'mysql'] },
);
