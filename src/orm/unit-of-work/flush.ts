/**
 * The unit of work: turns what changed in a session into a short, fixed sequence of statements — build the plan,
 * run the plan.
 *
 * - collect changes (`changes.ts`): the session's pending, dirty and deleted objects, read once;
 * - expand cascades (`cascades.ts`): orphans and deletes spread along relationships;
 * - order (`order.ts`): a {@link FlushPlan} of steps, each placed by a named {@link OrderingRule};
 * - persist (`execute.ts`, `persist.ts`): copy keys, emit the statements, keep the {@link FlushRecord};
 * - lifecycle hooks and validation around them (`hooks.ts`, `validation.ts`; column `onUpdate()` in `on-update.ts`).
 *
 * Nothing in memory is final until every statement succeeded: on failure the objects get back exactly the state
 * they had before the flush (`plan.ts` lists the phases in order).
 *
 * @internal
 */

import type { IdentityMap } from '../identity-map.js';
import { STATE, type InstanceState } from '../state.js';
import { loadRelated, type LoaderContext } from '../loading/related.js';
import { expandCascades, type RelationshipLoader } from './cascades.js';
import { ChangeSet, type SessionChanges } from './changes.js';
import { executePlan, type ExecuteContext } from './execute.js';
import { orderChanges } from './order.js';
import type { PersistContext } from './persist.js';
import type { FlushPlan } from './plan.js';
import { FlushRecord } from './record.js';
import { hasAfterHooks, prepareFlush, runAfterHooks, type FlushHooksContext } from './hooks.js';
import type { Session } from '../session.js';

export interface FlushContext extends LoaderContext, PersistContext {
  readonly identityMap: IdentityMap;
  readonly pending: Set<InstanceState>;
  readonly dirty: Set<InstanceState>;
  readonly deleted: Set<InstanceState>;
}

/**
 * The plan the session's changes call for. Needs no connection unless a delete cascade must load children that
 * are not loaded yet (then `load` runs one query per relationship and level); changes no object.
 *
 * @internal
 */
export async function buildFlushPlan(changes: SessionChanges, load: RelationshipLoader): Promise<FlushPlan> {
  const set = new ChangeSet(changes);
  await expandCascades(set, load);
  return orderChanges(set);
}

/**
 * The loader a flush's cascades use over `ctx` (whose filters should be off: a cascade must reach every row).
 *
 * @internal
 */
export function cascadeLoader(ctx: LoaderContext): RelationshipLoader {
  const stateOf = (o: object): InstanceState => (o as { [STATE]: InstanceState })[STATE];
  return {
    load: (attr, parents) => loadRelated(ctx, attr, parents),
    async everyRow(attr, parents) {
      const out = new Map<InstanceState, InstanceState[]>();
      await loadRelated(ctx, attr, parents, {
        into: (parent, value) => out.set(parent, value === null ? [] : Array.isArray(value) ? (value as readonly object[]).map(stateOf) : [stateOf(value as object)]),
      });
      return out;
    },
  };
}

export class UnitOfWork {
  /** What this flush did: undone on failure; on success, absorbed by the session's transaction record. */
  readonly record = new FlushRecord();
  private readonly ctx: ExecuteContext & LoaderContext;

  constructor(ctx: FlushContext) {
    // Persisters report the objects they touch so a failed flush can restore them.
    this.ctx = { ...ctx, track: this.record.track };
  }

  /**
   * Build the plan, with the lifecycle hooks that come before it (`hooks.ts`): beforeFlush, afterLoad of objects
   * the cascades loaded, the before-hooks (planning again when they ran), validation. Changes no object itself.
   */
  async prepare(hooks: FlushHooksContext): Promise<FlushPlan> {
    return await prepareFlush(hooks, () => buildFlushPlan(this.ctx, cascadeLoader(this.ctx)));
  }

  /** Run the plan. */
  async execute(plan: FlushPlan): Promise<void> {
    await executePlan(plan, this.ctx, this.record);
  }

  /** The after-hooks of what the plan wrote (after {@link commitMemory}). */
  async afterHooks(plan: FlushPlan, session: Session): Promise<void> {
    if (hasAfterHooks(plan)) await runAfterHooks(session, plan, this.record);
  }

  /** Undo every in-memory effect of this flush (the database transaction is rolled back by the caller). */
  undo(): void {
    this.record.undo(this.ctx.identityMap);
  }

  /** After a successful flush: objects become persistent / detached, changes are forgotten. */
  commitMemory(): void {
    const ctx = this.ctx;
    this.record.commitMemory(ctx.deleted, ctx.identityMap);
    ctx.pending.clear();
    ctx.dirty.clear();
    ctx.deleted.clear();
  }
}
