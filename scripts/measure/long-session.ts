/**
 * Heap of one long-lived session over 100 commits of 2,000 new rows each (SQLite in memory), the program keeping
 * no reference to the objects: heap used before, after, and after a forced GC.
 *
 *   node --expose-gc --import tsx scripts/measure/long-session.ts
 */
import { createEngine } from '../../src/index.js';
import { database } from '../../src/orm/index.js';
import { Artist, createOrmTables } from '../../test/fixtures/orm-models.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const engine = createEngine('sqlite::memory:');
await createOrmTables(engine);
const db = database(engine);
const mb = () => (process.memoryUsage().heapUsed / 1024 / 1024).toFixed(1);
gc();
const before = mb();
const s = db.openSession();
for (let round = 0; round < 100; round++) {
  s.addAll(Array.from({ length: 2000 }, (_, i) => new Artist({ name: `r${round}.${i}` })));
  await s.commit();
}
gc();
await new Promise((r) => setImmediate(r));
gc();
console.log(`100 commits of 2,000 rows in one session: heap ${before} MB before, ${mb()} MB after (forced GC), identity map ${s.identityMap.size} objects`);
await s.close();
await engine.close();
