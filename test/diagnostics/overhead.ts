/**
 * Cost of diagnostics per statement: detector off (nothing listens), the
 * global detector on (warn), and a diagnose() block, on SQLite in memory
 * (the cheapest database, so the overhead shows most).
 *
 *   npx tsx test/diagnostics/overhead.ts
 */
import { createEngine, identity, insert, select, table, text } from '../../src/index.js';
import { configureDiagnostics, diagnose, recordStatements } from '../../src/diagnostics/index.js';

const t = table('dg_bench', { id: identity(), name: text().notNull() });
const engine = createEngine('sqlite::memory:');
await engine.createAll([t]);
await engine.execute(insert(t).values(Array.from({ length: 100 }, (_, i) => ({ name: `n${i}` }))));
const q = select(t.c.id, t.c.name).from(t).where(t.c.id.eq(7));
const N = 20_000;

async function loop(): Promise<void> {
  for (let i = 0; i < N; i++) await engine.execute(q);
}
async function time(label: string, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm up
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    await fn();
    runs.push(((performance.now() - start) * 1000) / N);
  }
  runs.sort((a, b) => a - b);
  const median = runs[2]!;
  console.log(`${label.padEnd(34)} ${median.toFixed(2)} µs/statement`);
  return median;
}

const off = await time('detector off (no listener)', loop);
configureDiagnostics({ mode: 'warn', onFinding: () => {} });
const global = await time('global detector on (autocommit)', loop);
configureDiagnostics({ mode: 'off' });
const scoped = await time('diagnose() block', () => diagnose(loop, { onFinding: () => {}, ignore: ['n-plus-one'] }));
const recorded = await time('recordStatements() block', () => recordStatements(loop));
console.log(`overhead: global +${(global - off).toFixed(2)} µs, diagnose +${(scoped - off).toFixed(2)} µs, record +${(recorded - off).toFixed(2)} µs per statement`);
await engine.close();
