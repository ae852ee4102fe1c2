/**
 * INSERT, UPDATE and DELETE builders.
 *
 * ```ts
 * insert(artist).values([{ name: 'AC/DC' }, { name: 'Accept' }]).returning(artist.c.id)
 * // PostgreSQL: INSERT INTO "artist" ("name") VALUES ($1), ($2) RETURNING "artist"."id"
 * update(user).set({ active: true }).where(user.c.id.in(ids))
 * deleteFrom(song).where(song.c.artistId.eq(1))
 * ```
 * Values are checked against their columns when they are given (unknown key,
 * wrong type, null in a NOT NULL column) so mistakes fail before any SQL.
 */

import { InvalidArgumentError } from '../errors.js';
import { onUpdateValue, type Column } from '../schema/column.js';
import { describeValue } from '../schema/strings.js';
import type { AnyColumns, InsertRowOf, Simplify, RowOf, Table } from '../schema/table.js';
import { InvalidValueError, checkColumnRules, checkColumnValue } from '../schema/validate.js';
import { Expression, toNode, type Predicate, type QueryLike } from './expression.js';
import type { ColumnMeta, CteNode, DeleteNode, ExprNode, InsertNode, OnConflictNode, SelectItemNode, SetNode, UpdateNode } from './nodes.js';
import { andNodes, fromNodes, toSelectItems, type Cte, type FromSource, type RowOfItems, type SelectItem } from './select.js';

const DEFAULT_NODE: ExprNode = Object.freeze({ kind: 'keyword', keyword: 'DEFAULT' });
const NULL_NODE: ExprNode = Object.freeze({ kind: 'keyword', keyword: 'NULL' });

/** A value for a column: a plain value (bound, checked) or an SQL expression. */
function valueNode(column: Column<unknown>, value: unknown): ExprNode {
  // An expression is used as is; an untyped parameter (a placeholder) takes the column's type.
  if (value instanceof Expression) return toNode(value, column.type);
  checkColumnValue(column, value);
  checkColumnRules(column, value);
  if (value === null) return NULL_NODE;
  return { kind: 'param', value, type: column.type };
}

function clientDefault(column: Column<unknown>): unknown {
  const d = column.declaration.clientDefault;
  return typeof d === 'function' ? (d as () => unknown)() : d;
}

/** Values for UPDATE ... SET: keys of the table, each a value or an expression. */
export type SetValues<C> = { [K in keyof C]?: RowOf<C>[K] | Expression<RowOf<C>[K]> | Expression<NonNullable<RowOf<C>[K]>> };

/** Values for an INSERT row: like {@link InsertRowOf} but any value may be an expression. */
export type InsertValues<C> = { [K in keyof InsertRowOf<C>]: InsertRowOf<C>[K] | Expression<NonNullable<InsertRowOf<C>[K]>> };

/** A row of values must be a plain object keyed by column keys; anything else fails naming the method. */
function checkRow(table: Table, row: unknown, method: string): asserts row is Record<string, unknown> {
  if (typeof row === 'object' && row !== null && !Array.isArray(row) && !(row instanceof Expression)) return;
  throw new InvalidArgumentError(
    `${method}() on "${table.name}" takes an object of column values such as { ${table.columns[0]?.key ?? 'id'}: ... }, got ${describeValue(row)}`,
    method,
    row,
  );
}

function toSetNodes(table: Table, values: Record<string, unknown>, method: string): SetNode[] {
  checkRow(table, values, method);
  const set: SetNode[] = [];
  for (const key of Object.keys(values)) {
    const value = values[key];
    if (value === undefined) continue;
    const column = table.column(key);
    set.push({ column, value: valueNode(column, value) });
  }
  return set;
}

// ---------------------------------------------------------------------------

export class InsertStatement<C extends AnyColumns, Row = never> {
  /** @internal phantom */
  declare readonly __row?: Row;
  constructor(
    readonly table: Table<string, C>,
    readonly node: InsertNode,
  ) {}

  private with_<R = Row>(change: Partial<InsertNode>): InsertStatement<C, R> {
    return new InsertStatement<C, R>(this.table, Object.freeze({ ...this.node, ...change }));
  }

  /**
   * One row or many. Keys missing from a row take the column's client default,
   * else the server default (`DEFAULT`), else NULL. Large arrays are split into
   * several statements under the dialect's bound-parameter limit when executed.
   */
  values(rows: InsertValues<C> | readonly InsertValues<C>[]): InsertStatement<C, Row> {
    const list = (Array.isArray(rows) ? rows : [rows]) as readonly Record<string, unknown>[];
    if (list.length === 0) {
      throw new InvalidArgumentError(`insert into "${this.table.name}": values() got an empty array`, 'values', rows);
    }
    const present = new Set<string>();
    for (const row of list) {
      checkRow(this.table, row, 'values');
      for (const key of Object.keys(row)) {
        if (row[key] !== undefined) present.add(key);
      }
    }
    for (const key of present) this.table.column(key); // names the unknown key
    for (const col of this.table.columns) {
      if (col.notNull && !col.hasDefault && !present.has(col.key)) {
        throw new InvalidValueError(
          `insert into "${this.table.name}": ${this.table.name}.${col.name} is NOT NULL and has no default: give "${col.key}" a value`,
          this.table.name,
          col.name,
          undefined,
        );
      }
    }
    const columns = this.table.columns.filter(
      (col) => present.has(col.key) || (col.declaration.clientDefault !== undefined && !col.autoIncrement),
    );
    const rowNodes = new Array<ExprNode[]>(list.length);
    for (let r = 0; r < list.length; r++) {
      const row = list[r]!;
      const nodes = new Array<ExprNode>(columns.length);
      for (let i = 0; i < columns.length; i++) {
        const col = columns[i]!;
        let value = row[col.key];
        if (value === undefined && col.declaration.clientDefault !== undefined) value = clientDefault(col);
        if (value === undefined) {
          if (col.hasDefault) nodes[i] = DEFAULT_NODE;
          else if (col.notNull) checkColumnValue(col, null);
          else nodes[i] = NULL_NODE;
        } else {
          nodes[i] = valueNode(col, value);
        }
      }
      rowNodes[r] = nodes;
    }
    return this.with_({ columns, rows: rowNodes, source: undefined });
  }

  /** `INSERT INTO t (cols) SELECT ...`. */
  fromSelect(columns: readonly Column<unknown>[], query: QueryLike): InsertStatement<C, Row> {
    return this.with_({ columns, rows: [], source: query.queryNode });
  }

  /** `ON CONFLICT (target) DO NOTHING` (`INSERT IGNORE`-like on MySQL via a no-op update). */
  onConflictDoNothing(target: readonly Column<unknown>[] = []): InsertStatement<C, Row> {
    const onConflict: OnConflictNode = { kind: 'onConflict', target, action: 'nothing', set: [], where: undefined };
    return this.with_({ onConflict });
  }

  /**
   * `ON CONFLICT (target) DO UPDATE SET ...` on PostgreSQL and SQLite,
   * `ON DUPLICATE KEY UPDATE ...` on MySQL (which ignores the target).
   * Use `excluded(col)` for the value the insert tried to write.
   */
  onConflictDoUpdate(spec: { target: readonly Column<unknown>[]; set: SetValues<C>; where?: Predicate }): InsertStatement<C, Row> {
    const onConflict: OnConflictNode = {
      kind: 'onConflict',
      target: spec.target,
      action: 'update',
      set: toSetNodes(this.table, spec.set as Record<string, unknown>, 'onConflictDoUpdate'),
      where: spec.where?.node,
    };
    return this.with_({ onConflict });
  }

  returning<I extends SelectItem[]>(...items: I): InsertStatement<C, RowOfItems<I>> {
    return this.with_<RowOfItems<I>>({ returning: toSelectItems(items, 'returning') });
  }
  returningAll(): InsertStatement<C, Simplify<RowOf<C>>> {
    return this.with_<Simplify<RowOf<C>>>({ returning: toSelectItems([this.table]) });
  }
  with(...ctes: Cte<unknown>[]): InsertStatement<C, Row> {
    return this.with_({ ctes: [...this.node.ctes, ...ctes.map((c) => c.cteNode)] });
  }
  get resultColumns(): readonly SelectItemNode[] {
    return this.node.returning;
  }
}

/**
 * The SET of an UPDATE: the assignments given, then each `onUpdate()` column they leave out, at its declared value
 * (a function evaluated now, once for the statement) or SQL expression.
 */
function withOnUpdate(table: Table, explicit: readonly SetNode[]): readonly SetNode[] {
  let out: SetNode[] | undefined;
  for (const column of table.columns) {
    if (column.declaration.onUpdate === undefined || explicit.some((s) => s.column === column)) continue;
    out ??= [...explicit];
    out.push({ column, value: valueNode(column, onUpdateValue(column)) });
  }
  return out ?? explicit;
}

export class UpdateStatement<C extends AnyColumns, Row = never> {
  declare readonly __row?: Row;
  constructor(
    readonly table: Table<string, C>,
    readonly node: UpdateNode,
    /** The assignments `set()` was given (the node's SET adds the `onUpdate()` columns they leave out). */
    private readonly explicit: readonly SetNode[] = node.set,
  ) {}
  private with_<R = Row>(change: Partial<UpdateNode>, explicit = this.explicit): UpdateStatement<C, R> {
    return new UpdateStatement<C, R>(this.table, Object.freeze({ ...this.node, ...change }), explicit);
  }
  /**
   * Assignments; several calls add up. Columns declared with `onUpdate()` that no call sets are set to their
   * declared value too (set one to itself, `{ updatedAt: post.c.updatedAt }`, to leave it as it is).
   */
  set(values: SetValues<C>): UpdateStatement<C, Row> {
    const explicit = [...this.explicit, ...toSetNodes(this.table, values as Record<string, unknown>, 'set')];
    return this.with_({ set: withOnUpdate(this.table, explicit) }, explicit);
  }
  where(...conditions: (Predicate | undefined)[]): UpdateStatement<C, Row> {
    return this.with_({ where: andNodes(this.node.where, conditions) });
  }
  /** `UPDATE ... FROM other` (PostgreSQL, SQLite >= 3.33); MySQL renders a multi-table UPDATE. */
  from(...sources: FromSource[]): UpdateStatement<C, Row> {
    return this.with_({ from: [...this.node.from, ...fromNodes(sources, 'from')] });
  }
  returning<I extends SelectItem[]>(...items: I): UpdateStatement<C, RowOfItems<I>> {
    return this.with_<RowOfItems<I>>({ returning: toSelectItems(items, 'returning') });
  }
  with(...ctes: Cte<unknown>[]): UpdateStatement<C, Row> {
    return this.with_({ ctes: [...this.node.ctes, ...ctes.map((c) => c.cteNode)] });
  }
  get resultColumns(): readonly SelectItemNode[] {
    return this.node.returning;
  }
}

export class DeleteStatement<C extends AnyColumns, Row = never> {
  declare readonly __row?: Row;
  constructor(
    readonly table: Table<string, C>,
    readonly node: DeleteNode,
  ) {}
  private with_<R = Row>(change: Partial<DeleteNode>): DeleteStatement<C, R> {
    return new DeleteStatement<C, R>(this.table, Object.freeze({ ...this.node, ...change }));
  }
  where(...conditions: (Predicate | undefined)[]): DeleteStatement<C, Row> {
    return this.with_({ where: andNodes(this.node.where, conditions) });
  }
  /** `DELETE ... USING other` (PostgreSQL); MySQL renders a multi-table DELETE. */
  using(...sources: FromSource[]): DeleteStatement<C, Row> {
    return this.with_({ using: [...this.node.using, ...fromNodes(sources, 'using')] });
  }
  returning<I extends SelectItem[]>(...items: I): DeleteStatement<C, RowOfItems<I>> {
    return this.with_<RowOfItems<I>>({ returning: toSelectItems(items, 'returning') });
  }
  with(...ctes: Cte<unknown>[]): DeleteStatement<C, Row> {
    return this.with_({ ctes: [...this.node.ctes, ...ctes.map((c) => c.cteNode)] });
  }
  get resultColumns(): readonly SelectItemNode[] {
    return this.node.returning;
  }
}

const NO_CTES: readonly CteNode[] = Object.freeze([]);

export function insert<C extends AnyColumns>(table: Table<string, C>): InsertStatement<C> {
  return new InsertStatement<C>(
    table,
    Object.freeze({
      kind: 'insert',
      ctes: NO_CTES,
      table: table.fromNode,
      columns: [] as ColumnMeta[],
      rows: [],
      source: undefined,
      onConflict: undefined,
      returning: [],
    }),
  );
}

export function update<C extends AnyColumns>(table: Table<string, C>): UpdateStatement<C> {
  return new UpdateStatement<C>(
    table,
    Object.freeze({ kind: 'update', ctes: NO_CTES, table: table.fromNode, set: [], from: [], where: undefined, returning: [] }),
  );
}

export function deleteFrom<C extends AnyColumns>(table: Table<string, C>): DeleteStatement<C> {
  return new DeleteStatement<C>(
    table,
    Object.freeze({ kind: 'delete', ctes: NO_CTES, table: table.fromNode, using: [], where: undefined, returning: [] }),
  );
}
