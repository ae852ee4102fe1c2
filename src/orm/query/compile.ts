/**
 * SELECT statements of an entity query: the entities with their joined eager
 * loads (the parents wrapped in a derived table when a LIMIT must count
 * parents, not joined rows), `count(*)` and `EXISTS` on the server.
 *
 * @internal
 */

import { selectNode } from '../../core/sql/select.js';
import type { Column } from '../../core/schema/column.js';
import { Expression } from '../../core/sql/expression.js';
import type { ExprNode, JoinNode, OrderNode, SelectItemNode, SelectNode } from '../../core/sql/nodes.js';
import type { Mapper } from '../mapper.js';
import { entitySelectItems } from '../loading/hydrate.js';
import { planJoined, type JoinedPlan } from '../loading/joined.js';
import { hasJoinedCollection, type EntityPlan } from './plan.js';

export interface QueryState {
  readonly where: ExprNode | undefined;
  readonly orderBy: readonly OrderNode[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  readonly distinct: boolean;
  readonly joins: readonly JoinNode[];
  /** Unaliased tables in FROM / JOIN (to refuse joining one twice without an alias). */
  readonly tables: readonly string[];
  /** Relationships joined, by name (`Person.manager`), to name them in errors. */
  readonly joinedRelationships: readonly string[];
  readonly groupBy: readonly ExprNode[];
  readonly having: ExprNode | undefined;
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
};

const INT = { kind: 'integer' } as const;

function intParam(n: number | undefined): ExprNode | undefined {
  return n === undefined ? undefined : { kind: 'param', value: n, type: INT };
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
  readonly joined: JoinedPlan;
  /** The SELECT of the parents alone, for subquery loads. */
  readonly parents: SelectNode;
}

function named(qualifier: string, name: string, type: SelectItemNode['type']): Expression<unknown> {
  return new Expression<unknown>({ kind: 'namedColumn', qualifier, name, type }, type);
}

/** The entity SELECT for `plan`, with its joined eager loads. */
export function entitySelect(mapper: Mapper, state: QueryState, plan: EntityPlan): EntitySelect {
  const cols = plan.columnIndexes;
  const items = rootItems(mapper, cols);
  const parents = baseSelect(mapper, state, items);
  const wrap = (state.limit !== undefined || state.offset !== undefined) && hasJoinedCollection(plan);
  if (!wrap) {
    const joined = planJoined(plan, (c) => c, items.length);
    if (joined.entities.length === 0) return { node: parents, joined, parents };
    const node: SelectNode = {
      ...parents,
      items: [...items, ...joined.items],
      joins: [...parents.joins, ...joined.joins],
      orderBy: [...parents.orderBy, ...joined.orderBy],
    };
    return { node, joined, parents };
  }
  // LIMIT counts parents: select them in a derived table, then join the eager loads to it.
  const anon = 'anon_1';
  const innerCols = [...cols];
  for (const n of plan.relations) {
    if (n.strategy !== 'joined') continue;
    for (const c of n.attr.r.pairs.local) {
      const i = mapper.columnIndex(c.key);
      if (!innerCols.includes(i)) innerCols.push(i);
    }
  }
  const orderItems: SelectItemNode[] = state.orderBy.map((o, i) => ({ expr: o.expr, alias: `__order${i}`, explicitAlias: true, type: undefined }));
  const inner: SelectNode = { ...baseSelect(mapper, state, [...entitySelectItems(mapper, innerCols, mapper.table.name), ...orderItems]) };
  const outerItems: SelectItemNode[] = cols.map((i) => {
    const col = mapper.columns[i]!;
    return { expr: named(anon, col.key, col.type).node, alias: col.key, explicitAlias: false, type: col.type };
  });
  const joined = planJoined(plan, (c: Column<unknown>) => named(anon, c.key, c.type), outerItems.length);
  const node = selectNode({
    items: [...outerItems, ...joined.items],
    from: [{ kind: 'derivedTable', query: inner, alias: anon }],
    joins: joined.joins,
    orderBy: [
      ...state.orderBy.map((o, i): OrderNode => ({ ...o, expr: named(anon, `__order${i}`, undefined).node })),
      ...joined.orderBy,
    ],
  });
  return { node, joined, parents };
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
