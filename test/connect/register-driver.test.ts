/**
 * Another URL scheme, registered by the application: createEngine() opens
 * it with the registered driver module and dialect. The built-in schemes
 * are registered the same way, so `athanor` and `athanor/core` both offer
 * createEngine without Core importing a driver.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as core from '../../src/core.js';
import * as root from '../../src/index.js';
import { createEngine, registerDriver } from '../../src/connect/index.js';
import { SqliteDialect } from '../../src/core/dialects/sqlite/dialect.js';
import type { DriverModule, DriverUrlOptions } from '../../src/core/engine/driver.js';
import { sql } from '../../src/core/sql/index.js';

/** A driver module for `memo:` URLs: better-sqlite3 under another name, counting the URLs it was given. */
function memoModule(seen: string[]): () => Promise<DriverModule> {
  return async () => {
    const sqlite = await import('../../src/drivers/better-sqlite3/index.js');
    return {
      createDriverFromUrl: (url: string, options: DriverUrlOptions) => {
        seen.push(url);
        return sqlite.createDriverFromUrl(url.replace(/^memo\d*:/i, 'sqlite:'), options);
      },
    };
  };
}

describe('registerDriver', () => {
  it('opens URLs of a registered scheme with its driver module and dialect, loading the module on first use', async () => {
    const seen: string[] = [];
    registerDriver('memo', { dialect: 'sqlite', load: memoModule(seen) });
    const engine = createEngine('MEMO::memory:');
    assert.equal(engine.dialect.name, 'sqlite');
    assert.deepEqual(seen, [], 'nothing loaded before first use');
    assert.deepEqual(await engine.all(sql`SELECT 1 + 1 AS two`), [{ two: 2 }]);
    assert.deepEqual(seen, ['MEMO::memory:']);
    await engine.close();
  });

  it('takes a function making the dialect, called once per engine', async () => {
    let made = 0;
    registerDriver('memo2', { dialect: () => (made++, new SqliteDialect()), load: memoModule([]) });
    const a = createEngine('memo2::memory:');
    const b = createEngine('memo2::memory:');
    assert.equal(made, 2);
    assert.notEqual(a.dialect, b.dialect);
    assert.deepEqual(await a.all(sql`SELECT 3 AS n`), [{ n: 3 }]);
    await Promise.all([a.close(), b.close()]);
  });

  it('names the registered schemes when a URL has none of them', () => {
    registerDriver('memo3', { dialect: 'sqlite', load: memoModule([]) });
    assert.throws(() => createEngine('oracle://scott:tiger@db/orcl'), (error: Error) => /sqlite:.*postgres:.*mysql:.*memo3:/.test(error.message) && !error.message.includes('tiger'));
  });

  it('refuses a malformed scheme, a missing loader and an unknown dialect name', () => {
    assert.throws(() => registerDriver('1db', { dialect: 'sqlite', load: memoModule([]) }), /a URL scheme is a letter/);
    assert.throws(() => registerDriver('memo4', { dialect: 'sqlite' } as never), /load must be a function/);
    assert.throws(() => registerDriver('memo4', { dialect: 'oracle', load: memoModule([]) } as never), /dialect must be 'sqlite', 'postgres', 'mysql'/);
  });

  it('is offered, with createEngine, by both the athanor and athanor/core entry points', () => {
    assert.equal(core.createEngine, createEngine);
    assert.equal(core.registerDriver, registerDriver);
    assert.equal(root.createEngine, createEngine);
    assert.equal(root.registerDriver, registerDriver);
  });
});
