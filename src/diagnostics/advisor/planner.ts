/**
 * What the advisor needs from each database: a statement's plan, the tables
 * it reads in full, and the same plan with a candidate index in place. One
 * implementation per dialect beside this file holds that dialect's SQL
 * (`postgres.ts`: EXPLAIN and hypopg; `sqlite.ts`: EXPLAIN QUERY PLAN and an
 * index built inside a rolled-back transaction; `mysql.ts`: EXPLAIN only).
 *
 * @internal
 */

import type { CompiledStatement } from '../../core/compiler/compiled.js';

/** A statement to judge: its SQL and, when known, the values it ran with. */
export interface JudgedStatement {
  readonly sql: string;
  /** Undefined for normalized text (pg_stat_statements): the plan is then the generic one. */
  readonly parameters: readonly unknown[] | undefined;
}

/** A table a plan reads in full (a sequential scan, `ALL`, SQLite's `SCAN` or automatic index). */
export interface PlanScan {
  /** The table's name or the statement's alias for it, as the plan says it. */
  readonly name: string;
  readonly rows: number | undefined;
}

export interface PlanFacts {
  readonly text: string;
  /** The planner's estimated total cost (PostgreSQL). */
  readonly cost: number | undefined;
  /** Measured time of one run (SQLite). */
  readonly ms: number | undefined;
  readonly scans: readonly PlanScan[];
}

/** The plan before and after a candidate index, and whether the planner chose the index. */
export interface Trial {
  readonly before: PlanFacts;
  readonly after: PlanFacts;
  readonly usesIndex: boolean;
}

export interface Planner {
  /** Whether {@link Planner.trial} can judge a candidate; the reason when it cannot. */
  readonly verification: { readonly available: true } | { readonly available: false; readonly reason: string };
  plan(statement: JudgedStatement): Promise<PlanFacts>;
  /** `createIndex`: the CREATE INDEX statement of the candidate (not CONCURRENTLY), and its name. */
  trial(statement: JudgedStatement, createIndex: string, indexName: string): Promise<Trial>;
  /** Rows per table (the planner's estimate, or counted), for the tables asked. */
  tableRows(tables: readonly string[]): Promise<Map<string, number>>;
}

/** @internal */
export function raw(sql: string, parameters: readonly unknown[] = []): CompiledStatement {
  return { sql, parameters, columns: [], kind: 'rawStatement', returnsRows: true };
}

/** Rolls back: thrown out of a transaction to undo what a trial built. @internal */
export class Undo extends Error {
  constructor(readonly value: unknown) {
    super('undo');
  }
}
