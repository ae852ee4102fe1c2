/**
 * INSERT, UPDATE and DELETE executed on every database: what they change, what
 * RETURNING hands back, and a clear UnsupportedError where a database lacks a form.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  UnsupportedError,
  count,
  deleteFrom,
  excluded,
  identity,
  insert,
  integer,
  select,
  table,
  text,
  update,
  type Table,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const artist = table('bdml_artist', {
  id: identity(),
  name: text().notNull().unique(),
  plays: integer().notNull().default(0),
});

const song = table('bdml_song', {
  id: identity(),
  artistId: integer('artist_id').notNull(),
  title: text().notNull(),
});

const archive = table('bdml_archive', {
  id: identity(),
  name: text().notNull(),
});

const tables: readonly Table[] = [artist, song, archive];

forEachDialect('INSERT, UPDATE, DELETE behaviour', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
  });
  after(async () => ctx.engine.dropAll(tables, { ifExists: true }));
  beforeEach(async () => {
    for (const t of tables) await ctx.engine.execute(deleteFrom(t));
  });

  const names = async () => (await ctx.engine.all(select(artist.c.name, artist.c.plays).from(artist).orderBy(artist.c.name)));

  it('inserts one row, and many rows in one statement', async () => {
    const log = new StatementLog(ctx.engine);
    await log.during(async () => {
      await ctx.engine.execute(insert(artist).values({ name: 'Dio' }));
      await ctx.engine.execute(insert(artist).values([{ name: 'Accept', plays: 3 }, { name: 'Rainbow' }, { name: 'Kiss', plays: 7 }]));
    });
    assert.equal(log.count, 2);
    assert.deepEqual(await names(), [
      { name: 'Accept', plays: 3 },
      { name: 'Dio', plays: 0 },
      { name: 'Kiss', plays: 7 },
      { name: 'Rainbow', plays: 0 },
    ]);
  });

  it('inserts from a select', async () => {
    await ctx.engine.execute(insert(artist).values([{ name: 'A' }, { name: 'B' }]));
    const result = await ctx.engine.execute(insert(archive).fromSelect([archive.c.name], select(artist.c.name).from(artist).where(artist.c.name.ne('B'))));
    assert.equal(result.rowCount, 1);
    assert.deepEqual(await ctx.engine.all(select(archive.c.name).from(archive)), [{ name: 'A' }]);
  });

  it('returns inserted rows with RETURNING, in VALUES order', async () => {
    const stmt = insert(artist).values([{ name: 'x1' }, { name: 'x2', plays: 5 }]).returning(artist.c.id, artist.c.name, artist.c.plays);
    const rows = await ctx.engine.all(stmt);
    assert.deepEqual(
      rows.map((r) => [r.name, r.plays]),
      [
        ['x1', 0],
        ['x2', 5],
      ],
    );
    assert.ok(rows[0]!.id < rows[1]!.id);
    const all = await ctx.engine.one(insert(archive).values({ name: 'z' }).returningAll());
    assert.equal(all.name, 'z');
    assert.equal(typeof all.id, 'number');
  });

  it('upserts: do nothing on conflict', async () => {
    await ctx.engine.execute(insert(artist).values({ name: 'Dio', plays: 1 }));
    await ctx.engine.execute(insert(artist).values([{ name: 'Dio', plays: 9 }, { name: 'Ozzy', plays: 2 }]).onConflictDoNothing([artist.c.name]));
    assert.deepEqual(await names(), [
      { name: 'Dio', plays: 1 },
      { name: 'Ozzy', plays: 2 },
    ]);
  });

  it('upserts: update on conflict with the excluded value', async () => {
    await ctx.engine.execute(insert(artist).values({ name: 'Dio', plays: 1 }));
    await ctx.engine.execute(
      insert(artist)
        .values([{ name: 'Dio', plays: 9 }, { name: 'Ozzy', plays: 2 }])
        .onConflictDoUpdate({ target: [artist.c.name], set: { plays: artist.c.plays.add(excluded(artist.c.plays)) } }),
    );
    assert.deepEqual(await names(), [
      { name: 'Dio', plays: 10 },
      { name: 'Ozzy', plays: 2 },
    ]);
  });

  it('updates with WHERE, and reports the rows it changed', async () => {
    await ctx.engine.execute(insert(artist).values([{ name: 'A', plays: 1 }, { name: 'B', plays: 2 }, { name: 'C', plays: 3 }]));
    const result = await ctx.engine.execute(update(artist).set({ plays: artist.c.plays.mul(10) }).where(artist.c.plays.ge(2)));
    assert.equal(result.rowCount, 2);
    assert.deepEqual((await names()).map((r) => r.plays), [1, 20, 30]);
  });

  it('updates with RETURNING where the database has it', async () => {
    await ctx.engine.execute(insert(artist).values([{ name: 'A', plays: 1 }]));
    const stmt = update(artist).set({ plays: 5 }).where(artist.c.name.eq('A')).returning(artist.c.name, artist.c.plays);
    if (!ctx.dialect.capabilities.returning.update) {
      await assert.rejects(ctx.engine.all(stmt), (e: unknown) => e instanceof UnsupportedError && /UPDATE \.\.\. RETURNING/.test(e.message));
      return;
    }
    assert.deepEqual(await ctx.engine.all(stmt), [{ name: 'A', plays: 5 }]);
  });

  it('updates from another table (FROM, or a multi-table UPDATE)', async () => {
    const ids = await ctx.engine.all(insert(artist).values([{ name: 'A' }, { name: 'B' }]).returning(artist.c.id, artist.c.name));
    const a = ids.find((r) => r.name === 'A')!.id;
    await ctx.engine.execute(insert(song).values([{ artistId: a, title: 's1' }, { artistId: a, title: 's2' }]));
    const result = await ctx.engine.execute(update(artist).set({ plays: 42 }).from(song).where(song.c.artistId.eq(artist.c.id), song.c.title.eq('s1')));
    assert.equal(result.rowCount, 1);
    assert.deepEqual(await names(), [
      { name: 'A', plays: 42 },
      { name: 'B', plays: 0 },
    ]);
  });

  it('deletes with WHERE, and with RETURNING where the database has it', async () => {
    await ctx.engine.execute(insert(artist).values([{ name: 'A' }, { name: 'B' }, { name: 'C' }]));
    const result = await ctx.engine.execute(deleteFrom(artist).where(artist.c.name.eq('A')));
    assert.equal(result.rowCount, 1);
    const stmt = deleteFrom(artist).where(artist.c.name.eq('B')).returning(artist.c.name);
    if (ctx.dialect.capabilities.returning.delete) {
      assert.deepEqual(await ctx.engine.all(stmt), [{ name: 'B' }]);
    } else {
      await assert.rejects(ctx.engine.all(stmt), UnsupportedError);
    }
  });

  it('deletes using another table (USING, multi-table) or says it cannot', async () => {
    const ids = await ctx.engine.all(insert(artist).values([{ name: 'A' }, { name: 'B' }]).returning(artist.c.id, artist.c.name));
    const b = ids.find((r) => r.name === 'B')!.id;
    await ctx.engine.execute(insert(song).values([{ artistId: b, title: 'gone' }]));
    const stmt = deleteFrom(artist).using(song).where(song.c.artistId.eq(artist.c.id), song.c.title.eq('gone'));
    if (ctx.dialect.capabilities.deleteUsing === 'none') {
      await assert.rejects(ctx.engine.execute(stmt), (e: unknown) => e instanceof UnsupportedError && /USING/.test(e.message));
      // The portable form: a subquery in WHERE.
      await ctx.engine.execute(deleteFrom(artist).where(artist.c.id.in(select(song.c.artistId).from(song).where(song.c.title.eq('gone')))));
    } else {
      const result = await ctx.engine.execute(stmt);
      assert.equal(result.rowCount, 1);
    }
    assert.deepEqual((await names()).map((r) => r.name), ['A']);
  });

  it('splits an insert larger than the parameter limit and keeps every row', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ artistId: i, title: `t${i}` }));
    const log = new StatementLog(ctx.engine);
    await log.during(() => ctx.engine.execute(insert(song).values(rows)));
    const expected = Math.ceil((40_000 * 2) / ctx.dialect.capabilities.maxBindParameters);
    assert.equal(log.count, expected);
    assert.ok(expected > 1);
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(song)), 40_000);
  });
});
