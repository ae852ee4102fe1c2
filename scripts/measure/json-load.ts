/**
 * jsonLoad against selectinLoad (and joinedLoad for reference), per dialect: median time of a session loading
 * artists with their albums and the albums' tracks (5 albums of 8 tracks per artist), for one artist by key (a web
 * request's "find with its relations"), a page of 20 ordered by name, and every artist, at 200 and 2,000 artists.
 * Each line also gives the statements the load ran. The strategies run in interleaved rounds (see {@link medians}).
 *
 *   npx tsx scripts/measure/json-load.ts [sqlite::memory: postgres://... mysql://...]
 */
import { createEngine, deleteFrom, identity, index, insert, integer, numeric, table, text, timestamp, type Engine, type Table } from '../../src/index.js';
import { Model, database, joinedLoad, jsonLoad, many, mapped, selectinLoad, type QueryOption, type Related, type Session } from '../../src/orm/index.js';

const urls = process.argv.length > 2
  ? process.argv.slice(2)
  : ['sqlite::memory:', 'postgres://postgres@127.0.0.1:5432/athanor_test', 'mysql://root@127.0.0.1:3306/athanor_test'];

const artist = table('measure_jl_artist', { id: identity(), name: text().notNull() });
const album = table(
  'measure_jl_album',
  { id: identity(), title: text().notNull(), artistId: integer('artist_id').notNull().references(() => artist.c.id), price: numeric(10, 2).notNull(), releasedAt: timestamp('released_at') },
  (c) => [index('measure_jl_album_artist', c.artistId)],
);
const track = table(
  'measure_jl_track',
  { id: identity(), name: text().notNull(), albumId: integer('album_id').notNull().references(() => album.c.id), ms: integer().notNull() },
  (c) => [index('measure_jl_track_album', c.albumId)],
);
const tables = [artist, album, track];

@mapped
class Artist extends Model(artist) {
  static readonly albums = many(() => Album, { orderBy: [album.c.id] });
}
interface Artist extends Related<typeof Artist> {}
@mapped
class Album extends Model(album) {
  static readonly tracks = many(() => Track, { orderBy: [track.c.id] });
}
interface Album extends Related<typeof Album> {}
@mapped
class Track extends Model(track) {}

async function seed(engine: Engine, artists: number): Promise<void> {
  for (const t of [track, album, artist] as Table[]) await engine.execute(deleteFrom(t));
  const a = Array.from({ length: artists }, (_, i) => ({ id: i + 1, name: `artist ${(i * 7919) % artists}` }));
  const al = a.flatMap((x) => Array.from({ length: 5 }, (_, k) => ({ id: (x.id - 1) * 5 + k + 1, title: `album ${k}`, artistId: x.id, price: '9.99', releasedAt: new Date(Date.UTC(2000, 0, 1 + k)) })));
  const tr = al.flatMap((x) => Array.from({ length: 8 }, (_, k) => ({ id: (x.id - 1) * 8 + k + 1, name: `track ${k}`, albumId: x.id, ms: 1000 * k })));
  for (let i = 0; i < a.length; i += 1000) await engine.execute(insert(artist).values(a.slice(i, i + 1000)));
  for (let i = 0; i < al.length; i += 1000) await engine.execute(insert(album).values(al.slice(i, i + 1000)));
  for (let i = 0; i < tr.length; i += 1000) await engine.execute(insert(track).values(tr.slice(i, i + 1000)));
}

/**
 * Median ms of each of `fns`, run in interleaved rounds (one of each per round) after two warm-up rounds, so that
 * the load of a shared machine, which changes from second to second, weighs on every strategy alike.
 */
async function medians(runs: number, fns: readonly (() => Promise<unknown>)[]): Promise<number[]> {
  const times = fns.map((): number[] => []);
  for (let r = -2; r < runs; r++) {
    for (let f = 0; f < fns.length; f++) {
      const start = performance.now();
      await fns[f]!();
      if (r >= 0) times[f]!.push(performance.now() - start);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[runs >> 1]!);
}

const strategies: [string, () => QueryOption[]][] = [
  ['selectin', () => [selectinLoad(Artist.albums).selectinLoad(Album.tracks)]],
  ['json', () => [jsonLoad(Artist.albums).jsonLoad(Album.tracks)]],
  ['joined', () => [joinedLoad(Artist.albums).joinedLoad(Album.tracks)]],
];

for (const url of urls) {
  const engine = createEngine(url);
  const db = database(engine);
  await engine.dropAll(tables, { ifExists: true });
  await engine.createAll(tables);
  for (const size of [200, 2_000]) {
    await seed(engine, size);
    const shapes: [string, number, (s: Session, options: QueryOption[]) => Promise<unknown>][] = [
      ['one by key', 201, (s, o) => s.query(Artist).where(Artist.id.eq(Math.ceil(size / 2))).options(...o).all()],
      ['page of 20', 101, (s, o) => s.query(Artist).orderBy(Artist.name, Artist.id).limit(20).options(...o).all()],
      [`all ${size.toLocaleString('en')}`, size > 200 ? 11 : 31, (s, o) => s.query(Artist).options(...o).all()],
    ];
    for (const [shape, runs, load] of shapes) {
      const counts: number[] = [];
      for (const [, options] of strategies) {
        let statements = 0;
        const count = (e: { statementKind: string }): void => {
          if (e.statementKind !== 'transaction') statements++;
        };
        engine.events.on('afterExecute', count);
        await db.session((s) => load(s, options()));
        engine.events.off('afterExecute', count);
        counts.push(statements);
      }
      const ms = await medians(runs, strategies.map(([, options]) => () => db.session((s) => load(s, options()))));
      const cells = strategies.map(([key], i) => `${key} ${ms[i]!.toFixed(2).padStart(8)} ms (${counts[i]})`);
      console.log(`${engine.dialect.name.padEnd(8)} ${size.toLocaleString('en').padStart(5)} artists  ${shape.padEnd(11)} ${cells.join('   ')}`);
    }
  }
  await engine.dropAll(tables);
  await engine.close();
}
