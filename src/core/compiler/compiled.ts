import type { SqlType } from '../schema/types.js';
import type { StatementKind } from '../sql/nodes.js';

/** One output column of a statement: its name in the result row and its type (for decoding). */
export interface ResultColumn {
  readonly name: string;
  readonly type: SqlType | undefined;
}

/** SQL text and bound parameters, ready for a driver. */
export interface CompiledStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** Output columns, in order (empty for statements that return no rows). */
  readonly columns: readonly ResultColumn[];
  readonly kind: StatementKind;
  /** True when the driver should fetch rows (SELECT, RETURNING, raw statements). */
  readonly returnsRows: boolean;
  /**
   * True for a SELECT (or a compound of them) that locks the rows it reads (`FOR UPDATE`, `FOR SHARE`, MySQL's
   * `LOCK IN SHARE MODE`), as its node says, where the database has locking reads (not SQLite, whose SQL leaves the
   * clause out): such a read belongs in a transaction, as a write does. Absent on a statement made without a node.
   */
  readonly locksRows?: boolean;
  /**
   * True when the statement only reads and locks nothing (a SELECT or compound without `FOR UPDATE` / `FOR
   * SHARE`): an engine with read replicas may send it to one. Unset (raw SQL, DML) means the primary.
   */
  readonly readOnly?: boolean;
}

/**
 * `compiled` with other SQL text or parameters. Written out field by field, not as a spread with fields after it:
 * that is V8's slow object-clone path, and this runs for every statement a cached compile or a prepared statement
 * hands out.
 *
 * ```ts
 * const compiled = dialect.compile(select(artist.c.name).from(artist).where(artist.c.id.eq(1)).node);
 * const next = withParameters(compiled, [7]); // the same statement, bound to 7
 * ```
 */
export function withParameters(compiled: CompiledStatement, parameters: readonly unknown[], sql: string = compiled.sql): CompiledStatement {
  return {
    sql,
    parameters,
    columns: compiled.columns,
    kind: compiled.kind,
    returnsRows: compiled.returnsRows,
    locksRows: compiled.locksRows,
    readOnly: compiled.readOnly,
  };
}
