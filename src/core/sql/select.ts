/**
 * SELECT statements, compound selects, derived tables and CTEs.
 *
 * ```ts
 * const q = select(artist.c.id, artist.c.name)
 *   .from(artist)
 *   .where(artist.c.name.like('A%'))
 *   .orderBy(artist.c.name);
 * // typed: { id: number; name: string }[]
 * // SQLite: SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."name" LIKE ? ESCAPE '\' ORDER BY "artist"."name"
 * ```
 * Builders are immutable: every method returns a new statement.
 */

import { InvalidArgumentError } from '../errors.js';
import { Column } from '../schema/column.js';
import { Table, TableAlias, type AnyColumns, type RowOf, type Simplify } from '../schema/table.js';
import type { SqlType } from '../schema/types.js';
import { describeValue } from '../schema/strings.js';
import {
  Aliased,
  Expression,
  Ordering,
  checkAlias,
  exprNode,
  exprNodes,
  isQueryLike,
  predicate,
  toNode,
  toOrderNode,
  type Predicate,
  type QueryLike,
} from './expression.js';
import type {
  CompoundNode,
  CteNode,
  ExprNode,
  FromNode,
  JoinNode,
  JoinType,
  QueryNode,
  SelectItemNode,
  SelectNode,
} from './nodes.js';

// ---------------------------------------------------------------------------
// Typing of select lists

/** Anything with typed columns usable in FROM: a table, an alias, a derived table, a CTE. */
export interface FromSource {
  /** @internal */
  readonly fromNode: FromNode;
}

/** Something with named output columns, expandable in a select list (`select(artist)`). */
export interface ColumnSet<C> extends FromSource {
  readonly c: C;
}

export type SelectItem =
  | Column<unknown, string>
  | Aliased<unknown, string>
  | NamedExpression<unknown, string>
  | ColumnSet<Record<string, Expression<unknown>>>;

/** The value type from the phantom: matching `Column<infer T>` on a `Column & References` would add `null`. */
type ValueOf<E> = E extends { readonly __value?: infer T } ? T : never;

type ItemRow<I> =
  I extends Column<unknown, infer K>
    ? { [P in K]: ValueOf<I> }
    : I extends Aliased<infer T, infer A>
      ? { [P in A]: T }
      : I extends NamedExpression<infer T, infer A>
        ? { [P in A]: T }
        : I extends ColumnSet<infer C>
          ? RowOf<C>
          : never;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The row type of a select list. */
export type RowOfItems<I extends readonly SelectItem[]> = Simplify<UnionToIntersection<ItemRow<I[number]>>>;

/** An object select list `select({ id: artist.c.id, n: count() })`. */
export type RowOfRecord<R extends Record<string, Expression<unknown>>> = Simplify<{
  -readonly [K in keyof R]: R[K] extends Expression<infer T> ? T : never;
}>;

/**
 * A column of a derived table or CTE, addressed by its output name: an
 * expression that also knows its name, so it can be selected directly.
 */
export class NamedExpression<T, K extends string> extends Expression<T> {
  constructor(
    node: ExprNode,
    sqlType: SqlType | undefined,
    readonly key: K,
  ) {
    super(node, sqlType);
  }
}

const SELECT_ITEMS = 'columns, tables, expr.as("name"), or one object { name: expr }';

/** @internal Expand user select items into select-list nodes; `method` names the builder method in errors. */
export function toSelectItems(items: readonly (SelectItem | Record<string, Expression<unknown>>)[], method = 'select'): SelectItemNode[] {
  const out: SelectItemNode[] = [];
  const add = (expr: Expression<unknown>, alias: string, explicit: boolean) => {
    out.push({ expr: expr.node, alias, explicitAlias: explicit, type: expr.sqlType });
  };
  for (const item of items) {
    if (item instanceof Column) {
      add(item, item.key, item.key !== item.name);
    } else if (item instanceof Aliased) {
      add(item.expression, item.alias, true);
    } else if (item instanceof NamedExpression) {
      add(item, item.key, false);
    } else if (item instanceof Expression) {
      throw new InvalidArgumentError(`${method}(): an expression in a select list needs a name: use expr.as("name")`, method, item);
    } else if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new InvalidArgumentError(`${method}() takes ${SELECT_ITEMS}, got ${describeValue(item)}`, method, item);
    } else if (isColumnSet(item)) {
      for (const [key, col] of Object.entries(item.c)) {
        const name = col instanceof Column ? col.name : key;
        add(col, key, name !== key);
      }
    } else {
      for (const [key, expr] of Object.entries(item)) {
        if (!(expr instanceof Expression)) {
          throw new InvalidArgumentError(`${method}(): item "${key}" must be an SQL expression, got ${describeValue(expr)}`, method, expr);
        }
        checkAlias(key, method);
        add(expr, key, !(expr instanceof Column && expr.name === key) && !(expr instanceof NamedExpression && expr.key === key));
      }
    }
  }
  const seen = new Set<string>();
  for (const item of out) {
    if (seen.has(item.alias)) {
      throw new InvalidArgumentError(`${method}(): two select items are named "${item.alias}": give one of them another name with .as()`, method, item.alias);
    }
    seen.add(item.alias);
  }
  return out;
}

const JOIN_METHOD: Record<JoinType, string> = { INNER: 'join', LEFT: 'leftJoin', RIGHT: 'rightJoin', FULL: 'fullJoin', CROSS: 'crossJoin' };

/** @internal The FROM node of a table, alias, derived table or CTE; anything else fails naming `method`. */
export function fromNodeOf(source: unknown, method: string): FromNode {
  if (typeof source === 'object' && source !== null && 'fromNode' in source) return (source as FromSource).fromNode;
  const hint = typeof source === 'string' ? ' (declare the table with table() and pass it)' : '';
  throw new InvalidArgumentError(
    `${method}() takes tables, table aliases, derived tables (query.as("t")) or CTEs, got ${describeValue(source)}${hint}`,
    method,
    source,
  );
}

/** @internal The FROM nodes of several sources (see {@link fromNodeOf}). */
export function fromNodes(sources: readonly unknown[], method: string): FromNode[] {
  return sources.map((s) => fromNodeOf(s, method));
}

function cteNodes(ctes: readonly unknown[]): CteNode[] {
  return ctes.map((c) => {
    if (c instanceof Cte) return c.cteNode;
    throw new InvalidArgumentError(`with() takes CTEs made with query.cte("name") or recursiveCte(), got ${describeValue(c)}`, 'with', c);
  });
}

function isColumnSet(x: unknown): x is ColumnSet<Record<string, Expression<unknown>>> {
  return typeof x === 'object' && x !== null && 'c' in x && 'fromNode' in x;
}

// ---------------------------------------------------------------------------
// Select statement

const EMPTY_SELECT: SelectNode = Object.freeze({
  kind: 'select',
  ctes: [],
  distinct: false,
  items: [],
  from: [],
  joins: [],
  where: undefined,
  groupBy: [],
  having: undefined,
  orderBy: [],
  limit: undefined,
  offset: undefined,
  lock: undefined,
});

const INT_TYPE: SqlType<number> = Object.freeze({ kind: 'integer' });

/** @internal A SELECT node from the parts that are not empty (the ORM builds its statements as nodes). */
export function selectNode(parts: Partial<Omit<SelectNode, 'kind'>>): SelectNode {
  return { ...EMPTY_SELECT, ...parts };
}

/** Common surface of selects and compound selects. */
export abstract class QueryStatement<Row> implements QueryLike {
  /** @internal phantom */
  declare readonly __row?: Row;
  abstract readonly queryNode: QueryNode;
  /** @internal Output columns, in order: name and type, for decoding rows. */
  abstract readonly resultColumns: readonly SelectItemNode[];

  /** This query as a derived table in FROM: `select(...).from(q.as('t'))`. */
  as<A extends string>(alias: A): DerivedTable<Row> {
    return new DerivedTable<Row>(this, checkAlias(alias, 'as'));
  }
  /** This query as a named common table expression (`WITH name AS (...)`). */
  cte(name: string): Cte<Row> {
    return new Cte<Row>(checkAlias(name, 'cte'), this.queryNode, this.resultColumns, false);
  }
  /** This query as a scalar subquery expression (its first column). */
  scalar<T = Row[keyof Row]>(): Expression<T> {
    return new Expression<T>({ kind: 'scalarSubquery', query: this.queryNode }, this.resultColumns[0]?.type);
  }
  get node(): QueryNode {
    return this.queryNode;
  }
}

export class SelectStatement<Row> extends QueryStatement<Row> {
  constructor(
    readonly queryNode: SelectNode,
  ) {
    super();
  }

  get resultColumns(): readonly SelectItemNode[] {
    return this.queryNode.items;
  }

  private with_(change: Partial<SelectNode>): SelectStatement<Row> {
    return new SelectStatement<Row>(Object.freeze({ ...this.queryNode, ...change }));
  }

  /** FROM one or more sources (tables, aliases, derived tables, CTEs). */
  from(...sources: FromSource[]): SelectStatement<Row> {
    return this.with_({ from: [...this.queryNode.from, ...fromNodes(sources, 'from')] });
  }
  join(target: FromSource, on: Predicate): SelectStatement<Row> {
    return this.addJoin('INNER', target, on);
  }
  innerJoin(target: FromSource, on: Predicate): SelectStatement<Row> {
    return this.addJoin('INNER', target, on);
  }
  leftJoin(target: FromSource, on: Predicate): SelectStatement<Row> {
    return this.addJoin('LEFT', target, on);
  }
  /** Not on SQLite before 3.39: the compiler says so. */
  rightJoin(target: FromSource, on: Predicate): SelectStatement<Row> {
    return this.addJoin('RIGHT', target, on);
  }
  /** Not on MySQL/MariaDB: the compiler says so. */
  fullJoin(target: FromSource, on: Predicate): SelectStatement<Row> {
    return this.addJoin('FULL', target, on);
  }
  crossJoin(target: FromSource): SelectStatement<Row> {
    const join: JoinNode = { kind: 'join', type: 'CROSS', target: fromNodeOf(target, 'crossJoin'), on: undefined };
    return this.with_({ joins: [...this.queryNode.joins, join] });
  }
  private addJoin(type: JoinType, target: FromSource, on: Predicate): SelectStatement<Row> {
    const method = JOIN_METHOD[type];
    // A missing ON would silently turn the join into a cross join.
    const join: JoinNode = { kind: 'join', type, target: fromNodeOf(target, method), on: exprNode(on, method, 'a target and an ON condition such as a.c.id.eq(b.c.aId)') };
    return this.with_({ joins: [...this.queryNode.joins, join] });
  }
  /** WHERE; several calls (or several arguments) are joined with AND. */
  where(...conditions: (Predicate | undefined)[]): SelectStatement<Row> {
    return this.with_({ where: andNodes(this.queryNode.where, conditions) });
  }
  groupBy(...exprs: Expression<unknown>[]): SelectStatement<Row> {
    return this.with_({ groupBy: [...this.queryNode.groupBy, ...exprNodes(exprs, 'groupBy')] });
  }
  having(...conditions: Predicate[]): SelectStatement<Row> {
    return this.with_({ having: andNodes(this.queryNode.having, conditions, 'having') });
  }
  orderBy(...items: (Expression<unknown> | Ordering)[]): SelectStatement<Row> {
    return this.with_({ orderBy: [...this.queryNode.orderBy, ...items.map(toOrderNode)] });
  }
  /**
   * `LIMIT n`: a non-negative integer (a number, or a bigint up to 2^53 - 1) or
   * an integer expression such as a placeholder. Anything else (a string, null,
   * NaN, 1.5, -1) is an {@link InvalidArgumentError} here, before any SQL.
   * ```ts
   * select(artist.c.id).from(artist).limit(10); // ... LIMIT ?  -- [10]
   * ```
   */
  limit(n: number | bigint | Expression<number>): SelectStatement<Row> {
    return this.with_({ limit: countNode(n, 'limit') });
  }
  /** `OFFSET n`, checked like {@link limit} (an offset alone gets the dialect's unbounded LIMIT). */
  offset(n: number | bigint | Expression<number>): SelectStatement<Row> {
    return this.with_({ offset: countNode(n, 'offset') });
  }
  distinct(on = true): SelectStatement<Row> {
    return this.with_({ distinct: on });
  }
  /** `FOR UPDATE` (ignored on SQLite, which locks the whole database for writes). */
  forUpdate(): SelectStatement<Row> {
    return this.with_({ lock: 'UPDATE' });
  }
  forShare(): SelectStatement<Row> {
    return this.with_({ lock: 'SHARE' });
  }
  /** Attach common table expressions. */
  with(...ctes: Cte<unknown>[]): SelectStatement<Row> {
    return this.with_({ ctes: [...this.queryNode.ctes, ...cteNodes(ctes)] });
  }
  /** Replace the select list. */
  columns<I extends SelectItem[]>(...items: I): SelectStatement<RowOfItems<I>> {
    return new SelectStatement<RowOfItems<I>>(Object.freeze({ ...this.queryNode, items: toSelectItems(items) }));
  }
  union(...others: QueryStatement<Row>[]): CompoundStatement<Row> {
    return compound('UNION', [this, ...others]);
  }
  unionAll(...others: QueryStatement<Row>[]): CompoundStatement<Row> {
    return compound('UNION ALL', [this, ...others]);
  }
  /** `EXISTS (this)` as a predicate. */
  exists(): Predicate {
    return predicate({ kind: 'exists', negated: false, query: this.queryNode });
  }
}

/**
 * @internal A LIMIT or OFFSET count as a number: a non-negative safe integer,
 * or a bigint within that range (a count read in bigint mode; converted, so the
 * statement binds the same value either way). Anything else fails here, naming
 * the method: a string such as `'10'` or `'1; DROP TABLE t'` would otherwise be
 * bound and cast by the server (MariaDB ran `LIMIT '1; ...'` as LIMIT 1).
 */
export function checkRowCount(n: unknown, method: string): number {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  if (typeof n === 'bigint' && n >= 0n && n <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n);
  const why =
    (typeof n === 'number' && Number.isInteger(n) && n >= 0) || (typeof n === 'bigint' && n >= 0n)
      ? ' no larger than 2^53 - 1'
      : '';
  throw new InvalidArgumentError(
    `${method}() takes a non-negative integer${why} (a number, or a bigint) or an SQL expression, got ${describeValue(n)}`,
    method,
    n,
  );
}

function countNode(n: unknown, method: string): ExprNode {
  if (n instanceof Expression) return toNode(n, INT_TYPE);
  return { kind: 'param', value: checkRowCount(n, method), type: INT_TYPE };
}

/** @internal AND together an existing condition and new ones, flattening nested ANDs. */
export function andNodes(existing: ExprNode | undefined, conditions: readonly (Predicate | undefined)[], method = 'where'): ExprNode | undefined {
  const operands: ExprNode[] = [];
  const push = (n: ExprNode) => {
    if (n.kind === 'logical' && n.op === 'AND') operands.push(...n.operands);
    else operands.push(n);
  };
  if (existing) push(existing);
  for (const c of conditions) {
    if (c === undefined) continue;
    push(exprNode(c, method, 'conditions such as t.c.id.eq(1), and(...), or(...) or sql`...` (undefined ones are skipped)'));
  }
  if (operands.length === 0) return undefined;
  if (operands.length === 1) return operands[0];
  return { kind: 'logical', op: 'AND', operands };
}

export class CompoundStatement<Row> extends QueryStatement<Row> {
  constructor(readonly queryNode: CompoundNode) {
    super();
  }
  get resultColumns(): readonly SelectItemNode[] {
    return firstSelect(this.queryNode).items;
  }
  private with_(change: Partial<CompoundNode>): CompoundStatement<Row> {
    return new CompoundStatement<Row>(Object.freeze({ ...this.queryNode, ...change }));
  }
  orderBy(...items: (Expression<unknown> | Ordering)[]): CompoundStatement<Row> {
    return this.with_({ orderBy: [...this.queryNode.orderBy, ...items.map(toOrderNode)] });
  }
  /** `LIMIT n` on the whole compound, checked like {@link SelectStatement.limit}. */
  limit(n: number | bigint | Expression<number>): CompoundStatement<Row> {
    return this.with_({ limit: countNode(n, 'limit') });
  }
  offset(n: number | bigint | Expression<number>): CompoundStatement<Row> {
    return this.with_({ offset: countNode(n, 'offset') });
  }
  with(...ctes: Cte<unknown>[]): CompoundStatement<Row> {
    return this.with_({ ctes: [...this.queryNode.ctes, ...cteNodes(ctes)] });
  }
}

function firstSelect(q: QueryNode): SelectNode {
  return q.kind === 'select' ? q : firstSelect(q.queries[0]!);
}

function compound<Row>(op: CompoundNode['op'], queries: QueryStatement<Row>[]): CompoundStatement<Row> {
  const method = op === 'UNION' ? 'union' : 'unionAll';
  const nodes = queries.map((q) => {
    if (!isQueryLike(q)) throw new InvalidArgumentError(`${method}() takes select statements, got ${describeValue(q)}`, method, q);
    return q.queryNode;
  });
  return new CompoundStatement<Row>(
    Object.freeze({ kind: 'compound', ctes: [], op, queries: nodes, orderBy: [], limit: undefined, offset: undefined }),
  );
}

export function union<Row>(...queries: QueryStatement<Row>[]): CompoundStatement<Row> {
  return compound('UNION', queries);
}
export function unionAll<Row>(...queries: QueryStatement<Row>[]): CompoundStatement<Row> {
  return compound('UNION ALL', queries);
}

// ---------------------------------------------------------------------------
// Derived tables and CTEs

type NamedColumns<Row> = { readonly [K in keyof Row & string]: NamedExpression<Row[K], K> };

function namedColumns<Row>(qualifier: string, items: readonly SelectItemNode[]): NamedColumns<Row> {
  const c: Record<string, NamedExpression<unknown, string>> = {};
  for (const item of items) {
    c[item.alias] = new NamedExpression(
      { kind: 'namedColumn', qualifier, name: item.alias, type: item.type },
      item.type,
      item.alias,
    );
  }
  return Object.freeze(c) as NamedColumns<Row>;
}

/** A subquery in FROM under an alias; its columns are under `.c`. */
export class DerivedTable<Row> implements ColumnSet<NamedColumns<Row>> {
  readonly c: NamedColumns<Row>;
  readonly fromNode: FromNode;
  constructor(query: QueryStatement<Row>, readonly alias: string) {
    this.c = namedColumns<Row>(alias, query.resultColumns);
    this.fromNode = Object.freeze({ kind: 'derivedTable', query: query.queryNode, alias });
  }
}

/** A common table expression: attach with `.with(cte)`, then select from it like a table. */
export class Cte<Row> implements ColumnSet<NamedColumns<Row>> {
  readonly c: NamedColumns<Row>;
  readonly fromNode: FromNode;
  readonly cteNode: CteNode;
  constructor(
    readonly name: string,
    query: QueryNode,
    items: readonly SelectItemNode[],
    recursive: boolean,
    alias?: string,
  ) {
    this.c = namedColumns<Row>(alias ?? name, items);
    this.fromNode = Object.freeze({ kind: 'cteRef', name, alias });
    this.cteNode = Object.freeze({
      kind: 'cte',
      name,
      columns: recursive ? items.map((i) => i.alias) : undefined,
      query,
      recursive,
    });
    this.items = items;
  }
  private readonly items: readonly SelectItemNode[];
  /** The CTE under another name in FROM (for joining a recursive CTE to itself). */
  as(alias: string): Cte<Row> {
    return new Cte<Row>(this.name, this.cteNode.query, this.items, this.cteNode.recursive, alias);
  }
}

/**
 * A recursive CTE: `base` seeds it, `step` receives the CTE itself and returns
 * the recursive part; they are combined with UNION ALL (or UNION).
 * ```ts
 * const chain = recursiveCte('chain', select(e.c.id, e.c.reportsTo).from(e).where(e.c.id.eq(1)),
 *   (chain) => select(e.c.id, e.c.reportsTo).from(e).join(chain, e.c.reportsTo.eq(chain.c.id)));
 * ```
 */
export function recursiveCte<Row>(
  name: string,
  base: QueryStatement<Row>,
  step: (self: Cte<Row>) => QueryStatement<Row>,
  options: { unionAll?: boolean } = {},
): Cte<Row> {
  const self = new Cte<Row>(name, base.queryNode, base.resultColumns, true);
  const recursivePart = step(self);
  const query: CompoundNode = {
    kind: 'compound',
    ctes: [],
    op: options.unionAll === false ? 'UNION' : 'UNION ALL',
    queries: [base.queryNode, recursivePart.queryNode],
    orderBy: [],
    limit: undefined,
    offset: undefined,
  };
  return new Cte<Row>(name, query, base.resultColumns, true);
}

// ---------------------------------------------------------------------------
// Entry points

/**
 * Start a SELECT. Items are columns (named by their key), `expr.as('name')`,
 * tables or aliases (all their columns), or one object `{ name: expr }`.
 * When the items come from a single table, FROM is inferred.
 */
export function select<I extends SelectItem[]>(...items: I): SelectStatement<RowOfItems<I>>;
export function select<R extends Record<string, Expression<unknown>>>(items: R): SelectStatement<RowOfRecord<R>>;
export function select(...items: (SelectItem | Record<string, Expression<unknown>>)[]): SelectStatement<unknown> {
  return new SelectStatement(Object.freeze({ ...EMPTY_SELECT, items: toSelectItems(items) }));
}

/** `SELECT ... FROM table` for every column of a table or alias. */
export function selectFrom<C extends AnyColumns>(source: Table<string, C> | TableAlias<string, C>): SelectStatement<Simplify<RowOf<C>>> {
  return new SelectStatement<Simplify<RowOf<C>>>(
    Object.freeze({ ...EMPTY_SELECT, items: toSelectItems([source as ColumnSet<Record<string, Expression<unknown>>>]), from: [source.fromNode] }),
  );
}

/** `EXISTS (query)`. */
export function exists(query: QueryLike): Predicate {
  return predicate({ kind: 'exists', negated: false, query: query.queryNode });
}
export function notExists(query: QueryLike): Predicate {
  return predicate({ kind: 'exists', negated: true, query: query.queryNode });
}
