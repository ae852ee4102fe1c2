/**
 * Result types follow load options: checked by tsc (the `@ts-expect-error`
 * lines must be errors), and run as a no-database test so the file is part of
 * the suite.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { count } from '../../../src/index.js';
import {
  Model,
  joinedLoad,
  jsonLoad,
  many,
  mapped,
  one,
  raiseLoad,
  selectinLoad,
  type Collection,
  type Query,
  type Related,
  type Relation,
  type Session,
} from '../../../src/orm/index.js';
import { musicTables } from './models.js';

const t = musicTables('qty_');

@mapped
class Artist extends Model(t.artist) {
  static readonly albums = many(() => Album, { backPopulates: 'artist' });
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

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

// Compile-time checks: the function is type-checked, never called.
async function typeChecks(s: Session): Promise<void> {
  const plain = await s.query(Artist).all();
  // Without a load option, `albums` is the unloaded handle: reading its contents does not compile.
  expectType<Equal<typeof plain[number]['albums'], Relation<Album>>>(true);
  // @ts-expect-error -- albums is not loaded: no length
  void plain[0]!.albums.length;
  // @ts-expect-error -- albums is not loaded: not indexable
  void plain[0]!.albums[0];
  // Loading it explicitly gives the collection.
  const loaded: Collection<Album> = await plain[0]!.albums.load();
  void loaded;

  const eager = await s.query(Artist).options(selectinLoad(Artist.albums)).all();
  const albums: Album[] = eager[0]!.albums;
  void albums.length;
  // @ts-expect-error -- one level only: tracks of those albums are not loaded
  void eager[0]!.albums[0]!.tracks.length;

  const nested = await s.query(Artist).options(selectinLoad(Artist.albums).joinedLoad(Album.tracks)).all();
  const names: string[] = nested.flatMap((a) => a.albums.flatMap((al) => al.tracks.map((tr) => tr.name)));
  void names;

  const viaJson = await s.query(Artist).options(jsonLoad(Artist.albums).jsonLoad(Album.tracks)).all();
  const jsonNames: string[] = viaJson.flatMap((a) => a.albums.flatMap((al) => al.tracks.map((tr) => tr.name)));
  void jsonNames;
  // @ts-expect-error -- the album's artist was not asked for
  void viaJson[0]!.albums[0]!.artist.name;

  const joined = await s.query(Album).options(joinedLoad(Album.tracks), joinedLoad(Album.artist)).first();
  void joined?.tracks.length;
  void joined?.artist?.name;

  // Lazy / raise options change nothing in the type.
  const raised = await s.query(Artist).options(raiseLoad('*')).all();
  // @ts-expect-error -- raise does not load
  void raised[0]!.albums.length;

  // Projections are plain typed rows.
  const rows = await s.query(Artist).join(Artist.albums).select(Artist.name, count(Album.id).as('n')).all();
  expectType<Equal<typeof rows, { name: string; n: number }[]>>(true);
  // @ts-expect-error -- not in the projection
  void rows[0]!.id;

  // Query keeps the option-refined type through further builder calls.
  const q: Query<typeof Artist, unknown> = s.query(Artist).options(selectinLoad(Artist.albums)).where(Artist.id.gt(1)).limit(3);
  void q;
}

it('result types follow load options (checked by tsc)', () => {
  assert.equal(typeof typeChecks, 'function');
});
