/**
 * What running a statement gives back, and the row type a statement promises.
 */

import type { CompiledStatement } from '../compiler/compiled.js';
import { MultipleResultsError, NoResultError } from '../errors.js';
import type { StatementNode } from '../sql/nodes.js';

/** A row whose shape the statement does not declare (raw SQL, or a statement without RETURNING). */
export type AnyRow = Record<string, unknown>;

/**
 * Anything the engine can run:
 * - a builder statement (`select(...)`, `insert(...)`, `update(...)`, `deleteFrom(...)`), which exposes `.node`;
 * - a raw `sql` template, which exposes `.statementNode`;
 * - an already compiled statement.
 */
export type Executable =
  | { readonly node: StatementNode }
  | { readonly statementNode: StatementNode }
  | CompiledStatement;

/**
 * The row type of a statement: what its select list or RETURNING clause
 * declares, else a plain record.
 */
export type RowOfStatement<S> = S extends { readonly __row?: infer R }
  ? [Exclude<R, undefined>] extends [never]
    ? AnyRow
    : Exclude<R, undefined>
  : AnyRow;

/** Rows and counts from one statement (or from the chunks of one split INSERT). */
export class Result<Row = AnyRow> {
  constructor(
    /** Decoded row objects, keyed by the statement's output names. */
    readonly rows: Row[],
    /** Rows returned, or rows affected when the statement returns none. */
    readonly rowCount: number,
    /** Output column names, in order. */
    readonly columns: readonly string[],
    /** The SQL that produced the rows, for error messages. */
    readonly sql: string,
    /**
     * The generated key the database reports for an INSERT: SQLite gives the
     * last inserted rowid, MySQL the key of the first row of a multi-row INSERT.
     * PostgreSQL reports none: use RETURNING.
     */
    readonly lastInsertId?: number | bigint,
  ) {}

  all(): Row[] {
    return this.rows;
  }

  /** The first row, or undefined. The statement is not limited: add `.limit(1)` to fetch only one. */
  first(): Row | undefined {
    return this.rows[0];
  }

  /** Exactly one row; {@link NoResultError} when there is none, {@link MultipleResultsError} when there are more. */
  one(): Row {
    if (this.rows.length === 1) return this.rows[0]!;
    if (this.rows.length === 0) throw new NoResultError(`expected exactly one row, got none: ${this.sql}`);
    throw new MultipleResultsError(`expected exactly one row, got ${this.rows.length}: ${this.sql}`);
  }

  /** The first column of the first row, or undefined when there is no row. */
  scalar(): Row[keyof Row] | undefined {
    const row = this.rows[0];
    // By column position, not key order: integer-like keys ("1") enumerate first.
    if (row === undefined || this.columns.length === 0) return undefined;
    return (row as Record<string, unknown>)[this.columns[0]!] as Row[keyof Row];
  }
}
