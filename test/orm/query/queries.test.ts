/**
 * The query API on every database, written after the source articles'
 * examples: count on the server instead of len(all()), projections instead of
 * entities (with_entities), bulk update instead of a loop, joinedload,
 * join(Person.address).filter(city == 'Paris'), the aliased Manager,
 * lazy='raise' and join_depth.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, deleteFrom, insert, not, select, update, type Table } from '../../../src/index.js';
import {
  InvalidRequestError,
  Model,
  RaiseLoadError,
  aliased,
  database,
  joinedLoad,
  many,
  mapped,
  one,
  serialize,
  type Database,
  type Related,
  type Session,
} from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';
import { musicTables } from './models.js';

const t = musicTables('qq_');

@mapped
class Artist extends Model(t.artist) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', lazy: 'raise' });
}
interface Artist extends Related<typeof Artist> {}

@mapped
class Album extends Model(t.album) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track, { lazy: 'joined' });
}
interface Album extends Related<typeof Album> {}

@mapped
class Track extends Model(t.track) {}

@mapped
class Address extends Model(t.address) {}

@mapped
class Person extends Model(t.person) {
  static readonly address = one(() => Address);
  static readonly manager = one(() => Person, { lazy: 'joined', joinDepth: 1 });
}
interface Person extends Related<typeof Person> {}

function norm(sql: string): string {
  // MySQL spells the LIKE escape backslash as CHAR(92 USING utf8mb4), the same in every SQL mode.
  return sql.replace(/`/g, '"').replace(/\$\d+/g, '?').replace(/ ESCAPE CHAR\(92 USING utf8mb4\)/g, " ESCAPE '\\'");
}

forEachDialect('queries', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll(t.all, { ifExists: true });
    await ctx.engine.createAll(t.all);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(async () => {
    await ctx.engine.execute(update(t.person).set({ managerId: null }));
    for (const table of [t.albumTag, t.track, t.album, t.artist, t.tag, t.person, t.address] as Table[]) await ctx.engine.execute(deleteFrom(table));
    await ctx.engine.execute(insert(t.address).values([{ id: 1, city: 'Paris' }, { id: 2, city: 'Lyon' }]));
    await ctx.engine.execute(
      insert(t.person).values([
        { id: 1, firstname: 'Pierre', addressId: 1, active: true },
        { id: 2, firstname: 'Pauline', addressId: 1, managerId: 1 },
        { id: 3, firstname: 'Pauline', addressId: 2, managerId: 2 },
        { id: 4, firstname: 'Marc', addressId: 2, managerId: 2, active: true },
      ]),
    );
    await ctx.engine.execute(insert(t.artist).values([{ id: 1, name: 'Queen' }, { id: 2, name: 'Bob Dylan' }, { id: 3, name: 'Nobody' }]));
    await ctx.engine.execute(insert(t.album).values([{ id: 1, title: 'A Night at the Opera', artistId: 1 }, { id: 2, title: 'Jazz', artistId: 1 }, { id: 3, title: 'Highway 61', artistId: 2 }]));
    await ctx.engine.execute(
      insert(t.track).values([
        { id: 1, name: 'Bohemian Rhapsody', albumId: 1, ms: 354000 },
        { id: 2, name: "Love of My Life", albumId: 1, ms: 219000 },
        { id: 3, name: 'Mustapha', albumId: 2, ms: 183000 },
        { id: 4, name: 'Like a Rolling Stone', albumId: 3, ms: 369000 },
      ]),
    );
  });

  async function sqlOf(fn: (s: Session) => Promise<unknown>): Promise<string[]> {
    return (await log.during(() => db.session(fn))).map((x) => norm(x.sql));
  }

  it('seed: count() runs count(*) on the server instead of len(all())', async () => {
    const sql = await sqlOf(async (s) => {
      assert.equal(await s.query(Person).filterBy({ active: true }).count(), 2);
    });
    assert.deepEqual(sql, ['SELECT count(*) AS "count" FROM "qq_person" WHERE "qq_person"."active" = ?']);
  });

  it('count() over joins counts distinct entities (what all() returns); over LIMIT it counts the limited rows', async () => {
    const sql = await sqlOf(async (s) => {
      const q = s.query(Artist).join(Artist.albums);
      assert.equal(await q.count(), 2);
      assert.equal((await q.options().all()).length, 2);
      assert.equal(await s.query(Artist).limit(2).count(), 2);
      assert.equal(await s.query(Album).where(Album.title.like('%z%')).exists(), true);
      assert.equal(await s.query(Album).where(Album.title.eq('nope')).exists(), false);
    });
    assert.equal(sql[0], 'SELECT count(DISTINCT "qq_artist"."id") AS "count" FROM "qq_artist" JOIN "qq_album" ON "qq_artist"."id" = "qq_album"."artist_id"');
    assert.equal(sql[2], 'SELECT count(*) AS "count" FROM (SELECT "qq_artist"."id" FROM "qq_artist" LIMIT ?) AS "anon_1"');
    assert.equal(sql[3], 'SELECT EXISTS (SELECT 1 AS "one" FROM "qq_album" WHERE "qq_album"."title" LIKE ? ESCAPE \'\\\') AS "exists"');
  });

  it('seed: with_entities — select(columns) returns plain typed rows, not entities', async () => {
    const sql = await sqlOf(async (s) => {
      const rows = await s.query(Person).where(Person.active.eq(true)).orderBy(Person.id).select(Person.firstname, Person.lastname).all();
      assert.deepEqual(rows, [{ firstname: 'Pierre', lastname: null }, { firstname: 'Marc', lastname: null }]);
      assert.equal(s.size, 0, 'nothing entered the identity map');
      const viaSession = await s.select(Person.firstname).where(Person.id.eq(2)).all();
      assert.deepEqual(viaSession, [{ firstname: 'Pauline' }]);
    });
    assert.equal(sql[0], 'SELECT "qq_person"."firstname", "qq_person"."lastname" FROM "qq_person" WHERE "qq_person"."active" = ? ORDER BY "qq_person"."id"');
  });

  it('projections of aggregates over joins, group by / having, and subqueries in IN and FROM', async () => {
    await db.session(async (s) => {
      const perArtist = await s
        .query(Artist)
        .join(Artist.albums)
        .select(Artist.name, count(Album.id).as('albums'))
        .groupBy(Artist.name)
        .having(count(Album.id).gt(1))
        .all();
      assert.deepEqual(perArtist.map((r) => ({ ...r, albums: Number(r.albums) })), [{ name: 'Queen', albums: 2 }]);
      const withLongTracks = s.query(Track).where(Track.ms.gt(300000)).select(Track.albumId);
      const albums = await s.query(Album).where(Album.id.in(withLongTracks)).orderBy(Album.id).all();
      assert.deepEqual(albums.map((a) => a.id), [1, 3]);
      const counts = s.query(Album).groupBy(Album.artistId).select(Album.artistId, count().as('n')).as('c');
      const rows = await s.execute(select(Artist.name, counts.c.n).from(t.artist).join(counts, counts.c.artistId.eq(Artist.id)).orderBy(Artist.id));
      assert.deepEqual(rows.rows.map((r) => [r.name, Number(r.n)]), [['Queen', 2], ['Bob Dylan', 1]]);
      const grouped = await s.query(Artist).join(Artist.albums).groupBy(Artist.id, Artist.name).having(count(Album.id).ge(1)).orderBy(Artist.id).all();
      assert.deepEqual(grouped.map((a) => a.name), ['Queen', 'Bob Dylan']);
    });
  });

  it("seed: join(Person.address).filter(Address.city == 'Paris') filters in SQL", async () => {
    const sql = await sqlOf(async (s) => {
      const people = await s.query(Person).join(Person.address).where(Address.city.eq('Paris')).orderBy(Person.id).all();
      assert.deepEqual(people.map((p) => p.id), [1, 2]);
    });
    // Person.manager is declared lazy: 'joined' (joinDepth 1), so the manager comes along in the same statement.
    assert.equal(
      sql[0],
      'SELECT "qq_person"."id", "qq_person"."firstname", "qq_person"."lastname", "qq_person"."active", "qq_person"."address_id" AS "addressId", ' +
        '"qq_person"."manager_id" AS "managerId", "qq_person_1"."id" AS "qq_person_1_id", "qq_person_1"."firstname" AS "qq_person_1_firstname", ' +
        '"qq_person_1"."lastname" AS "qq_person_1_lastname", "qq_person_1"."active" AS "qq_person_1_active", "qq_person_1"."address_id" AS "qq_person_1_addressId", ' +
        '"qq_person_1"."manager_id" AS "qq_person_1_managerId" FROM "qq_person" JOIN "qq_address" ON "qq_person"."address_id" = "qq_address"."id" ' +
        'LEFT JOIN "qq_person" AS "qq_person_1" ON "qq_person"."manager_id" = "qq_person_1"."id" WHERE "qq_address"."city" = ? ORDER BY "qq_person"."id"',
    );
  });

  it('seed: aliased Manager — join(Manager, Person.manager).where(Manager.firstname == ...)', async () => {
    const sql = await sqlOf(async (s) => {
      const Manager = aliased(Person, 'manager');
      const people = await s.query(Person).where(Person.firstname.eq('Pauline')).join(Manager, Person.manager).where(Manager.firstname.eq('Pierre')).all();
      assert.deepEqual(people.map((p) => p.id), [2]);
    });
    assert.match(sql[0]!, /FROM "qq_person" JOIN "qq_person" AS "manager" ON "qq_person"."manager_id" = "manager"."id" LEFT JOIN "qq_person" AS "qq_person_1" ON "qq_person"."manager_id" = "qq_person_1"."id" WHERE "qq_person"."firstname" = \? AND "manager"."firstname" = \?/);
  });

  it('joining a self-referential relationship or one relationship twice without an alias is a clear error', async () => {
    await db.session(async (s) => {
      assert.throws(() => s.query(Person).join(Person.manager), (e: Error) => e instanceof InvalidRequestError && /aliased\(Person\)/.test(e.message));
      assert.throws(() => s.query(Person).join(Person.address).join(Person.address), (e: Error) => e instanceof InvalidRequestError && /already joined/.test(e.message));
    });
  });

  it('relationship predicates any() / has() are EXISTS subqueries', async () => {
    const sql = await sqlOf(async (s) => {
      const withJazz = await s.query(Artist).where(Artist.albums.any(Album.title.eq('Jazz'))).all();
      assert.deepEqual(withJazz.map((a) => a.name), ['Queen']);
      const withoutAlbums = await s.query(Artist).where(not(Artist.albums.any())).all();
      assert.deepEqual(withoutAlbums.map((a) => a.name), ['Nobody']);
      const dylan = await s.query(Album).where(Album.artist.has(Artist.name.eq('Bob Dylan'))).all();
      assert.deepEqual(dylan.map((a) => a.title), ['Highway 61']);
    });
    assert.match(sql[0]!, /WHERE EXISTS \(SELECT "qq_album"."artist_id" AS "x" FROM "qq_album" WHERE "qq_artist"."id" = "qq_album"."artist_id" AND "qq_album"."title" = \?\)/);
  });

  it("seed: lazy='raise' — loading fails with the option to use; joinedLoad loads in the same statement", async () => {
    const sql = await sqlOf(async (s) => {
      const [queen] = await s.query(Artist).where(Artist.id.eq(1)).all();
      await assert.rejects(() => queen!.albums.load(), RaiseLoadError);
      const artists = await s.query(Artist).options(joinedLoad(Artist.albums)).where(Artist.id.eq(1)).all();
      // Album.tracks is lazy: 'joined' by default, so it comes in the same statement too.
      assert.equal(artists[0]!.albums.length, 2);
      assert.equal(artists[0]!.albums.flatMap((a) => [...(a.tracks as unknown as Track[])]).length, 3);
    });
    assert.equal(sql.length, 2);
    assert.match(sql[1]!, /LEFT JOIN "qq_album" AS "qq_album_1" .* LEFT JOIN "qq_track" AS "qq_track_2" ON "qq_album_1"."id" = "qq_track_2"."album_id"/);
  });

  it('seed: join_depth — Person.manager joined one level deep; the next level is lazy', async () => {
    const sql = await sqlOf(async (s) => {
      const p = await s.query(Person).where(Person.id.eq(3)).one();
      assert.equal(p.manager!.firstname, 'Pauline');
      assert.throws(() => p.manager!.manager, /not loaded/);
      assert.equal((await s.load(p.manager!, 'manager'))!.firstname, 'Pierre');
    });
    assert.equal(sql.length, 2);
    assert.match(sql[0]!, /LEFT JOIN "qq_person" AS "qq_person_1" ON "qq_person"."manager_id" = "qq_person_1"."id"/);
    assert.doesNotMatch(sql[0]!, /qq_person_2/);
  });

  it('seed: bulk update in one statement instead of a loop; synchronize modes decide what objects in the session see', async () => {
    for (const mode of ['evaluate', 'fetch', 'auto', false] as const) {
      const sql = await sqlOf(async (s) => {
        const people = await s.query(Person).orderBy(Person.id).all();
        const n = await s.query(Person).where(Person.id.in([2, 3])).update({ active: true }, { synchronize: mode });
        assert.equal(n, 2);
        const expected = mode === false ? [false, false] : [true, true];
        assert.deepEqual([people[1]!.active, people[2]!.active], expected, `synchronize ${String(mode)}`);
        assert.equal(people[0]!.active, true);
      });
      const writes = sql.filter((x) => x.startsWith('UPDATE'));
      assert.deepEqual(writes.map((w) => w.replace(/ RETURNING.*/, '')), ['UPDATE "qq_person" SET "active" = ? WHERE "qq_person"."id" IN (?, ?)'], String(mode));
      await ctx.engine.execute(update(t.person).set({ active: false }).where(t.person.c.id.in([2, 3])));
    }
  });

  it("bulk delete: 'evaluate' and 'fetch' remove matching objects from the session; false leaves them stale", async () => {
    await db.session(async (s) => {
      const all = await s.query(Track).orderBy(Track.id).all();
      assert.equal(await s.query(Track).where(Track.ms.lt(200000)).delete({ synchronize: 'evaluate' }), 1);
      assert.equal(await s.get(Track, 3), undefined);
      await s.query(Track).where(Track.name.like('Love%')).delete({ synchronize: 'fetch' });
      assert.equal(s.identityMap.get(s.mapper(Track), 2), undefined);
      await s.query(Track).where(Track.id.eq(1)).delete({ synchronize: false });
      assert.equal(all[0]!.name, 'Bohemian Rhapsody', 'still in memory, stale');
      assert.equal(await s.query(Track).count(), 1);
    });
  });

  it('bulk update through a join uses a key subquery', async () => {
    await db.session(async (s) => {
      const n = await s.query(Person).join(Person.address).where(Address.city.eq('Lyon')).update({ lastname: 'Lyonnais' }, { synchronize: 'fetch' });
      assert.equal(n, 2);
      const rows = await s.query(Person).where(Person.lastname.eq('Lyonnais')).select(Person.id).orderBy(Person.id).all();
      assert.deepEqual(rows, [{ id: 3 }, { id: 4 }]);
    });
  });

  it('stream() yields batches and can clear the identity map between them', async () => {
    await db.session(async (s) => {
      const sizes: number[] = [];
      for await (const batch of s.query(Track).orderBy(Track.id).stream({ batchSize: 3, clearIdentityMap: true })) {
        sizes.push(batch.length);
        assert.ok(s.size <= 3);
      }
      assert.deepEqual(sizes, [3, 1]);
      assert.equal(s.size, 0);
    });
  });

  it('first / one / oneOrNull / get go through the identity map', async () => {
    const sql = await sqlOf(async (s) => {
      const a = await s.query(Artist).orderBy(Artist.id).first();
      assert.equal(await s.query(Artist).get(1), a, 'identity-map hit: no SQL');
      assert.equal(await s.query(Artist).where(Artist.name.eq('Queen')).one(), a);
      assert.equal(await s.query(Artist).where(Artist.name.eq('nope')).oneOrNull(), null);
      await assert.rejects(() => s.query(Artist).one());
    });
    assert.equal(sql.length, 4);
  });

  it('serialize(entity, shape) and toJSON() emit loaded data only, never SQL', async () => {
    await db.session(async (s) => {
      const artists = await s.query(Artist).options(joinedLoad(Artist.albums)).orderBy(Artist.id).all();
      const statements = await log.during(async () => {
        assert.deepEqual(serialize(artists[0]!, { name: true, albums: { title: true } }), {
          name: 'Queen',
          albums: [{ title: 'A Night at the Opera' }, { title: 'Jazz' }],
        });
        const albums = await s.query(Album).options().where(Album.id.eq(1)).all();
        assert.deepEqual(Object.keys(serialize(albums[0]!, { title: true, artist: { name: true } })), ['title', 'artist']);
      });
      assert.equal(statements.length, 1, 'only the query itself');
    });
  });
});
