/**
 * The advisor on SQLite: `EXPLAIN QUERY PLAN`, and a trial that builds the
 * candidate index for real inside a transaction, plans and times the
 * statement, then rolls back (SQLite's DDL is transactional, so nothing
 * stays). A `SCAN` without an index, or a `SEARCH` through an automatic
 * index SQLite builds for this one statement, reads the whole table.
 *
 * @internal
 */

import type { Engine } from '../../core/engine/engine.js';
import type { Executor } from '../../core/engine/executor.js';
import { raw, Undo, type JudgedStatement, type PlanFacts, type Planner, type Trial } from './planner.js';

/** Runs of a statement in a timing: the fastest of up to this many, within the time budget. */
const RUNS = 5;
const BUDGET_MS = 200;

async function queryPlan(ex: Executor, st: JudgedStatement, sizes: (table: string) => Promise<number | undefined>): Promise<Omit<PlanFacts, 'ms'>> {
  const rows = (await ex.all(raw(`EXPLAIN QUERY PLAN ${st.sql}`, st.parameters ?? []))) as { id: number; parent: number; detail: string }[];
  const depth = new Map<number, number>([[0, -1]]);
  const lines: string[] = [];
  const scans: { name: string; rows: number | undefined }[] = [];
  for (const r of rows) {
    const d = (depth.get(r.parent) ?? -1) + 1;
    depth.set(r.id, d);
    lines.push(`${'  '.repeat(d)}${r.detail}`);
    const m = /^(SCAN|SEARCH)\s+(?:TABLE\s+)?(\w+)(?:\s+AS\s+(\w+))?/.exec(r.detail);
    if (!m) continue;
    const full = (m[1] === 'SCAN' && !/USING (COVERING )?INDEX/.test(r.detail)) || /AUTOMATIC/.test(r.detail);
    if (full) scans.push({ name: m[3] ?? m[2]!, rows: await sizes(m[2]!) });
  }
  return { text: lines.join('\n'), cost: undefined, scans };
}

async function timed(ex: Executor, st: JudgedStatement): Promise<number> {
  let best = Infinity;
  const started = performance.now();
  for (let i = 0; i < RUNS && (i === 0 || performance.now() - started < BUDGET_MS); i++) {
    const t = performance.now();
    await ex.all(raw(st.sql, st.parameters ?? []));
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export function sqlitePlanner(engine: Engine): Planner {
  const counted = new Map<string, number | undefined>();
  const count = async (ex: Executor, table: string): Promise<number | undefined> => {
    if (!counted.has(table)) {
      try {
        const [r] = (await ex.all(raw(`SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`))) as { n: number }[];
        counted.set(table, Number(r?.n));
      } catch {
        counted.set(table, undefined);
      }
    }
    return counted.get(table);
  };
  return {
    verification: { available: true },
    async plan(st) {
      return { ...(await queryPlan(engine, st, (t) => count(engine, t))), ms: undefined };
    },
    async trial(st, createIndex): Promise<Trial> {
      // Everything in one transaction, rolled back: a write statement's effect and the index both go.
      try {
        await engine.transaction(async (tx) => {
          const sizes = (t: string) => count(tx, t);
          const before = { ...(await queryPlan(tx, st, sizes)), ms: await timed(tx, st) };
          await tx.execute(raw(createIndex));
          const afterPlan = await queryPlan(tx, st, sizes);
          const after = { ...afterPlan, ms: await timed(tx, st) };
          throw new Undo({ before, after, usesIndex: afterPlan.scans.length < before.scans.length });
        });
      } catch (e) {
        if (e instanceof Undo) return e.value as Trial;
        throw e;
      }
      throw new Error('unreachable: the trial transaction always rolls back');
    },
    async tableRows(tables) {
      const out = new Map<string, number>();
      for (const t of tables) {
        const n = await count(engine, t);
        if (n !== undefined) out.set(t, n);
      }
      return out;
    },
  };
}
