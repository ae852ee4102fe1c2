/**
 * Waiting for a connection ends: after `acquireTimeoutMs` the caller gets a
 * PoolTimeoutError naming the pool size, the wait, the connections checked
 * out and the likely cause, and a connection that comes free later goes back
 * to the pool instead of to the caller who gave up. SQLite, with its one
 * connection per engine, waits and times out the same way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, PoolTimeoutError } from '../../../src/core/errors.js';
import { createEngine } from '../../../src/connect/index.js';
import type { Connection } from '../../../src/core/engine/index.js';
import { sql } from '../../../src/core/sql/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { within } from '../../support/waits.js';

const TIMEOUT_MS = 150;

forEachDialect(
  'pool acquire timeout',
  (ctx) => {
    async function assertTimesOut(run: () => Promise<unknown>, held: number): Promise<void> {
      const error = await within(5000, 'waiting for a connection', run()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof PoolTimeoutError, `expected PoolTimeoutError, got ${String(error)}`);
      assert.ok(error instanceof ConnectionError, 'a kind of ConnectionError');
      assert.equal(error.code, 'ATH_POOL_TIMEOUT');
      assert.equal(error.retryable, true);
      assert.equal(error.poolSize, 1);
      assert.equal(error.checkedOut, held);
      assert.ok(error.waitedMs >= TIMEOUT_MS, `waited ${error.waitedMs} ms`);
      assert.match(error.message, /pool of .* has 1 connection\b/);
      assert.match(error.message, new RegExp(`${held} checked out`));
      assert.match(error.message, new RegExp(`within ${error.waitedMs} ms`));
      assert.match(error.message, /never closed/);
      assert.match(error.message, /acquireTimeoutMs/);
    }

    it('a statement waiting for the only connection fails after acquireTimeoutMs, naming the cause', async () => {
      const holder = await ctx.engine.connect();
      try {
        await assertTimesOut(() => ctx.engine.execute(sql`SELECT 1 AS one`), 1);
        await assertTimesOut(() => ctx.engine.transaction(async () => undefined), 1);
        await assertTimesOut(() => ctx.engine.connect(), 1);
      } finally {
        await holder.release();
      }
      assert.equal(Number(await within(5000, 'the next query', ctx.engine.scalar(sql<number>`SELECT 1 AS one`))), 1);
    });

    it('a connection that comes free after the caller gave up goes back to the pool', async () => {
      const holder = await ctx.engine.connect();
      // The driver's own wait outlives the engine's: the connection arrives later, to nobody.
      await assertTimesOut(() => ctx.engine.execute(sql`SELECT 1 AS one`), 1);
      await holder.release();
      // One connection in all: each of these can only run if the late arrival was given back.
      for (let i = 0; i < 3; i++) {
        const conn: Connection = await within(5000, `connection ${i}`, ctx.engine.connect());
        await conn.release();
      }
    });

    it('callers waiting within the timeout get the connection in turn', async () => {
      const holder = await ctx.engine.connect();
      const waiting = [1, 2, 3].map((n) => ctx.engine.scalar(sql<number>`SELECT ${n} AS n`));
      await holder.release();
      assert.deepEqual((await within(5000, 'the waiting callers', Promise.all(waiting))).map(Number), [1, 2, 3]);
    });
  },
  { engine: { poolSize: 1, acquireTimeoutMs: TIMEOUT_MS } },
);

describe('acquireTimeoutMs', () => {
  it('must be a positive number of milliseconds, or Infinity', () => {
    for (const bad of [0, -1, Number.NaN]) {
      assert.throws(() => createEngine('sqlite::memory:', { acquireTimeoutMs: bad }), /acquireTimeoutMs must be a positive number/);
    }
    createEngine('sqlite::memory:', { acquireTimeoutMs: Number.POSITIVE_INFINITY });
  });

  it('defaults to 30 seconds', () => {
    assert.equal(createEngine('sqlite::memory:').acquireTimeoutMs, 30_000);
  });
});
