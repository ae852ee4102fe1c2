/**
 * Measuring: the statement recorder (following async work, not mixing
 * concurrent blocks), the count assertions for application tests, and the
 * structured statement log with its slow threshold.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, insert, select, sql } from '../../src/index.js';
import { database, type Database } from '../../src/orm/index.js';
import {
  expectMaxStatements,
  expectStatements,
  logStatements,
  recordStatements,
  StatementCountError,
  type StatementLogEntry,
} from '../../src/diagnostics/index.js';
import { forEachDialect } from '../support/dialects.js';
import { Artist, Song, dgArtist, dgSong, dgTables, lineOf } from './models.js';

forEachDialect(
  'diagnostics: recording statements',
  (ctx) => {
    let db: Database;
    before(async () => {
      await ctx.engine.dropAll(dgTables, { ifExists: true });
      await ctx.engine.createAll(dgTables);
      db = database(ctx.engine);
    });

    it('records SQL, parameters, rows, duration and the caller line; BEGIN/COMMIT apart', async () => {
      await ctx.engine.execute(deleteFrom(dgSong));
      await ctx.engine.execute(deleteFrom(dgArtist));
      // The INSERTs run at db.session()'s commit; the nearest application frame V8's async stack keeps is this await.
      const line = lineOf(import.meta.url, 'site-session');
      const rec = await recordStatements(() => // site-session
        db.session(async (s) => {
          const a = new Artist({ name: 'Bob Dylan' });
          a.songs.push(new Song({ title: 'Mr. Tambourine Man' }));
          s.add(a);
          return 'done';
        }),
      );
      assert.equal(rec.value, 'done');
      assert.equal(rec.count, 2);
      assert.match(rec.statements[0]!.sql, /^INSERT INTO .dg_artist./);
      assert.match(rec.statements[1]!.sql, /^INSERT INTO .dg_song./);
      assert.ok(rec.statements[1]!.parameters.includes('Mr. Tambourine Man'));
      assert.ok(rec.transactionControl.length >= 2, 'BEGIN and COMMIT recorded apart');
      for (const s of rec.statements) {
        assert.ok(s.durationMs >= 0);
        assert.ok(s.callerLocation?.includes(`recording.test.ts:${line}:`), `caller ${s.callerLocation} should be line ${line}`);
      }
      assert.ok(rec.totalMs >= 0);
    });

    it('keeps concurrent blocks apart and follows nested async work', async () => {
      const [a, b] = await Promise.all([
        recordStatements(async () => {
          await ctx.engine.execute(select({ x: sql<number>`1` }));
          await new Promise((r) => setTimeout(r, 5));
          await ctx.engine.execute(select({ x: sql<number>`2` }));
        }),
        recordStatements(async () => {
          await Promise.all([1, 2, 3].map((n) => ctx.engine.execute(select({ x: sql<number>`${n}` }))));
        }),
      ]);
      assert.equal(a.count, 2);
      assert.equal(b.count, 3);
      const outer = await recordStatements(async () => {
        await ctx.engine.execute(select({ x: sql<number>`1` }));
        const inner = await recordStatements(() => ctx.engine.execute(select({ x: sql<number>`2` })));
        assert.equal(inner.count, 1);
      });
      assert.equal(outer.count, 2, 'the outer recording sees the inner block too');
    });

    it('expectStatements / expectMaxStatements pass, and fail listing the statements', async () => {
      await expectStatements(1, () => ctx.engine.execute(insert(dgArtist).values({ name: 'Queen' })));
      await expectMaxStatements(2, () => ctx.engine.execute(select(dgArtist.c.id).from(dgArtist)));
      await assert.rejects(
        expectStatements(1, async () => {
          await ctx.engine.execute(select(dgArtist.c.id).from(dgArtist));
          await ctx.engine.execute(select(dgArtist.c.name).from(dgArtist));
        }),
        (e: unknown) => {
          assert.ok(e instanceof StatementCountError);
          assert.ok(e instanceof Error);
          assert.match(e.message, /expected 1 statement, 2 ran:\n {2}1\. SELECT .*\n.*\n {2}2\. SELECT/);
          assert.equal(e.recording.count, 2);
          return true;
        },
      );
      await assert.rejects(
        expectMaxStatements(0, () => ctx.engine.execute(select(dgArtist.c.id).from(dgArtist))),
        /expected at most 0 statements, 1 ran/,
      );
    });

    it('logs structured entries, slow ones at warn, failures at error', async () => {
      const entries: StatementLogEntry[] = [];
      const stop = logStatements({ log: (e) => entries.push(e), slowMs: 0, engine: ctx.engine });
      await ctx.engine.execute(select(dgArtist.c.id).from(dgArtist));
      await ctx.engine.execute(sql`SELECT * FROM dg_no_such_table`).catch(() => undefined);
      stop();
      await ctx.engine.execute(select(dgArtist.c.id).from(dgArtist));
      assert.equal(entries.length, 2);
      assert.equal(entries[0]!.level, 'warn');
      assert.equal(entries[0]!.msg, 'slow statement');
      assert.match(entries[0]!.sql, /^SELECT/);
      assert.equal(typeof entries[0]!.rows, 'number');
      assert.equal(entries[0]!.parameters, undefined, 'parameters only when asked');
      assert.equal(entries[1]!.level, 'error');
      assert.ok(entries[1]!.error);

      const fast: StatementLogEntry[] = [];
      const stop2 = logStatements({ log: (e) => fast.push(e), slowMs: 60_000, only: 'slow', engine: ctx.engine });
      await ctx.engine.execute(select(dgArtist.c.id).from(dgArtist));
      stop2();
      assert.equal(fast.length, 0, 'nothing slow: nothing logged');
    });
  },
  { only: ['sqlite', 'postgres', 'mysql'] },
);
