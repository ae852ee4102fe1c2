/**
 * Transactions: commit, rollback, savepoints, isolation and read-only
 * options, split INSERTs running atomically, and misuse that must fail loudly.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { AthanorError, IntegrityError, UnsupportedError } from '../../../src/core/errors.js';
import { count, deleteFrom, insert, select, sql } from '../../../src/core/sql/index.js';
import type { ExecutionEvent, Transaction } from '../../../src/core/engine/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { schema } from './fixtures.js';

const s = schema('eng_tx');
const { artist } = s;

forEachDialect('transactions', (ctx) => {
  before(async () => s.reset(ctx.engine));
  after(async () => s.drop(ctx.engine));
  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(artist));
  });

  const names = async () => (await ctx.engine.all(select(artist.c.name).from(artist).orderBy(artist.c.name))).map((r) => r.name);

  /** SQL of every statement run while `body` runs, on this engine. */
  async function recording(body: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const stop = ctx.engine.events.on('beforeExecute', (e: ExecutionEvent) => seen.push(e.sql));
    try {
      await body();
    } finally {
      stop();
    }
    return seen;
  }

  it('commits when the callback resolves and returns its value', async () => {
    const value = await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(artist).values({ name: 'AC/DC' }));
      await tx.execute(insert(artist).values({ name: 'Accept' }));
      return 42;
    });
    assert.equal(value, 42);
    assert.deepEqual(await names(), ['AC/DC', 'Accept']);
  });

  it('rolls back and rethrows when the callback throws', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      ctx.engine.transaction(async (tx) => {
        await tx.execute(insert(artist).values({ name: 'Ghost' }));
        assert.equal((await tx.all(select(artist.c.name).from(artist))).length, 1, 'visible inside the transaction');
        throw boom;
      }),
      (error) => error === boom,
    );
    assert.deepEqual(await names(), []);
  });

  it('emits BEGIN ... COMMIT and BEGIN ... ROLLBACK', async () => {
    const committed = await recording(() => ctx.engine.transaction(async (tx) => tx.execute(insert(artist).values({ name: 'A' }))));
    assert.deepEqual(committed.length, 3);
    assert.match(committed[0]!, /^(BEGIN|START TRANSACTION)/);
    assert.equal(committed[2], 'COMMIT');
    const rolledBack = await recording(() =>
      ctx.engine
        .transaction(async () => {
          throw new Error('no');
        })
        .catch(() => undefined),
    );
    assert.equal(rolledBack.at(-1), 'ROLLBACK');
  });

  it('a savepoint that throws rolls back only its own work', async () => {
    await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(artist).values({ name: 'outer' }));
      await assert.rejects(
        tx.transaction(async (sp) => {
          assert.equal(sp.depth, 1);
          await sp.execute(insert(artist).values({ name: 'inner' }));
          throw new Error('undo inner');
        }),
        /undo inner/,
      );
      await tx.transaction(async (sp) => {
        await sp.execute(insert(artist).values({ name: 'kept' }));
        // two levels deep
        await sp.transaction(async (sp2) => sp2.execute(insert(artist).values({ name: 'deep' })));
      });
    });
    assert.deepEqual(await names(), ['deep', 'kept', 'outer']);
  });

  it('a savepoint recovers from a failed statement (PostgreSQL aborts the transaction otherwise)', async () => {
    await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(artist).values({ name: 'first' }));
      await assert.rejects(
        tx.transaction((sp) => sp.execute(insert(artist).values({ name: 'first' }))),
        IntegrityError,
      );
      await tx.execute(insert(artist).values({ name: 'second' }));
    });
    assert.deepEqual(await names(), ['first', 'second']);
  });

  it('savepoints cannot change isolation and cannot overlap', async () => {
    await ctx.engine.transaction(async (tx) => {
      await assert.rejects(tx.transaction(async () => 1, { isolation: 'serializable' }), UnsupportedError);
      let release!: () => void;
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const open = tx.transaction(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
            started();
          }),
      );
      await running;
      await assert.rejects(tx.transaction(async () => 1), /already open/);
      release();
      await open;
    });
  });

  it('a transaction object is dead once its callback settles', async () => {
    let leaked: Transaction | undefined;
    await ctx.engine.transaction(async (tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.execute(select(artist.c.id).from(artist)), /already committed/);
  });

  it('honours isolation and read-only options', async () => {
    if (ctx.name === 'postgres') {
      const setting = await ctx.engine.transaction(
        (tx) => tx.scalar(sql`SELECT current_setting('transaction_isolation') || '/' || current_setting('transaction_read_only')`),
        { isolation: 'serializable', readOnly: true },
      );
      assert.equal(setting, 'serializable/on');
    }
    if (ctx.name === 'mysql') {
      const level = await ctx.engine.transaction(
        async (tx) => {
          await tx.all(select(artist.c.id).from(artist)); // the InnoDB transaction starts on first access
          return tx.scalar(sql`SELECT trx_isolation_level FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID()`);
        },
        { isolation: 'serializable' },
      );
      assert.equal(level, 'SERIALIZABLE');
    }
    // Every database refuses writes in a read-only transaction (SQLite's BEGIN DEFERRED is not read-only, so not there).
    if (ctx.name !== 'sqlite') {
      await assert.rejects(
        ctx.engine.transaction((tx) => tx.execute(insert(artist).values({ name: 'nope' })), { readOnly: true }),
        AthanorError,
      );
    } else {
      assert.equal(await ctx.engine.transaction((tx) => tx.scalar(select({ n: count() }).from(artist)), { readOnly: true }), 0);
    }
  });

  it('splits a large INSERT under the parameter limit and runs the parts in one transaction', async () => {
    const limit = ctx.dialect.capabilities.maxBindParameters;
    const total = Math.ceil(limit / 2) + 10; // two parameters per row (name, born): more than one statement
    const rows = Array.from({ length: total }, (_, i) => ({ name: `n${i}`, born: '2000-01-01' }));
    const statements = await recording(() => ctx.engine.execute(insert(artist).values(rows)));
    const inserts = statements.filter((q) => q.startsWith('INSERT'));
    assert.ok(inserts.length >= 2, `expected several INSERTs, got ${inserts.length}`);
    assert.match(statements[0]!, /^(BEGIN|START TRANSACTION)/);
    assert.equal(statements.at(-1), 'COMMIT');
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(artist)), total);

    // A failure in the last part undoes the first.
    await ctx.engine.execute(deleteFrom(artist));
    const withDuplicate = [...rows, { name: 'n0', born: '2000-01-01' }];
    await assert.rejects(ctx.engine.execute(insert(artist).values(withDuplicate)), IntegrityError);
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(artist)), 0);
  });

  it('a held connection runs statements and transactions on one session', async () => {
    const conn = await ctx.engine.connect();
    try {
      await conn.transaction(async (tx) => tx.execute(insert(artist).values({ name: 'held' })));
      assert.equal(conn.inTransaction, false);
      assert.deepEqual(await conn.all(select(artist.c.name).from(artist)), [{ name: 'held' }]);
    } finally {
      await conn.release();
    }
    await assert.rejects(conn.all(select(artist.c.name).from(artist)), /released/);
  });

  it('concurrent transactions on one engine do not interleave on a shared connection', async () => {
    await ctx.engine.execute(insert(artist).values({ name: 'counter', born: null }));
    // Read-modify-write with a pause in between: interleaved on one connection, updates would be lost.
    const bump = (tag: string) =>
      ctx.engine.transaction(async (tx) => {
        const n = (await tx.all(select(artist.c.name).from(artist))).length;
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.execute(insert(artist).values({ name: `${tag}${n}` }));
      });
    await Promise.all([bump('a'), bump('b'), bump('c')]);
    if (ctx.name === 'sqlite') {
      // One connection: each transaction saw the one before it.
      assert.deepEqual(await names(), ['a1', 'b2', 'c3', 'counter']);
    } else {
      // A pool gives each transaction its own connection: they overlap, and all commit.
      assert.equal((await names()).length, 4);
    }
  });

  if (ctx.name === 'sqlite') {
    it('using the engine inside its own transaction fails instead of waiting forever (single connection)', async () => {
      await ctx.engine.transaction(async () => {
        await assert.rejects(ctx.engine.all(select(artist.c.id).from(artist)), /single connection/);
      });
    });
  }
});
