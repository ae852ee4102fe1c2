/**
 * PostgreSQL named prepared statements (`preparedStatements`) against unnamed ones: wall time per primary-key lookup
 * through `engine.all()` on one connection, 3,000 lookups per round after 200 to warm up, six rounds alternating
 * the two settings, medians printed. Wall time: the saving is the server's parse and plan, not client CPU.
 *
 *   ATHANOR_PG_URL=postgres://postgres@127.0.0.1:5432/athanor_test npx tsx scripts/measure/pg-prepared.ts
 */
import { createEngine } from '../../src/connect/index.js';
import { integer, select, sql, table, text } from '../../src/index.js';

const url = process.env['ATHANOR_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/athanor_test';
const item = table('measure_prepared_item', { id: integer().primaryKey(), name: text(), email: text(), score: integer() });
const lookup = (id: number) => select(item.c.id, item.c.name, item.c.email, item.c.score).from(item).where(item.c.id.eq(id));

const setup = createEngine(url);
await setup.dropAll([item], { ifExists: true });
await setup.createAll([item]);
await setup.execute(sql`INSERT INTO measure_prepared_item SELECT g, 'name ' || g, 'e' || g || '@example.com', g FROM generate_series(1, 10000) g`);

const rounds = { unnamed: [] as number[], named: [] as number[] };
for (let round = 0; round < 6; round++) {
  for (const mode of ['unnamed', 'named'] as const) {
    const engine = createEngine(url, { preparedStatements: mode === 'named' ? 100 : 0, poolSize: 1 });
    for (let i = 0; i < 200; i++) await engine.all(lookup(i + 1));
    const start = performance.now();
    for (let i = 0; i < 3000; i++) await engine.all(lookup(((i * 7) % 10000) + 1));
    rounds[mode].push(((performance.now() - start) / 3000) * 1000);
    await engine.close();
  }
}
await setup.dropAll([item]);
await setup.close();
for (const [mode, times] of Object.entries(rounds)) {
  const median = [...times].sort((a, b) => a - b)[times.length >> 1]!;
  console.log(`${mode.padEnd(8)} median ${median.toFixed(1)} µs per lookup (rounds: ${times.map((t) => t.toFixed(1)).join(', ')})`);
}
