/**
 * Entities with computed columns in one statement (`withColumns`): artists with their album counts and total track
 * length, through the identity map, with eager loads, HAVING and ORDER BY on the aggregate — on every database, in
 * one statement at N=10 and N=1,000 artists.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, deleteFrom, insert, max, select, sum, type Engine, type Table } from '../../../src/index.js';
import { InvalidRequestError, Model, database, joinedLoad, many, mapped, one, selectinLoad, type Database, type Related } from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';
import { musicTables } from './models.js';

const t = musicTables('wc_');

@mapped
class Artist extends Model(t.artist) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', lazy: 'raise' });
}
interface Artist extends Related<typeof Artist> {}

@mapped
class Album extends Model(t.album) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track);
}
interface Album extends Related<typeof Album> {}

@mapped
class Track extends Model(t.track) {}

/** `n` artists; artist i has i % 4 albums of two tracks each (60 ms and 40 ms). */
async function seed(engine: Engine, n: number): Promise<void> {
  for (const table of [t.albumTag, t.track, t.album, t.artist] as Table[]) await engine.execute(deleteFrom(table));
  await engine.execute(insert(t.artist).values(Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `artist ${String(i + 1).padStart(5, '0')}` }))));
  const albums: { id: number; title: string; artistId: number }[] = [];
  for (let i = 1; i <= n; i++) for (let k = 0; k < i % 4; k++) albums.push({ id: albums.length + 1, title: `album ${i}.${k}`, artistId: i });
  if (albums.length > 0) await engine.execute(insert(t.album).values(albums));
  const tracks = albums.flatMap((a) => [
    { name: `${a.title} a`, albumId: a.id, ms: 60 },
    { name: `${a.title} b`, albumId: a.id, ms: 40 },
  ]);
  if (tracks.length > 0) await engine.execute(insert(t.track).values(tracks));
}

forEachDialect('entities with computed columns', (ctx) => {
  let db: Database;

  before(async () => {
    await ctx.engine.dropAll(t.all, { ifExists: true });
    await ctx.engine.createAll(t.all);
    db = database(ctx.engine);
  });

  it('reads each artist with its album count in one statement, the same at 10 and 1,000 artists', async () => {
    const log = new StatementLog(ctx.engine);
    for (const n of [10, 1000]) {
      await seed(ctx.engine, n);
      await db.session(async (s) => {
        const statements = await log.during(async () => {
          const rows = await s.query(Artist).outerJoin(Artist.albums).groupBy(Artist.id).withColumns({ albums: count(Album.id) }).orderBy(Artist.id).all();
          assert.equal(rows.length, n);
          rows.forEach(([artist, { albums }], i) => {
            assert.ok(artist instanceof Artist);
            assert.equal(artist.id, i + 1);
            assert.equal(albums, (i + 1) % 4);
            assert.equal(typeof albums, 'number');
          });
          // The entities are the session's objects.
          assert.equal(await s.get(Artist, 1), rows[0]![0]);
        });
        assert.equal(statements.length, 1, `n=${n}: ${statements.map((x) => x.sql).join('\n')}`);
      });
    }
  });

  it('orders and filters by the aggregate, and decodes each value by its expression type', async () => {
    await seed(ctx.engine, 12);
    await db.session(async (s) => {
      const rows = await s
        .query(Artist)
        .join(Artist.albums)
        .join(Album.tracks)
        .groupBy(Artist.id)
        .withColumns({ tracks: count(Track.id), length: sum(Track.ms), longest: max(Track.name) })
        .having(count(Track.id).ge(4))
        .orderBy(count(Track.id).desc(), Artist.id)
        .all();
      // Artists with 2 or 3 albums (4 or 6 tracks): i % 4 in {2, 3}, i = 1..12 → 2, 3, 6, 7, 10, 11.
      assert.deepEqual(
        rows.map(([a, v]) => [a.id, v.tracks, Number(v.length)]),
        [
          [3, 6, 300],
          [7, 6, 300],
          [11, 6, 300],
          [2, 4, 200],
          [6, 4, 200],
          [10, 4, 200],
        ],
      );
      assert.equal(rows[0]![1].longest, 'album 3.2 b');
    });
  });

  it('keeps eager loads of the entities (selectin: one more statement) and refuses a joined one', async () => {
    await seed(ctx.engine, 8);
    const log = new StatementLog(ctx.engine);
    await db.session(async (s) => {
      const statements = await log.during(async () => {
        const rows = await s.query(Album).join(Album.tracks).groupBy(Album.id).withColumns({ ms: sum(Track.ms) }).options(selectinLoad(Album.artist)).orderBy(Album.id).all();
        assert.ok(rows.length > 0);
        for (const [album, { ms }] of rows) {
          assert.equal(album.artist!.id, album.artistId);
          assert.equal(Number(ms), 100);
        }
      });
      assert.equal(statements.length, 2);
      assert.throws(() => s.query(Album).options(joinedLoad(Album.tracks)).withColumns({ n: count() }).selectNode(), InvalidRequestError);
      assert.throws(() => s.query(Album).withColumns({}), InvalidRequestError);
    });
  });

  it('one(), first() and a correlated scalar subquery as a column', async () => {
    await seed(ctx.engine, 5);
    await db.session(async (s) => {
      const albumCount = select({ n: count() }).from(t.album).where(t.album.c.artistId.eq(t.artist.c.id)).scalar<number>();
      const [artist, { albums }] = await s.query(Artist).where(Artist.id.eq(3)).withColumns({ albums: albumCount }).one();
      assert.equal(artist.id, 3);
      assert.equal(Number(albums), 3);
      const first = await s.query(Artist).orderBy(Artist.id.desc()).withColumns({ albums: albumCount }).first();
      assert.equal(first?.[0].id, 5);
      assert.equal(await s.query(Artist).where(Artist.id.eq(99)).withColumns({ albums: albumCount }).first(), undefined);
    });
  });
});
