/**
 * Streaming: rows arrive in batches of the requested size, memory stays
 * bounded by the batch rather than the result, and stopping early frees the
 * connection cleanly.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { identifier, select, sql } from '../../../src/core/sql/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { rawText, schema } from './fixtures.js';

const s = schema('eng_stream');
const { big, names } = s;
const ROWS = 1_000_000;
const WIDTH = 40;

// A gc() without --expose-gc on the command line, so heap samples measure live data, not garbage.
setFlagsFromString('--expose-gc');
const gc = (globalThis.gc ?? runInNewContext('gc')) as () => void;

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

forEachDialect('streaming', (ctx) => {
  before(async () => {
    await s.reset(ctx.engine);
    const q = (name: string) => ctx.engine.dialect.quoteIdentifier(name);
    const t = q(names.big);
    const fill: Record<typeof ctx.name, string> = {
      postgres: `INSERT INTO ${t} (n, s) SELECT g, repeat('x', ${WIDTH}) FROM generate_series(1, ${ROWS}) g`,
      sqlite:
        `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS}) ` +
        `INSERT INTO ${t} (n, s) SELECT n, replace(hex(zeroblob(${WIDTH / 2})), '00', 'xx') FROM seq`,
      mysql:
        `INSERT INTO ${t} (n, s) WITH RECURSIVE seq AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS}) ` +
        `SELECT n, REPEAT('x', ${WIDTH}) FROM seq`,
    };
    const conn = await ctx.engine.connect();
    try {
      // Recursive CTEs may stop at 1000 levels: raise the limit for this session.
      if (ctx.name === 'mysql') {
        const mariadb = (ctx.dialect as { flavor?: string }).flavor === 'mariadb';
        await conn.execute(mariadb ? sql`SET SESSION max_recursive_iterations = 1000000` : sql`SET SESSION cte_max_recursion_depth = 1000000`);
      }
      await conn.execute(rawText(fill[ctx.name]));
    } finally {
      await conn.release();
    }
  });
  after(async () => s.drop(ctx.engine));

  it(`delivers ${ROWS} rows in batches of the requested size with bounded memory`, async () => {
    const batchSize = 1024;
    const query = select(big.c.n, big.c.s).from(big).orderBy(big.c.n);
    const sizes: number[] = [];
    let expected = 1;
    const baseline = heapUsed();
    let peak = 0;
    for await (const batch of ctx.engine.stream(query, { batchSize })) {
      sizes.push(batch.length);
      for (const row of batch) {
        assert.equal(row.n, expected++);
        assert.equal(row.s.length, WIDTH);
      }
      if (sizes.length % 25 === 0) peak = Math.max(peak, heapUsed() - baseline);
    }
    assert.equal(expected - 1, ROWS);
    const full = Math.floor(ROWS / batchSize);
    assert.deepEqual(sizes.slice(0, full), new Array(full).fill(batchSize));
    assert.deepEqual(sizes.slice(full), [ROWS % batchSize]);
    // All rows at once would hold a million objects (well over 100 MB); a batch holds about a thousandth of that.
    assert.ok(peak < 16 * 1024 * 1024, `heap grew by ${(peak / 1048576).toFixed(1)} MB while streaming`);
  });

  it('stops early, freeing the cursor and the connection', async () => {
    const conn = await ctx.engine.connect();
    try {
      let batches = 0;
      for await (const batch of conn.stream(select(big.c.n).from(big).orderBy(big.c.n), { batchSize: 500 })) {
        assert.equal(batch.length, 500);
        if (++batches === 3) break;
      }
      assert.equal(conn.inTransaction, false);
      if (ctx.name === 'postgres') {
        // The cursor is closed and its transaction committed on this very session.
        assert.equal(await conn.scalar(sql`SELECT count(*)::int AS n FROM pg_cursors`), 0);
        assert.equal(await conn.scalar(sql`SELECT now() = statement_timestamp() AS fresh`), true, 'no transaction left open');
      }
      assert.equal((await conn.all(select(big.c.n).from(big).where(big.c.n.eq(7))))[0]?.n, 7, 'the connection still works');
    } finally {
      await conn.release();
    }
  });

  it('streams inside a transaction, on its connection', async () => {
    await ctx.engine.transaction(async (tx) => {
      let total = 0;
      for await (const batch of tx.stream(select(big.c.n).from(big).where(big.c.n.le(2500)), { batchSize: 1000 })) total += batch.length;
      assert.equal(total, 2500);
      assert.equal(tx.isActive, true);
    });
  });

  it('reports a failing query as a typed error from the loop', async () => {
    const iterate = async () => {
      for await (const _ of ctx.engine.stream(sql`SELECT * FROM ${identifier('eng_stream_missing')}`)) {
        // never reached
      }
    };
    await assert.rejects(iterate(), (error: Error) => error.name === 'StatementError');
    // and the engine is fine afterwards
    assert.equal((await ctx.engine.all(select(big.c.n).from(big).where(big.c.n.eq(1)))).length, 1);
  });
});
