/**
 * The advisor on PostgreSQL: `EXPLAIN (FORMAT JSON)` with the statement's
 * values, and the hypopg extension for the trial: `hypopg_create_index()`
 * adds an index only this connection's planner sees, nothing is built or
 * locked, and `hypopg_reset()` forgets it. Normalized text from
 * pg_stat_statements (`$1` without values) is planned generically:
 * `PREPARE` under `plan_cache_mode = force_generic_plan`, then
 * `EXPLAIN EXECUTE` with NULLs, which the generic plan does not look at.
 *
 * @internal
 */

import type { Engine } from '../../core/engine/engine.js';
import type { Executor } from '../../core/engine/executor.js';
import { readPgPlan, type PgPlanRoot } from '../explain.js';
import { raw, type JudgedStatement, type PlanFacts, type Planner, type Trial } from './planner.js';

let prepared = 0;

async function explainOn(ex: Executor, st: JudgedStatement): Promise<PlanFacts & { root: PgPlanRoot }> {
  let rows: Record<string, unknown>[];
  if (st.parameters !== undefined) {
    rows = (await ex.all(raw(`EXPLAIN (FORMAT JSON) ${st.sql}`, st.parameters))) as Record<string, unknown>[];
  } else {
    const name = `athanor_advise_${++prepared}`;
    const count = Math.max(0, ...[...st.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    await ex.execute(raw(`SET LOCAL plan_cache_mode = force_generic_plan`));
    await ex.execute(raw(`PREPARE ${name} AS ${st.sql}`));
    const args = count > 0 ? `(${Array.from({ length: count }, () => 'NULL').join(', ')})` : '';
    // On failure the transaction is aborted and DEALLOCATE would fail too, hiding the cause; the name is never reused.
    rows = (await ex.all(raw(`EXPLAIN (FORMAT JSON) EXECUTE ${name}${args}`))) as Record<string, unknown>[];
    await ex.execute(raw(`DEALLOCATE ${name}`));
  }
  const cell = Object.values(rows[0] ?? {})[0];
  const root = ((typeof cell === 'string' ? JSON.parse(cell) : cell) as PgPlanRoot[])[0]!;
  const { nodes, text } = readPgPlan(root);
  return {
    root,
    text,
    cost: root.Plan['Total Cost'],
    ms: undefined,
    scans: nodes.filter((n) => n.fullScan && n.table).map((n) => ({ name: n.table!, rows: n.estimatedRows })),
  };
}

/** A planner on `engine`; `hypopg` says whether the extension is there (see {@link hypopgStatus}). */
export function postgresPlanner(engine: Engine, hypopg: { available: true } | { available: false; reason: string }): Planner {
  return {
    verification: hypopg,
    async plan(st) {
      // A transaction: SET LOCAL and the prepared statement stay on one connection and end with it.
      const { root: _root, ...facts } = await engine.transaction(async (tx) => {
        if (hypopg.available) await tx.execute(raw(`SELECT hypopg_reset()`));
        return explainOn(tx, st);
      });
      return facts;
    },
    async trial(st, createIndex, indexName): Promise<Trial> {
      return engine.transaction(async (tx) => {
        // Hypothetical indexes belong to the connection, not the transaction: one left by a trial that failed
        // half way on this pooled connection would skew the plan before; forget them first.
        await tx.execute(raw(`SELECT hypopg_reset()`));
        const { root: _b, ...before } = await explainOn(tx, st);
        const [created] = (await tx.all(raw(`SELECT indexname FROM hypopg_create_index($1)`, [createIndex]))) as { indexname: string }[];
        const { root: _a, ...after } = await explainOn(tx, st);
        await tx.execute(raw(`SELECT hypopg_reset()`));
        // hypopg names its index `<oid>btree_<table>_<columns>`; the plan text says `using <that name>`.
        const hypothetical = created?.indexname ?? indexName;
        return { before, after: { ...after, text: after.text.split(hypothetical).join(`${indexName} (hypothetical)`) }, usesIndex: after.text.includes(hypothetical) };
      });
    },
    async tableRows(tables) {
      const out = new Map<string, number>();
      if (tables.length === 0) return out;
      // reltuples: the planner's own size (-1 before the first ANALYZE or VACUUM, then counted here instead).
      const rows = (await engine.all(
        raw(`SELECT relname, reltuples::float8 AS n FROM pg_class WHERE relkind IN ('r', 'p') AND relname = ANY($1::text[]) AND pg_table_is_visible(oid)`, [[...tables]]),
      )) as { relname: string; n: number }[];
      for (const r of rows) {
        if (Number(r.n) >= 0) out.set(r.relname, Number(r.n));
        else {
          const [c] = (await engine.all(raw(`SELECT count(*)::float8 AS n FROM "${r.relname.replace(/"/g, '""')}"`))) as { n: number }[];
          out.set(r.relname, Number(c?.n ?? 0));
        }
      }
      return out;
    },
  };
}

/** Whether hypopg can be used in the engine's database, creating the extension when `create` and the server has it. */
export async function hypopgStatus(engine: Engine, create: boolean): Promise<{ available: true } | { available: false; reason: string }> {
  const [row] = (await engine.all(
    raw(`SELECT (SELECT extversion FROM pg_extension WHERE extname = 'hypopg') AS installed, (SELECT default_version FROM pg_available_extensions WHERE name = 'hypopg') AS available`),
  )) as { installed: string | null; available: string | null }[];
  if (row?.installed) return { available: true };
  if (!row?.available) return { available: false, reason: 'the hypopg extension is not on this server (Debian/Ubuntu: apt-get install postgresql-15-hypopg; then CREATE EXTENSION hypopg)' };
  if (!create) return { available: false, reason: 'the hypopg extension is not created in this database: CREATE EXTENSION hypopg (or pass createExtension: true)' };
  try {
    await engine.execute(raw(`CREATE EXTENSION IF NOT EXISTS hypopg`));
    return { available: true };
  } catch (error) {
    return { available: false, reason: `CREATE EXTENSION hypopg failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Indexes no scan has used since the statistics were last reset (primary keys and unique indexes left out: they enforce). */
export async function unusedPgIndexes(engine: Engine): Promise<{ table: string; index: string; scans: number; bytes: number; since: string | undefined }[]> {
  const rows = (await engine.all(
    raw(
      `SELECT s.relname AS "table", s.indexrelname AS "index", s.idx_scan::float8 AS scans, pg_relation_size(s.indexrelid)::float8 AS bytes,
              (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS since
       FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
       WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND s.schemaname = current_schema()
       ORDER BY s.relname, s.indexrelname`,
    ),
  )) as { table: string; index: string; scans: number; bytes: number; since: string | null }[];
  return rows.map((r) => ({ table: r.table, index: r.index, scans: Number(r.scans), bytes: Number(r.bytes), since: r.since ?? undefined }));
}
