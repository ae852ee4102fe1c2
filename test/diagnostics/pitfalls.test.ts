/**
 * The pitfall detector: each pitfall in its naive form (reported, at the right
 * call site) and its fixed form (nothing reported), per diagnose() block, per
 * watched session, and in raise mode.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, insert, select, update } from '../../src/index.js';
import { database, type Database } from '../../src/orm/index.js';
import { diagnose, diagnostics, PitfallError, resetDiagnostics, watchSession, type Finding } from '../../src/diagnostics/index.js';
import { forEachDialect } from '../support/dialects.js';
import { Artist, Label, PassiveArtist, Song, dgArtist, dgLabel, dgRelease, dgSong, dgTables, lineOf } from './models.js';

const here = import.meta.url;
const quiet = { onFinding: (_f: Finding) => {} };

forEachDialect(
  'diagnostics: pitfalls',
  (ctx) => {
    let db: Database;
    let songIds: number[];
    before(async () => {
      await ctx.engine.dropAll(dgTables, { ifExists: true });
      await ctx.engine.createAll(dgTables);
      db = database(ctx.engine);
    });
    after(() => resetDiagnostics());
    beforeEach(async () => {
      await ctx.engine.execute(deleteFrom(dgSong));
      await ctx.engine.execute(deleteFrom(dgArtist));
      await ctx.engine.execute(deleteFrom(dgRelease));
      await ctx.engine.execute(deleteFrom(dgLabel));
      const artist = await insertId(dgArtist, 'Bob Dylan');
      await ctx.engine.execute(insert(dgSong).values([1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ title: `song ${n}`, artistId: artist.id }))));
      songIds = (await ctx.engine.all(dgSongSelect())).map((r) => r.id);
    });
    const insertId = async (t: typeof dgArtist | typeof dgLabel, name: string): Promise<{ id: number }> => {
      // Same columns, but a column's type carries its table's name: the union is not one table type.
      await ctx.engine.execute(insert(t as typeof dgArtist).values({ name }));
      return ctx.engine.one(select(t.c.id).from(t).where(t.c.name.eq(name)));
    };

    it('1. N+1: get() in a loop is reported at the loop line; one query by key is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            for (const id of songIds) await s.get(Song, id); // site-nplus1
          }),
        quiet,
      );
      const [f, ...rest] = report.of('n-plus-one');
      assert.equal(rest.length, 0);
      assert.ok(f, report.toString());
      assert.equal(f.numbers['statements'], 8);
      assert.ok(f.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-nplus1')}:`), String(f.callSite));
      assert.match(f.fix, /selectinLoad|\.in\(ids\)/);

      const fixed = await diagnose(() => db.session((s) => s.query(Song).where(Song.id.in(songIds)).all()), quiet);
      assert.deepEqual(fixed.report.findings, []);
      assert.equal(fixed.value.length, 8);
    });

    it('1. N+1 in a watched session (no diagnose block): raise mode fails the commit', async () => {
      const s = db.openSession();
      const stop = watchSession(s, { mode: 'raise' });
      try {
        for (const id of songIds) await s.get(Song, id);
        await assert.rejects(s.commit(), (e: unknown) => e instanceof PitfallError && e.findings[0]!.pitfall === 'n-plus-one');
        assert.equal(diagnostics(s).of('n-plus-one').length, 1);
      } finally {
        stop();
        await s.close();
      }
    });

    it('2. per-row writes: Core UPDATEs in a loop are reported; one set-based UPDATE is not', async () => {
      const { report } = await diagnose(async () => {
        for (const id of songIds) await ctx.engine.execute(update(dgSong).set({ plays: 1 }).where(dgSong.c.id.eq(id))); // site-writes
      }, quiet);
      const [f] = report.of('per-row-writes');
      assert.ok(f, report.toString());
      assert.equal(f.numbers['statements'], 8);
      assert.ok(f.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-writes')}:`), f.callSite);
      assert.match(f.fix, /update\(table\)\.set/);

      const fixed = await diagnose(() => ctx.engine.execute(update(dgSong).set({ plays: 2 }).where(dgSong.c.id.in(songIds))), quiet);
      assert.deepEqual(fixed.report.findings, []);
      // A session changing many objects flushes them in batched statements: not per-row writes either.
      const flushed = await diagnose(
        () =>
          db.session(async (s) => {
            const songs = await s.query(Song).where(Song.id.in(songIds)).all();
            songs.forEach((song, i) => (song.plays = 100 + i));
          }),
        quiet,
      );
      assert.deepEqual(flushed.report.of('per-row-writes'), []);
    });

    it('3. ORM-side cascade delete over ON DELETE CASCADE is reported; passiveDeletes is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const a = (await s.query(Artist).all())[0]!;
            s.delete(a);
          }),
        quiet,
      );
      const [f] = report.of('orm-cascade-delete');
      assert.ok(f, report.toString());
      assert.equal(f.numbers['parents'], 1);
      assert.equal(f.numbers['childRowsDeleted'], 8);
      assert.match(f.fix, /passiveDeletes: true/);

      await ctx.engine.execute(deleteFrom(dgSong));
      await ctx.engine.execute(deleteFrom(dgArtist));
      const artist = await insertId(dgArtist, 'Queen');
      await ctx.engine.execute(insert(dgSong).values([{ title: 'a', artistId: artist.id }, { title: 'b', artistId: artist.id }]));
      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            s.delete((await s.get(PassiveArtist, artist.id))!);
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.findings, []);
      assert.equal((await ctx.engine.all(dgSongSelect())).length, 0, 'the database cascaded');
    });

    it('3. passiveDeletes over a foreign key without ON DELETE is reported', async () => {
      const label = await insertId(dgLabel, 'Columbia');
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            s.delete((await s.get(Label, label.id))!);
          }),
        quiet,
      );
      const [f] = report.of('passive-deletes-without-on-delete');
      assert.ok(f, report.toString());
      assert.match(f.title, /no ON DELETE action/);
      assert.match(f.fix, /onDelete: 'CASCADE'/);
    });

    it('7. premature flush: flush() to get an id, then commit, is reported at the flush line; linking objects is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const artist = new Artist({ name: 'Bob Dylan' });
            s.add(artist);
            await s.flush(); // site-flush
            const song = new Song({ title: 'Mr. Tambourine Man', artistId: artist.id });
            s.add(song);
          }),
        quiet,
      );
      const [f] = report.of('premature-flush');
      assert.ok(f, report.toString());
      assert.equal(f.numbers['flushes'], 2);
      assert.equal(f.numbers['explicitFlushes'], 1);
      assert.ok(f.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-flush')}:`), f.callSite);

      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const artist = new Artist({ name: 'Bob Dylan' });
            artist.songs.push(new Song({ title: 'Mr. Tambourine Man' }));
            s.add(artist);
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.findings, []);
    });

    it('7. flush() to get an id in a loop, from two lines taking turns: premature-flush with the relationship fix', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            for (let i = 0; i < 6; i++) {
              const artist = new Artist({ name: `pair ${i}` });
              s.add(artist);
              await s.flush(); // site-pair-flush
              s.add(new Song({ title: `pair song ${i}`, artistId: artist.id }));
              await s.flush();
            }
          }),
        quiet,
      );
      assert.deepEqual(report.findings.map((f) => f.pitfall), ['premature-flush'], report.toString());
      const [f] = report.of('premature-flush');
      assert.equal(f!.numbers['explicitFlushes'], 12);
      assert.ok(f!.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-pair-flush')}:`), f!.callSite);
      assert.match(f!.fix, /artist\.songs\.push\(song\)/);
    });

    it('2. a flush per object in an update loop is a per-row write, with the update fix (not the relationship one)', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            for (const song of await s.query(Song).where(Song.id.in(songIds)).all()) {
              song.plays = 7;
              await s.flush(); // site-update-flush
            }
          }),
        quiet,
      );
      assert.deepEqual(report.findings.map((f) => f.pitfall), ['per-row-writes'], report.toString());
      const [f] = report.of('per-row-writes');
      assert.equal(f!.numbers['flushes'], 8);
      assert.equal(f!.numbers['statements'], 8);
      assert.match(f!.title, /8 session\.flush\(\) calls from one line, each writing one object: 8 UPDATE statements on "dg_song"/);
      assert.ok(f!.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-update-flush')}:`), f!.callSite);
      assert.match(f!.fix, /^move session\.flush\(\) at .*pitfalls\.test\.ts:\d+:\d+ out of the loop/);
      assert.match(f!.fix, /\.update\(\{ \.\.\. \}\)/);
      assert.doesNotMatch(f!.fix, /relationships|generated keys/);
    });

    it('2. a commit per object in an update loop is a per-row write too, not several-commits', async () => {
      const { report } = await diagnose(async () => {
        const s = db.openSession();
        try {
          for (const song of await s.query(Song).where(Song.id.in(songIds)).all()) {
            song.plays = 9;
            await s.commit(); // site-update-commit
          }
        } finally {
          await s.close();
        }
      }, quiet);
      assert.deepEqual(report.findings.map((f) => f.pitfall), ['per-row-writes'], report.toString());
      const [f] = report.of('per-row-writes');
      assert.match(f!.title, /8 session\.commit\(\) calls from one line.*UPDATE.*one durable commit each/);
      assert.ok(f!.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-update-commit')}:`), f!.callSite);
      assert.match(f!.fix, /^move session\.commit\(\) at /);
    });

    it('2. add() + flush() per row in an import loop is a per-row write, with the insert fix', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            for (let i = 0; i < 8; i++) {
              s.add(new Song({ title: `imported ${i}` }));
              await s.flush(); // site-import-flush
            }
          }),
        quiet,
      );
      assert.deepEqual(report.findings.map((f) => f.pitfall), ['per-row-writes'], report.toString());
      const [f] = report.of('per-row-writes');
      assert.match(f!.title, /8 INSERT statements on "dg_song"/);
      assert.ok(f!.callSite?.includes(`pitfalls.test.ts:${lineOf(here, 'site-import-flush')}:`), f!.callSite);
      assert.match(f!.fix, /session\.addAll\(objects\)/);
      assert.match(f!.fix, /insert\(table\)\.values\(rows\)/);
      assert.doesNotMatch(f!.fix, /relationships|generated keys/);
    });

    it('7. a few explicit flushes of updates: premature-flush, with the fix for updates', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const [a, b] = await s.query(Song).where(Song.id.in(songIds.slice(0, 2))).all();
            a!.plays = 3;
            await s.flush();
            b!.plays = 4;
            await s.flush();
          }),
        quiet,
      );
      assert.deepEqual(report.findings.map((f) => f.pitfall), ['premature-flush'], report.toString());
      assert.match(report.of('premature-flush')[0]!.fix, /the single flush at commit writes every change/);
      assert.doesNotMatch(report.of('premature-flush')[0]!.fix, /relationships/);
    });

    it('7. several commits in one request are reported; one is not', async () => {
      const { report } = await diagnose(async () => {
        await db.session(async (s) => s.add(new Artist({ name: 'A' })));
        await db.session(async (s) => s.add(new Artist({ name: 'B' })));
      }, quiet);
      assert.equal(report.of('several-commits').length, 1, report.toString());
      const fixed = await diagnose(() => db.session(async (s) => s.addAll([new Artist({ name: 'A' }), new Artist({ name: 'B' })])), quiet);
      assert.deepEqual(fixed.report.findings, []);
    });

    it('warn mode hands each finding to onFinding; mode off reports nothing', async () => {
      const seen: Finding[] = [];
      await diagnose(() => db.session(async (s) => { for (const id of songIds) await s.get(Song, id); }), { onFinding: (f) => seen.push(f) });
      assert.equal(seen.length, 1);
      assert.match(seen[0]!.message, /^\[n-plus-one\] N\+1: 8 SELECTs/);
      const off = await diagnose(() => db.session(async (s) => { for (const id of songIds) await s.get(Song, id); }), { mode: 'off' });
      assert.deepEqual(off.report.findings, []);
    });
  },
  { only: ['sqlite', 'postgres', 'mysql'] },
);

function dgSongSelect() {
  return select(dgSong.c.id).from(dgSong).orderBy(dgSong.c.id);
}
