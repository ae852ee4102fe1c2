/**
 * Turning an entity SELECT's rows into the session's objects: hydration through the identity map, the joined
 * eager loads read from the same rows, the after-rows loads of the plan, the afterLoad hooks, and the report
 * diagnostics get of the result. One path for `Query.all()` and prepared queries, which differ only in how the
 * statement is built.
 *
 * @internal
 */

import { lazyCaller, ormHooks, trackResultAccess, type EagerLoad, type ResultAccess } from '../instrumentation.js';
import type { Mapper } from '../mapper.js';
import type { RawResult } from '../port.js';
import type { Session } from '../session.js';
import { LoadGroup, stateOf } from '../state.js';
import { MultipleResultsError, NoResultError } from '../../core/errors.js';
import { entityShape, RowHydrator } from '../loading/hydrate.js';
import { isEager, loadPlan } from '../loading/strategies/index.js';
import { strategyContext } from '../loading/strategy.js';
import type { FilterScope } from '../filters/scope.js';
import type { SelectNode } from '../../core/sql/nodes.js';
import type { EntitySelect, QueryState } from './compile.js';
import type { QueryOption } from './options.js';
import type { EntityPlan } from './plan.js';

/** Where the application called from, read only if diagnostics ask (the stack is cheap to keep, costly to read). */
export type CallerTrace = { readonly callerLocation: string | undefined };

/** The caller's trace when diagnostics listen, else undefined. */
export function traceCaller(): CallerTrace | undefined {
  return ormHooks.active ? lazyCaller() : undefined;
}

/** What one entity query ran: its plan, its SELECT and the state and filters it was built from. */
export interface EntityRun {
  readonly session: Session;
  readonly mapper: Mapper;
  readonly loadOptions: readonly QueryOption[];
  readonly plan: EntityPlan;
  readonly select: EntitySelect;
  readonly state: QueryState;
  readonly filters: FilterScope;
  /** The parents' SELECT that subquery loads embed, when it is not the one in `select` (a prepared query's, bound). */
  readonly rootQuery?: SelectNode;
}

/** The load group of one result (sibling batching, as the query's options say). */
export function newLoadGroup(loadOptions: readonly QueryOption[]): LoadGroup {
  const group = new LoadGroup();
  for (const o of loadOptions) {
    if (o.kind !== 'batch') continue;
    if (o.attrs.length === 0) group.batch = false;
    else group.noBatch = new Set([...(group.noBatch ?? []), ...o.attrs.map((a) => a.key)]);
  }
  return group;
}

/** The one object of an entity query's rows read with LIMIT 2, or null; several are a `MultipleResultsError`. */
export function oneOrNullOf<R>(mapper: Mapper, rows: readonly R[]): R | null {
  if (rows.length > 1) throw new MultipleResultsError(`${mapper.name} query returned more than one row; add a condition, or use first()`);
  return rows[0] ?? null;
}

/** The object `oneOrNullOf` found; none is a `NoResultError`. */
export function oneOf<R>(mapper: Mapper, found: R | null): R {
  if (found === null) throw new NoResultError(`${mapper.name} query returned no row`);
  return found;
}

/** The objects of `result`, the rows of `run`'s SELECT, loaded as its plan says. */
export async function readEntities(run: EntityRun, result: RawResult, caller: CallerTrace | undefined): Promise<object[]> {
  const { session, mapper, plan, select: sel, state, filters } = run;
  const group = newLoadGroup(run.loadOptions);
  const shape = entityShape(mapper, plan.columnIndexes, 0);
  const ctx = session.loaderContext(filters);
  const joined = sel.setup.rows(ctx);
  const hydrator = new RowHydrator(ctx, shape, group);
  const out: object[] = [];
  if (joined === undefined && state.joins.length === 0) {
    // One table, no joins: every row is a different primary key, so a different object.
    const rows = result.rows;
    for (let i = 0; i < rows.length; i++) {
      const obj = hydrator.row(rows[i]!);
      if (obj !== undefined) out.push(obj);
    }
  } else {
    // Joins repeat an entity over several rows: list it once, where it first appears.
    const seen = new Set<object>();
    for (const row of result.rows) {
      const obj = hydrator.row(row);
      if (!obj) continue;
      if (!seen.has(obj)) {
        seen.add(obj);
        out.push(obj);
      }
      joined?.row(row, obj);
    }
    joined?.finish();
  }
  // Read backwards (the rows before a cursor): returned in the query's order.
  if (state.keyset?.backwards) out.reverse();
  if (plan.relations.length > 0) {
    const sctx = strategyContext(ctx, session.batchLazyLoads, sel.setup.loadedByQuery, run.rootQuery ?? sel.parents, plan);
    // The group lists this result's states in order, without a second pass over the objects.
    await loadPlan(sctx, plan, group.states.length === out.length ? group.states : out.map((obj) => stateOf(obj)));
  }
  // Once the whole result is loaded, eager loads included: the hook sees its object complete.
  await session.runAfterLoad();
  if (caller && ormHooks.active) return reportResult(session, mapper, out, result.rows.length, plan, caller);
  return out;
}

/** Tell diagnostics about a result (unused eager loads, unread columns, counts done in JavaScript, row fan-out). */
function reportResult(session: Session, mapper: Mapper, objects: object[], rowCount: number, plan: EntityPlan, caller: CallerTrace): object[] {
  const eager: EagerLoad[] = [];
  const walk = (node: EntityPlan, path: readonly string[]) => {
    for (const rel of node.relations) {
      const strategy = rel.strategy;
      if (!isEager(strategy)) continue;
      const p = [...path, rel.attr.key];
      eager.push({ path: p, attr: rel.attr, strategy });
      if (rel.entity) walk(rel.entity, p);
    }
  };
  walk(plan, []);
  let rows = objects;
  let access: ResultAccess | undefined;
  if (ormHooks.trackReads) {
    const tracked = trackResultAccess(objects);
    rows = tracked.rows;
    access = tracked.access;
  }
  ormHooks.emit('queryResult', {
    session,
    transactionKey: session.transactionKey,
    mapper,
    objects,
    rowCount,
    columns: plan.columnIndexes,
    eager,
    access,
    get callerLocation() {
      return caller.callerLocation;
    },
  });
  return rows;
}

