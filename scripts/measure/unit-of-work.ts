/**
 * The unit of work, warm: 1,000 parent+child pairs linked by a relationship and committed in one session,
 * median of 400 sessions, on SQLite in memory (or the URL given).
 *
 *   npx tsx scripts/measure/unit-of-work.ts [postgres://postgres@127.0.0.1:5432/athanor_test]
 */
import { createEngine } from '../../src/index.js';
import { database } from '../../src/orm/index.js';
import { Artist, Song, ormTables } from '../../test/fixtures/orm-models.js';

const engine = createEngine(process.argv[2] ?? 'sqlite::memory:');
await engine.ready();
await engine.dropAll(ormTables, { ifExists: true });
await engine.createAll(ormTables);
const db = database(engine);
const times: number[] = [];
for (let r = 0; r < 400; r++) {
  const start = performance.now();
  await db.session(async (s) => {
    for (let i = 0; i < 1000; i++) {
      const a = new Artist({ name: `a${i}` });
      a.songs.push(new Song({ title: `s${i}` }));
      s.add(a);
    }
  });
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(`1,000 pairs per unit of work: median ${times[200]!.toFixed(2)} ms, min ${times[0]!.toFixed(2)} ms`);
await engine.dropAll(ormTables, { ifExists: true });
await engine.close();
