/**
 * Queries and loading strategies on the Chinook sample, loaded into tables of
 * this file (`qc_*`) on every database: artists with albums with tracks
 * (including the 71 artists without albums), tracks by genre name through a
 * join, employees with their manager (joinDepth) and through an aliased
 * self-join, customers per support rep with a count.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import Sqlite from 'better-sqlite3';
import { count, identity, insert, integer, table, text } from '../../../src/index.js';
import {
  Model,
  aliased,
  database,
  joinedLoad,
  many,
  mapped,
  one,
  selectinLoad,
  subqueryLoad,
  type Database,
  type Related,
} from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';
import { CHINOOK_PATH } from '../../fixtures/chinook.js';

const artistT = table('qc_artist', { id: identity(), name: text() });
const albumT = table('qc_album', { id: identity(), title: text().notNull(), artistId: integer('artist_id').notNull().references(() => artistT.c.id) });
const genreT = table('qc_genre', { id: identity(), name: text() });
const trackT = table('qc_track', {
  id: identity(),
  name: text().notNull(),
  albumId: integer('album_id').references(() => albumT.c.id),
  genreId: integer('genre_id').references(() => genreT.c.id),
  ms: integer().notNull(),
});
const employeeT = table('qc_employee', {
  id: identity(),
  lastName: text('last_name').notNull(),
  firstName: text('first_name').notNull(),
  reportsTo: integer('reports_to').references((self) => self.id),
});
const customerT = table('qc_customer', {
  id: identity(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  supportRepId: integer('support_rep_id').references(() => employeeT.c.id),
});
const tables = [artistT, albumT, genreT, trackT, employeeT, customerT];

@mapped
class Artist extends Model(artistT) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', orderBy: [albumT.c.id] });
}
interface Artist extends Related<typeof Artist> {}
@mapped
class Album extends Model(albumT) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track, { backPopulates: 'album', orderBy: [trackT.c.id] });
}
interface Album extends Related<typeof Album> {}
@mapped
class Genre extends Model(genreT) {}
@mapped
class Track extends Model(trackT) {
  static readonly album = one(() => Album, { backPopulates: 'tracks' });
  static readonly genre = one(() => Genre);
}
interface Track extends Related<typeof Track> {}
@mapped
class Employee extends Model(employeeT) {
  static readonly manager = one(() => Employee, { foreignKey: employeeT.c.reportsTo, lazy: 'joined', joinDepth: 2, backPopulates: 'reports' });
  static readonly reports = many(() => Employee, { foreignKey: employeeT.c.reportsTo, backPopulates: 'manager' });
  static readonly customers = many(() => Customer, { backPopulates: 'supportRep' });
}
interface Employee extends Related<typeof Employee> {}
@mapped
class Customer extends Model(customerT) {
  static readonly supportRep = one(() => Employee, { backPopulates: 'customers' });
}
interface Customer extends Related<typeof Customer> {}

type Row = Record<string, unknown>;
function readChinook(): Record<string, Row[]> {
  const src = new Sqlite(CHINOOK_PATH, { readonly: true });
  try {
    const all = (sql: string) => src.prepare(sql).all() as Row[];
    return {
      artist: all('SELECT ArtistId AS id, Name AS name FROM Artist'),
      album: all('SELECT AlbumId AS id, Title AS title, ArtistId AS artistId FROM Album'),
      genre: all('SELECT GenreId AS id, Name AS name FROM Genre'),
      track: all('SELECT TrackId AS id, Name AS name, AlbumId AS albumId, GenreId AS genreId, Milliseconds AS ms FROM Track'),
      employee: all('SELECT EmployeeId AS id, LastName AS lastName, FirstName AS firstName, ReportsTo AS reportsTo FROM Employee ORDER BY EmployeeId'),
      customer: all('SELECT CustomerId AS id, FirstName AS firstName, LastName AS lastName, SupportRepId AS supportRepId FROM Customer'),
    };
  } finally {
    src.close();
  }
}

forEachDialect('Chinook', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    const data = readChinook();
    await ctx.engine.execute(insert(artistT).values(data['artist'] as never));
    await ctx.engine.execute(insert(albumT).values(data['album'] as never));
    await ctx.engine.execute(insert(genreT).values(data['genre'] as never));
    await ctx.engine.execute(insert(trackT).values(data['track'] as never));
    for (const e of data['employee']!) await ctx.engine.execute(insert(employeeT).values(e as never));
    await ctx.engine.execute(insert(customerT).values(data['customer'] as never));
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  it('artists with albums with tracks: nested selectin in 3 statements, nested joined in 1, the same data', async () => {
    const summarize = (artists: { id: number; albums: { id: number; tracks: { id: number }[] }[] }[]) =>
      artists.map((a) => `${a.id}:${a.albums.map((al) => `${al.id}(${al.tracks.length})`).join(',')}`);
    let viaSelectin: string[] = [];
    let viaJoined: string[] = [];
    let viaSubquery: string[] = [];
    const selectin = await log.during(() =>
      db.session(async (s) => {
        const artists = await s.query(Artist).orderBy(Artist.id).options(selectinLoad(Artist.albums).selectinLoad(Album.tracks)).all();
        assert.equal(artists.length, 275);
        assert.equal(artists.filter((a) => a.albums.length === 0).length, 71, '71 artists have no albums: empty, loaded collections');
        assert.equal(artists.reduce((n, a) => n + a.albums.reduce((m, al) => m + al.tracks.length, 0), 0), 3503);
        viaSelectin = summarize(artists);
      }),
    );
    assert.equal(selectin.length, 3);
    const joined = await log.during(() =>
      db.session(async (s) => {
        const artists = await s.query(Artist).orderBy(Artist.id).options(joinedLoad(Artist.albums).joinedLoad(Album.tracks)).all();
        viaJoined = summarize(artists);
      }),
    );
    assert.equal(joined.length, 1);
    const sub = await log.during(() =>
      db.session(async (s) => {
        const artists = await s.query(Artist).orderBy(Artist.id).options(subqueryLoad(Artist.albums).selectinLoad(Album.tracks)).all();
        viaSubquery = summarize(artists);
      }),
    );
    assert.equal(sub.length, 3);
    assert.deepEqual(viaJoined, viaSelectin);
    assert.deepEqual(viaSubquery, viaSelectin);
  });

  it('joined collections with LIMIT: 5 artists, however many album rows they join', async () => {
    await db.session(async (s) => {
      const artists = await s.query(Artist).orderBy(Artist.id).offset(10).limit(5).options(joinedLoad(Artist.albums)).all();
      assert.deepEqual(artists.map((a) => a.id), [11, 12, 13, 14, 15]);
      const counts = await s.query(Album).where(Album.artistId.in([11, 12, 13, 14, 15])).groupBy(Album.artistId).select(Album.artistId, count().as('n')).orderBy(Album.artistId).all();
      assert.deepEqual(artists.map((a) => a.albums.length).filter((n) => n > 0), counts.map((c) => Number(c.n)));
    });
  });

  it('tracks filtered by genre name through a join', async () => {
    await db.session(async (s) => {
      const jazz = s.query(Track).join(Track.genre).where(Genre.name.eq('Jazz'));
      assert.equal(await jazz.count(), 130);
      const tracks = await jazz.options(joinedLoad(Track.album)).orderBy(Track.id).limit(3).all();
      assert.equal(tracks.length, 3);
      for (const tr of tracks) assert.equal(typeof tr.album?.title, 'string');
    });
  });

  it('employees with their manager, joined two levels deep by default (joinDepth: 2)', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const jane = await s.query(Employee).where(Employee.firstName.eq('Jane')).one();
        assert.equal(jane.manager?.firstName, 'Nancy');
        assert.equal(jane.manager?.manager?.firstName, 'Andrew');
        // Andrew has no manager: his NULL foreign key says so without SQL (a third level is not joined).
        assert.equal(jane.manager?.manager?.manager, null);
      }),
    );
    assert.equal(statements.length, 1);
    assert.match(statements[0]!.sql, /qc_employee_2/);
    assert.doesNotMatch(statements[0]!.sql, /qc_employee_3/);
  });

  it('employees through an aliased self-join: who reports to Nancy', async () => {
    await db.session(async (s) => {
      const Boss = aliased(Employee, 'boss');
      const reports = await s.query(Employee).join(Boss, Employee.manager).where(Boss.firstName.eq('Nancy')).orderBy(Employee.id).select(Employee.firstName, Boss.lastName).all();
      assert.deepEqual(reports, [
        { firstName: 'Jane', lastName: 'Edwards' },
        { firstName: 'Margaret', lastName: 'Edwards' },
        { firstName: 'Steve', lastName: 'Edwards' },
      ]);
    });
  });

  it('customers per support rep with a count, on the server', async () => {
    await db.session(async (s) => {
      const rows = await s
        .query(Customer)
        .join(Customer.supportRep)
        .groupBy(Employee.id, Employee.firstName)
        .select(Employee.firstName, count(Customer.id).as('customers'))
        .orderBy(Employee.id)
        .all();
      assert.deepEqual(rows.map((r) => [r.firstName, Number(r.customers)]), [['Jane', 21], ['Margaret', 20], ['Steve', 18]]);
      const reps = await s.query(Employee).where(Employee.customers.any()).options(selectinLoad(Employee.customers)).orderBy(Employee.id).all();
      assert.deepEqual(reps.map((e) => e.customers.length), [21, 20, 18]);
    });
  });
});
