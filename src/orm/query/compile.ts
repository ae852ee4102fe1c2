/**
 * SELECT statements of an entity query: the entities with their joined eager
 * loads (the parents wrapped in a derived table when a LIMIT must count
 * parents, not joined rows), `count(*)` and `EXISTS` on the server.
 *
 * @internal
 */

import { checkRowCount, selectNode } from '../../core/sql/select.js';
import type { Column } from '../../core/schema/column.js';
import { Expression } from '../../core/sql/expression.js';
import type { ExprNode, JoinNode, OrderNode, SelectItemNode, SelectNode } from '../../core/sql/nodes.js';
import type { Mapper } from '../mapper.js';
import { entitySelectItems } from '../loading/hydrate.js';
import { QuerySetup } from '../loading/strategies/index.js';
import type { ParentColumn } from '../loading/strategy.js';
import type { EntityPlan } from './plan.js';
import type { FilterOp } from '../filters/scope.js';
import type { KeysetState } from './keyset.js';

export interface QueryState {
  readonly where: ExprNode | undefined;
  readonly orderBy: readonly OrderNode[];
  /** A count, or an expression of one (a placeholder of a prepared query). */
  readonly limit: number | ExprNode | undefined;
  readonly offset: number | ExprNode | undefined;
  readonly distinct: boolean;
  readonly joins: readonly JoinNode[];
  /** Unaliased tables in FROM / JOIN (to refuse joining one twice without an alias). */
  readonly tables: readonly string[];
  /** Relationships joined, by name (`Person.manager`), to name them in errors. */
  readonly joinedRelationships: readonly string[];
  readonly groupBy: readonly ExprNode[];
  readonly having: ExprNode | undefined;
  /** `withFilters` / `withoutFilters` calls, in order, over the session's filters. */
  readonly filters: readonly FilterOp[];
  /** Keyset pagination: the cursors the rows come after / before; ordered by the sort keys when set. */
  readonly keyset: KeysetState | undefined;
}

export const EMPTY_STATE: QueryState = {
  where: undefined,
  orderBy: [],
  limit: undefined,
  offset: undefined,
  distinct: false,
  joins: [],
  tables: [],
  joinedRelationships: [],
  groupBy: [],
  having: undefined,
  filters: [],
  keyset: undefined,
};

const INT = { kind: 'integer' } as const;

/** A row count for `limit()`/`offset()`: checked when it is a number; an expression as it is, a placeholder taking the integer type it is checked against. */
export function rowCount(n: number | bigint | Expression<unknown>, method: string): number | ExprNode {
  if (!(n instanceof Expression)) return checkRowCount(n, method);
  const node = n.node;
  return node.kind === 'param' && node.type === undefined ? { ...node, type: INT } : node;
}

function intParam(n: number | ExprNode | undefined): ExprNode | undefined {
  return n === undefined ? undefined : typeof n === 'number' ? { kind: 'param', value: n, type: INT } : n;
}

/** The query's SELECT with the given select list (no eager joins). */
export function baseSelect(mapper: Mapper, state: QueryState, items: readonly SelectItemNode[]): SelectNode {
  return selectNode({
    distinct: state.distinct,
    items,
    from: [mapper.table.fromNode],
    joins: state.joins,
    where: state.where,
    groupBy: state.groupBy,
    having: state.having,
    orderBy: state.orderBy,
    limit: intParam(state.limit),
    offset: intParam(state.offset),
  });
}

const rootItemCache = new WeakMap<Mapper, SelectItemNode[]>();

/** Select items of the queried entity; the all-columns list is built once per mapper. */
export function rootItems(mapper: Mapper, columnIndexes: readonly number[]): SelectItemNode[] {
  if (columnIndexes.length !== mapper.columns.length) return entitySelectItems(mapper, columnIndexes, mapper.table.name);
  let items = rootItemCache.get(mapper);
  if (!items) {
    items = entitySelectItems(mapper, columnIndexes, mapper.table.name);
    rootItemCache.set(mapper, items);
  }
  return items;
}

export interface EntitySelect {
  readonly node: SelectNode;
  /** What the load plan's strategies added to the query, and reads back from its rows. */
  readonly setup: QuerySetup;
  /** The SELECT of the parents alone, for subquery loads. */
  readonly parents: SelectNode;
}

function named(qualifier: string, name: string, type: SelectItemNode['type']): Expression<unknown> {
  return new Expression<unknown>({ kind: 'namedColumn', qualifier, name, type }, type);
}

/** Phase 1 of every strategy in `plan`, for a queried entity whose columns `column` renders. */
function setUp(plan: EntityPlan, column: ParentColumn, firstOffset: number): QuerySetup {
  const setup = new QuerySetup(firstOffset);
  setup.setupEntity(plan, 0, column);
  return setup;
}

/** The entity SELECT for `plan`, with what its loader strategies add (joined eager loads). */
export function entitySelect(mapper: Mapper, state: QueryState, plan: EntityPlan): EntitySelect {
  const cols = plan.columnIndexes;
  const items = rootItems(mapper, cols);
  const parents = baseSelect(mapper, state, items);
  // Set up against the table itself; only a LIMIT over joins that repeat parents needs the derived table, set up again below.
  const direct = setUp(plan, (c) => c, items.length);
  const limited = state.limit !== undefined || state.offset !== undefined;
  if (!(limited && (direct.fansOut || direct.perRowSubqueries))) {
    if (direct.loadedByQuery.size === 0 && direct.joins.length === 0) return { node: parents, setup: direct, parents };
    const node: SelectNode = {
      ...parents,
      items: [...items, ...direct.items],
      joins: [...parents.joins, ...direct.joins],
      orderBy: [...parents.orderBy, ...direct.orderBy],
    };
    return { node, setup: direct, parents };
  }
  // LIMIT counts parents (or cuts them before per-row subqueries): select them in a derived table, then join the eager loads to it.
  const anon = 'anon_1';
  const outerItems: SelectItemNode[] = cols.map((i) => {
    const col = mapper.columns[i]!;
    return { expr: named(anon, col.key, col.type).node, alias: col.key, explicitAlias: false, type: col.type };
  });
  // The derived table also carries the parent columns the joins are made on.
  const innerCols = [...cols];
  const setup = setUp(
    plan,
    (c: Column<unknown>) => {
      const i = mapper.columnIndex(c.key);
      if (!innerCols.includes(i)) innerCols.push(i);
      return named(anon, c.key, c.type);
    },
    outerItems.length,
  );
  const orderItems: SelectItemNode[] = state.orderBy.map((o, i) => ({ expr: o.expr, alias: `__order${i}`, explicitAlias: true, type: undefined }));
  const inner: SelectNode = { ...baseSelect(mapper, state, [...entitySelectItems(mapper, innerCols, mapper.table.name), ...orderItems]) };
  const node = selectNode({
    items: [...outerItems, ...setup.items],
    from: [{ kind: 'derivedTable', query: inner, alias: anon }],
    joins: setup.joins,
    orderBy: [
      ...state.orderBy.map((o, i): OrderNode => ({ ...o, expr: named(anon, `__order${i}`, undefined).node })),
      ...setup.orderBy,
    ],
  });
  return { node, setup, parents };
}

function countItem(arg: ExprNode | undefined, distinct: boolean): SelectItemNode {
  return {
    expr: { kind: 'function', name: 'count', args: arg ? [arg] : [], distinct, star: arg === undefined },
    alias: 'count',
    explicitAlias: true,
    type: INT,
  };
}

/**
 * `SELECT count(*)` for the query: plain when each row is one entity; over
 * distinct primary keys when joins may repeat an entity; over a derived table
 * when LIMIT, OFFSET, DISTINCT or GROUP BY shape the rows.
 */
export function countSelect(mapper: Mapper, state: QueryState): SelectNode {
  const pk = mapper.primaryKeyIndexes.map((i) => mapper.columns[i]!);
  const shaped = state.limit !== undefined || state.offset !== undefined || state.distinct || state.groupBy.length > 0;
  const joined = state.joins.length > 0;
  const plain = { ...state, orderBy: [] as OrderNode[] };
  if (!shaped && !joined) return baseSelect(mapper, plain, [countItem(undefined, false)]);
  if (!shaped && pk.length === 1) return baseSelect(mapper, plain, [countItem(pk[0]!.node, true)]);
  const inner: SelectNode = {
    ...baseSelect(mapper, { ...state, orderBy: state.limit !== undefined || state.offset !== undefined ? state.orderBy : [] }, pk.map((c) => ({ expr: c.node, alias: c.key, explicitAlias: c.key !== c.name, type: c.type }))),
    distinct: state.distinct || joined,
  };
  return selectNode({
    items: [countItem(undefined, false)],
    from: [{ kind: 'derivedTable', query: inner, alias: 'anon_1' }],
  });
}

/** `SELECT EXISTS (SELECT 1 FROM ... WHERE ...)`. */
export function existsSelect(mapper: Mapper, state: QueryState): SelectNode {
  const one: SelectItemNode = { expr: { kind: 'raw', parts: ['1'], values: [] }, alias: 'one', explicitAlias: false, type: undefined };
  const inner = baseSelect(mapper, { ...state, orderBy: state.limit !== undefined ? state.orderBy : [] }, [one]);
  return selectNode({
    items: [{ expr: { kind: 'exists', negated: false, query: inner }, alias: 'exists', explicitAlias: true, type: { kind: 'boolean' } }],
  });
}
