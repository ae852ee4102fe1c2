/**
 * A lookup by key on PostgreSQL three ways, wall and CPU time per lookup: node-postgres's pool with a named
 * statement (what the bench's raw system does), Athanor's engine with a prepared statement, and a session per
 * lookup (`db.session((s) => s.get(User, id))`, what a web request does). 3,000 lookups to warm up, then 5,000
 * timed, two rounds. The CPU column is the client's own work; the rest of the wall time is the round trip.
 *
 *   npm run build && ATHANOR_PG_URL=postgres://postgres@127.0.0.1:5432/athanor_test node scripts/measure/pg-find.mjs
 */
import pg from 'pg';

const root = process.env.ROOT ?? new URL('../../dist', import.meta.url).href;
const { createEngine, table, identity, text, integer, boolean, sql, select, placeholder } = await import(`${root}/index.js`);
const orm = await import(`${root}/orm/index.js`);
const url = process.env.ATHANOR_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/athanor_test';

const users = table('measure_find_users', { id: identity(), username: text().notNull(), email: text().notNull(), active: boolean().notNull(), score: integer().notNull() });
class User extends orm.Model(users) {}
orm.mapped(User);

const engine = createEngine(url);
await engine.ready();
await engine.dropAll([users], { ifExists: true });
await engine.createAll([users]);
await engine.execute(sql`INSERT INTO measure_find_users (username, email, active, score) SELECT 'u' || i, 'e' || i, i % 2 = 0, i FROM generate_series(1, 10000) i`);
const db = orm.database(engine);
const pool = new pg.Pool({ connectionString: url, max: 10 });
const byId = engine.prepare(select(users.c.id, users.c.username, users.c.email, users.c.active, users.c.score).from(users).where(users.c.id.eq(placeholder('id'))));
const key = (k) => 1 + ((k * 7919) % 10000);

const ways = {
  'pg pool, named statement': (k) => pool.query({ name: 'by_id', text: 'SELECT id, username, email, active, score FROM measure_find_users WHERE id = $1', values: [key(k)] }),
  'engine.prepare().first()': (k) => byId.first({ id: key(k) }),
  'db.session(s => s.get())': (k) => db.session((s) => s.get(User, key(k))),
};
for (let round = 0; round < 2; round++) {
  for (const [name, fn] of Object.entries(ways)) {
    for (let k = 0; k < 3000; k++) await fn(k);
    const wall = performance.now();
    const cpu = process.cpuUsage();
    for (let k = 0; k < 5000; k++) await fn(k);
    const used = process.cpuUsage(cpu);
    console.log(`${name.padEnd(28)} ${(((performance.now() - wall) * 1000) / 5000).toFixed(1)} µs wall  ${((used.user + used.system) / 5000).toFixed(1)} µs CPU`);
  }
}
await pool.end();
await engine.dropAll([users]);
await engine.close();
