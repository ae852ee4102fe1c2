/**
 * Pitfalls 4, 5, 6 and 8 read what the application did with query results.
 * Until the query code emits `queryResult` (see src/orm/instrumentation.ts),
 * these tests emit the event themselves with real objects from a session, as
 * the query code will, and check the detector's findings and its fixed forms.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, insert } from '../../src/index.js';
import { database, type Database, type Session } from '../../src/orm/index.js';
import { ormHooks, trackResultAccess, type EagerLoad } from '../../src/orm/instrumentation.js';
import { mapperOf } from '../../src/orm/mapper.js';
import { stateOf } from '../../src/orm/state.js';
import { diagnose, type Finding } from '../../src/diagnostics/index.js';
import { relationshipReadIndex } from '../../src/diagnostics/rules/results.js';
import { forEachDialect } from '../support/dialects.js';
import { Artist, Song, dgArtist, dgSong, dgTables } from './models.js';

const quiet = { onFinding: (_f: Finding) => {} };

/** What the query code will emit after `all()`. */
function emitResult(s: Session, objects: object[], extra: { rowCount?: number; eager?: EagerLoad[]; access?: { length: boolean; elements: boolean } } = {}): void {
  const mapper = stateOf(objects[0]!).mapper;
  ormHooks.emit('queryResult', {
    session: s,
    transactionKey: s.transactionKey,
    mapper,
    objects,
    rowCount: extra.rowCount ?? objects.length,
    columns: mapper.columns.map((_, i) => i),
    eager: extra.eager ?? [],
    access: extra.access,
    callerLocation: 'app.ts:1:1',
  });
}

forEachDialect(
  'diagnostics: result pitfalls',
  (ctx) => {
    let db: Database;
    before(async () => {
      await ctx.engine.dropAll(dgTables, { ifExists: true });
      await ctx.engine.createAll(dgTables);
      db = database(ctx.engine);
    });
    beforeEach(async () => {
      await ctx.engine.execute(deleteFrom(dgSong));
      await ctx.engine.execute(deleteFrom(dgArtist));
      await ctx.engine.execute(insert(dgSong).values([1, 2, 3, 4].map((n) => ({ title: `t${n}`, genre: 'g', mood: 'm', lyrics: 'l', notes: 'n' }))));
    });

    it('5. unread columns: two of six columns read is reported with loadOnly(); reading most is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const songs = await s.query(Song).all();
            emitResult(s, songs);
            for (const song of songs) void song.title;
          }),
        quiet,
      );
      const [f] = report.of('unread-columns');
      assert.ok(f, report.toString());
      assert.match(f.fix, /loadOnly\(Song\.title\)/);
      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const songs = await s.query(Song).all();
            emitResult(s, songs);
            for (const song of songs) void [song.title, song.genre, song.mood, song.lyrics];
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.of('unread-columns'), []);
    });

    it('6. count in JavaScript: only .length read is reported; iterating is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const rows = await s.query(Song).all();
            const tracked = trackResultAccess(rows); // the event gets the plain array, the application the wrapped one
            emitResult(s, rows, { access: tracked.access });
            return tracked.rows.length;
          }),
        quiet,
      );
      assert.equal(report.of('count-in-js').length, 1, report.toString());
      assert.match(report.of('count-in-js')[0]!.fix, /count\(\)/);
      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const rows = await s.query(Song).all();
            const tracked = trackResultAccess(rows); // the event gets the plain array, the application the wrapped one
            emitResult(s, rows, { access: tracked.access });
            return tracked.rows.map((r) => r.title);
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.of('count-in-js'), []);
    });

    it('4 and 8. unused eager loads and joined row multiplication', async () => {
      await ctx.engine.execute(insert(dgArtist).values({ name: 'A' }));
      const eager: EagerLoad[] = [{ path: ['songs'], attr: Artist.songs, strategy: 'joined' }];
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const artists = await s.query(Artist).all();
            emitResult(s, artists, { eager, rowCount: 40 });
          }),
        quiet,
      );
      assert.equal(report.of('unused-eager-load').length, 1, report.toString());
      assert.equal(report.of('joined-row-multiplication').length, 1, report.toString());
      assert.match(report.of('joined-row-multiplication')[0]!.fix, /selectinLoad\(Artist\.songs\)/);
      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const artists = await s.query(Artist).all();
            emitResult(s, artists, { eager, rowCount: 3 });
            // What state.ts getRelated() will record once wired:
            const st = stateOf(artists[0]!);
            st.reads!.add(relationshipReadIndex(st, mapperOf(Artist).relationshipIndex(Artist.songs)));
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.findings, []);
    });
  },
  { only: ['sqlite', 'postgres'] },
);
