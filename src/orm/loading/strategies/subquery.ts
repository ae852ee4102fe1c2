/**
 * `subquery` (`subqueryLoad(rel)`): after the parent rows, one more SELECT
 * for the relationship that joins the parent query (its FROM, joins, WHERE
 * and LIMIT) as a derived table, so no parent keys travel as parameters
 * however many parents there are.
 *
 * ```sql
 * SELECT "song"."id", ..., "anon_1"."k0" AS "__link0"
 * FROM "song" JOIN (SELECT DISTINCT "artist"."id" AS "k0" FROM "artist" WHERE ...) AS "anon_1"
 *   ON "song"."artist_id" = "anon_1"."k0"
 * ```
 * Only the queried entity's parent query is known; deeper levels load with IN.
 *
 * @internal
 */

import { selectNode } from '../../../core/sql/select.js';
import { Expression, toOrderNode } from '../../../core/sql/expression.js';
import { and } from '../../../core/sql/functions.js';
import type { ExprNode, JoinNode, SelectItemNode, SelectNode } from '../../../core/sql/nodes.js';
import { LoadGroup, type InstanceState } from '../../state.js';
import type { RelationshipAttribute } from '../../relationship.js';
import { entitySelectItems, entityShape, RowHydrator } from '../hydrate.js';
import { keyOf } from '../../identity-key.js';
import type { LoaderContext } from '../related.js';
import type { LoaderStrategy } from '../strategy.js';
import { loadLazily, readWithoutSql } from './select.js';
import { loadWithIn, recursionDepth } from './selectin.js';

function named(qualifier: string, name: string, type: SelectItemNode['type']): ExprNode {
  return { kind: 'namedColumn', qualifier, name, type };
}

function namedExpr(qualifier: string, name: string, type: SelectItemNode['type']): Expression<unknown> {
  return new Expression<unknown>(named(qualifier, name, type), type);
}

/** Load `attr` for `parents`, which are the rows of `parentQuery` (the queried entity's SELECT). */
async function loadBySubquery(
  ctx: LoaderContext,
  attr: RelationshipAttribute,
  parents: readonly InstanceState[],
  parentQuery: SelectNode,
  columnIndexes: readonly number[],
): Promise<void> {
  const todo = parents.filter((p) => !(p.slots?.[p.mapper.relationshipIndex(attr)]?.loaded ?? false));
  if (todo.length === 0) return;
  const { direction, pairs, target } = attr.r;
  const parentMapper = attr.parent!;
  const limited = parentQuery.limit !== undefined || parentQuery.offset !== undefined;
  const inner: SelectNode = {
    ...parentQuery,
    items: pairs.local.map((c, i) => ({ expr: c.node, alias: `k${i}`, explicitAlias: true, type: c.type })),
    // Without a LIMIT the order is irrelevant and DISTINCT keeps the join small; with one, both must stay as written.
    distinct: !limited,
    orderBy: limited ? parentQuery.orderBy : [],
  };
  const anon = 'anon_1';
  const cols = [...columnIndexes];
  for (const pk of target.primaryKeyIndexes) if (!cols.includes(pk)) cols.push(pk);
  const items: SelectItemNode[] = [
    ...entitySelectItems(target, cols, target.table.name),
    ...pairs.local.map((c, i): SelectItemNode => ({ expr: named(anon, `k${i}`, c.type), alias: `__link${i}`, explicitAlias: true, type: c.type })),
  ];
  const derived: JoinNode['target'] = { kind: 'derivedTable', query: inner, alias: anon };
  let joins: JoinNode[];
  if (direction === 'manyToMany') {
    const secondary = attr.options.secondary!;
    const toTarget = and(...pairs.secondaryRemote!.map((s, i) => s.eq(pairs.remote[i]!)));
    joins = [
      { kind: 'join', type: 'INNER', target: secondary.fromNode, on: toTarget.node },
      {
        kind: 'join',
        type: 'INNER',
        target: derived,
        on: and(...pairs.secondaryLocal!.map((s, i) => s.eq(namedExpr(anon, `k${i}`, s.type)))).node,
      },
    ];
  } else {
    const remote = pairs.remote;
    joins = [{ kind: 'join', type: 'INNER', target: derived, on: and(...remote.map((r, i) => r.eq(namedExpr(anon, `k${i}`, r.type)))).node }];
  }
  const node = selectNode({
    ctes: parentQuery.ctes,
    items,
    from: [target.table.fromNode],
    joins,
    orderBy: (attr.options.orderBy ?? []).map(toOrderNode),
  });
  const result = await ctx.run(node);
  const shape = entityShape(target, cols, 0);
  const group = new LoadGroup();
  const decoders = pairs.local.map((c) => ctx.dialect.decoder(c.type));
  const byKey = new Map<unknown, { list: object[]; seen: Set<object> }>();
  const hydrator = new RowHydrator(ctx, shape, group);
  for (const row of result.rows) {
    const child = hydrator.row(row)!;
    const link = pairs.local.map((_, i) => {
      const raw = row[cols.length + i];
      const d = decoders[i];
      return d && raw !== null ? d(raw) : raw;
    });
    const k = keyOf(link);
    let entry = byKey.get(k);
    if (!entry) {
      entry = { list: [], seen: new Set() };
      byKey.set(k, entry);
    }
    if (!entry.seen.has(child)) {
      entry.seen.add(child);
      entry.list.push(child);
    }
  }
  const localIdx = pairs.local.map((c) => parentMapper.columnIndex(c.key));
  for (const p of todo) {
    const entry = byKey.get(keyOf(localIdx.map((i) => p.values[i])));
    if (attr.many) p.setLoaded(attr, entry?.list ?? []);
    else p.setLoaded(attr, entry?.list[0] ?? null);
  }
}

export const subqueryStrategy: LoaderStrategy<'subquery', true> = {
  key: 'subquery',
  eager: true,
  defaultDepth: recursionDepth,
  streamable: () => false,
  async afterRows(ctx, node, parents, owner) {
    if (owner !== ctx.rootPlan || !ctx.rootQuery) return loadWithIn(ctx, node, parents);
    await loadBySubquery(ctx, node.attr, parents, ctx.rootQuery, node.entity?.columnIndexes ?? node.attr.r.target.columns.map((_, i) => i));
  },
  onRead: readWithoutSql,
  onLoad: loadLazily,
};
