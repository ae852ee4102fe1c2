/**
 * Chinook through the ORM, both ways: the catalogue (genres, artists, albums,
 * tracks) is built as objects linked only through relationships — no ids set
 * by hand — written in one commit, read back with nested eager loads, and
 * compared with the source, on every database.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import Sqlite from 'better-sqlite3';
import { identity, integer, numeric, table, text } from '../../src/index.js';
import { Model, database, many, mapped, one, selectinLoad, type Related } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { CHINOOK_PATH } from '../fixtures/chinook.js';

const genreT = table('crt_genre', { id: identity(), name: text().notNull() });
const artistT = table('crt_artist', { id: identity(), name: text().notNull() });
const albumT = table('crt_album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').notNull().references(() => artistT.c.id, { onDelete: 'CASCADE' }),
});
const trackT = table('crt_track', {
  id: identity(),
  name: text().notNull(),
  albumId: integer('album_id').references(() => albumT.c.id, { onDelete: 'CASCADE' }),
  genreId: integer('genre_id').references(() => genreT.c.id),
  composer: text(),
  unitPrice: numeric(10, 2, 'unit_price').notNull(),
});
const tables = [genreT, artistT, albumT, trackT];

@mapped
class Genre extends Model(genreT) {}
@mapped
class Artist extends Model(artistT) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', cascade: 'all', passiveDeletes: true });
}
interface Artist extends Related<typeof Artist> {}
@mapped
class Album extends Model(albumT) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track, { backPopulates: 'album', cascade: 'all', passiveDeletes: true });
}
interface Album extends Related<typeof Album> {}
@mapped
class Track extends Model(trackT) {
  static readonly album = one(() => Album, { backPopulates: 'tracks' });
  static readonly genre = one(() => Genre);
}
interface Track extends Related<typeof Track> {}

interface Source {
  genres: { GenreId: number; Name: string }[];
  artists: { ArtistId: number; Name: string }[];
  albums: { AlbumId: number; Title: string; ArtistId: number }[];
  tracks: { TrackId: number; Name: string; AlbumId: number | null; GenreId: number | null; Composer: string | null; UnitPrice: number }[];
}

function readSource(): Source {
  const db = new Sqlite(CHINOOK_PATH, { readonly: true });
  try {
    return {
      genres: db.prepare('SELECT GenreId, Name FROM Genre ORDER BY GenreId').all() as Source['genres'],
      artists: db.prepare('SELECT ArtistId, Name FROM Artist ORDER BY ArtistId').all() as Source['artists'],
      albums: db.prepare('SELECT AlbumId, Title, ArtistId FROM Album ORDER BY AlbumId').all() as Source['albums'],
      tracks: db.prepare('SELECT TrackId, Name, AlbumId, GenreId, Composer, UnitPrice FROM Track ORDER BY TrackId').all() as Source['tracks'],
    };
  } finally {
    db.close();
  }
}

/** artist name -> album title -> [track name, composer, price, genre] lines, the shape compared both ways. */
function catalogue(src: Source): Map<string, string[]> {
  const genre = new Map(src.genres.map((g) => [g.GenreId, g.Name]));
  const out = new Map<string, string[]>();
  const artistName = new Map(src.artists.map((a) => [a.ArtistId, a.Name]));
  for (const a of src.artists) out.set(`${a.ArtistId}`, []);
  const albumKey = new Map(src.albums.map((al) => [al.AlbumId, `${artistName.get(al.ArtistId)} / ${al.Title}`]));
  for (const t of src.tracks) {
    const key = albumKey.get(t.AlbumId!)!;
    const list = out.get(key) ?? [];
    list.push(`${t.Name}|${t.Composer ?? ''}|${t.UnitPrice.toFixed(2)}|${genre.get(t.GenreId!) ?? ''}`);
    out.set(key, list);
  }
  for (const k of [...out.keys()]) if (/^\d+$/.test(k)) out.delete(k);
  return out;
}

forEachDialect('Chinook round trip through the ORM', (ctx) => {
  let src: Source;

  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    src = readSource();
  });

  it('writes 275 artists, 347 albums and 3,503 tracks linked by relationships in one commit, and reads them back equal', async () => {
    const db = database(ctx.engine);
    const log = new StatementLog(ctx.engine);
    const written = await log.during(() =>
      db.session(async (s) => {
        const genres = new Map(src.genres.map((g) => [g.GenreId, new Genre({ name: g.Name })]));
        const artists = new Map(src.artists.map((a) => [a.ArtistId, new Artist({ name: a.Name })]));
        const albums = new Map<number, Album>();
        for (const al of src.albums) {
          const album = new Album({ title: al.Title });
          artists.get(al.ArtistId)!.albums.push(album);
          albums.set(al.AlbumId, album);
        }
        for (const t of src.tracks) {
          const track = new Track({ name: t.Name, composer: t.Composer, unitPrice: t.UnitPrice.toFixed(2) });
          track.genre = t.GenreId === null ? null : genres.get(t.GenreId)!;
          albums.get(t.AlbumId!)!.tracks.push(track);
        }
        s.addAll(artists.values());
      }),
    );
    // One multi-row INSERT per table, parents before children (tracks last: they reference albums and genres).
    const inserts = written.map((w) => w.sql.split(' ').slice(0, 3).join(' ').replace(/[`"]/g, ''));
    assert.deepEqual([...inserts].sort(), ['INSERT INTO crt_album', 'INSERT INTO crt_artist', 'INSERT INTO crt_genre', 'INSERT INTO crt_track']);
    assert.equal(inserts[3], 'INSERT INTO crt_track');
    assert.ok(inserts.indexOf('INSERT INTO crt_artist') < inserts.indexOf('INSERT INTO crt_album'));

    const read = await log.during(() =>
      db.session(async (s) => {
        const artists = await s.query(Artist).orderBy(Artist.id).options(selectinLoad(Artist.albums).selectinLoad(Album.tracks).selectinLoad(Track.genre)).all();
        assert.equal(artists.length, 275);
        assert.equal(artists.filter((a) => a.albums.length === 0).length, 71);
        const back: Source = { genres: [], artists: [], albums: [], tracks: [] };
        const genreIds = new Map<string, number>();
        for (const a of artists) {
          back.artists.push({ ArtistId: a.id, Name: a.name });
          for (const al of a.albums) {
            back.albums.push({ AlbumId: al.id, Title: al.title, ArtistId: a.id });
            for (const t of al.tracks) {
              const g = t.genre;
              if (g && !genreIds.has(g.name)) {
                genreIds.set(g.name, g.id);
                back.genres.push({ GenreId: g.id, Name: g.name });
              }
              back.tracks.push({ TrackId: t.id, Name: t.name, AlbumId: al.id, GenreId: g?.id ?? null, Composer: t.composer, UnitPrice: Number(t.unitPrice) });
            }
          }
        }
        assert.equal(back.tracks.length, 3503);
        assert.deepEqual(catalogue(back), catalogue(src));
      }),
    );
    // artists, albums, tracks, genres: four statements for the whole catalogue.
    assert.equal(read.length, 4);
  });
});
