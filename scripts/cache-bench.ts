/**
 * How long `dialect.compile()` takes on a statement-cache hit, for a few
 * statement shapes. Not a test: run it by hand to compare before and after a
 * change to src/core/compiler/cache.ts.
 *
 *   npx tsx scripts/cache-bench.ts
 */
import { PostgresDialect, count, insert, select } from '../src/core/index.js';
import { album, artist, song } from '../test/fixtures/music.js';

const dialect = new PostgresDialect();

const shapes = {
  'by id': (i: number) => select(artist.c.id, artist.c.name).from(artist).where(artist.c.id.eq(i)),
  'join + filters': (i: number) =>
    select(artist.c.name, album.c.title, count(song.c.id).as('songs'))
      .from(artist)
      .join(album, album.c.artistId.eq(artist.c.id))
      .leftJoin(song, song.c.albumId.eq(album.c.id))
      .where(artist.c.name.like(`A${i}%`), album.c.id.in([i, i + 1, i + 2]), song.c.milliseconds.between(1000, 2000 + i))
      .groupBy(artist.c.name, album.c.title)
      .orderBy(artist.c.name)
      .limit(20),
  'insert 10 rows': (i: number) =>
    insert(song).values(Array.from({ length: 10 }, (_, k) => ({ title: `t${i}-${k}`, milliseconds: k, artistId: i }))),
};

function measure(name: string, build: (i: number) => { node: Parameters<typeof dialect.compile>[0] }): void {
  const N = 20_000;
  const make = () => Array.from({ length: N }, (_, i) => build(i).node);
  let statements = make();
  for (let i = 0; i < 2000; i++) dialect.compile(statements[i]!); // warm up, fill the cache
  const fresh = () => {
    // New statement objects each run, as an application builds them per request.
    statements = make();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) dialect.compile(statements[i]!);
    return Number(process.hrtime.bigint() - t0) / N / 1000;
  };
  const same = statements[0]!;
  const repeated = () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) dialect.compile(same);
    return Number(process.hrtime.bigint() - t0) / N / 1000;
  };
  const run = (enabled: boolean) => {
    dialect.compiler.cache.enabled = enabled;
    return fresh();
  };
  let uncached = Infinity;
  let hit = Infinity;
  for (let round = 0; round < 5; round++) {
    uncached = Math.min(uncached, run(false));
    hit = Math.min(hit, run(true));
  }
  const again = Math.min(repeated(), repeated(), repeated());
  console.log(
    `${name.padEnd(16)} uncached ${uncached.toFixed(2)} µs   hit (new statement object) ${hit.toFixed(2)} µs   hit (same object) ${again.toFixed(2)} µs`,
  );
}

for (const [name, build] of Object.entries(shapes)) measure(name, build);
