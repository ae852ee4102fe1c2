/**
 * The SQL syntax tree.
 *
 * Every statement the builders produce is a tree of these plain, frozen
 * objects. Nodes carry no behaviour: the compiler of each dialect walks them,
 * switching exhaustively on `kind`, so adding a node kind is a compile error
 * everywhere it is not yet handled. Values never appear in SQL text: they live
 * in {@link ParamNode}s and are sent to the driver as bound parameters.
 */

import type { SqlType } from '../schema/types.js';

/** What a column node needs to know of its column (implemented by the schema's `Column`). */
export interface ColumnMeta {
  /** Name in the database. */
  readonly name: string;
  /** Property name in TypeScript (the key in `table.c`). */
  readonly key: string;
  readonly type: SqlType;
  readonly table: TableMeta;
}

/** What a table node needs to know of its table (implemented by the schema's `Table`). */
export interface TableMeta {
  readonly name: string;
  readonly schema: string | undefined;
  readonly columns: readonly ColumnMeta[];
}

// ---------------------------------------------------------------------------
// Expressions

export interface ColumnNode {
  readonly kind: 'column';
  readonly column: ColumnMeta;
  /** The name the column is qualified with: the table's name or its alias; undefined for bare names. */
  readonly qualifier: string | undefined;
}

/** A column of a derived table, CTE or alias addressed by name only. */
export interface NamedColumnNode {
  readonly kind: 'namedColumn';
  readonly qualifier: string | undefined;
  readonly name: string;
  readonly type: SqlType | undefined;
}

export interface ParamNode {
  readonly kind: 'param';
  readonly value: unknown;
  /** The type the value is bound as, taken from the other side of a comparison or the target column. */
  readonly type: SqlType | undefined;
}

/** SQL keywords that are never parameters. */
export interface KeywordNode {
  readonly kind: 'keyword';
  readonly keyword: 'NULL' | 'TRUE' | 'FALSE' | 'DEFAULT' | 'CURRENT_TIMESTAMP' | 'CURRENT_DATE';
}

export type BinaryOperator =
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '||'
  | 'AND'
  | 'OR'
  | 'LIKE'
  | 'NOT LIKE'
  | 'ILIKE'
  | 'NOT ILIKE'
  | 'IS'
  | 'IS NOT';

export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly left: ExprNode;
  readonly right: ExprNode;
  /**
   * LIKE / NOT LIKE / ILIKE / NOT ILIKE only: the pattern's escape character.
   * Undefined means backslash; every LIKE is compiled with an explicit ESCAPE,
   * so a pattern means the same on every database.
   */
  readonly escape?: string | undefined;
}

/** AND / OR over any number of operands (flattened so long chains do not nest). */
export interface LogicalNode {
  readonly kind: 'logical';
  readonly op: 'AND' | 'OR';
  readonly operands: readonly ExprNode[];
}

export interface UnaryNode {
  readonly kind: 'unary';
  readonly op: 'NOT' | '-' | 'IS NULL' | 'IS NOT NULL';
  readonly operand: ExprNode;
}

export interface InListNode {
  readonly kind: 'inList';
  readonly negated: boolean;
  readonly operand: ExprNode;
  /** May be empty: compilers render an always-false (IN) or always-true (NOT IN) predicate. */
  readonly items: readonly ExprNode[];
}

export interface InSubqueryNode {
  readonly kind: 'inSubquery';
  readonly negated: boolean;
  readonly operand: ExprNode;
  readonly query: QueryNode;
}

export interface BetweenNode {
  readonly kind: 'between';
  readonly negated: boolean;
  readonly operand: ExprNode;
  readonly low: ExprNode;
  readonly high: ExprNode;
}

export interface FunctionNode {
  readonly kind: 'function';
  /** Upper-case SQL function name, from a fixed vocabulary or `fn()`; validated as an identifier. */
  readonly name: string;
  readonly args: readonly ExprNode[];
  readonly distinct: boolean;
  /** `count(*)`. */
  readonly star: boolean;
}

export interface WindowNode {
  readonly kind: 'window';
  readonly fn: FunctionNode;
  readonly partitionBy: readonly ExprNode[];
  readonly orderBy: readonly OrderNode[];
}

export interface CaseNode {
  readonly kind: 'case';
  readonly subject: ExprNode | undefined;
  readonly whens: readonly { readonly when: ExprNode; readonly then: ExprNode }[];
  readonly else: ExprNode | undefined;
}

export interface CastNode {
  readonly kind: 'cast';
  readonly operand: ExprNode;
  readonly type: SqlType;
}

export interface ScalarSubqueryNode {
  readonly kind: 'scalarSubquery';
  readonly query: QueryNode;
}

export interface ExistsNode {
  readonly kind: 'exists';
  readonly negated: boolean;
  readonly query: QueryNode;
}

/** A raw fragment from the `sql` template: text parts interleaved with nodes (parameters, identifiers, expressions). */
export interface RawNode {
  readonly kind: 'raw';
  readonly parts: readonly string[];
  readonly values: readonly ExprNode[];
}

/** A quoted identifier path (`"schema"."table"."column"`), built by `identifier()`. */
export interface IdentifierNode {
  readonly kind: 'identifier';
  readonly path: readonly string[];
}

/** `excluded.col` (PostgreSQL, SQLite) / `VALUES(col)` (MySQL) inside an upsert's SET. */
export interface ExcludedNode {
  readonly kind: 'excluded';
  readonly column: ColumnMeta;
}

/** A row value `(a, b)`, for composite-key comparisons and IN lists. */
export interface TupleNode {
  readonly kind: 'tuple';
  readonly items: readonly ExprNode[];
}

/**
 * A correlated subquery whose value is its rows as one JSON array of arrays
 * (`[[1, "Abbey Road"], [2, "Help!"]]`), for loading a nested graph in one
 * statement. Each item of `query` is one cell of a row's array, put into JSON
 * by the dialect according to the item's type so that it decodes back exactly
 * (see `Dialect.jsonDecoder`): exact numerics and 64-bit integers as text,
 * blobs as hex, timestamps as text; an item that is itself a `jsonRows` is
 * embedded as JSON. `query.orderBy` orders the rows inside the aggregate.
 * With no rows the value is an empty array or NULL, as the database makes it.
 *
 * ```ts
 * const rows: JsonRowsNode = { kind: 'jsonRows', query: { ...select(album.c.id, album.c.title).where(album.c.artistId.eq(artist.c.id)).orderBy(album.c.id).queryNode as SelectNode } };
 * // PostgreSQL: (SELECT coalesce(json_agg(json_build_array("album"."id", "album"."title") ORDER BY "album"."id"), '[]')
 * //   FROM "album" WHERE "album"."artist_id" = "artist"."id")
 * ```
 */
export interface JsonRowsNode {
  readonly kind: 'jsonRows';
  readonly query: SelectNode;
}

export type ExprNode =
  | ColumnNode
  | NamedColumnNode
  | ParamNode
  | KeywordNode
  | BinaryNode
  | LogicalNode
  | UnaryNode
  | InListNode
  | InSubqueryNode
  | BetweenNode
  | FunctionNode
  | WindowNode
  | CaseNode
  | CastNode
  | ScalarSubqueryNode
  | ExistsNode
  | RawNode
  | IdentifierNode
  | ExcludedNode
  | TupleNode
  | JsonRowsNode;

export type ExprKind = ExprNode['kind'];

// ---------------------------------------------------------------------------
// Clauses

export interface SelectItemNode {
  readonly expr: ExprNode;
  /** Output name: the key in the result row. */
  readonly alias: string;
  /** False when the SQL may omit `AS alias` (a column selected under its own name). */
  readonly explicitAlias: boolean;
  readonly type: SqlType | undefined;
}

export interface OrderNode {
  readonly kind: 'order';
  readonly expr: ExprNode;
  readonly direction: 'ASC' | 'DESC';
  readonly nulls: 'FIRST' | 'LAST' | undefined;
}

export interface TableRefNode {
  readonly kind: 'tableRef';
  readonly table: TableMeta;
  readonly alias: string | undefined;
}

export interface DerivedTableNode {
  readonly kind: 'derivedTable';
  readonly query: QueryNode;
  readonly alias: string;
}

/** A reference to a CTE by name in FROM. */
export interface CteRefNode {
  readonly kind: 'cteRef';
  readonly name: string;
  readonly alias: string | undefined;
}

/** A raw FROM item (`sql` template). */
export interface RawFromNode {
  readonly kind: 'rawFrom';
  readonly raw: RawNode;
}

export type FromNode = TableRefNode | DerivedTableNode | CteRefNode | RawFromNode;

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';

export interface JoinNode {
  readonly kind: 'join';
  readonly type: JoinType;
  readonly target: FromNode;
  readonly on: ExprNode | undefined;
}

export interface CteNode {
  readonly kind: 'cte';
  readonly name: string;
  readonly columns: readonly string[] | undefined;
  readonly query: QueryNode;
  readonly recursive: boolean;
}

// ---------------------------------------------------------------------------
// Statements

export interface SelectNode {
  readonly kind: 'select';
  readonly ctes: readonly CteNode[];
  readonly distinct: boolean;
  readonly items: readonly SelectItemNode[];
  readonly from: readonly FromNode[];
  readonly joins: readonly JoinNode[];
  readonly where: ExprNode | undefined;
  readonly groupBy: readonly ExprNode[];
  readonly having: ExprNode | undefined;
  readonly orderBy: readonly OrderNode[];
  readonly limit: ExprNode | undefined;
  readonly offset: ExprNode | undefined;
  readonly lock: 'UPDATE' | 'SHARE' | undefined;
}

export interface CompoundNode {
  readonly kind: 'compound';
  readonly ctes: readonly CteNode[];
  readonly op: 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT';
  readonly queries: readonly QueryNode[];
  readonly orderBy: readonly OrderNode[];
  readonly limit: ExprNode | undefined;
  readonly offset: ExprNode | undefined;
}

export type QueryNode = SelectNode | CompoundNode;

export interface OnConflictNode {
  readonly kind: 'onConflict';
  /** Conflict target columns (PostgreSQL, SQLite); MySQL ignores them (any unique key). */
  readonly target: readonly ColumnMeta[];
  readonly action: 'nothing' | 'update';
  readonly set: readonly SetNode[];
  readonly where: ExprNode | undefined;
}

export interface SetNode {
  readonly column: ColumnMeta;
  readonly value: ExprNode;
}

export interface InsertNode {
  readonly kind: 'insert';
  readonly ctes: readonly CteNode[];
  readonly table: TableRefNode;
  readonly columns: readonly ColumnMeta[];
  /** Multi-row VALUES; empty when `source` is set. */
  readonly rows: readonly (readonly ExprNode[])[];
  readonly source: QueryNode | undefined;
  readonly onConflict: OnConflictNode | undefined;
  readonly returning: readonly SelectItemNode[];
}

export interface UpdateNode {
  readonly kind: 'update';
  readonly ctes: readonly CteNode[];
  readonly table: TableRefNode;
  readonly set: readonly SetNode[];
  readonly from: readonly FromNode[];
  readonly where: ExprNode | undefined;
  readonly returning: readonly SelectItemNode[];
}

export interface DeleteNode {
  readonly kind: 'delete';
  readonly ctes: readonly CteNode[];
  readonly table: TableRefNode;
  readonly using: readonly FromNode[];
  readonly where: ExprNode | undefined;
  readonly returning: readonly SelectItemNode[];
}

/**
 * An INSERT of many rows that carry the same columns, their values given as
 * they are held rather than as one parameter node each: a flush writes
 * thousands of rows, and the compiler binds these values straight from the
 * rows (multi-row VALUES, or one array per column where the database binds
 * arrays). Built by `insertRows()`.
 */
export interface InsertRowsNode {
  readonly kind: 'insertRows';
  readonly table: TableRefNode;
  /** The columns given; none: each row is all defaults (one row per statement where the database needs it). */
  readonly columns: readonly ColumnMeta[];
  /**
   * The rows: the value of `columns[j]` in row `r` is `rows[r][positions[j]]`, bound as
   * `columns[j]`'s type (null is NULL). A row may hold more values than are inserted (an
   * object's whole row), so none is copied; they are read when the node is compiled.
   */
  readonly rows: readonly (readonly unknown[])[];
  readonly positions: readonly number[];
  readonly returning: readonly SelectItemNode[];
}

/**
 * `UPDATE table SET set... FROM (rows) WHERE keys match`: each row gives new
 * values to the row of the table its keys name. Each dialect writes the rows
 * its own way (`FROM (VALUES ...)`, a `WITH` of VALUES, a bound JSON document
 * read by `JSON_TABLE`, or CASE). Built by `updateFromRows()`.
 */
export interface UpdateFromRowsNode {
  readonly kind: 'updateFromRows';
  readonly table: TableRefNode;
  /** Matched against the rows' first values (the primary key, then a version column's value as read). */
  readonly keys: readonly ColumnMeta[];
  /** Set to the rows' following values. */
  readonly set: readonly ColumnMeta[];
  /** Set to themselves plus one (version counters). */
  readonly increment: readonly ColumnMeta[];
  /** Set to the same expression on every row (an SQL `onUpdate()` value such as `CURRENT_TIMESTAMP`). */
  readonly assign: readonly SetNode[];
  /** One per table row to change: `keys.length` key values, then `set.length` new values, each bound as its column's type. */
  readonly rows: readonly (readonly unknown[])[];
}

/** A whole raw statement from the `sql` template. */
export interface RawStatementNode {
  readonly kind: 'rawStatement';
  readonly raw: RawNode;
}

export type StatementNode =
  | SelectNode
  | CompoundNode
  | InsertNode
  | UpdateNode
  | DeleteNode
  | RawStatementNode
  | InsertRowsNode
  | UpdateFromRowsNode;

/** What a compiled statement is in SQL: `insertRows` compiles to an INSERT, `updateFromRows` to an UPDATE. */
export type StatementKind = 'select' | 'compound' | 'insert' | 'update' | 'delete' | 'rawStatement';

/** Exhaustiveness guard for `switch` over node kinds. */
export function assertNever(value: never, what = 'node'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify((value as { kind?: unknown })?.kind ?? value)}`);
}
