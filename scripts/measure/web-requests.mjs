/**
 * A web request's fixed cost: one `db.session()` per request on SQLite in memory (no I/O, so the session's own
 * work shows), CPU time per request, median of 10 rounds after a warm-up round: a user by key, an artist by key
 * with its 10 albums by each eager strategy (built per call, then prepared once with `db.prepare`), an update by
 * reference, a create; and the raw better-sqlite3 prepared SELECT by key beside them. Runs the build, as the package ships (and as `npm run bench` measures):
 *
 *   npm run build && node scripts/measure/web-requests.mjs
 *
 * `ROOT=/path/to/another/dist node scripts/measure/web-requests.mjs` measures another build (a before/after).
 */
import Database from 'better-sqlite3';

const root = process.env.ROOT ?? new URL('../../dist', import.meta.url).href;
const { createEngine, table, identity, text, integer, boolean, sql, placeholder } = await import(`${root}/index.js`);
const orm = await import(`${root}/orm/index.js`);
const { database, Model, mapped, many, one } = orm;

const users = table('users', {
  id: identity(),
  username: text().notNull(),
  email: text().notNull(),
  active: boolean().notNull(),
  score: integer().notNull(),
});
const artists = table('artist', { id: identity(), name: text().notNull() });
const albums = table('album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artists.c.id, { onDelete: 'CASCADE' }),
});
class User extends Model(users) {}
class Artist extends Model(artists) {
  static albums = many(() => Album, { backPopulates: 'artist' });
}
class Album extends Model(albums) {
  static artist = one(() => Artist, { backPopulates: 'albums' });
}
mapped(User);
mapped(Artist);
mapped(Album);

const ddl = [
  'CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, email TEXT NOT NULL, active INTEGER NOT NULL, score INTEGER NOT NULL)',
  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO users SELECT i, 'u' || i, 'e' || i, i % 2, i FROM n",
  'CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT NOT NULL)',
  'CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT NOT NULL, artist_id INTEGER REFERENCES artist (id) ON DELETE CASCADE)',
  'CREATE INDEX album_artist ON album (artist_id)',
  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO artist SELECT i, 'a' || i FROM n",
  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO album SELECT i, 't' || i, 1 + i % 1000 FROM n",
];
const engine = createEngine('sqlite::memory:');
await engine.ready();
for (const statement of ddl) await engine.execute(sql([statement]));
const db = database(engine);
const raw = new Database(':memory:');
raw.exec(`${ddl[0]}; ${ddl[1]}`);
const rawById = raw.prepare('SELECT id, username, email, active, score FROM users WHERE id = ?');

const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

async function median(n, fn) {
  for (let k = 0; k < n; k++) await fn(k);
  const rounds = [];
  for (let r = 0; r < 10; r++) {
    const start = cpuNs();
    for (let k = 0; k < n; k++) await fn(k);
    rounds.push((cpuNs() - start) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[5];
}

// The same lookups prepared once (`db.prepare`), run per request with the key bound.
if (typeof db.prepare !== 'function') throw new Error(`${root} has no prepared ORM queries (db.prepare)`);
const byIdWith = (load) => db.prepare((s) => s.query(Artist).where(Artist.id.eq(placeholder('id'))).options(load(Artist.albums)));
const prepared = { selectin: byIdWith(orm.selectinLoad), joined: byIdWith(orm.joinedLoad), json: byIdWith(orm.jsonLoad) };

const requests = {
  'raw prepared SELECT by key': async (k) => rawById.get(1 + (k % 10000)),
  'get(User, key)': (k) => db.session((s) => s.get(User, 1 + (k % 10000))),
  'artist + 10 albums, selectinLoad': (k) => db.session((s) => s.query(Artist).options(orm.selectinLoad(Artist.albums)).get(1 + (k % 1000))),
  'artist + 10 albums, joinedLoad': (k) => db.session((s) => s.query(Artist).options(orm.joinedLoad(Artist.albums)).get(1 + (k % 1000))),
  'artist + 10 albums, jsonLoad': (k) => db.session((s) => s.query(Artist).options(orm.jsonLoad(Artist.albums)).get(1 + (k % 1000))),
  'artist + 10 albums, prepared selectinLoad': (k) => db.session((s) => prepared.selectin.oneOrNull(s, { id: 1 + (k % 1000) })),
  'artist + 10 albums, prepared joinedLoad': (k) => db.session((s) => prepared.joined.oneOrNull(s, { id: 1 + (k % 1000) })),
  'artist + 10 albums, prepared jsonLoad': (k) => db.session((s) => prepared.json.oneOrNull(s, { id: 1 + (k % 1000) })),
  'update by reference': (k) =>
    db.session(async (s) => {
      s.reference(User, 1 + (k % 10000)).score = k;
    }),
  'create one user': (k) =>
    db.session(async (s) => {
      s.add(new User({ username: `n${k}`, email: 'e', active: true, score: k }));
    }),
};
for (const [label, fn] of Object.entries(requests)) {
  console.log(`${label.padEnd(42)} ${((await median(20_000, fn)) / 1000).toFixed(2)} µs`);
}
await engine.close();
raw.close();
