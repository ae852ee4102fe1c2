/**
 * The cost of checking a connection out, SQLite in memory (no I/O, so the engine's own work shows): CPU time per
 * `engine.execute`, `engine.connect()` + `release()` and `engine.transaction`, median of 10 rounds, with the
 * defaults (bounded wait, lazy leak detection) and with `trackCheckouts` (a stack read as text per checkout that
 * can leak). CPU time, not wall time: the figures hold on a shared machine.
 *
 *   npx tsx scripts/measure/checkout.ts
 */
import { createEngine } from '../../src/connect/index.js';
import type { Engine } from '../../src/core/engine/index.js';
import { sql } from '../../src/core/sql/index.js';

const cpuNs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < n; i++) await fn();
  const rounds: number[] = [];
  for (let r = 0; r < 10; r++) {
    const start = cpuNs();
    for (let i = 0; i < n; i++) await fn();
    rounds.push((cpuNs() - start) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[5]!;
}

async function measure(label: string, engine: Engine): Promise<void> {
  await engine.ready();
  const q = sql`SELECT 1 AS one`;
  const execute = await median(100_000, () => engine.execute(q));
  const connect = await median(50_000, async () => (await engine.connect()).release());
  const transaction = await median(20_000, () => engine.transaction(async (tx) => tx.execute(q)));
  console.log(
    `${label.padEnd(20)} execute ${execute.toFixed(0)} ns, connect + release ${connect.toFixed(0)} ns, transaction ${transaction.toFixed(0)} ns`,
  );
  await engine.close();
}

await measure('defaults', createEngine('sqlite::memory:'));
await measure('trackCheckouts', createEngine('sqlite::memory:', { trackCheckouts: true }));
