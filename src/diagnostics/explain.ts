/**
 * Query plans on every dialect, and a check for sequential scans of large tables.
 *
 * ```ts
 * const plan = await explain(engine, select(song.c.title).from(song).where(song.c.plays.gt(100)));
 * console.log(plan.text);
 * sequentialScans(plan, { minRows: 10_000 }); // [{ table: 'song', rows: 250000, message: ... }]
 * ```
 * PostgreSQL: `EXPLAIN (FORMAT JSON)`, with `json` holding the plan; MySQL and
 * MariaDB: `EXPLAIN FORMAT=JSON`; SQLite: `EXPLAIN QUERY PLAN`. With
 * `analyze`, PostgreSQL and MariaDB run the statement and report actual rows
 * and times, MySQL runs `EXPLAIN ANALYZE` (text only), and SQLite runs the
 * statement and reports its duration. A write statement analysed this way
 * runs inside a transaction that is rolled back.
 */

import type { CompiledStatement } from '../core/compiler/compiled.js';
import type { DialectName } from '../core/dialects/dialect.js';
import type { Engine } from '../core/engine/engine.js';
import type { Executor } from '../core/engine/executor.js';
import type { Executable } from '../core/engine/result.js';
import { compileExecutable } from '../core/engine/runner.js';
import type { SelectNode } from '../core/sql/nodes.js';
import { InvalidArgumentError } from '../core/errors.js';

/** A statement, a compiled statement, or an ORM query (anything with `selectNode()`). */
export type Explainable = Executable | { selectNode(): SelectNode };

export interface ExplainOptions {
  /** Run the statement and report actual figures (default false). */
  readonly analyze?: boolean;
}

/** One step of a plan, in the same terms on every dialect. */
export interface PlanNode {
  /** `Seq Scan`, `Index Scan`, `ALL`, `ref`, `SCAN`, `SEARCH`, ... as the database says it. */
  readonly operation: string;
  readonly table: string | undefined;
  /** True for a full read of the table (sequential scan, `ALL`, SQLite `SCAN` without index). */
  readonly fullScan: boolean;
  /** The planner's estimate of rows this step produces or examines. */
  readonly estimatedRows: number | undefined;
  /** Rows actually produced (with `analyze`, where the dialect reports them). */
  readonly actualRows: number | undefined;
  /** Rows in the table (estimate from the catalog; for SQLite, counted). */
  readonly tableRows: number | undefined;
  readonly detail: string;
}

export interface ExplainResult {
  readonly dialect: DialectName;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** The plan as text. */
  readonly text: string;
  /** The plan as the database's JSON (PostgreSQL, MySQL, MariaDB). */
  readonly json: unknown;
  /** The plan's steps, flattened. */
  readonly nodes: readonly PlanNode[];
  /** Total execution time, with `analyze`. */
  readonly executionMs: number | undefined;
}

function compileFor(engine: Engine, statement: Explainable): CompiledStatement {
  if ('selectNode' in statement && typeof statement.selectNode === 'function') return engine.dialect.compile(statement.selectNode());
  const compiled = compileExecutable(engine.dialect, statement as Executable);
  if (compiled.length !== 1) throw new InvalidArgumentError(`explain(): the statement compiles to ${compiled.length} statements; explain one at a time`, 'explain', statement);
  return compiled[0]!;
}

function raw(sql: string, parameters: readonly unknown[]): CompiledStatement {
  return { sql, parameters, columns: [], kind: 'rawStatement', returnsRows: true };
}

/** Rolls back: thrown out of a transaction to undo an analysed write. */
class Undo extends Error {
  constructor(readonly value: unknown) {
    super('undo');
  }
}

async function run(engine: Engine, c: CompiledStatement, write: boolean, fn: (ex: Executor) => Promise<unknown>): Promise<unknown> {
  if (!write) return fn(engine);
  try {
    await engine.transaction(async (tx) => {
      throw new Undo(await fn(tx));
    });
  } catch (e) {
    if (e instanceof Undo) return e.value;
    throw e;
  }
  return undefined;
}

/**
 * The plan of a statement (or an ORM query) on the engine's database.
 *
 * ```ts
 * const plan = await explain(engine, s.query(Song).where(Song.plays.gt(100)), { analyze: true });
 * plan.nodes.filter((n) => n.fullScan);
 * ```
 */
export async function explain(engine: Engine, statement: Explainable, options: ExplainOptions = {}): Promise<ExplainResult> {
  await engine.ready();
  const c = compileFor(engine, statement);
  const analyze = options.analyze ?? false;
  const write = analyze && c.kind !== 'select';
  const base = { dialect: engine.dialect.name, sql: c.sql, parameters: c.parameters };
  switch (engine.dialect.name) {
    case 'postgres': {
      const prefix = analyze ? 'EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS)' : 'EXPLAIN (FORMAT JSON)';
      const rows = (await run(engine, c, write, (ex) => ex.all(raw(`${prefix} ${c.sql}`, c.parameters)))) as Record<string, unknown>[];
      const cell = Object.values(rows[0] ?? {})[0];
      const json = (typeof cell === 'string' ? JSON.parse(cell) : cell) as PgPlanRoot[];
      const root = json[0]!;
      const nodes: PlanNode[] = [];
      const lines: string[] = [];
      walkPg(root.Plan, 0, nodes, lines);
      const sizes = await pgTableRows(engine, nodes);
      return {
        ...base,
        json,
        text: lines.join('\n') + (root['Execution Time'] !== undefined ? `\nExecution Time: ${root['Execution Time']} ms` : ''),
        nodes: nodes.map((n) => ({ ...n, tableRows: n.table ? sizes.get(n.table) : undefined })),
        executionMs: root['Execution Time'],
      };
    }
    case 'mysql': {
      const mariadb = (engine.dialect as { flavor?: string }).flavor === 'mariadb';
      if (analyze && !mariadb) {
        const rows = (await run(engine, c, write, (ex) => ex.all(raw(`EXPLAIN ANALYZE ${c.sql}`, c.parameters)))) as Record<string, unknown>[];
        const text = rows.map((r) => String(Object.values(r)[0])).join('\n');
        const plan = await explain(engine, statement, { analyze: false });
        return { ...plan, text, executionMs: undefined };
      }
      const prefix = analyze ? 'ANALYZE FORMAT=JSON' : 'EXPLAIN FORMAT=JSON';
      const rows = (await run(engine, c, write, (ex) => ex.all(raw(`${prefix} ${c.sql}`, c.parameters)))) as Record<string, unknown>[];
      const cell = Object.values(rows[0] ?? {})[0];
      const json: unknown = typeof cell === 'string' ? JSON.parse(cell) : cell;
      const nodes: PlanNode[] = [];
      walkMysql(json, nodes);
      return {
        ...base,
        json,
        text: nodes.map((n) => `${n.operation} ${n.table ?? ''} (rows=${n.estimatedRows ?? '?'}${n.actualRows !== undefined ? ` actual=${n.actualRows}` : ''}) ${n.detail}`.trim()).join('\n'),
        nodes,
        executionMs: undefined,
      };
    }
    case 'sqlite': {
      const rows = (await engine.all(raw(`EXPLAIN QUERY PLAN ${c.sql}`, c.parameters))) as { id: number; parent: number; detail: string }[];
      const depth = new Map<number, number>([[0, -1]]);
      const nodes: PlanNode[] = [];
      const lines: string[] = [];
      for (const r of rows) {
        const d = (depth.get(r.parent) ?? -1) + 1;
        depth.set(r.id, d);
        lines.push(`${'  '.repeat(d)}${r.detail}`);
        const m = /^(SCAN|SEARCH)\s+(?:TABLE\s+)?(\w+)/.exec(r.detail);
        nodes.push({
          operation: m?.[1] ?? r.detail.split(' ')[0]!,
          table: m?.[2],
          fullScan: m?.[1] === 'SCAN' && !/USING (COVERING )?INDEX/.test(r.detail),
          estimatedRows: undefined,
          actualRows: undefined,
          tableRows: undefined,
          detail: r.detail,
        });
      }
      const sized = await Promise.all(
        nodes.map(async (n) => (n.table && n.fullScan ? { ...n, tableRows: await sqliteCount(engine, n.table) } : n)),
      );
      let executionMs: number | undefined;
      if (analyze) {
        const started = performance.now();
        await run(engine, c, write, (ex) => ex.execute(c));
        executionMs = performance.now() - started;
      }
      return { ...base, json: undefined, text: lines.join('\n'), nodes: sized, executionMs };
    }
  }
}

/** @internal A PostgreSQL JSON plan node (the fields read here). */
export interface PgPlanNode {
  'Node Type': string;
  'Total Cost'?: number;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  Filter?: string;
  Plans?: PgPlanNode[];
}
/** @internal The root of `EXPLAIN (FORMAT JSON)` output. */
export interface PgPlanRoot {
  Plan: PgPlanNode;
  'Execution Time'?: number;
}

/** @internal A PostgreSQL JSON plan as steps and text (the table sizes left unknown). */
export function readPgPlan(root: PgPlanRoot): { nodes: PlanNode[]; text: string } {
  const nodes: PlanNode[] = [];
  const lines: string[] = [];
  walkPg(root.Plan, 0, nodes, lines);
  return { nodes, text: lines.join('\n') };
}

function walkPg(n: PgPlanNode, depth: number, nodes: PlanNode[], lines: string[]): void {
  const type = n['Node Type'];
  const on = n['Relation Name'] ? ` on ${n['Relation Name']}` : '';
  const idx = n['Index Name'] ? ` using ${n['Index Name']}` : '';
  const actual = n['Actual Rows'] !== undefined ? ` (actual rows=${n['Actual Rows']} loops=${n['Actual Loops']} time=${n['Actual Total Time']} ms)` : '';
  lines.push(`${'  '.repeat(depth)}${depth > 0 ? '-> ' : ''}${type}${idx}${on} (rows=${n['Plan Rows']})${actual}${n.Filter ? ` filter: ${n.Filter}` : ''}`);
  nodes.push({
    operation: type,
    table: n['Relation Name'],
    fullScan: type === 'Seq Scan' || type === 'Parallel Seq Scan',
    estimatedRows: n['Plan Rows'],
    actualRows: n['Actual Rows'],
    tableRows: undefined,
    detail: n.Filter ?? '',
  });
  for (const child of n.Plans ?? []) walkPg(child, depth + 1, nodes, lines);
}

async function pgTableRows(engine: Engine, nodes: readonly PlanNode[]): Promise<Map<string, number>> {
  const names = [...new Set(nodes.filter((n) => n.fullScan && n.table).map((n) => n.table!))];
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  // reltuples is the planner's own table size (-1 until the table is first analysed or vacuumed).
  const rows = (await engine.all(
    raw(`SELECT relname, reltuples::float8 AS n FROM pg_class WHERE relkind IN ('r', 'p') AND relname = ANY($1::text[]) AND pg_table_is_visible(oid)`, [names]),
  )) as { relname: string; n: number }[];
  for (const r of rows) if (r.n >= 0) out.set(r.relname, Number(r.n));
  return out;
}

async function sqliteCount(engine: Engine, table: string): Promise<number | undefined> {
  try {
    const rows = (await engine.all(raw(`SELECT count(*) AS n FROM "${table.replace(/"/g, '""')}"`, []))) as { n: number }[];
    return Number(rows[0]?.n);
  } catch {
    return undefined;
  }
}

/** MySQL and MariaDB JSON plans: every object with a `table_name` is a table access. */
function walkMysql(v: unknown, nodes: PlanNode[]): void {
  if (Array.isArray(v)) {
    for (const x of v) walkMysql(x, nodes);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  if (typeof o['table_name'] === 'string' && typeof o['access_type'] === 'string') {
    const est = Number(o['rows_examined_per_scan'] ?? o['rows'] ?? NaN);
    const actual = o['r_rows'] !== undefined ? Number(o['r_rows']) : undefined;
    nodes.push({
      operation: o['access_type'],
      table: o['table_name'],
      fullScan: o['access_type'] === 'ALL',
      estimatedRows: Number.isNaN(est) ? undefined : est,
      actualRows: actual,
      // For a full scan the examined rows are the table's size estimate.
      tableRows: o['access_type'] === 'ALL' && !Number.isNaN(est) ? est : undefined,
      detail: [o['key'] ? `key=${String(o['key'])}` : '', o['attached_condition'] ? `where ${String(o['attached_condition'])}` : ''].filter(Boolean).join(' '),
    });
  }
  for (const x of Object.values(o)) if (typeof x === 'object') walkMysql(x, nodes);
}

/** A full scan of a large table in a plan. */
export interface SequentialScan {
  readonly table: string;
  /** Rows in the table (or, when the size is unknown, rows the step reads). */
  readonly rows: number;
  readonly message: string;
}

/**
 * Full scans of tables with at least `minRows` rows (default 1000).
 *
 * ```ts
 * for (const s of sequentialScans(await explain(engine, q))) console.warn(s.message);
 * ```
 */
export function sequentialScans(plan: ExplainResult, options: { readonly minRows?: number } = {}): SequentialScan[] {
  const min = options.minRows ?? 1000;
  const out: SequentialScan[] = [];
  for (const n of plan.nodes) {
    if (!n.fullScan || !n.table) continue;
    const rows = n.tableRows ?? n.actualRows ?? n.estimatedRows;
    if (rows === undefined || rows < min) continue;
    out.push({
      table: n.table,
      rows,
      message:
        `full scan of "${n.table}" (${rows} rows)${n.detail ? ` for ${n.detail}` : ''}: ` +
        `add an index on the filtered or joined columns (\`index('${n.table}_..._idx', ...)\` in the table declaration), or filter on an indexed column`,
    });
  }
  return out;
}
