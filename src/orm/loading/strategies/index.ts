/**
 * The loader strategies, registered by key (`lazy: 'selectin'`,
 * `selectinLoad()`), and the three places that run their phases: the query
 * setup ({@link QuerySetup}), the row processing ({@link ParentRows} per row,
 * {@link loadPlan} after the rows) and access (`strategyFor(key).onRead` /
 * `.onLoad`, called by the object's state and the session).
 *
 * A new strategy is one file in this folder and one entry in
 * `allStrategies()`: its key joins `LoadStrategy` (and `EagerStrategy` when
 * it is eager) through the types below, so relationship options and query
 * options accept it.
 *
 * @internal
 */

import type { JoinNode, OrderNode, SelectItemNode } from '../../../core/sql/nodes.js';
import type { InstanceState } from '../../state.js';
import type { EntityPlan, LoadNode } from '../../query/plan.js';
import type { HydrationContext } from '../hydrate.js';
import { childrenOf } from '../related.js';
import type { LoaderStrategy, ParentColumn, RowProcessor, RowProcessorFactory, StrategyContext } from '../strategy.js';
import { immediateStrategy } from './immediate.js';
import { joinedStrategy } from './joined.js';
import { jsonStrategy } from './json.js';
import { noloadStrategy } from './noload.js';
import { raiseOnSqlStrategy } from './raise-on-sql.js';
import { raiseStrategy } from './raise.js';
import { selectStrategy } from './select.js';
import { selectinStrategy } from './selectin.js';
import { subqueryStrategy } from './subquery.js';

/** Checks, at compile time, that each strategy is registered under its own key. */
function registry<const R extends { readonly [K in keyof R]: LoaderStrategy<K & string> }>(strategies: R): R {
  return strategies;
}

/** Every strategy by its key. */
function allStrategies() {
  return registry({
    select: selectStrategy,
    joined: joinedStrategy,
    selectin: selectinStrategy,
    subquery: subqueryStrategy,
    raise: raiseStrategy,
    raiseOnSql: raiseOnSqlStrategy,
    noload: noloadStrategy,
    immediate: immediateStrategy,
    json: jsonStrategy,
  });
}

type Registry = ReturnType<typeof allStrategies>;

/**
 * Built on first use, not when this module is evaluated: the state of an
 * object dispatches its reads here, and the strategies' modules import the
 * state, so whichever of them a program imports first, this module may be
 * evaluated while a strategy's is still pending.
 */
let registered: Registry | undefined;

function strategies(): Registry {
  return (registered ??= allStrategies());
}

/** The keys of the registered strategies. */
export type StrategyKey = keyof Registry;

/** The keys of the strategies that load with the query's results. */
export type EagerStrategyKey = { [K in StrategyKey]: Registry[K] extends LoaderStrategy<string, true> ? K : never }[StrategyKey];

/** The strategy registered under `key`. */
export function strategyFor(key: StrategyKey): LoaderStrategy {
  return strategies()[key];
}

/** True for a strategy that loads with the query's results. */
export function isEager(key: StrategyKey): key is EagerStrategyKey {
  return strategies()[key].eager;
}

/** The registered strategies, in registration order. */
export function registeredStrategies(): readonly LoaderStrategy[] {
  return Object.values(strategies());
}

/** True when a strategy is registered under `key` (for keys from untyped code). */
export function isStrategyKey(key: unknown): key is StrategyKey {
  return typeof key === 'string' && Object.hasOwn(strategies(), key);
}

/**
 * Phase 1, for one entity query: what the strategies of its load plan add
 * to the parent query. The compiler makes one, calls {@link setupEntity} on
 * the plan, and appends the joins, items and orderings to its SELECT.
 */
export class QuerySetup {
  readonly joins: JoinNode[] = [];
  readonly items: SelectItemNode[] = [];
  readonly orderBy: OrderNode[] = [];
  /** Nodes whose relationship the query's rows load: their after-rows phase has nothing left to do. */
  readonly loadedByQuery = new Set<LoadNode>();
  /** True once a join can repeat a parent over several rows (a LIMIT must then count parents in a subquery). */
  fansOut = false;
  /**
   * True once an item costs a query of its own per row (a correlated subquery): a LIMIT then selects the parents
   * in a subquery first, so that the database evaluates the item for the rows it returns only (SQLite computes
   * the select list of every row before it sorts and cuts).
   */
  perRowSubqueries = false;
  private readonly processors: RowProcessorFactory[] = [];
  private aliases = 0;

  /** `firstOffset`: the row position after the queried entity's own columns. */
  constructor(private readonly firstOffset: number) {}

  /** Row position of the next item added. */
  get nextOffset(): number {
    return this.firstOffset + this.items.length;
  }

  /** A number for the next alias (`song_1`, `song_2`), unique in the query. */
  nextAliasNumber(): number {
    return ++this.aliases;
  }

  /** Register an entity the rows carry for `node`, read by `processor`; returns its entity index (0 is the queried entity). */
  addEntity(node: LoadNode, processor: RowProcessorFactory): number {
    this.processors.push(processor);
    this.loadedByQuery.add(node);
    return this.processors.length;
  }

  /** Run the setup phase of every relationship of `entity`, the row's entity at `index`, whose columns `column` renders. */
  setupEntity(entity: EntityPlan, index: number, column: ParentColumn): void {
    for (const node of entity.relations) strategyFor(node.strategy).setupQuery?.(this, node, { index, column });
  }

  /** The row processors for one execution, or undefined when the setup added no entity to the rows. */
  rows(ctx: HydrationContext): ParentRows | undefined {
    return this.processors.length === 0 ? undefined : new ParentRows(this.processors.map((make) => make(ctx)));
  }
}

/** Phase 2, per row: runs the row processors of a query's setup over its rows. */
export class ParentRows {
  private readonly objects: (object | undefined)[];

  constructor(private readonly processors: readonly RowProcessor[]) {
    this.objects = new Array<object | undefined>(processors.length + 1);
  }

  /** One row whose queried entity is `root`. */
  row(row: readonly unknown[], root: object): void {
    const objects = this.objects;
    objects[0] = root;
    // In registration order: a parent's entity always comes before its children's.
    for (const p of this.processors) p.row(row, objects);
  }

  finish(): void {
    for (const p of this.processors) p.finish();
  }
}

/** Phase 2, after the rows: run the load plan below `plan` for `parents` (the objects of one result at that level). */
export async function loadPlan(ctx: StrategyContext, plan: EntityPlan, parents: InstanceState[]): Promise<void> {
  if (parents.length === 0) return;
  for (const node of plan.relations) {
    await strategyFor(node.strategy).afterRows(ctx, node, parents, plan);
    if (node.entity && node.entity.relations.length > 0) {
      await loadPlan(ctx, node.entity, childrenOf(node.attr, parents));
    }
  }
}
