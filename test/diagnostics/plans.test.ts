/**
 * Query plans on every dialect (sequential scans flagged on a large table,
 * not on a key lookup) and PostgreSQL's pg_stat_statements report, including
 * the messages when it is unavailable.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, identity, integer, select, sql, table, text } from '../../src/index.js';
import { explain, PgStatStatementsUnavailableError, sequentialScans, topStatements } from '../../src/diagnostics/index.js';
import { forEachDialect } from '../support/dialects.js';

const dgPlanSong = table('dg_plan_song', { id: identity(), title: text().notNull(), plays: integer().notNull() });

forEachDialect(
  'diagnostics: explain',
  (ctx) => {
    before(async () => {
      await ctx.engine.dropAll([dgPlanSong], { ifExists: true });
      await ctx.engine.createAll([dgPlanSong]);
      const rows = Array.from({ length: 3000 }, (_, i) => ({ title: `song ${i}`, plays: i % 97 }));
      await ctx.engine.copyFrom(dgPlanSong, rows);
      // Table statistics for the planner (PostgreSQL's reltuples, MySQL's row estimates).
      if (ctx.name !== 'sqlite') await ctx.engine.execute(ctx.name === 'mysql' ? sql`ANALYZE TABLE dg_plan_song` : sql`ANALYZE dg_plan_song`);
    });

    it('flags a sequential scan of a large table, not a primary-key lookup', async () => {
      const scan = await explain(ctx.engine, select(dgPlanSong.c.title).from(dgPlanSong).where(dgPlanSong.c.plays.eq(5)));
      assert.ok(scan.text.length > 0);
      const found = sequentialScans(scan, { minRows: 1000 });
      assert.equal(found.length, 1, scan.text);
      assert.equal(found[0]!.table, 'dg_plan_song');
      assert.ok(found[0]!.rows >= 1000);
      if (ctx.name === 'postgres') assert.ok(Array.isArray(scan.json), 'PostgreSQL gives the JSON plan');

      const lookup = await explain(ctx.engine, select(dgPlanSong.c.title).from(dgPlanSong).where(dgPlanSong.c.id.eq(5)));
      assert.deepEqual(sequentialScans(lookup, { minRows: 1000 }), [], lookup.text);
    });

    it('analyze reports actual figures', async () => {
      const plan = await explain(ctx.engine, select(dgPlanSong.c.title).from(dgPlanSong).where(dgPlanSong.c.plays.eq(5)), { analyze: true });
      if (ctx.name === 'postgres' || ctx.name === 'sqlite') assert.ok(plan.executionMs !== undefined && plan.executionMs >= 0);
      if (ctx.name === 'postgres') assert.ok(plan.nodes.some((n) => n.actualRows !== undefined));
      assert.ok(plan.text.length > 0);
    });
  },
  { only: ['sqlite', 'postgres', 'mysql'] },
);

/**
 * pg_stat_statements needs a server setting and a restart (`.ci/run` makes both), so a server without it skips the
 * test that reads it, with the reason; ATHANOR_REQUIRE_PG_STAT_STATEMENTS=1 (set by `.ci/run`) makes that a failure.
 */
const requirePgStatStatements = process.env['ATHANOR_REQUIRE_PG_STAT_STATEMENTS'] === '1';

forEachDialect(
  'diagnostics: pg_stat_statements',
  (ctx) => {
    const emptyDb = 'athanor_dg_nopss';
    /** Why pg_stat_statements cannot be read in the test database, if it cannot. */
    let unavailable: string | undefined;
    before(async () => {
      const exists = await ctx.engine.all(sql`SELECT 1 AS x FROM pg_database WHERE datname = ${emptyDb}`);
      if (exists.length === 0) await ctx.engine.execute(sql`CREATE DATABASE athanor_dg_nopss`).catch(() => undefined);
      // Preloaded but not created in this database: creating it is all it takes (and what .ci/run does).
      await ctx.engine.execute(sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).catch(() => undefined);
      try {
        await topStatements(ctx.engine, { limit: 1 });
      } catch (error) {
        if (!(error instanceof PgStatStatementsUnavailableError)) throw error;
        unavailable = error.message;
      }
    });

    it('lists top statements by total time, mean time, calls and rows', async (t) => {
      if (unavailable !== undefined) {
        if (requirePgStatStatements) throw new Error(`pg_stat_statements is required (ATHANOR_REQUIRE_PG_STAT_STATEMENTS=1) but unavailable: ${unavailable}`);
        t.skip(`${unavailable} (set ATHANOR_REQUIRE_PG_STAT_STATEMENTS=1 to fail instead)`);
        return;
      }
      for (let i = 0; i < 3; i++) await ctx.engine.execute(select({ marker: sql<number>`${i}` }).from(dgPlanSong).where(dgPlanSong.c.plays.eq(i)));
      for (const orderBy of ['totalTime', 'meanTime', 'calls', 'rows'] as const) {
        const top = await topStatements(ctx.engine, { orderBy, limit: 5 });
        assert.ok(top.length > 0 && top.length <= 5);
        for (const s of top) assert.ok(typeof s.query === 'string' && s.calls >= 1 && s.totalMs >= 0);
      }
      const mine = await topStatements(ctx.engine, { contains: 'dg_plan_song', orderBy: 'calls' });
      assert.ok(mine.some((s) => s.calls >= 3), JSON.stringify(mine));
    });

    it('says how to enable it when the extension is not installed in the database', async () => {
      const url = new URL(ctx.url);
      url.pathname = `/${emptyDb}`;
      const other = createEngine(url.toString());
      try {
        await assert.rejects(topStatements(other), (e: unknown) => {
          assert.ok(e instanceof PgStatStatementsUnavailableError);
          assert.ok(e.reason === 'not-installed' || e.reason === 'not-preloaded');
          assert.match(e.message, /CREATE EXTENSION pg_stat_statements/);
          return true;
        });
      } finally {
        await other.close();
      }
    });
  },
  { only: ['postgres'] },
);

forEachDialect(
  'diagnostics: pg_stat_statements elsewhere',
  (ctx) => {
    it('explains that it is PostgreSQL-only', async () => {
      await assert.rejects(topStatements(ctx.engine), (e: unknown) => e instanceof PgStatStatementsUnavailableError && e.reason === 'not-postgres');
    });
  },
  { only: ['sqlite'] },
);
