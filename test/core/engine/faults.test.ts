/**
 * Faults under the engine, on a private PostgreSQL server (test/support/private-postgres.ts) that the tests
 * kill -9, stop and restart: a stream cut off mid-result raises a typed ConnectionError (no hang, no silently
 * short result), a transaction killed between two statements leaves nothing, and the same engine's pool
 * serves new queries after each restart, without restarting the process.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, count, createEngine, identity, insert, integer, select, sql, table, text, type Engine } from '../../../src/index.js';
import { bounded, lockTable, privatePostgresSuite, untilAnswers, untilBackend } from '../../support/private-postgres.js';

const item = table('flt_item', {
  id: identity(),
  n: integer().notNull(),
  tag: text().notNull(),
});

const STREAM_ROWS = 200_000;

await privatePostgresSuite('engine faults on a private PostgreSQL server', ({ server }) => {
  let engine: Engine;
  /** A second engine for watching the first: pg_stat_activity, locks. */
  let observer: Engine;

  const countTagged = async (tag: string) => Number(await engine.scalar(select({ n: count() }).from(item).where(item.c.tag.eq(tag))));

  before(async () => {
    engine = createEngine(server.url, { poolSize: 4 });
    observer = createEngine(server.url, { poolSize: 2 });
    await engine.dropAll([item], { ifExists: true });
    await engine.createAll([item]);
    await engine.execute(sql`INSERT INTO flt_item (n, tag) SELECT g, 'stream' FROM generate_series(1, ${STREAM_ROWS}) g`);
  });

  after(async () => {
    // Bounded: a pool still waiting on a connection the server dropped must not stall the suite's cleanup.
    await bounded(Promise.all([engine?.close(), observer?.close()]), 10_000, 'closing the engines');
    console.log(`# engine faults: ${server.faults} faults injected into the private PostgreSQL server`);
  });

  /** Stream the whole table, calling `onBatch` after each batch; resolves to the rows seen or rejects. */
  async function streamAll(onBatch: (batches: number) => Promise<void> | void): Promise<number> {
    let rows = 0;
    let batches = 0;
    for await (const batch of engine.stream(select(item.c.id, item.c.n).from(item).where(item.c.tag.eq('stream')), { batchSize: 1000 })) {
      rows += batch.length;
      await onBatch(++batches);
    }
    return rows;
  }

  for (const fault of ['kill -9', 'fast shutdown'] as const) {
    it(`a stream cut off by a ${fault} mid-result raises ConnectionError, and the engine streams again after the restart`, async () => {
      let seen = 0;
      const run = streamAll(async (batches) => {
        seen = batches;
        if (batches === 3) await (fault === 'kill -9' ? server.kill() : server.stop('fast'));
      });
      await assert.rejects(bounded(run, 20_000, 'the interrupted stream'), (error: unknown) => {
        assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${(error as Error).name}: ${(error as Error).message}`);
        return true;
      });
      assert.equal(seen, 3, 'no batch after the fault');
      await server.start();
      await untilAnswers(engine);
      assert.equal(await bounded(streamAll(() => undefined), 30_000, 'the stream after the restart'), STREAM_ROWS);
    });
  }

  it('a Core transaction killed between its two statements leaves no row; retried, both land', async () => {
    let attempt = 0;
    const work = () =>
      engine.transaction(async (tx) => {
        await tx.execute(insert(item).values(Array.from({ length: 1000 }, (_, i) => ({ n: i, tag: 'first' }))));
        if (attempt++ === 0) await server.kill();
        await tx.execute(insert(item).values(Array.from({ length: 1000 }, (_, i) => ({ n: i, tag: 'second' }))));
      });
    await assert.rejects(bounded(work(), 20_000, 'the killed transaction'), ConnectionError);
    await server.start();
    await untilAnswers(engine);
    assert.equal(await countTagged('first'), 0, "the first statement's rows died with the transaction");
    assert.equal(await countTagged('second'), 0);
    await work();
    assert.equal(await countTagged('first'), 1000);
    assert.equal(await countTagged('second'), 1000);
  });

  it('a statement waiting on a lock when the server is killed fails with ConnectionError, not a hang', async () => {
    const lock = await lockTable(observer, 'flt_item');
    try {
      const waiting = engine.execute(insert(item).values({ n: 1, tag: 'locked' }));
      waiting.catch(() => undefined);
      await untilBackend(observer, { query: 'INSERT INTO "flt_item"%', waitEventType: 'Lock', not: lock.pid });
      await server.kill();
      await assert.rejects(bounded(waiting, 20_000, 'the waiting INSERT'), ConnectionError);
    } finally {
      await lock.release();
    }
    await server.start();
    await untilAnswers(engine);
    await untilAnswers(observer);
    assert.equal(await countTagged('locked'), 0);
  });

  it('kill -9 of one backend: the server restarts by itself and the same engine answers again', async () => {
    const conn = await engine.connect();
    let backend: number;
    try {
      backend = Number(await conn.scalar(sql`SELECT pg_backend_pid() AS pid`));
      server.killBackend(backend);
      await assert.rejects(bounded(conn.scalar(sql`SELECT pg_sleep(0.5)`), 20_000, 'a query on the killed backend'), ConnectionError);
    } finally {
      await conn.release();
    }
    // The postmaster ends every other backend, recovers, and accepts connections again.
    await untilAnswers(engine, 30_000);
    await untilAnswers(observer, 30_000);
    const fresh = Number(await engine.scalar(sql`SELECT pg_backend_pid() AS pid`));
    assert.notEqual(fresh, backend);
  });

  it('after every restart, queries on the same engine work without re-creating it', async () => {
    for (const fault of ['kill -9', 'fast shutdown', 'kill -9'] as const) {
      // Fill the pool with idle connections that the fault will break.
      await Promise.all(Array.from({ length: 4 }, () => engine.scalar(sql`SELECT pg_sleep(0.05)`)));
      await (fault === 'kill -9' ? server.kill() : server.stop('fast'));
      await assert.rejects(engine.scalar(sql`SELECT 1 AS one`), ConnectionError);
      await server.start();
      // The pool dropped the connections the fault broke: the very first query gets a live one.
      assert.deepEqual((await untilAnswers(engine)).map((e) => e.message), [], 'the first query after the restart works');
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => engine.scalar(sql`SELECT ${i}::int AS i`)));
      assert.deepEqual(answers, [0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });
});
