/**
 * What a loader strategy is: the phases of one way of loading a relationship,
 * each a method, so a strategy is one file under `strategies/` and the query
 * compiler, the query and the session only dispatch.
 *
 * 1. Query setup ({@link LoaderStrategy.setupQuery}): what it adds to the
 *    parent query — joins, select items, orderings — and, for what those
 *    columns bring, a {@link RowProcessor} that reads them from each row.
 * 2. After the rows ({@link LoaderStrategy.afterRows}): once every parent of
 *    a result is in memory, what it does with all of them at once (one IN
 *    query, one subquery load, marking the result's groups). Handing it every
 *    parent at once is what keeps the statement count independent of the
 *    number of objects.
 * 3. On access ({@link LoaderStrategy.onRead}, {@link LoaderStrategy.onLoad}):
 *    what reading the attribute unloaded, or calling `load()` on it, does for
 *    objects of a result loaded with this strategy: load lazily, raise, return
 *    nothing.
 *
 * A strategy's phases only see what it is handed (the setup, the parents, the
 * state): none reaches into the session.
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import type { Expression } from '../../core/sql/expression.js';
import type { SelectNode } from '../../core/sql/nodes.js';
import type { EntityPlan, LoadNode } from '../query/plan.js';
import type { RelationshipAttribute } from '../relationship.js';
import type { InstanceState } from '../state.js';
import type { HydrationContext } from './hydrate.js';
import type { LoaderContext } from './related.js';
import type { QuerySetup } from './strategies/index.js';

/** A column of the parent entity as the parent query names it (its table, an alias, or the derived table that wraps it). */
export type ParentColumn = (c: Column<unknown>) => Expression<unknown>;

/** Where, in the query being set up, the parent entity of a relationship is. */
export interface SetupParent {
  /** Index of the parent entity among the row's entities: 0 is the queried entity. */
  readonly index: number;
  readonly column: ParentColumn;
}

/** Reads what a strategy's setup added to the parent query, row by row. */
export interface RowProcessor {
  /**
   * One row. `objects` holds the row's entities so far, by entity index (0:
   * the queried entity; undefined where a LEFT JOIN found nothing); the
   * processor puts its own entity's object at its index.
   */
  row(row: readonly unknown[], objects: (object | undefined)[]): void;
  /** After the last row: put what was collected in the relationships. */
  finish(): void;
}

/** Makes a row processor for one execution of the query. */
export type RowProcessorFactory = (ctx: HydrationContext) => RowProcessor;

/** What the after-rows phase is handed besides the parents. */
export interface StrategyContext extends LoaderContext {
  /** Session-level sibling batching (`batchLazyLoads`). */
  readonly batch: boolean;
  /** Nodes whose relationship the parent query's own rows loaded (by their setup phase). */
  readonly loadedByQuery: ReadonlySet<LoadNode>;
  /** The queried entity's SELECT (without eager joins), for subquery loads of its own relationships. */
  readonly rootQuery: SelectNode | undefined;
  readonly rootPlan: EntityPlan;
}

/**
 * The context of one result's after-rows loads. Written out field by field: a spread of the loader context with
 * fields added after it takes V8's slow object-clone path, which cost a tenth of a one-row request's time.
 */
export function strategyContext(
  ctx: LoaderContext,
  batch: boolean,
  loadedByQuery: ReadonlySet<LoadNode>,
  rootQuery: SelectNode | undefined,
  rootPlan: EntityPlan,
): StrategyContext {
  return { dialect: ctx.dialect, identityMap: ctx.identityMap, hooks: ctx.hooks, filters: ctx.filters, run: ctx.run, batch, loadedByQuery, rootQuery, rootPlan };
}

/** What a load on access needs from the session: the session itself satisfies it. */
export interface AccessContext {
  /** Flush before a lazy load, so it sees pending changes. */
  readonly autoflush: boolean;
  flush(): Promise<void>;
  /** Session-level sibling batching (`batchLazyLoads`). */
  readonly batchLazyLoads: boolean;
  loaderContext(): LoaderContext;
}

/**
 * One way of loading a relationship, registered by `key` in
 * `strategies/index.ts`. `Eager` says whether it loads with the query's
 * results (the plan then descends into the target's own relationships).
 */
export interface LoaderStrategy<Key extends string = string, Eager extends boolean = boolean> {
  readonly key: Key;
  readonly eager: Eager;
  /**
   * How many levels a declared (not optioned) eager load of a
   * self-referential relationship goes; eager strategies only.
   */
  defaultDepth?(attr: RelationshipAttribute): number;
  /** Whether results can stream through a cursor with `node` loaded this way (nothing else may use the connection meanwhile). */
  streamable(node: LoadNode): boolean;

  /** Phase 1: add to the parent query (joins, columns, a row processor). Most strategies add nothing. */
  setupQuery?(setup: QuerySetup, node: LoadNode, parent: SetupParent): void;
  /** Phase 2: once the parents of one result (all of them, of plan entity `owner`) are in memory. */
  afterRows(ctx: StrategyContext, node: LoadNode, parents: InstanceState[], owner: EntityPlan): Promise<void>;
  /** Phase 3: a to-one read while unloaded (synchronous: never SQL). Returns its value or throws. */
  onRead(state: InstanceState, attr: RelationshipAttribute): object | null;
  /** Phase 3: `load()` (or `session.load`) of an unloaded relationship; leaves it loaded or throws. */
  onLoad(access: AccessContext, state: InstanceState, attr: RelationshipAttribute): Promise<void>;
}
