/**
 * A connection the server ends in the middle of a statement surfaces as a
 * retryable ConnectionError (never a bare StatementError), the engine discards
 * it, and the pool hands out a fresh one: the next call works without a restart.
 *
 * The server ends the session from a second connection: `pg_terminate_backend`
 * on PostgreSQL, `KILL` on MariaDB, while the first runs a sleep.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, StatementError } from '../../../src/core/errors.js';
import { createEngine } from '../../../src/connect/index.js';
import type { Driver, DriverConnection, DriverResult, Engine } from '../../../src/core/engine/index.js';
import { insert, sql } from '../../../src/core/sql/index.js';
import { identity, text } from '../../../src/core/schema/column.js';
import { table } from '../../../src/core/schema/table.js';
import { forEachDialect } from '../../support/dialects.js';
import { within, pause } from '../../support/waits.js';

forEachDialect(
  'connection lost mid-statement',
  (ctx) => {
    let killer: Engine;
    before(async () => {
      killer = createEngine(ctx.url);
      await killer.ready();
    });
    after(async () => {
      await killer.close();
    });

    const pg = ctx.name === 'postgres';
    const sleep = () => (pg ? sql`SELECT pg_sleep(5) AS slept` : sql`SELECT SLEEP(5) AS slept`);

    /** Wait (bounded) until the server shows connection `id` running its sleep. */
    async function waitUntilSleeping(id: number): Promise<void> {
      for (let attempt = 0; attempt < 250; attempt++) {
        const running = pg
          ? await killer.scalar(sql<number>`SELECT count(*)::int FROM pg_stat_activity WHERE pid = ${id} AND wait_event = 'PgSleep'`)
          : await killer.scalar(sql<number>`SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = ${id} AND INFO LIKE '%SLEEP%'`);
        if (Number(running) > 0) return;
        await pause(20);
      }
      throw new Error(`connection ${id} never showed its sleep on the server`);
    }

    /** Wait (bounded) until the server no longer lists connection `id`. */
    async function waitUntilGone(id: number): Promise<void> {
      for (let attempt = 0; attempt < 250; attempt++) {
        const present = pg
          ? await killer.scalar(sql<number>`SELECT count(*)::int FROM pg_stat_activity WHERE pid = ${id}`)
          : await killer.scalar(sql<number>`SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = ${id}`);
        if (Number(present) === 0) return;
        await pause(20);
      }
      throw new Error(`connection ${id} is still on the server`);
    }

    async function kill(id: number): Promise<void> {
      if (pg) await killer.execute(sql`SELECT pg_terminate_backend(${id})`);
      else await killer.execute(sql`KILL ${id}`);
    }

    /** The id of the connection the next statement of `engine` runs on. */
    function nextConnectionId(engine: Engine): Promise<number> {
      return new Promise((resolve) => {
        const stop = engine.events.on('beforeExecute', (e) => {
          stop();
          resolve(e.connectionId);
        });
      });
    }

    function assertLost(error: unknown, retryable: boolean): asserts error is ConnectionError {
      assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${String(error)}`);
      assert.ok(!(error instanceof StatementError));
      assert.equal(error.code, 'ATH_CONNECTION');
      assert.equal(error.retryable, retryable, error.message);
      assert.ok(error.cause !== undefined, 'the driver error is the cause');
    }

    async function assertRecovered(engine: Engine, lostId: number): Promise<void> {
      // One connection in the pool: a second call can only run if the broken one was discarded.
      const id = nextConnectionId(engine);
      assert.equal(Number(await within(5000, 'the next query', engine.scalar(sql<number>`SELECT 1 AS one`))), 1);
      assert.notEqual(await id, lostId, 'a new connection');
      assert.equal(Number(await engine.scalar(sql<number>`SELECT 2 AS two`)), 2);
    }

    it('a statement cut off by the server fails with a retryable ConnectionError, and the pool recovers', async () => {
      const engine = ctx.engine;
      const id = nextConnectionId(engine);
      const running = engine.execute(sleep()).then(
        () => undefined,
        (error: unknown) => error,
      );
      const lostId = await id;
      await waitUntilSleeping(lostId);
      await kill(lostId);
      const error = await within(10_000, 'the killed statement', running);
      assertLost(error, true);
      assert.match(error.message, /SLEEP/i, 'names the statement');
      await assertRecovered(engine, lostId);
    });

    it('inside a transaction: retryable (the server rolled it back), and the pool recovers', async () => {
      const engine = ctx.engine;
      const id = nextConnectionId(engine);
      const running = engine
        .transaction(async (tx) => {
          await tx.execute(sleep());
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const lostId = await id;
      await waitUntilSleeping(lostId);
      await kill(lostId);
      assertLost(await within(10_000, 'the killed transaction', running), true);
      await assertRecovered(engine, lostId);
    });

    it('a held connection whose server session ended fails with ConnectionError on its next statement', async () => {
      const engine = ctx.engine;
      const conn = await engine.connect();
      const lostId = conn.id;
      try {
        await kill(lostId);
        await waitUntilGone(lostId);
        for (let i = 0; i < 2; i++) {
          const error = await within(5000, 'a statement on the dead connection', conn.execute(sql`SELECT 1 AS one`)).then(
            () => undefined,
            (e: unknown) => e,
          );
          assertLost(error, true);
        }
      } finally {
        await conn.release();
      }
      await assertRecovered(engine, lostId);
    });

    it('a stream cut off by the server ends with ConnectionError instead of hanging', async () => {
      const engine = ctx.engine;
      const id = nextConnectionId(engine);
      const reading = (async () => {
        for await (const batch of engine.stream(sleep())) void batch;
      })().then(
        () => undefined,
        (error: unknown) => error,
      );
      const lostId = await id;
      await waitUntilSleeping(lostId);
      await kill(lostId);
      assertLost(await within(10_000, 'the killed stream', reading), true);
      await assertRecovered(engine, lostId);
    });

    it('an autocommit write cut off is not retryable: it may have been applied', async () => {
      const t = table(`eng_lost_${ctx.name}`, { id: identity(), note: text() });
      await ctx.engine.createAll([t], { ifNotExists: true });
      try {
        const engine = ctx.engine;
        const id = nextConnectionId(engine);
        const writing = engine
          .execute(insert(t).values({ note: pg ? sql<string>`(SELECT 'x' || pg_sleep(5))` : sql<string>`(SELECT CONCAT('x', SLEEP(5)))` }))
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        const lostId = await id;
        await waitUntilSleeping(lostId);
        await kill(lostId);
        const error = await within(10_000, 'the killed insert', writing);
        assertLost(error, false);
        assert.match(error.message, /may have been applied/);
        await assertRecovered(engine, lostId);
      } finally {
        await ctx.engine.dropAll([t], { ifExists: true });
      }
    });
  },
  { only: ['postgres', 'mysql'], engine: { poolSize: 1 } },
);

// ---------------------------------------------------------------------------
// The rule for `retryable`, with a driver whose connection breaks on demand

/** A driver on the PostgreSQL dialect whose connection fails the way pg does when the server goes away. */
function breakingDriver(breakOn: RegExp): Driver & { readonly released: boolean[] } {
  const released: boolean[] = [];
  let next = 1;
  return {
    library: 'fake',
    poolSize: 1,
    released,
    async acquire(): Promise<DriverConnection> {
      let lost = false;
      return {
        id: next++,
        get lost() {
          return lost;
        },
        async query(text: string): Promise<DriverResult> {
          if (lost) throw new Error('Client has encountered a connection error and is not queryable');
          if (breakOn.test(text)) {
            lost = true;
            throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
          }
          return { columns: [], rows: [], rowCount: 0 };
        },
        // eslint-disable-next-line require-yield
        async *stream() {
          throw new Error('not used');
        },
        release(broken?: boolean): void {
          released.push(broken === true);
        },
      };
    },
    async close(): Promise<void> {},
  };
}

describe('ConnectionError.retryable', () => {
  const cases: { what: string; breakOn: RegExp; run: (e: Engine) => Promise<unknown>; retryable: boolean }[] = [
    { what: 'a read outside a transaction', breakOn: /SELECT/, run: (e) => e.execute(sql`SELECT 1`), retryable: true },
    { what: 'a write outside a transaction', breakOn: /UPDATE/, run: (e) => e.execute(sql`UPDATE t SET a = 1`), retryable: false },
    { what: 'BEGIN', breakOn: /BEGIN/, run: (e) => e.transaction(async () => undefined), retryable: true },
    {
      what: 'a write inside a transaction',
      breakOn: /UPDATE/,
      run: (e) => e.transaction(async (tx) => tx.execute(sql`UPDATE t SET a = 1`)),
      retryable: true,
    },
    { what: 'COMMIT', breakOn: /COMMIT/, run: (e) => e.transaction(async (tx) => tx.execute(sql`UPDATE t SET a = 1`)), retryable: false },
  ];
  for (const c of cases) {
    it(`${c.what}: retryable ${c.retryable}, and the connection is discarded`, async () => {
      const driver = breakingDriver(c.breakOn);
      const engine = createEngine({ driver, dialect: 'postgres' });
      await assert.rejects(c.run(engine), (error: unknown) => {
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.retryable, c.retryable, error.message);
        assert.match(error.message, c.retryable ? /can be run again/ : /may have been applied/);
        return true;
      });
      assert.deepEqual(driver.released, [true], 'released as broken');
      await engine.close();
    });
  }

  it('a generic driver error on a connection the driver reports lost is a ConnectionError', async () => {
    const driver = breakingDriver(/BREAK/);
    const engine = createEngine({ driver, dialect: 'postgres' });
    const conn = await engine.connect();
    await assert.rejects(conn.execute(sql`SELECT 'BREAK'`), ConnectionError);
    await assert.rejects(conn.execute(sql`SELECT 1`), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, /not queryable/);
      return true;
    });
    await conn.release();
    assert.deepEqual(driver.released, [true]);
    await engine.close();
  });

  it('a failure to connect is retryable when the server may come back, not for a database that does not exist', async () => {
    const down = createEngine('postgres://postgres@127.0.0.1:1/athanor_nothing');
    await assert.rejects(down.ready(), (error: unknown) => error instanceof ConnectionError && error.retryable);
    await down.close();
    const pgUrl = new URL(process.env['ATHANOR_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/athanor_test');
    if (!(process.env['ATHANOR_DIALECTS'] ?? '').includes('postgres')) return;
    pgUrl.pathname = '/athanor_no_such_database';
    const missing = createEngine(pgUrl.toString());
    await assert.rejects(missing.ready(), (error: unknown) => {
      assert.ok(error instanceof ConnectionError);
      assert.equal(error.retryable, false, error.message);
      return true;
    });
    await missing.close();
  });
});
