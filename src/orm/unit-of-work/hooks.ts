/**
 * Lifecycle hooks in a flush, around "build the plan, run the plan":
 *
 * ```
 *  1. beforeFlush     the session's hook, with what the session holds to write
 *  2. build the plan  (cascades expanded: deletes and orphans are known)
 *  3. afterLoad       of objects the cascades loaded
 *  4. before-hooks    beforeInsert / beforeUpdate / beforeDelete of each object the plan writes, in step order
 *     ... while 3 or 4 ran a hook: build the plan again, and run the hooks of objects new to it (once per object)
 *  5. validation      the final plan's inserts and updates (validation.ts); all failures together
 *  6. run the plan    (execute.ts)
 *  7. after-hooks     afterInsert / afterUpdate / afterDelete, once the flush's memory is committed
 * ```
 * Planning again after the hooks is what lets a hook change other objects, add new ones or delete some, and have it
 * all written by the same flush in the same constant number of statements: the plan is data, rebuilt in memory
 * (its delete-cascade loads run once, the second build finds the children loaded). A model without hooks costs
 * nothing here: steps are skipped by mapper, never visited object by object.
 *
 * @internal
 */

import { InvalidRequestError } from '../errors.js';
import { callBeforeFlush, callFlushHook, type BeforeFlushHook } from '../lifecycle.js';
import type { Session } from '../session.js';
import type { InstanceState } from '../state.js';
import type { FlushPlan, FlushStep } from './plan.js';
import type { FlushRecord } from './record.js';
import { validatePlan } from './validation.js';

/** What the hooks of a flush need from the session. @internal */
export interface FlushHooksContext {
  readonly session: Session;
  readonly beforeFlush: BeforeFlushHook | undefined;
  readonly pending: ReadonlySet<InstanceState>;
  readonly dirty: ReadonlySet<InstanceState>;
  readonly deleted: ReadonlySet<InstanceState>;
  /** Run `afterLoad` of the objects loaded since the last call; false when there were none. */
  afterLoad(): Promise<boolean>;
}

/** Hooks keep adding objects to the flush past this many plans: something adds work each time it runs. */
const MAX_PLANS = 100;

/** Steps 1–5: the plan to run, once every before-hook ran and every object passed validation. */
export async function prepareFlush(ctx: FlushHooksContext, build: () => Promise<FlushPlan>): Promise<FlushPlan> {
  const { session } = ctx;
  if (ctx.beforeFlush !== undefined) {
    await callBeforeFlush(ctx.beforeFlush, {
      session,
      pending: objectsOf(ctx.pending),
      dirty: objectsOf(ctx.dirty),
      deleted: objectsOf(ctx.deleted),
    });
  }
  // Each before-hook runs once per object and flush, however many times the plan is built.
  const hooked: Partial<Record<'beforeInsert' | 'beforeUpdate' | 'beforeDelete', Set<InstanceState>>> = {};
  for (let plans = 1; ; plans++) {
    const plan = await build();
    let ran = await ctx.afterLoad();
    for (const step of plan.steps) {
      const hook = beforeHookOf(step);
      const fn = hook === undefined ? undefined : step.mapper.hooks[hook];
      if (fn === undefined) continue;
      const status = hook === 'beforeInsert' ? 'pending' : 'persistent';
      const done = (hooked[hook!] ??= new Set());
      for (const st of step.states) {
        // An earlier hook of this round may have deleted or expunged it: the next plan says what it is now.
        if (done.has(st) || st.status !== status) continue;
        done.add(st);
        ran = true;
        await callFlushHook(session, hook!, fn, st);
      }
    }
    if (!ran) {
      await validatePlan(session, plan);
      return plan;
    }
    if (plans === MAX_PLANS) {
      throw new InvalidRequestError(`the flush was planned ${MAX_PLANS} times and its lifecycle hooks still added objects to it: a hook adds or changes objects every time it runs`);
    }
  }
}

function beforeHookOf(step: FlushStep): 'beforeInsert' | 'beforeUpdate' | 'beforeDelete' | undefined {
  switch (step.kind) {
    case 'insert':
      return 'beforeInsert';
    case 'update':
      return 'beforeUpdate';
    case 'delete':
    case 'softDelete':
      // A soft delete is the program's delete(): the delete hooks run, though the statement is an UPDATE.
      return 'beforeDelete';
    case 'postUpdate':
    case 'nullOut':
    case 'linkInsert':
    case 'linkDelete':
    case 'restore':
      return undefined;
    default:
      return assertStep(step);
  }
}

function assertStep(step: never): never {
  throw new Error(`internal: unknown flush step ${JSON.stringify((step as { kind?: unknown }).kind)}`);
}

/**
 * Step 7: the after-hooks of what the plan wrote, in step order (inserted objects are persistent by now, deleted ones
 * detached). Call after the flush's memory is committed.
 */
export async function runAfterHooks(session: Session, plan: FlushPlan, record: FlushRecord): Promise<void> {
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'insert': {
        const fn = step.mapper.hooks.afterInsert;
        if (fn !== undefined) for (const st of step.states) await callFlushHook(session, 'afterInsert', fn, st);
        break;
      }
      case 'update': {
        const fn = step.mapper.hooks.afterUpdate;
        if (fn === undefined) break;
        const columns = step.mapper.columns;
        for (const st of step.states) {
          const written = record.updated.get(st);
          if (written !== undefined) await callFlushHook(session, 'afterUpdate', fn, st, () => written.map((i) => columns[i]!.key));
        }
        break;
      }
      case 'delete':
      case 'softDelete': {
        const fn = step.mapper.hooks.afterDelete;
        if (fn !== undefined) for (const st of step.states) await callFlushHook(session, 'afterDelete', fn, st);
        break;
      }
      case 'postUpdate':
      case 'nullOut':
      case 'linkInsert':
      case 'linkDelete':
      case 'restore':
        break;
      default:
        assertStep(step);
    }
  }
}

/** True when some model of the plan has an after-hook (the session skips step 7 otherwise). */
export function hasAfterHooks(plan: FlushPlan): boolean {
  return plan.steps.some((s) => {
    const h = s.mapper.hooks;
    return (s.kind === 'insert' && h.afterInsert !== undefined) || (s.kind === 'update' && h.afterUpdate !== undefined) || ((s.kind === 'delete' || s.kind === 'softDelete') && h.afterDelete !== undefined);
  });
}

function objectsOf(states: ReadonlySet<InstanceState>): object[] {
  const out: object[] = [];
  states.forEach((s) => out.push(s.obj));
  return out;
}
