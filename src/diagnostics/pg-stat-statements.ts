/**
 * PostgreSQL's `pg_stat_statements`: the server's own record of every
 * statement shape, across all clients, since the last reset.
 *
 * ```ts
 * const top = await topStatements(engine, { orderBy: 'totalTime', limit: 10 });
 * for (const s of top) console.log(s.calls, s.totalMs.toFixed(0), s.query);
 * ```
 * The extension must be preloaded (`shared_preload_libraries`, then a server
 * restart) and created in the database (`CREATE EXTENSION pg_stat_statements`);
 * otherwise {@link PgStatStatementsUnavailableError} says which step is missing.
 */

import type { Engine } from '../core/engine/engine.js';
import type { CompiledStatement } from '../core/compiler/compiled.js';
import { AthanorError } from '../core/errors.js';

export type StatementOrder = 'totalTime' | 'meanTime' | 'calls' | 'rows';

export interface TopStatementsOptions {
  readonly orderBy?: StatementOrder;
  /** Default 10. */
  readonly limit?: number;
  /** Only statements whose text contains this (case-insensitive). */
  readonly contains?: string;
  /** Every database on the server instead of the engine's (default false). */
  readonly allDatabases?: boolean;
}

/** One normalized statement, as the server aggregated it. */
export interface StatementStats {
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly rows: number;
  /** Share of the listed statements' total time, 0..1. */
  readonly share: number;
}

/** Why pg_stat_statements cannot be read, and how to enable it. */
export class PgStatStatementsUnavailableError extends AthanorError {
  override readonly name = 'PgStatStatementsUnavailableError';
  override readonly code = 'ATH_PG_STAT_STATEMENTS';
  constructor(
    readonly reason: 'not-postgres' | 'not-installed' | 'not-preloaded',
    message: string,
  ) {
    super(message);
  }
}

function raw(sql: string, parameters: readonly unknown[] = []): CompiledStatement {
  return { sql, parameters, columns: [], kind: 'rawStatement', returnsRows: true };
}

const ORDER: Record<StatementOrder, string> = { totalTime: 'total_ms', meanTime: 'mean_ms', calls: 'calls', rows: 'rows' };

async function check(engine: Engine): Promise<{ newColumns: boolean; db: string }> {
  await engine.ready();
  if (engine.dialect.name !== 'postgres') {
    throw new PgStatStatementsUnavailableError(
      'not-postgres',
      `pg_stat_statements is PostgreSQL's; this engine is ${engine.dialect.name}. ` +
        (engine.dialect.name === 'mysql' ? 'MySQL/MariaDB keep similar figures in performance_schema.events_statements_summary_by_digest.' : 'Use recordStatements() for per-block figures.'),
    );
  }
  // Reading shared_preload_libraries takes superuser or pg_read_all_settings; without them the setting stays
  // unknown (null) and a missing preload shows when the view is read (see readView).
  const [row] = (await engine.all(
    raw(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
              CASE WHEN pg_has_role(current_user, 'pg_read_all_settings', 'MEMBER')
                   THEN current_setting('shared_preload_libraries') END AS preload,
              current_database() AS db,
              current_setting('server_version_num')::int AS version`,
    ),
  )) as { installed: string | null; preload: string | null; db: string; version: number }[];
  const preloaded = row!.preload === null ? undefined : /(^|[\s,])"?pg_stat_statements"?($|[\s,])/.test(row!.preload);
  if (preloaded === false) throw notPreloaded(row!.db, `shared_preload_libraries = '${row!.preload}'`);
  if (row!.installed === null) {
    throw new PgStatStatementsUnavailableError(
      'not-installed',
      preloaded
        ? `pg_stat_statements is preloaded but not installed in database "${row!.db}": run CREATE EXTENSION pg_stat_statements there (as a superuser or the database owner).`
        : `pg_stat_statements is not installed in database "${row!.db}": run CREATE EXTENSION pg_stat_statements there (as a superuser or the database owner); ` +
            `it must also be in shared_preload_libraries, which this role cannot read (it needs pg_read_all_settings).`,
    );
  }
  return { newColumns: row!.version >= 130000, db: row!.db };
}

function notPreloaded(db: string, setting: string): PgStatStatementsUnavailableError {
  return new PgStatStatementsUnavailableError(
    'not-preloaded',
    `pg_stat_statements is not preloaded (${setting}). Enable it: ` +
      `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements' (or add it to postgresql.conf), restart PostgreSQL, ` +
      `then CREATE EXTENSION pg_stat_statements in database "${db}".`,
  );
}

/** Read the view; the server's refusal when the library is not preloaded becomes the error that says how to fix it. */
async function readView<Row>(engine: Engine, db: string, statement: CompiledStatement): Promise<Row[]> {
  try {
    return (await engine.all(statement)) as Row[];
  } catch (error) {
    if (error instanceof AthanorError && /must be loaded via "?shared_preload_libraries/.test(error.message)) throw notPreloaded(db, 'the server refused to read its view');
    throw error;
  }
}

/**
 * The top statements by total time, mean time, calls or rows.
 *
 * ```ts
 * await topStatements(engine, { orderBy: 'meanTime', limit: 5, contains: 'song' });
 * ```
 */
export async function topStatements(engine: Engine, options: TopStatementsOptions = {}): Promise<StatementStats[]> {
  const { newColumns, db } = await check(engine);
  // PostgreSQL 13 split planning and execution time; before it, total_time was execution time.
  const total = newColumns ? 'total_exec_time' : 'total_time';
  const mean = newColumns ? 'mean_exec_time' : 'mean_time';
  const where: string[] = [];
  const params: unknown[] = [];
  if (!options.allDatabases) where.push('dbid = (SELECT oid FROM pg_database WHERE datname = current_database())');
  if (options.contains) {
    params.push(`%${options.contains}%`);
    where.push(`query ILIKE $${params.length}`);
  }
  params.push(Math.max(1, Math.floor(options.limit ?? 10)));
  const rows = await readView<{ query: string; calls: number; total_ms: number; mean_ms: number; rows: number }>(
    engine,
    db,
    raw(
      `SELECT query, calls::float8 AS calls, ${total}::float8 AS total_ms, ${mean}::float8 AS mean_ms, rows::float8 AS rows
       FROM pg_stat_statements ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${ORDER[options.orderBy ?? 'totalTime']} DESC LIMIT $${params.length}`,
      params,
    ),
  );
  const sum = rows.reduce((n, r) => n + Number(r.total_ms), 0);
  return rows.map((r) => ({
    query: r.query,
    calls: Number(r.calls),
    totalMs: Number(r.total_ms),
    meanMs: Number(r.mean_ms),
    rows: Number(r.rows),
    share: sum > 0 ? Number(r.total_ms) / sum : 0,
  }));
}

/** Clear the server's statistics (needs superuser or an explicit GRANT on pg_stat_statements_reset). */
export async function resetStatementStats(engine: Engine): Promise<void> {
  const { db } = await check(engine);
  await readView(engine, db, raw('SELECT pg_stat_statements_reset()'));
}

/** A readable table of {@link topStatements}. */
export function formatStatementStats(stats: readonly StatementStats[]): string {
  const head = 'calls      total ms     mean ms       rows  share  query';
  const lines = stats.map(
    (s) =>
      `${String(s.calls).padStart(5)} ${s.totalMs.toFixed(1).padStart(12)} ${s.meanMs.toFixed(3).padStart(11)} ${String(s.rows).padStart(10)} ${(s.share * 100).toFixed(0).padStart(5)}%  ${s.query.replace(/\s+/g, ' ').slice(0, 120)}`,
  );
  return [head, ...lines].join('\n');
}
