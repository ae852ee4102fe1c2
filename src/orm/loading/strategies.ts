/**
 * Loader strategies, registered by key (`lazy: 'selectin'`, `selectinLoad()`),
 * all behind one interface: after a query has put its objects in memory, each
 * relationship of its load plan is handed to its strategy with every parent
 * at once, so the statement count depends on the plan, never on the number of
 * objects. Adding a strategy means adding one entry here.
 *
 * @internal
 */

import type { SelectNode } from '../../core/sql/nodes.js';
import type { LoadStrategy } from '../relationship.js';
import type { InstanceState, LoadGroup } from '../state.js';
import type { EntityPlan, LoadNode } from '../query/plan.js';
import { childrenOf, loadRelated, type LoaderContext } from './related.js';
import { loadBySubquery } from './subquery.js';

export interface StrategyContext extends LoaderContext {
  /** Session-level sibling batching (`batchLazyLoads`). */
  readonly batch: boolean;
  /** Nodes the parent query's joins already loaded. */
  readonly joined: ReadonlySet<LoadNode>;
  /** The queried entity's SELECT (without eager joins), for subquery loads of its own relationships. */
  readonly rootQuery: SelectNode | undefined;
  readonly rootPlan: EntityPlan;
}

export interface LoaderStrategy {
  readonly key: LoadStrategy;
  /** Load (or mark) `node.attr` on all `parents`, which belong to the plan entity `owner`. */
  load(ctx: StrategyContext, node: LoadNode, parents: InstanceState[], owner: EntityPlan): Promise<void>;
}

function groupsOf(parents: readonly InstanceState[]): Set<LoadGroup> {
  const out = new Set<LoadGroup>();
  for (const p of parents) if (p.group) out.add(p.group);
  return out;
}

/** Record the strategy on the parents' result groups: later lazy loads and reads follow it. */
function mark(node: LoadNode, parents: readonly InstanceState[]): void {
  for (const g of groupsOf(parents)) (g.strategies ??= new Map()).set(node.attr.key, node.strategy);
}

async function selectin(ctx: StrategyContext, node: LoadNode, parents: InstanceState[]): Promise<void> {
  await loadRelated(ctx, node.attr, parents, { columnIndexes: node.entity?.columnIndexes });
}

const select: LoaderStrategy = {
  key: 'select',
  async load(_ctx, node, parents) {
    mark(node, parents);
  },
};

function marking(key: LoadStrategy): LoaderStrategy {
  return {
    key,
    async load(_ctx, node, parents) {
      mark(node, parents);
    },
  };
}

const strategies: Record<LoadStrategy, LoaderStrategy> = {
  select,
  raise: marking('raise'),
  raiseOnSql: marking('raiseOnSql'),
  noload: {
    key: 'noload',
    async load(_ctx, node, parents) {
      mark(node, parents);
      for (const p of parents) {
        if (!p.slots?.[p.mapper.relationshipIndex(node.attr)]?.loaded) p.setLoaded(node.attr, node.attr.many ? [] : null);
      }
    },
  },
  selectin: { key: 'selectin', load: (ctx, node, parents) => selectin(ctx, node, parents) },
  joined: {
    key: 'joined',
    async load(ctx, node, parents) {
      // Below a level that was not joined (a selectin load), there is no parent query to join to: load with IN instead.
      if (!ctx.joined.has(node)) await selectin(ctx, node, parents);
    },
  },
  subquery: {
    key: 'subquery',
    async load(ctx, node, parents, owner) {
      // The parent query is known only for the queried entity; deeper levels load with IN.
      if (owner !== ctx.rootPlan || !ctx.rootQuery) return selectin(ctx, node, parents);
      await loadBySubquery(ctx, node.attr, parents, ctx.rootQuery, node.entity?.columnIndexes ?? node.attr.r.target.columns.map((_, i) => i));
    },
  },
  immediate: {
    key: 'immediate',
    async load(ctx, node, parents) {
      // The lazy loader, run at once: batched over siblings unless batching is off, then one SELECT per parent.
      if (ctx.batch && node.attr.options.batch !== false) return selectin(ctx, node, parents);
      for (const p of parents) await selectin(ctx, node, [p]);
    },
  },
};

/** The strategy registered under `key`. */
export function strategyFor(key: LoadStrategy): LoaderStrategy {
  return strategies[key];
}

/** Run the load plan below `plan` for `parents` (the objects of one query result at that level). */
export async function loadPlan(ctx: StrategyContext, plan: EntityPlan, parents: InstanceState[]): Promise<void> {
  if (parents.length === 0) return;
  for (const node of plan.relations) {
    await strategyFor(node.strategy).load(ctx, node, parents, plan);
    if (node.entity && node.entity.relations.length > 0) {
      await loadPlan(ctx, node.entity, childrenOf(node.attr, parents));
    }
  }
}
