/**
 * `s.reference(Model, key)`: an object known by its key alone. Linking to it writes the foreign key or the link row
 * without a SELECT; writing to it updates or deletes by key; a key that matches nothing is reported by the flush.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError, select } from '../../src/index.js';
import { database, InvalidRequestError, NotLoadedError, StaleDataError, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { Artist, Song, Tag, artistTable, createOrmTables, emptyOrmTables, songTable, songTagTable } from '../fixtures/orm-models.js';

forEachDialect('references by key', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createOrmTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(() => emptyOrmTables(ctx.engine));

  const verbs = (sql: readonly string[]) => sql.map((q) => q.split(' ')[0]!.toUpperCase());

  async function artists(n: number): Promise<number[]> {
    return await db.session(async (s) => {
      const made = Array.from({ length: n }, (_, i) => new Artist({ name: `artist ${i}` }));
      for (const a of made) s.add(a);
      await s.flush();
      return made.map((a) => a.id);
    });
  }

  it('a song linked to an artist by key is one INSERT, no SELECT of the artist', async () => {
    const [id] = await artists(1);
    await log.during(() =>
      db.session(async (s) => {
        const song = new Song({ title: 'Under Pressure' });
        song.artist = s.reference(Artist, id);
        s.add(song);
      }),
    );
    assert.deepEqual(verbs(log.sql), ['INSERT']);
    const rows = (await ctx.engine.execute(select({ artistId: songTable.c.artistId }).from(songTable))).rows;
    assert.deepEqual(rows, [{ artistId: id }]);
  });

  it('linking N songs to N artists by key takes the same statements at N=10 and N=10,000', async () => {
    const counts: number[] = [];
    for (const n of [10, 10_000]) {
      await emptyOrmTables(ctx.engine);
      const ids = await artists(n);
      await log.during(() =>
        db.session(async (s) => {
          for (const id of ids) {
            const song = new Song({ title: `song of ${id}` });
            song.artist = s.reference(Artist, id);
            s.add(song);
          }
        }),
      );
      assert.ok(!verbs(log.sql).includes('SELECT'), log.sql.join('\n'));
      counts.push(log.count);
      const linked = (await ctx.engine.execute(select({ artistId: songTable.c.artistId }).from(songTable))).rows.filter((r) => r.artistId !== null);
      assert.equal(linked.length, n);
    }
    assert.equal(counts[0], counts[1]);
  });

  it('a many-to-many link by key writes the link row without loading the tag', async () => {
    const tagId = await db.session(async (s) => {
      const t = new Tag({ label: 'rock' });
      s.add(t);
      await s.flush();
      return t.id;
    });
    await log.during(() =>
      db.session(async (s) => {
        const song = new Song({ title: 'x' });
        song.tags.push(s.reference(Tag, tagId));
        s.add(song);
      }),
    );
    assert.deepEqual(verbs(log.sql), ['INSERT', 'INSERT']);
    const links = (await ctx.engine.execute(select({ tagId: songTagTable.c.tagId }).from(songTagTable))).rows;
    assert.deepEqual(links, [{ tagId }]);
  });

  it('a key that matches no row fails the flush with an IntegrityError naming the song; nothing is written', async () => {
    const s = db.openSession();
    try {
      const song = new Song({ title: 'orphan' });
      song.artist = s.reference(Artist, 987_654);
      s.add(song);
      const error = await s.commit().then(
        () => assert.fail('the commit should fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof IntegrityError, String(error));
      assert.match(String((error as Error).message), /Song/);
    } finally {
      await s.close();
    }
    assert.equal((await ctx.engine.execute(select({ id: songTable.c.id }).from(songTable))).rows.length, 0);
  });

  it('a reference has only its key loaded; get() loads the rest into the same object', async () => {
    const [id] = await artists(1);
    await db.session(async (s) => {
      const ref = s.reference(Artist, id);
      assert.equal(ref.id, id);
      assert.throws(() => ref.name, NotLoadedError);
      assert.equal(s.reference(Artist, id), ref, 'one object per key');
      const loaded = await log.during(() => s.get(Artist, id));
      assert.equal(loaded.length, 1);
      assert.equal(await s.get(Artist, id), ref);
      assert.equal(ref.name, 'artist 0');
      // Once loaded, another get() is an identity-map hit.
      assert.equal((await log.during(() => s.get(Artist, id))).length, 0);
    });
    await db.session(async (s) => {
      const loaded = (await s.get(Artist, id))!;
      assert.equal(s.reference(Artist, id), loaded, 'a loaded object is its own reference');
    });
  });

  it('writes by key: an edit is one UPDATE, a missing row a StaleDataError; a delete is a DELETE by key', async () => {
    const [id] = await artists(1);
    await log.during(() =>
      db.session(async (s) => {
        s.reference(Artist, id).name = 'renamed';
      }),
    );
    assert.deepEqual(verbs(log.sql), ['UPDATE']);
    const names = (await ctx.engine.execute(select({ name: artistTable.c.name }).from(artistTable))).rows;
    assert.deepEqual(names, [{ name: 'renamed' }]);

    await assert.rejects(
      () =>
        db.session(async (s) => {
          s.reference(Artist, 987_654).name = 'nobody';
        }),
      StaleDataError,
    );

    await db.session(async (s) => {
      s.delete(s.reference(Artist, id));
    });
    assert.equal((await ctx.engine.execute(select({ id: artistTable.c.id }).from(artistTable))).rows.length, 0);
  });

  it('refuses a key with a missing part or a value of the wrong type, before any SQL', async () => {
    await db.session(async (s) => {
      assert.throws(() => s.reference(Artist, null), InvalidRequestError);
      assert.throws(() => s.reference(Artist, 'seven'), /integer|number|Artist\.id/i);
    });
  });
});
