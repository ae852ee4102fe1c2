/**
 * Loading strategies on every database: the exact SQL each emits, and the
 * same statement count at 10 and at 10,000 parents.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, insert, type Table } from '../../../src/index.js';
import {
  Model,
  database,
  immediateLoad,
  joinedLoad,
  lazyLoad,
  loadWith,
  many,
  mapped,
  noBatch,
  noLoad,
  NotLoadedError,
  one,
  raiseLoad,
  RaiseLoadError,
  selectinLoad,
  subqueryLoad,
  type Database,
  type Related,
} from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';
import { musicTables } from './models.js';

const t = musicTables('qld_');

@mapped
class Artist extends Model(t.artist) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', orderBy: [t.album.c.id] });
}
interface Artist extends Related<typeof Artist> {}

@mapped
class Album extends Model(t.album) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track, { backPopulates: 'album' });
  static readonly tags = many(() => Tag, { secondary: t.albumTag });
}
interface Album extends Related<typeof Album> {}

@mapped
class Track extends Model(t.track) {
  static readonly album = one(() => Album, { backPopulates: 'tracks' });
}
interface Track extends Related<typeof Track> {}

@mapped
class Tag extends Model(t.tag) {}

/** `"x"` / `?` everywhere, whatever the dialect quotes and placeholders look like. */
function norm(sql: string): string {
  // MySQL spells the LIKE escape backslash as CHAR(92 USING utf8mb4), the same in every SQL mode.
  return sql.replace(/`/g, '"').replace(/\$\d+/g, '?').replace(/ ESCAPE CHAR\(92 USING utf8mb4\)/g, " ESCAPE '\\'");
}

forEachDialect('loading strategies', (ctx) => {
  let db: Database;
  let log: StatementLog;

  async function seed(n: number): Promise<void> {
    for (const table of [t.albumTag, t.track, t.album, t.artist, t.tag] as Table[]) await ctx.engine.execute(deleteFrom(table));
    const artists = Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `artist ${i + 1}` }));
    await ctx.engine.execute(insert(t.artist).values(artists));
    // Every artist has one album with one track, except the last, which has none.
    const albums = artists.slice(0, n - 1).map((a) => ({ id: a.id, title: `album ${a.id}`, artistId: a.id }));
    await ctx.engine.execute(insert(t.album).values(albums));
    await ctx.engine.execute(insert(t.track).values(albums.map((a) => ({ id: a.id, name: `track ${a.id}`, albumId: a.id, ms: a.id }))));
    await ctx.engine.execute(insert(t.tag).values([{ id: 1, label: 'rock' }, { id: 2, label: 'jazz' }]));
    await ctx.engine.execute(insert(t.albumTag).values([{ albumId: 1, tagId: 1 }, { albumId: 1, tagId: 2 }, { albumId: 2, tagId: 2 }]));
  }

  before(async () => {
    await ctx.engine.dropAll(t.all, { ifExists: true });
    await ctx.engine.createAll(t.all);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  /** Statements run by `fn` in a fresh session. */
  async function run(fn: (s: import('../../../src/orm/index.js').Session) => Promise<unknown>): Promise<string[]> {
    const statements = await log.during(() => db.session(fn));
    return statements.map((s) => norm(s.sql));
  }

  /** Statement counts per strategy at `n` objects. */
  async function countsAt(n: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const record = (key: string, count: number): void => {
      counts[key] = count;
    };
    {
      await seed(n);
      // lazy (select): the naive loop, sibling-batched
      const lazy = await run(async (s) => {
        const artists = await s.query(Artist).all();
        let seen = 0;
        for (const a of artists) for (const al of await a.albums.load()) seen += al.title.length > 0 ? 1 : 0;
        assert.equal(seen, n - 1);
      });
      record('select', lazy.length);
      const joined = await run(async (s) => {
        const artists = await s.query(Artist).options(joinedLoad(Artist.albums)).all();
        assert.equal(artists.length, n);
        assert.equal(artists.reduce((k, a) => k + a.albums.length, 0), n - 1);
        assert.equal(artists.find((a) => a.id === n)!.albums.length, 0, 'an artist without albums has an empty, loaded collection');
      });
      record('joined', joined.length);
      const selectin = await run(async (s) => {
        const artists = await s.query(Artist).options(selectinLoad(Artist.albums).selectinLoad(Album.tracks)).all();
        assert.equal(artists.reduce((k, a) => k + a.albums.reduce((j, al) => j + al.tracks.length, 0), 0), n - 1);
      });
      record('selectin (2 levels)', selectin.length);
      const subquery = await run(async (s) => {
        const artists = await s.query(Artist).options(subqueryLoad(Artist.albums)).all();
        assert.equal(artists.reduce((k, a) => k + a.albums.length, 0), n - 1);
      });
      record('subquery', subquery.length);
      const immediate = await run(async (s) => {
        const artists = await s.query(Artist).options(immediateLoad(Artist.albums)).all();
        assert.equal(artists.reduce((k, a) => k + a.albums.length, 0), n - 1);
      });
      record('immediate', immediate.length);
      const noload = await run(async (s) => {
        const artists = await s.query(Artist).options(noLoad(Artist.albums)).all();
        // noload marks the collection loaded and empty: load() returns it without SQL.
        let total = 0;
        for (const a of artists) total += (await a.albums.load()).length;
        assert.equal(total, 0);
      });
      record('noload', noload.length);
      const raise = await run(async (s) => {
        const artists = await s.query(Artist).options(raiseLoad(Artist.albums)).all();
        await assert.rejects(() => artists[0]!.albums.load(), RaiseLoadError);
      });
      record('raise', raise.length);
      const toOne = await run(async (s) => {
        const tracks = await s.query(Track).options(joinedLoad(Track.album).joinedLoad(Album.artist)).all();
        assert.equal(tracks.filter((tr) => tr.album?.artist?.name === `artist ${tr.id}`).length, n - 1);
      });
      record('joined to-one, 2 levels', toOne.length);
    }
    return counts;
  }

  it('every strategy runs the same number of statements at N=10 and N=10,000', async () => {
    const expected = {
      select: 2,
      joined: 1,
      'selectin (2 levels)': 3,
      subquery: 2,
      immediate: 2,
      noload: 1,
      raise: 1,
      'joined to-one, 2 levels': 1,
    };
    assert.deepEqual(await countsAt(10), expected);
    assert.deepEqual(await countsAt(10_000), expected);
  });

  it('emits the expected SQL for each strategy', async () => {
    await seed(3);
    const joined = await run((s) => s.query(Artist).options(joinedLoad(Artist.albums)).all());
    assert.deepEqual(joined, [
      'SELECT "qld_artist"."id", "qld_artist"."name", "qld_album_1"."id" AS "qld_album_1_id", "qld_album_1"."title" AS "qld_album_1_title", ' +
        '"qld_album_1"."artist_id" AS "qld_album_1_artistId" FROM "qld_artist" LEFT JOIN "qld_album" AS "qld_album_1" ' +
        'ON "qld_artist"."id" = "qld_album_1"."artist_id" ORDER BY "qld_album_1"."id"',
    ]);
    const selectin = await run((s) => s.query(Artist).options(selectinLoad(Artist.albums)).all());
    assert.deepEqual(selectin, [
      'SELECT "qld_artist"."id", "qld_artist"."name" FROM "qld_artist"',
      'SELECT "qld_album"."id", "qld_album"."title", "qld_album"."artist_id" AS "artistId" FROM "qld_album" WHERE "qld_album"."artist_id" IN (?, ?, ?) ORDER BY "qld_album"."id"',
    ]);
    const subquery = await run((s) => s.query(Artist).where(Artist.name.like('artist%')).options(subqueryLoad(Artist.albums)).all());
    assert.deepEqual(subquery, [
      'SELECT "qld_artist"."id", "qld_artist"."name" FROM "qld_artist" WHERE "qld_artist"."name" LIKE ? ESCAPE \'\\\'',
      'SELECT "qld_album"."id", "qld_album"."title", "qld_album"."artist_id" AS "artistId", "anon_1"."k0" AS "__link0" FROM "qld_album" ' +
        'JOIN (SELECT DISTINCT "qld_artist"."id" AS "k0" FROM "qld_artist" WHERE "qld_artist"."name" LIKE ? ESCAPE \'\\\') AS "anon_1" ' +
        'ON "qld_album"."artist_id" = "anon_1"."k0" ORDER BY "qld_album"."id"',
    ]);
  });

  it('loadWith(attr, key) loads with the strategy registered under the key, as its named option does; an unknown key fails naming the keys', async () => {
    await seed(3);
    const named = await run((s) => s.query(Artist).options(selectinLoad(Artist.albums).joinedLoad(Album.tracks)).all());
    const byKey = await run(async (s) => {
      const artists = await s.query(Artist).options(loadWith(Artist.albums, 'selectin').loadWith(Album.tracks, 'joined')).all();
      // Eager through the type too: the collections read without load().
      assert.equal(artists.reduce((k, a) => k + a.albums.reduce((j, al) => j + al.tracks.length, 0), 0), 2);
    });
    assert.deepEqual(byKey, named);
    assert.throws(() => loadWith(Artist.albums, 'sometimes' as 'select'), /no loader strategy is registered as "sometimes"; the strategies are select, joined, selectin/);
  });

  it('joined loading of a collection with LIMIT wraps the parents in a subquery, so the limit counts artists', async () => {
    await seed(10);
    const sql = await run(async (s) => {
      const artists = await s.query(Artist).orderBy(Artist.id).limit(3).options(joinedLoad(Artist.albums).joinedLoad(Album.tags)).all();
      assert.deepEqual(artists.map((a) => a.id), [1, 2, 3]);
      assert.deepEqual(artists[0]!.albums[0]!.tags.map((tg) => tg.label).sort(), ['jazz', 'rock']);
      assert.equal(artists[2]!.albums[0]!.tags.length, 0);
    });
    assert.equal(sql.length, 1);
    assert.match(sql[0]!, /FROM \(SELECT "qld_artist"\."id", "qld_artist"\."name", "qld_artist"\."id" AS "__order0" FROM "qld_artist" ORDER BY "qld_artist"\."id" LIMIT \?\) AS "anon_1" LEFT JOIN "qld_album" AS "qld_album_1" ON "anon_1"\."id" = "qld_album_1"\."artist_id" LEFT JOIN "qld_album_tag" AS "qld_album_tag_2"/);
  });

  it('sibling batching can be turned off per query, per relationship and per session', async () => {
    await seed(10);
    const off = await run(async (s) => {
      const artists = await s.query(Artist).options(noBatch(Artist.albums)).all();
      for (const a of artists) await a.albums.load();
    });
    assert.equal(off.length, 11);
    const sessionOff = await log.during(() =>
      db.session(
        async (s) => {
          const artists = await s.query(Artist).all();
          for (const a of artists) await s.load(a, 'albums');
        },
        { batchLazyLoads: false },
      ),
    );
    assert.equal(sessionOff.length, 11);
  });

  it('reading an unloaded relationship never does I/O: collections throw on read, to-ones throw NotLoadedError naming the option', async () => {
    await seed(3);
    await db.session(async (s) => {
      const [a] = await s.query(Artist).orderBy(Artist.id).limit(1).all();
      assert.equal(a!.albums.loaded, false);
      assert.throws(() => (a!.albums as unknown as unknown[]).length, NotLoadedError);
      const [tr] = await s.query(Track).limit(1).all();
      assert.throws(() => tr!.album, (e: Error) => e instanceof NotLoadedError && /joinedLoad\(Track\.album\)/.test(e.message));
      // toJSON leaves it out instead of loading it.
      const statements = await log.during(async () => JSON.stringify(a));
      assert.equal(statements.length, 0);
      assert.deepEqual(JSON.parse(JSON.stringify(a)), { id: a!.id, name: a!.name });
    });
  });

  it('raise: reading and loading both fail, naming the query option; lazyLoad() overrides it per query', async () => {
    await seed(3);
    await db.session(async (s) => {
      const artists = await s.query(Artist).options(raiseLoad('*')).all();
      await assert.rejects(() => artists[0]!.albums.load(), (e: Error) => e instanceof RaiseLoadError && /selectinLoad\(Artist\.albums\)/.test(e.message));
      const tracks = await s.query(Track).options(raiseLoad(Track.album)).all();
      assert.throws(() => tracks[0]!.album, RaiseLoadError);
      const again = await s.query(Track).options(lazyLoad(Track.album)).where(Track.id.eq(2)).all();
      assert.equal((await s.load(again[0]!, 'album'))!.title, 'album 2');
    });
  });

  it('a loaded collection sets the back-reference: track.album after selectinLoad(Album.tracks) needs no load', async () => {
    await seed(3);
    const sql = await run(async (s) => {
      const albums = await s.query(Album).options(selectinLoad(Album.tracks)).all();
      for (const al of albums) for (const tr of al.tracks) assert.equal(tr.album, al);
    });
    assert.equal(sql.length, 2);
  });

  it('defer / loadOnly leave columns unloaded; reading one throws naming undefer()', async () => {
    await seed(3);
    const { loadOnly } = await import('../../../src/orm/index.js');
    const sql = await run(async (s) => {
      const tracks = await s.query(Track).options(loadOnly(Track.name)).orderBy(Track.id).all();
      assert.equal(tracks[0]!.name, 'track 1');
      assert.throws(() => tracks[0]!.ms, /undefer\(Track\.ms\)/);
    });
    assert.equal(sql[0], 'SELECT "qld_track"."id", "qld_track"."name", "qld_track"."album_id" AS "albumId" FROM "qld_track" ORDER BY "qld_track"."id"');
  });
});
