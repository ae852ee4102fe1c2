/**
 * Joined eager loading: each relationship loaded `joined` adds a LEFT OUTER
 * JOIN to the parent query under an alias of its own (`song_1`), and its
 * columns to the select list. Rows are then read left to right: the parent,
 * then each joined entity, collected per parent with duplicates collapsed
 * (a parent with three songs arrives in three rows).
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import type { Expression } from '../../core/sql/expression.js';
import { toOrderNode } from '../../core/sql/expression.js';
import { and } from '../../core/sql/functions.js';
import type { JoinNode, OrderNode, SelectItemNode } from '../../core/sql/nodes.js';
import { joinCondition } from '../relationship.js';
import { LoadGroup, STATE, type InstanceState } from '../state.js';
import type { EntityPlan, LoadNode } from '../query/plan.js';
import { entitySelectItems, entityShape, RowHydrator, type EntityShape, type HydrationContext } from './hydrate.js';
import { requalifyOrder } from './requalify.js';

export interface JoinedEntity {
  readonly node: LoadNode;
  /** Index of the parent entity in the row: 0 is the queried entity, i + 1 is `entities[i]`. */
  readonly parentIndex: number;
  readonly shape: EntityShape;
  readonly group: LoadGroup;
}

export interface JoinedPlan {
  readonly joins: JoinNode[];
  readonly items: SelectItemNode[];
  readonly orderBy: OrderNode[];
  readonly entities: JoinedEntity[];
  /** Nodes loaded by the joins (the other strategies skip them). */
  readonly done: Set<LoadNode>;
}

/**
 * The joins and select items for every `joined` node reachable from `plan`
 * through joined nodes. `parentColumn` renders a column of the queried entity
 * (its table, or the derived table that wraps it under a LIMIT).
 */
export function planJoined(plan: EntityPlan, parentColumn: (c: Column<unknown>) => Expression<unknown>, firstOffset: number): JoinedPlan {
  const out: JoinedPlan = { joins: [], items: [], orderBy: [], entities: [], done: new Set() };
  let n = 0;
  const walk = (entity: EntityPlan, parentIndex: number, parentCol: (c: Column<unknown>) => Expression<unknown>) => {
    for (const node of entity.relations) {
      if (node.strategy !== 'joined' || !node.entity) continue;
      const attr = node.attr;
      const { target, pairs, direction } = attr.r;
      n++;
      const alias = `${target.table.name}_${n}`;
      const childCol = (c: Column<unknown>) => c.withQualifier(alias);
      if (direction === 'manyToMany') {
        const secondary = attr.options.secondary!;
        const secAlias = `${secondary.name}_${n}`;
        const toLink = and(...pairs.local.map((l, i) => parentCol(l).eq(pairs.secondaryLocal![i]!.withQualifier(secAlias))));
        const toTarget = and(...pairs.secondaryRemote!.map((s, i) => s.withQualifier(secAlias).eq(childCol(pairs.remote[i]!))));
        out.joins.push({ kind: 'join', type: 'LEFT', target: { kind: 'tableRef', table: secondary, alias: secAlias }, on: toLink.node });
        out.joins.push({ kind: 'join', type: 'LEFT', target: { kind: 'tableRef', table: target.table, alias }, on: toTarget.node });
      } else {
        const on = joinCondition(attr, parentCol, childCol);
        out.joins.push({ kind: 'join', type: 'LEFT', target: { kind: 'tableRef', table: target.table, alias }, on: on.node });
      }
      const cols = node.entity.columnIndexes;
      const offset = firstOffset + out.items.length;
      out.items.push(...entitySelectItems(target, cols, alias, `${alias}_`));
      for (const o of attr.options.orderBy ?? []) out.orderBy.push(requalifyOrder(toOrderNode(o), target.table, alias));
      out.entities.push({ node, parentIndex, shape: entityShape(target, cols, offset), group: new LoadGroup() });
      out.done.add(node);
      walk(node.entity, out.entities.length, childCol);
    }
  };
  walk(plan, 0, parentColumn);
  return out;
}

type Entry = { list: object[]; seen: Set<object> } | { one: object | null };

/** Collects joined entities row by row, then fills the relationships. */
export class JoinedRows {
  private readonly collected: Map<InstanceState, Entry>[];
  private readonly objs: (object | undefined)[];
  private readonly hydrators: RowHydrator[];

  constructor(
    ctx: HydrationContext,
    private readonly plan: JoinedPlan,
  ) {
    this.collected = plan.entities.map(() => new Map<InstanceState, Entry>());
    this.hydrators = plan.entities.map((e) => new RowHydrator(ctx, e.shape, e.group));
    this.objs = new Array<object | undefined>(plan.entities.length + 1);
  }

  /** Read the joined entities of one row whose queried entity is `root`. */
  row(row: readonly unknown[], root: object): void {
    const { entities } = this.plan;
    const objs = this.objs;
    objs[0] = root;
    for (let j = 0; j < entities.length; j++) {
      const e = entities[j]!;
      const parent = objs[e.parentIndex];
      if (parent === undefined) {
        objs[j + 1] = undefined;
        continue;
      }
      const child = this.hydrators[j]!.row(row);
      objs[j + 1] = child;
      const pst = (parent as { [STATE]: InstanceState })[STATE];
      const map = this.collected[j]!;
      let entry = map.get(pst);
      if (e.node.attr.many) {
        if (!entry) {
          entry = { list: [], seen: new Set() };
          map.set(pst, entry);
        }
        const c = entry as { list: object[]; seen: Set<object> };
        if (child && !c.seen.has(child)) {
          c.seen.add(child);
          c.list.push(child);
        }
      } else if (!entry || (entry as { one: object | null }).one === null) {
        map.set(pst, { one: child ?? null });
      }
    }
  }

  /** Put the collected objects in their parents' relationships (those not loaded already). */
  finish(): void {
    this.plan.entities.forEach((e, j) => {
      const attr = e.node.attr;
      const parents: InstanceState[] = [];
      for (const [pst, entry] of this.collected[j]!) {
        parents.push(pst);
        if (pst.slots?.[pst.mapper.relationshipIndex(attr)]?.loaded) continue;
        pst.setLoaded(attr, 'list' in entry ? entry.list : entry.one);
      }
    });
  }
}
