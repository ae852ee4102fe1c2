/**
 * `jsonLoad`: a nested graph in one statement, the related rows aggregated
 * into JSON on the server. On every database: one statement at 10 and at
 * 10,000 parents; the same objects, order and values as `selectinLoad`
 * (decimals, 64-bit integers, dates, timestamps, booleans, blobs, JSON and
 * NULLs decoded as a plain read decodes them); identity-map sharing; empty
 * collections and a NULL many-to-one; filters inside the subqueries; and the
 * exact SQL per dialect, MySQL 8's compile output included.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bigint,
  blob,
  boolean,
  date,
  deleteFrom,
  double,
  identity,
  index,
  insert,
  integer,
  json,
  MysqlDialect,
  numeric,
  primaryKey,
  SqliteDialect,
  PostgresDialect,
  table,
  text,
  timestamp,
  UnsupportedError,
  type Table,
} from '../../../src/index.js';
import {
  Model,
  database,
  defineFilter,
  joinedLoad,
  jsonLoad,
  many,
  mapped,
  one,
  selectinLoad,
  type Database,
  type Related,
  type Session,
} from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const label = table('qjl_label', { id: identity(), name: text().notNull() });
const artist = table('qjl_artist', { id: identity(), name: text().notNull() });
const album = table(
  'qjl_album',
  {
    id: identity(),
    title: text().notNull(),
    artistId: integer('artist_id').references(() => artist.c.id, { onDelete: 'CASCADE' }),
    labelId: integer('label_id').references(() => label.c.id),
    price: numeric(12, 4).notNull(),
    sales: bigint('sales', 'bigint').notNull(),
    released: date(),
    recordedAt: timestamp('recorded_at'),
    live: boolean().notNull().default(false),
    cover: blob(),
    notes: text(),
    meta: json(),
    hidden: boolean().notNull().default(false),
  },
  (c) => [index('qjl_album_artist', c.artistId)],
);
const track = table(
  'qjl_track',
  {
    id: identity(),
    name: text().notNull(),
    albumId: integer('album_id').references(() => album.c.id, { onDelete: 'CASCADE' }),
    rating: double(),
    plays: bigint(),
  },
  (c) => [index('qjl_track_album', c.albumId)],
);
const tag = table('qjl_tag', { id: identity(), name: text().notNull() });
const albumTag = table(
  'qjl_album_tag',
  {
    albumId: integer('album_id').notNull().references(() => album.c.id, { onDelete: 'CASCADE' }),
    tagId: integer('tag_id').notNull().references(() => tag.c.id, { onDelete: 'CASCADE' }),
  },
  (c) => [primaryKey(c.albumId, c.tagId)],
);
const person = table('qjl_person', {
  id: identity(),
  name: text().notNull(),
  managerId: integer('manager_id').references((self) => self.id),
});
const all = [label, artist, album, track, tag, albumTag, person];

const visible = defineFilter('qjlVisible');

@mapped
class Artist extends Model(artist) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', orderBy: [album.c.id.desc()] });
}
interface Artist extends Related<typeof Artist> {}

@mapped
class Album extends Model(album) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly label = one(() => Label);
  static readonly tracks = many(() => Track, { backPopulates: 'album', orderBy: [track.c.name, track.c.id] });
  static readonly tags = many(() => Tag, { secondary: albumTag, orderBy: [tag.c.name] });
  static readonly visible = visible.on(album.c.hidden.eq(false));
}
interface Album extends Related<typeof Album> {}

@mapped
class Track extends Model(track) {
  static readonly album = one(() => Album, { backPopulates: 'tracks' });
}
interface Track extends Related<typeof Track> {}

@mapped
class Label extends Model(label) {}

@mapped
class Tag extends Model(tag) {}

/** Declared json loads: each person comes with their reports, two levels down by default (`recursionDepth`). */
@mapped
class Person extends Model(person) {
  static readonly reports = many(() => Person, { foreignKey: person.c.managerId, lazy: 'json', recursionDepth: 2, orderBy: [person.c.id] });
}
interface Person extends Related<typeof Person> {}

/** A loaded collection's items (the graph's types say loaded only where the query's options say it). */
function items<T>(collection: unknown): T[] {
  return [...(collection as Iterable<T>)];
}

/** A plain picture of a graph of artists: every value (Buffers, Dates, bigints as they are) and the order. */
function picture(artists: readonly Artist[]): unknown {
  return artists.map((a) => ({
    id: a.id,
    name: a.name,
    albums: items<Album>(a.albums).map((al) => ({
      id: al.id,
      title: al.title,
      artistId: al.artistId,
      labelId: al.labelId,
      price: al.price,
      sales: al.sales,
      released: al.released,
      recordedAt: al.recordedAt,
      live: al.live,
      cover: al.cover,
      notes: al.notes,
      meta: al.meta,
      label: ((l: Label | null) => (l === null ? null : { id: l.id, name: l.name }))(al.label as unknown as Label | null),
      tags: items<Tag>(al.tags).map((t) => ({ id: t.id, name: t.name })),
      tracks: items<Track>(al.tracks).map((tr) => ({ id: tr.id, name: tr.name, albumId: tr.albumId, rating: tr.rating, plays: tr.plays })),
    })),
  }));
}

forEachDialect('jsonLoad', (ctx) => {
  let db: Database;
  let log: StatementLog;

  /**
   * `n` artists; each but the last has two albums (the second hidden for the filter), each album two tracks but
   * the first album of every third artist, which has none; odd albums have a label, even ones none.
   */
  async function seed(n: number): Promise<void> {
    for (const tb of [albumTag, track, album, artist, tag, label] as Table[]) await ctx.engine.execute(deleteFrom(tb));
    await ctx.engine.execute(insert(label).values([{ id: 1, name: 'Parlophone' }, { id: 2, name: 'Blue Note' }]));
    await ctx.engine.execute(insert(tag).values([{ id: 1, name: 'rock' }, { id: 2, name: 'jazz' }, { id: 3, name: 'ambient' }]));
    await ctx.engine.execute(insert(artist).values(Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `artist ${i + 1}` }))));
    const albums = [];
    for (let a = 1; a < n; a++) {
      for (const k of [0, 1]) {
        const id = 2 * a - 1 + k;
        albums.push({
          id,
          title: `album ${id}`,
          artistId: a,
          labelId: id % 2 === 1 ? 1 + (id % 4 === 1 ? 0 : 1) : null,
          price: id % 3 === 0 ? '12345678.0001' : '0.1000',
          // Past 2^53 where the driver reads 64-bit integers exactly (better-sqlite3 reads them as doubles: a plain read rounds them).
          sales: (ctx.name === 'sqlite' ? 2n ** 52n : 9007199254740993n) + BigInt(id),
          released: id % 5 === 0 ? null : '1969-09-26',
          recordedAt: id % 5 === 0 ? null : new Date(Date.UTC(1969, 1, 22, 10, 30, 15, id % 1000)),
          live: id % 2 === 0,
          cover: id % 4 === 0 ? null : Buffer.from([0, 1, 2, 255, id % 256]),
          notes: id % 2 === 0 ? null : `it's "${id}" \\ ünïcødé 🎸`,
          meta: id % 3 === 0 ? null : { id, list: [1, 'two', null], nested: { ok: true } },
          hidden: k === 1,
        });
      }
    }
    if (albums.length > 0) await ctx.engine.execute(insert(album).values(albums));
    const tracks = [];
    for (const al of albums) {
      if (al.id % 6 === 1) continue;
      for (const k of [0, 1]) {
        const id = 2 * al.id - 1 + k;
        tracks.push({ id, name: k === 0 ? 'b side' : 'a side', albumId: al.id, rating: k === 0 ? 0.1 + 0.2 : null, plays: k === 0 ? 2 ** 40 + id : null });
      }
    }
    if (tracks.length > 0) await ctx.engine.execute(insert(track).values(tracks));
    const links = albums.filter((al) => al.id % 2 === 1).flatMap((al) => [{ albumId: al.id, tagId: 1 }, { albumId: al.id, tagId: 2 }]);
    if (links.length > 0) await ctx.engine.execute(insert(albumTag).values(links));
  }

  before(async () => {
    await ctx.engine.dropAll(all, { ifExists: true });
    await ctx.engine.createAll(all);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  async function run<T>(fn: (s: Session) => Promise<T>, options?: Parameters<Database['session']>[1]): Promise<{ value: T; sql: string[] }> {
    let value: T | undefined;
    const statements = await log.during(() =>
      db.session(async (s) => {
        value = await fn(s);
      }, options),
    );
    return { value: value as T, sql: statements.map((s) => s.sql) };
  }

  const graph = () => [
    jsonLoad(Artist.albums).jsonLoad(Album.tracks),
    jsonLoad(Artist.albums).jsonLoad(Album.label),
    jsonLoad(Artist.albums).jsonLoad(Album.tags),
  ];
  const graphIn = () => [
    selectinLoad(Artist.albums).selectinLoad(Album.tracks),
    selectinLoad(Artist.albums).selectinLoad(Album.label),
    selectinLoad(Artist.albums).selectinLoad(Album.tags),
  ];

  for (const n of [10, 10_000]) {
    it(`loads a two-level graph in one statement at ${n} parents, equal to selectinLoad's`, async () => {
      await seed(n);
      const viaJson = await run(async (s) => picture(await s.query(Artist).orderBy(Artist.id).withoutFilters().options(...graph()).all()));
      assert.equal(viaJson.sql.length, 1, viaJson.sql.join('\n'));
      const viaIn = await run(async (s) => picture(await s.query(Artist).orderBy(Artist.id).withoutFilters().options(...graphIn()).all()));
      assert.ok(viaIn.sql.length > 1);
      assert.deepEqual(viaJson.value, viaIn.value);
      const artists = viaJson.value as { albums: { tracks: unknown[]; label: unknown; cover: unknown; sales: unknown; recordedAt: unknown }[] }[];
      assert.equal(artists.length, n);
      assert.deepEqual(artists[n - 1]!.albums, [], 'the last artist has an empty, loaded collection');
      const first = artists[0]!.albums;
      assert.equal(first.length, 2);
      assert.deepEqual(first[1]!.tracks, [], 'album 1 has no tracks');
      assert.equal(first[0]!.label, null, 'album 2 has no label: a loaded NULL many-to-one');
      assert.ok(Buffer.isBuffer(first[1]!.cover));
      assert.equal(typeof first[1]!.sales, 'bigint');
      assert.ok(first[1]!.recordedAt instanceof Date);
    });
  }

  it('hands out the objects the session holds; a shared many-to-one is one object', async () => {
    await seed(10);
    await db.session(async (s) => {
      const before = await s.query(Album).where(Album.id.eq(1)).one();
      before.title = 'changed, not flushed';
      const artists = await s.query(Artist).orderBy(Artist.id).options(jsonLoad(Artist.albums).jsonLoad(Album.label)).withoutFilters().all();
      const album1 = artists[0]!.albums.find((a) => a.id === 1)!;
      assert.equal(album1, before);
      assert.equal(album1.title, 'changed, not flushed', 'a loaded (changed) value is left alone');
      const labelled = artists.flatMap((a) => a.albums).filter((a) => a.labelId === 1);
      assert.ok(labelled.length > 1);
      for (const a of labelled) assert.equal(a.label, labelled[0]!.label);
      assert.equal(await s.get(Label, 1), labelled[0]!.label);
    }, { autoflush: false });
  });

  it('applies filters inside the subqueries, at every level', async () => {
    await seed(10);
    const filtered = await run(async (s) => {
      const artists = await s.query(Artist).orderBy(Artist.id).options(jsonLoad(Artist.albums)).all();
      return artists.map((a) => a.albums.map((al) => al.id));
    });
    assert.equal(filtered.sql.length, 1);
    assert.deepEqual(filtered.value[0], [1]);
    const unfiltered = await run(async (s) => {
      const artists = await s.query(Artist).orderBy(Artist.id).options(jsonLoad(Artist.albums)).withoutFilters().all();
      return artists.map((a) => a.albums.map((al) => al.id));
    });
    assert.deepEqual(unfiltered.value[0], [2, 1]);
    const viaIn = await run(async (s) => {
      const artists = await s.query(Artist).orderBy(Artist.id).options(selectinLoad(Artist.albums)).all();
      return artists.map((a) => a.albums.map((al) => al.id));
    });
    assert.deepEqual(filtered.value, viaIn.value);
    // A filtered target below another level: the tracks' album, loaded as a to-one, hidden or not.
    const nested = await run(async (s) => {
      const tracks = await s.query(Track).orderBy(Track.id).options(jsonLoad(Track.album)).all();
      return tracks.map((t) => [t.id, t.album?.id ?? null]);
    });
    const nestedIn = await run(async (s) => {
      const tracks = await s.query(Track).orderBy(Track.id).options(selectinLoad(Track.album)).all();
      return tracks.map((t) => [t.id, t.album?.id ?? null]);
    });
    assert.deepEqual(nested.value, nestedIn.value);
    assert.ok(nested.value.some(([, a]) => a === null), 'a hidden album reads as no album');
  });

  it('counts parents for a LIMIT and streams', async () => {
    await seed(10);
    const limited = await run(async (s) => {
      const artists = await s.query(Artist).orderBy(Artist.id).limit(2).options(jsonLoad(Artist.albums).jsonLoad(Album.tracks)).all();
      return artists.map((a) => [a.id, a.albums.map((al) => [al.id, al.tracks.map((t) => t.id)])]);
    });
    assert.equal(limited.sql.length, 1);
    // The parents are cut in a derived table first: the subqueries run for the two rows returned, not for every artist.
    assert.match(limited.sql[0]!, /^SELECT .* FROM \(SELECT .* LIMIT (\?|\$\d+)\) AS .anon_1.( ORDER BY .*)?$/);
    assert.doesNotMatch(limited.sql[0]!.slice(limited.sql[0]!.indexOf('FROM (SELECT')), /json/i);
    assert.deepEqual(limited.value, [
      [1, [[1, []]]],
      [2, [[3, [5, 6].reverse()]]],
    ]);
    await db.session(async (s) => {
      const seen: number[] = [];
      for await (const batch of s.query(Artist).orderBy(Artist.id).options(jsonLoad(Artist.albums).jsonLoad(Album.tracks)).stream({ batchSize: 3 })) {
        for (const a of batch) seen.push(a.albums.reduce((k, al) => k + al.tracks.length, 0));
      }
      assert.equal(seen.length, 10);
    });
  });

  it("declared as lazy: 'json', loads with the query, a self-referential one recursionDepth levels down", async () => {
    await ctx.engine.execute(deleteFrom(person));
    await ctx.engine.execute(
      insert(person).values([
        { id: 1, name: 'ceo', managerId: null },
        { id: 2, name: 'vp', managerId: 1 },
        { id: 3, name: 'lead', managerId: 2 },
        { id: 4, name: 'dev', managerId: 3 },
      ]),
    );
    const { value, sql } = await run(async (s) => {
      const ceo = await s.query(Person).where(Person.id.eq(1)).one();
      const vp = items<Person>(ceo.reports)[0]!;
      const lead = items<Person>(vp.reports)[0]!;
      return { vp: vp.name, lead: lead.name, leadLoaded: (lead.reports as unknown as { loaded: boolean }).loaded };
    });
    assert.equal(sql.length, 1, sql.join('\n'));
    assert.deepEqual(value, { vp: 'vp', lead: 'lead', leadLoaded: false });
  });

  it('mixes with the other strategies: IN below a json level, json below a joined collection', async () => {
    await seed(10);
    const shape = (artists: readonly Artist[]) =>
      artists.map((a) => [a.id, items<Album>(a.albums).map((al) => [al.id, items<Track>(al.tracks).map((t) => t.id)])]);
    const viaIn = await run(async (s) => shape(await s.query(Artist).orderBy(Artist.id).withoutFilters().options(selectinLoad(Artist.albums).selectinLoad(Album.tracks)).all()));
    const below = await run(async (s) => shape(await s.query(Artist).orderBy(Artist.id).withoutFilters().options(jsonLoad(Artist.albums).selectinLoad(Album.tracks)).all()));
    assert.equal(below.sql.length, 2, 'the parents with their albums, then the tracks of every album with IN');
    assert.deepEqual(below.value, viaIn.value);
    // A joined collection repeats each artist over its albums' rows; each album's tracks are read once.
    const underJoin = await run(async (s) => shape(await s.query(Artist).orderBy(Artist.id).withoutFilters().options(joinedLoad(Artist.albums).jsonLoad(Album.tracks)).all()));
    assert.equal(underJoin.sql.length, 1);
    assert.deepEqual(underJoin.value, viaIn.value);
  });

  it('writes the SQL of its dialect', async () => {
    await seed(2);
    const { sql } = await run((s) => s.query(Artist).options(jsonLoad(Artist.albums).loadOnly(Album.title).jsonLoad(Album.tags)).all());
    assert.equal(sql.length, 1);
    assert.equal(sql[0], EXPECTED_SQL[ctx.name]);
  });
});

const EXPECTED_SQL = {
  sqlite:
    'SELECT "qjl_artist"."id", "qjl_artist"."name", (SELECT json_group_array(json_array("qjl_album_1"."id", "qjl_album_1"."title", "qjl_album_1"."artist_id", "qjl_album_1"."label_id", ' +
    '(SELECT json_group_array(json_array("qjl_tag_2"."id", "qjl_tag_2"."name") ORDER BY "qjl_tag_2"."name") FROM "qjl_tag" AS "qjl_tag_2" JOIN "qjl_album_tag" AS "qjl_album_tag_2" ON "qjl_album_tag_2"."tag_id" = "qjl_tag_2"."id" ' +
    'WHERE "qjl_album_1"."id" = "qjl_album_tag_2"."album_id")) ORDER BY "qjl_album_1"."id" DESC) FROM "qjl_album" AS "qjl_album_1" WHERE "qjl_artist"."id" = "qjl_album_1"."artist_id" AND "qjl_album_1"."hidden" = ?) AS "qjl_album_1" FROM "qjl_artist"',
  postgres:
    'SELECT "qjl_artist"."id", "qjl_artist"."name", (SELECT coalesce(json_agg(json_build_array("qjl_album_1"."id", "qjl_album_1"."title", "qjl_album_1"."artist_id", "qjl_album_1"."label_id", ' +
    '(SELECT coalesce(json_agg(json_build_array("qjl_tag_2"."id", "qjl_tag_2"."name") ORDER BY "qjl_tag_2"."name"), \'[]\') FROM "qjl_tag" AS "qjl_tag_2" JOIN "qjl_album_tag" AS "qjl_album_tag_2" ON "qjl_album_tag_2"."tag_id" = "qjl_tag_2"."id" ' +
    'WHERE "qjl_album_1"."id" = "qjl_album_tag_2"."album_id")) ORDER BY "qjl_album_1"."id" DESC), \'[]\') FROM "qjl_album" AS "qjl_album_1" WHERE "qjl_artist"."id" = "qjl_album_1"."artist_id" AND "qjl_album_1"."hidden" = $1) AS "qjl_album_1" FROM "qjl_artist"',
  mysql:
    'SELECT `qjl_artist`.`id`, `qjl_artist`.`name`, (SELECT JSON_ARRAYAGG(JSON_ARRAY(`qjl_album_1`.`id`, `qjl_album_1`.`title`, `qjl_album_1`.`artist_id`, `qjl_album_1`.`label_id`, ' +
    '(SELECT JSON_ARRAYAGG(JSON_ARRAY(`qjl_tag_2`.`id`, `qjl_tag_2`.`name`) ORDER BY `qjl_tag_2`.`name`) FROM `qjl_tag` AS `qjl_tag_2` JOIN `qjl_album_tag` AS `qjl_album_tag_2` ON `qjl_album_tag_2`.`tag_id` = `qjl_tag_2`.`id` ' +
    'WHERE `qjl_album_1`.`id` = `qjl_album_tag_2`.`album_id`)) ORDER BY `qjl_album_1`.`id` DESC) FROM `qjl_album` AS `qjl_album_1` WHERE `qjl_artist`.`id` = `qjl_album_1`.`artist_id` AND `qjl_album_1`.`hidden` = ?) AS `qjl_album_1` FROM `qjl_artist`',
};

describe('jsonLoad SQL without a server', () => {
  /** The statement `all()` would run, compiled by `dialect` (the entity SELECT does not depend on the engine). */
  async function compiled(dialect: MysqlDialect | SqliteDialect | PostgresDialect, build: (s: Session) => { selectNode(): import('../../../src/core/sql/nodes.js').SelectNode }) {
    const db = database((await import('../../../src/connect/index.js')).createEngine('sqlite::memory:'));
    let out: { sql: string; parameters: readonly unknown[] } | undefined;
    await db.session(async (s) => {
      const c = dialect.compile(build(s).selectNode());
      out = { sql: c.sql, parameters: c.parameters };
    });
    return out!;
  }

  it('MySQL 8: the unordered aggregate, each type encoded for an exact decode', async () => {
    const c = await compiled(new MysqlDialect({ flavor: 'mysql' }), (s) => s.query(Album).withoutFilters().options(jsonLoad(Album.artist)));
    assert.equal(
      c.sql,
      'SELECT `qjl_album`.`id`, `qjl_album`.`title`, `qjl_album`.`artist_id` AS `artistId`, `qjl_album`.`label_id` AS `labelId`, `qjl_album`.`price`, `qjl_album`.`sales`, `qjl_album`.`released`, ' +
        '`qjl_album`.`recorded_at` AS `recordedAt`, `qjl_album`.`live`, `qjl_album`.`cover`, `qjl_album`.`notes`, `qjl_album`.`meta`, `qjl_album`.`hidden`, ' +
        '(SELECT JSON_ARRAYAGG(JSON_ARRAY(`qjl_artist_1`.`id`, `qjl_artist_1`.`name`)) FROM `qjl_artist` AS `qjl_artist_1` WHERE `qjl_album`.`artist_id` = `qjl_artist_1`.`id`) AS `qjl_artist_1` FROM `qjl_album`',
    );
  });

  it('MySQL 8 refuses an ordered relationship; MariaDB orders inside the aggregate', async () => {
    await assert.rejects(
      () => compiled(new MysqlDialect({ flavor: 'mysql' }), (s) => s.query(Artist).withoutFilters().options(jsonLoad(Artist.albums))),
      (e: unknown) => e instanceof UnsupportedError && /JSON_ARRAYAGG has no ORDER BY/.test(e.message),
    );
    const maria = await compiled(new MysqlDialect({ flavor: 'mariadb' }), (s) => s.query(Artist).withoutFilters().options(jsonLoad(Artist.albums)));
    assert.match(maria.sql, /JSON_ARRAYAGG\(JSON_ARRAY\(.*\) ORDER BY `qjl_album_1`\.`id` DESC\)/);
  });

  it('a JSON aggregate cut short (MariaDB stops at group_concat_max_len) fails naming the setting', () => {
    assert.throws(() => new MysqlDialect().parseJsonRows('[[1, "abcdef"],[2, "a]'), /rows of a JSON aggregate could not be read .*group_concat_max_len/);
    assert.deepEqual(new MysqlDialect().parseJsonRows(null), [], 'no rows: NULL');
    assert.deepEqual(new PostgresDialect().parseJsonRows([[1, 'x']]), [[1, 'x']], 'parsed by the driver already');
  });

  it('encodes decimals and 64-bit integers as text, blobs as hex, per dialect', async () => {
    const cellsOf = (sql: string) => /JSON_ARRAY\((.*?)\)\) FROM|json_array\((.*?)\) ORDER BY|json_build_array\((.*?)\) ORDER BY/.exec(sql)!.slice(1).find((x) => x !== undefined);
    const mysql = await compiled(new MysqlDialect({ flavor: 'mysql' }), (s) => s.query(Track).withoutFilters().options(jsonLoad(Track.album)));
    assert.equal(
      cellsOf(mysql.sql),
      '`qjl_album_1`.`id`, `qjl_album_1`.`title`, `qjl_album_1`.`artist_id`, `qjl_album_1`.`label_id`, CAST(`qjl_album_1`.`price` AS CHAR), CAST(`qjl_album_1`.`sales` AS CHAR), ' +
        '`qjl_album_1`.`released`, `qjl_album_1`.`recorded_at`, `qjl_album_1`.`live`, HEX(`qjl_album_1`.`cover`), `qjl_album_1`.`notes`, `qjl_album_1`.`meta`, `qjl_album_1`.`hidden`',
    );
    const pg = await compiled(new PostgresDialect(), (s) => s.query(Artist).withoutFilters().options(jsonLoad(Artist.albums)));
    assert.match(pg.sql, /CAST\("qjl_album_1"\."price" AS TEXT\), CAST\("qjl_album_1"\."sales" AS TEXT\), .*encode\("qjl_album_1"\."cover", 'hex'\)/);
    const lite = await compiled(new SqliteDialect(), (s) => s.query(Artist).withoutFilters().options(jsonLoad(Artist.albums)));
    assert.match(lite.sql, /"qjl_album_1"\."price", CAST\("qjl_album_1"\."sales" AS TEXT\), .*CASE WHEN "qjl_album_1"\."cover" IS NULL THEN NULL ELSE hex\("qjl_album_1"\."cover"\) END/);
  });
});
