/**
 * `npm run bench -- diagnostics`: what the pitfall detector costs per statement.
 *
 * Measured on SQLite in memory (the cheapest database, so the overhead shows
 * most), a primary-key SELECT repeated, median of five rounds:
 *   1. before the diagnostics module is even loaded (the baseline),
 *   2. loaded and switched off (must match the baseline: nothing listens),
 *   3. the global detector on, 4. inside diagnose(), 5. inside recordStatements(),
 * and the same for an ORM session doing one get() per session (detector off / on).
 */
import { createEngine, identity, insert, select, table, text } from '../src/index.js';
import { Model, database, mapped } from '../src/orm/index.js';

const N = 20_000;

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    await fn();
    runs.push(((performance.now() - start) * 1000) / N);
  }
  runs.sort((a, b) => a - b);
  return runs[2]!;
}

export async function runDiagnosticsOverhead(): Promise<void> {
  const t = table('bench_diag', { id: identity(), name: text().notNull() });
  @mapped
  class Row extends Model(t) {}
  const engine = createEngine('sqlite::memory:');
  await engine.createAll([t]);
  await engine.execute(insert(t).values(Array.from({ length: 100 }, (_, i) => ({ name: `n${i}` }))));
  const db = database(engine);
  const q = select(t.c.id, t.c.name).from(t).where(t.c.id.eq(7));
  const core = async () => {
    for (let i = 0; i < N; i++) await engine.execute(q);
  };
  const orm = async () => {
    for (let i = 0; i < N; i++) await db.session((s) => s.get(Row, (i % 100) + 1));
  };
  const lines: [string, number][] = [];
  lines.push(['Core, diagnostics not loaded', await median(core)]);
  lines.push(['ORM get(), diagnostics not loaded', await median(orm)]);
  const d = await import('../src/diagnostics/index.js');
  d.configureDiagnostics({ mode: 'off' });
  lines.push(['Core, loaded and off', await median(core)]);
  lines.push(['ORM get(), loaded and off', await median(orm)]);
  d.configureDiagnostics({ mode: 'warn', onFinding: () => {} });
  lines.push(['Core, global detector on', await median(core)]);
  lines.push(['ORM get(), global detector on', await median(orm)]);
  d.configureDiagnostics({ mode: 'off' });
  lines.push(['Core, inside diagnose()', await median(() => d.diagnose(core, { onFinding: () => {}, ignore: ['n-plus-one'] }))]);
  lines.push(['Core, inside recordStatements()', await median(() => d.recordStatements(core))]);
  console.log(`Diagnostics overhead, SQLite in memory, ${N} statements per round, median of 5 rounds (µs per statement)`);
  for (const [label, us] of lines) console.log(`  ${label.padEnd(36)} ${us.toFixed(2)}`);
  await engine.close();
}
