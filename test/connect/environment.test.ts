/**
 * createEngine() with no URL reads DATABASE_URL, when the engine is created;
 * with neither, a ConfigError says what to do.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../src/connect/index.js';
import { ConfigError as CliConfigError } from '../../src/cli/index.js';
import { AthanorError, ConfigError } from '../../src/core/errors.js';
import { sql } from '../../src/core/sql/index.js';

describe('createEngine() and DATABASE_URL', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env['DATABASE_URL'];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['DATABASE_URL'];
    else process.env['DATABASE_URL'] = saved;
  });

  it('opens DATABASE_URL when given no URL, with or without options', async () => {
    process.env['DATABASE_URL'] = 'sqlite::memory:';
    const plain = createEngine();
    const withOptions = createEngine({ foreignKeys: false, acquireTimeoutMs: 1000 });
    const positional = createEngine(undefined, { foreignKeys: false });
    assert.equal(plain.dialect.name, 'sqlite');
    assert.deepEqual(await plain.all(sql`SELECT 1 + 1 AS two`), [{ two: 2 }]);
    assert.equal(await withOptions.scalar(sql`PRAGMA foreign_keys`), 0, 'the options still apply');
    assert.equal(await positional.scalar(sql`PRAGMA foreign_keys`), 0);
    await Promise.all([plain.close(), withOptions.close(), positional.close()]);
  });

  it('reads it when the engine is created, not on first use', async () => {
    process.env['DATABASE_URL'] = 'sqlite::memory:';
    const engine = createEngine();
    process.env['DATABASE_URL'] = 'postgres://nobody@127.0.0.1:1/none';
    assert.equal(engine.dialect.name, 'sqlite');
    assert.deepEqual(await engine.all(sql`SELECT 3 AS n`), [{ n: 3 }]);
    await engine.close();
  });

  it('prefers a URL given over DATABASE_URL', async () => {
    process.env['DATABASE_URL'] = 'postgres://nobody@127.0.0.1:1/none';
    const engine = createEngine('sqlite::memory:');
    assert.equal(engine.dialect.name, 'sqlite');
    await engine.close();
  });

  it('raises a ConfigError when there is neither, or DATABASE_URL is empty', () => {
    delete process.env['DATABASE_URL'];
    assert.throws(
      () => createEngine(),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError && e instanceof AthanorError);
        assert.equal(e.code, 'ATH_CONFIG');
        assert.equal(e.message, "createEngine() was given no database URL and DATABASE_URL is not set: pass one (createEngine('postgres://user@host/db')), set DATABASE_URL, or pass { driver, dialect }");
        return true;
      },
    );
    assert.throws(() => createEngine({ poolSize: 5 }), ConfigError);
    process.env['DATABASE_URL'] = '  ';
    assert.throws(() => createEngine(), /DATABASE_URL is empty/);
  });

  it('says a DATABASE_URL of an unknown scheme came from the environment, without its password', () => {
    process.env['DATABASE_URL'] = 'oracle://scott:tiger@db/orcl';
    assert.throws(
      () => createEngine(),
      (e: unknown) => e instanceof ConfigError && /^DATABASE_URL: unsupported database URL/.test(e.message) && !e.message.includes('tiger'),
    );
  });

  it('is the ConfigError the CLI raises', () => {
    assert.equal(CliConfigError, ConfigError);
  });
});
