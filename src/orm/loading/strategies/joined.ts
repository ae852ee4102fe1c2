/**
 * `joined` (`joinedLoad(rel)`): the relationship comes in the parent query
 * itself. Query setup adds a LEFT OUTER JOIN under an alias of its own
 * (`song_1`) and the target's columns to the select list, then sets up the
 * target's own joined relationships against that alias. Row processing reads
 * the target's object from each row, collected per parent with duplicates
 * collapsed (a parent with three songs arrives in three rows), and fills the
 * relationships after the last row.
 *
 * ```ts
 * s.query(Artist).options(joinedLoad(Artist.songs)).all();
 * // SELECT "artist"."id", ..., "song_1"."id" AS "song_1_id", ... FROM "artist"
 * //   LEFT OUTER JOIN "song" AS "song_1" ON "artist"."id" = "song_1"."artist_id"
 * ```
 * Below a level that was not joined (a selectin load), there is no parent
 * query to join to: that level loads with IN after the rows instead.
 *
 * @internal
 */

import type { Column } from '../../../core/schema/column.js';
import { toOrderNode } from '../../../core/sql/expression.js';
import { and } from '../../../core/sql/functions.js';
import { joinCondition } from '../../relationship.js';
import { LoadGroup, STATE, type InstanceState } from '../../state.js';
import type { LoadNode } from '../../query/plan.js';
import { entitySelectItems, entityShape, RowHydrator, type EntityShape, type HydrationContext } from '../hydrate.js';
import { requalifyOrder } from '../requalify.js';
import type { LoaderStrategy, RowProcessor } from '../strategy.js';
import { loadLazily, readWithoutSql } from './select.js';
import { loadWithIn } from './selectin.js';

type Entry = { list: object[]; seen: Set<object> } | { one: object | null };

/** Reads one joined entity from each row and collects it under its parent. */
class JoinedRowProcessor implements RowProcessor {
  private readonly collected = new Map<InstanceState, Entry>();
  private readonly hydrator: RowHydrator;

  constructor(
    ctx: HydrationContext,
    private readonly node: LoadNode,
    /** Entity indexes in the row: the parent's, and this entity's. */
    private readonly parentIndex: number,
    private readonly index: number,
    shape: EntityShape,
  ) {
    this.hydrator = new RowHydrator(ctx, shape, new LoadGroup());
  }

  row(row: readonly unknown[], objects: (object | undefined)[]): void {
    const parent = objects[this.parentIndex];
    if (parent === undefined) {
      objects[this.index] = undefined;
      return;
    }
    const child = this.hydrator.row(row);
    objects[this.index] = child;
    const pst = (parent as { [STATE]: InstanceState })[STATE];
    const map = this.collected;
    const entry = map.get(pst);
    if (this.node.attr.many) {
      let c = entry as { list: object[]; seen: Set<object> } | undefined;
      if (!c) {
        c = { list: [], seen: new Set() };
        map.set(pst, c);
      }
      if (child && !c.seen.has(child)) {
        c.seen.add(child);
        c.list.push(child);
      }
    } else if (!entry || (entry as { one: object | null }).one === null) {
      map.set(pst, { one: child ?? null });
    }
  }

  /** Put the collected objects in their parents' relationships (those not loaded already). */
  finish(): void {
    const attr = this.node.attr;
    for (const [pst, entry] of this.collected) {
      if (pst.slots?.[pst.mapper.relationshipIndex(attr)]?.loaded) continue;
      pst.setLoaded(attr, 'list' in entry ? entry.list : entry.one);
    }
  }
}

export const joinedStrategy: LoaderStrategy<'joined', true> = {
  key: 'joined',
  eager: true,
  defaultDepth: (attr) => attr.options.joinDepth ?? 1,
  // A joined to-one arrives in its parent's row; a collection spans rows, which a cursor's batches could split.
  streamable: (node) => !node.attr.many && (node.entity?.relations.length ?? 0) === 0,

  setupQuery(setup, node, parent) {
    const entity = node.entity;
    if (!entity) return;
    const attr = node.attr;
    const { target, pairs, direction } = attr.r;
    const n = setup.nextAliasNumber();
    const alias = `${target.table.name}_${n}`;
    const childCol = (c: Column<unknown>) => c.withQualifier(alias);
    if (direction === 'manyToMany') {
      const secondary = attr.options.secondary!;
      const secAlias = `${secondary.name}_${n}`;
      const toLink = and(...pairs.local.map((l, i) => parent.column(l).eq(pairs.secondaryLocal![i]!.withQualifier(secAlias))));
      const toTarget = and(...pairs.secondaryRemote!.map((s, i) => s.withQualifier(secAlias).eq(childCol(pairs.remote[i]!))));
      setup.joins.push({ kind: 'join', type: 'LEFT', target: { kind: 'tableRef', table: secondary, alias: secAlias }, on: toLink.node });
      setup.joins.push({ kind: 'join', type: 'LEFT', target: { kind: 'tableRef', table: target.table, alias }, on: toTarget.node });
    } else {
      const on = joinCondition(attr, parent.column, childCol);
      setup.joins.push({ kind: 'join', type: 'LEFT', target: { kind: 'tableRef', table: target.table, alias }, on: on.node });
    }
    if (attr.many) setup.fansOut = true;
    const cols = entity.columnIndexes;
    const shape = entityShape(target, cols, setup.nextOffset);
    setup.items.push(...entitySelectItems(target, cols, alias, `${alias}_`));
    for (const o of attr.options.orderBy ?? []) setup.orderBy.push(requalifyOrder(toOrderNode(o), target.table, alias));
    const index = setup.addEntity(node, (ctx) => new JoinedRowProcessor(ctx, node, parent.index, index, shape));
    setup.setupEntity(entity, index, childCol);
  },

  async afterRows(ctx, node, parents) {
    if (!ctx.loadedByQuery.has(node)) await loadWithIn(ctx, node, parents);
  },
  onRead: readWithoutSql,
  onLoad: loadLazily,
};
