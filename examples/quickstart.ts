/**
 * A short tour on an embedded SQLite database: a schema, the seed article's
 * Artist and Song linked through a relationship and written in one commit,
 * a typed Core query, and the statements each step sent.
 *
 *   npx tsx examples/quickstart.ts
 */
import { count, createEngine, identity, integer, select, table, text } from '../src/index.js';
import { Model, database, many, mapped, one, type Related } from '../src/orm/index.js';

const artistTable = table('artist', { id: identity(), name: text().notNull() });
const songTable = table('song', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artistTable.c.id, { onDelete: 'CASCADE' }),
});

@mapped
class Artist extends Model(artistTable) {
  static readonly songs = many(() => Song, { backPopulates: 'artist', cascade: 'all', passiveDeletes: true });
}
interface Artist extends Related<typeof Artist> {}

@mapped
class Song extends Model(songTable) {
  static readonly artist = one(() => Artist, { backPopulates: 'songs' });
}
interface Song extends Related<typeof Song> {}

export async function quickstart(log: (line: string) => void = console.log): Promise<void> {
  const engine = createEngine('sqlite::memory:');
  engine.events.on('afterExecute', (e) => log(`  SQL> ${e.sql}${e.parameters.length ? `   -- ${JSON.stringify(e.parameters)}` : ''}`));
  await engine.createAll([artistTable, songTable]);
  const db = database(engine);

  log('\nAn artist and a song, linked by a relationship, one commit (no flush to get the id):');
  await db.session(async (s) => {
    const artist = new Artist({ name: 'Bob Dylan' });
    artist.songs.push(new Song({ title: 'Mr. Tambourine Man' }), new Song({ title: 'Like a Rolling Stone' }));
    s.add(artist);
  });

  log('\nA typed Core query: rows are { name: string; songs: number }:');
  const rows = await engine.all(
    select(artistTable.c.name, count(songTable.c.id).as('songs'))
      .from(artistTable)
      .leftJoin(songTable, songTable.c.artistId.eq(artistTable.c.id))
      .groupBy(artistTable.c.name),
  );
  log(`  ${JSON.stringify(rows)}`);

  log('\nLazy loading is explicit and batched over the whole result:');
  await db.session(async (s) => {
    for (const a of await s.query(Artist).all()) {
      const songs = await a.songs.load();
      log(`  ${a.name}: ${songs.map((x) => x.title).join(', ')}`);
    }
  });
  await engine.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await quickstart();
