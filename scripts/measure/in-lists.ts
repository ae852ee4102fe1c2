/**
 * IN lists through the engine, per dialect: median time of selecting from a
 * 10,000-row table with `n IN (...)` of 1,000 and 70,000 integers and strings,
 * with and without a NULL among them, and `(n, s) IN (...)` of 500 and 70,000 pairs
 * (SQLite writes row-value lists of 100 or more as JSON, past its OR chains). A run that fails says so (before IN lists
 * past the bound-parameter limit were bound whole, 70,000 values failed on
 * SQLite and MariaDB, and on PostgreSQL once a NULL was among them).
 *
 *   npx tsx scripts/measure/in-lists.ts [sqlite::memory: postgres://... mysql://...]
 *   ATHANOR_CORE=/path/to/src/core.ts npx tsx scripts/measure/in-lists.ts   (another checkout's core)
 */
import type * as Core from '../../src/core.js';

const core = (await import(process.env['ATHANOR_CORE'] ?? '../../src/core.js')) as typeof Core;
const { createEngine, table, identity, integer, text, insert, select, tuple, param } = core;

const urls = process.argv.length > 2
  ? process.argv.slice(2)
  : ['sqlite::memory:', 'postgres://postgres@127.0.0.1:5432/athanor_test', 'mysql://root@127.0.0.1:3306/athanor_test'];

const t = table('measure_in_lists', { id: identity(), n: integer(), s: text() });

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[runs >> 1]!;
}

for (const url of urls) {
  const engine = createEngine(url);
  await engine.dropAll([t], { ifExists: true });
  await engine.createAll([t]);
  await engine.execute(insert(t).values(Array.from({ length: 10_000 }, (_, i) => ({ n: i, s: `name ${i}` }))));
  for (const size of [1_000, 70_000]) {
    const runs = size > 1_000 ? 9 : 41;
    const ints: (number | null)[] = Array.from({ length: size }, (_, i) => i * 7);
    const strings: (string | null)[] = ints.map((i) => `name ${i}`);
    const pairs = ints.slice(0, size === 1_000 ? 500 : size).map((n) => tuple(param(n, t.c.n.sqlType), param(`name ${n}`, t.c.s.sqlType)));
    const cases: [string, () => Promise<unknown>][] = [
      ['integers', () => engine.all(select(t.c.id).from(t).where(t.c.n.in(ints)))],
      ['integers and a NULL', () => engine.all(select(t.c.id).from(t).where(t.c.n.in([...ints, null])))],
      ['strings', () => engine.all(select(t.c.id).from(t).where(t.c.s.in(strings)))],
      ['NOT IN integers', () => engine.all(select(t.c.id).from(t).where(t.c.n.notIn(ints)))],
      [`${pairs.length.toLocaleString('en')} pairs`, () => engine.all(select(t.c.id).from(t).where(tuple(t.c.n, t.c.s).in(pairs)))],
    ];
    for (const [label, run] of cases) {
      let result: string;
      try {
        result = `${(await median(runs, run)).toFixed(2)} ms`;
      } catch (error) {
        result = `fails: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 60)}`;
      }
      console.log(`${engine.dialect.name.padEnd(8)} ${size.toLocaleString('en').padStart(6)} ${label.padEnd(20)} ${result}`);
    }
  }
  await engine.dropAll([t]);
  await engine.close();
}
