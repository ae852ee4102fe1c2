/**
 * Lifecycle hooks: methods a model declares to run when its objects are inserted, updated, deleted or loaded, and
 * the validation a flush runs before any SQL.
 *
 * ```ts
 * @mapped
 * export class Post extends Model(postTable) {
 *   override beforeInsert(): void {
 *     this.slug ??= slugify(this.title);
 *   }
 *   override async afterInsert({ session }: LifecycleEvent): Promise<void> {
 *     await session.execute(insert(auditTable).values({ action: 'post created', postId: this.id }));
 *   }
 *   override validate() {
 *     if (this.publishedAt !== null && this.body === '') return { body: 'is empty but the post is published' };
 *   }
 * }
 * ```
 * Hooks are instance methods, so `this` is the typed object and `override` makes the compiler check the name. They
 * may be async: the flush awaits each in turn. When each runs, and what a hook may change, is in docs/orm.md
 * ("Lifecycle hooks"); the flush's side of it is `unit-of-work/hooks.ts`.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { LifecycleHookError, type HookName } from './errors.js';
import type { Session } from './session.js';
import { primaryKeyOf, type InstanceState } from './state.js';

/**
 * What a hook is told: the session it runs in, which hook it is, and the column attributes the write sets (those
 * given a value for an insert; the changed ones for an update; none for a delete or a load).
 *
 * ```ts
 * override beforeUpdate({ changed }: LifecycleEvent): void {
 *   if (changed.includes('email')) this.emailVerified = false;
 * }
 * ```
 */
export interface LifecycleEvent {
  readonly session: Session;
  readonly hook: HookName;
  readonly changed: readonly string[];
}

/** What a hook returns: nothing, or a promise the flush (or the load) awaits. */
export type HookResult = void | Promise<void>;

/**
 * What a model's `validate()` returns: nothing when the object is valid; else a message for the object as a whole,
 * or messages by column attribute (several failures of one object at once).
 *
 * ```ts
 * override validate() {
 *   if (this.endsAt < this.startsAt) return { endsAt: 'must be after startsAt' };
 * }
 * ```
 */
export type ValidationResult<V> = string | { readonly [K in keyof V]?: string } | undefined | void;

/**
 * The hooks a model may declare, as instance methods (declared with `override`). `V` is the model's column values,
 * which `validate()` names its failures by.
 *
 * - `beforeInsert`, `beforeUpdate`, `beforeDelete`: in the flush, before its first statement, for each object it
 *   will insert, update (its row: column changes or a key to write) or delete. Changes they make to the object, or
 *   to any other, are written by the same flush.
 * - `afterInsert`, `afterUpdate`, `afterDelete`: once every statement of the flush succeeded (objects persistent,
 *   keys set; deleted ones detached), still in the transaction. Changes they make go out in a further flush before
 *   `flush()` or `commit()` returns.
 * - `afterLoad`: once for each object created from a row (not for an identity-map hit), after the load that created
 *   it has finished, eager loads included.
 * - `validate`: after the before-hooks, with the column checks; every failure of the flush is reported together.
 */
export interface ModelHooks<V> {
  beforeInsert?(event: LifecycleEvent): HookResult;
  afterInsert?(event: LifecycleEvent): HookResult;
  beforeUpdate?(event: LifecycleEvent): HookResult;
  afterUpdate?(event: LifecycleEvent): HookResult;
  beforeDelete?(event: LifecycleEvent): HookResult;
  afterDelete?(event: LifecycleEvent): HookResult;
  afterLoad?(event: LifecycleEvent): HookResult;
  validate?(event: LifecycleEvent): ValidationResult<V> | Promise<ValidationResult<V>>;
}

/** The session-level hook run at the start of every flush (SessionOptions.beforeFlush). */
export type BeforeFlushHook = (event: BeforeFlushEvent) => HookResult;

/**
 * What `beforeFlush` is told: the session and what it is about to write. Changes made here (objects added, deleted
 * or edited) are planned by this flush.
 *
 * ```ts
 * database(engine, { beforeFlush: ({ pending }) => { for (const o of pending) if (o instanceof Post) o.tenantId = tenant(); } });
 * ```
 */
export interface BeforeFlushEvent {
  readonly session: Session;
  /** New objects to insert. */
  readonly pending: readonly object[];
  /** Persistent objects with changes. */
  readonly dirty: readonly object[];
  /** Objects marked for deletion (cascades not yet expanded). */
  readonly deleted: readonly object[];
}

type ObjectHook = (this: object, event: LifecycleEvent) => unknown;

/** A model's hooks as found on its prototype. @internal */
export type MapperHooks = { readonly [K in ObjectHookName]?: ObjectHook };

/** The hooks a model declares on its objects. @internal */
export type ObjectHookName = Exclude<HookName, 'beforeFlush'>;

const OBJECT_HOOKS: readonly ObjectHookName[] = ['beforeInsert', 'afterInsert', 'beforeUpdate', 'afterUpdate', 'beforeDelete', 'afterDelete', 'afterLoad', 'validate'];

/**
 * The hook methods of a model's prototype chain. Only methods count: a column accessor of the same name (a column
 * called `validate`) is not a hook, and is not called to find out.
 *
 * @internal
 */
export function findHooks(prototype: object): MapperHooks {
  const hooks: { [K in ObjectHookName]?: ObjectHook } = {};
  for (const name of OBJECT_HOOKS) {
    for (let p: object | null = prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d === undefined) continue;
      if (typeof d.value === 'function') hooks[name] = d.value as ObjectHook;
      break;
    }
  }
  return hooks;
}

/**
 * Marks the code a session's hooks run in: a `flush()` (an autoflush of a query) called from a hook returns at once
 * (the flush under way writes what the hook changes), and `commit()` refuses, where it would wait for itself.
 */
const hookScope = new AsyncLocalStorage<object>();

/**
 * Run `fn` as the hooks of `session`'s flush. Entered around each call into program code, not around the whole
 * flush: on Node before 24 the first `AsyncLocalStorage.run()` installs promise hooks that every later promise of
 * the process pays for (measured: the unit-of-work benchmark's flush allocated and ran measurably slower with them
 * on), so a program without hooks never enters it.
 *
 * @internal
 */
export function inHookScope<T>(session: object, fn: () => Promise<T>): Promise<T> {
  return hookScope.run(session, fn);
}

/** True inside a hook of `session`'s flush. @internal */
export function runningHooksOf(session: object): boolean {
  return hookScope.getStore() === session;
}

function event(session: Session, hook: HookName, changed: () => readonly string[]): LifecycleEvent {
  let list: readonly string[] | undefined;
  return {
    session,
    hook,
    get changed() {
      return (list ??= changed());
    },
  };
}

const NOTHING_CHANGED = (): readonly string[] => [];

/** Column attributes with a value (an insert) or changed since the last flush (an update). @internal */
export function changedKeys(state: InstanceState, hook: ObjectHookName): () => readonly string[] {
  const columns = state.mapper.columns;
  switch (hook) {
    case 'beforeInsert':
    case 'afterInsert':
      return () => columns.filter((_, i) => state.values[i] !== undefined && state.values[i] !== null).map((c) => c.key);
    case 'beforeUpdate':
    case 'validate':
      return () => state.changedColumns().map((i) => columns[i]!.key);
    case 'afterUpdate':
    case 'beforeDelete':
    case 'afterDelete':
    case 'afterLoad':
      return NOTHING_CHANGED;
    default:
      return assertHook(hook);
  }
}

function assertHook(hook: never): never {
  throw new Error(`internal: unknown hook ${String(hook)}`);
}

/**
 * Call one object's hook and wait for it when it returns a promise. What it throws (or rejects with) comes back as
 * a {@link LifecycleHookError} naming the object.
 *
 * @internal
 */
export async function callHook(
  session: Session,
  hook: ObjectHookName,
  fn: ObjectHook,
  state: InstanceState,
  changed: () => readonly string[] = changedKeys(state, hook),
): Promise<unknown> {
  let result: unknown;
  try {
    result = fn.call(state.obj, event(session, hook, changed));
    if (isThenable(result)) result = await result;
  } catch (error) {
    throw new LifecycleHookError(hook, state.mapper.name, state.obj, primaryKeyOf(state), error);
  }
  return result;
}

/** Run an object's hook as part of `session`'s flush (in its hook scope). @internal */
export function callFlushHook(session: Session, hook: ObjectHookName, fn: ObjectHook, state: InstanceState, changed?: () => readonly string[]): Promise<unknown> {
  return inHookScope(session, () => callHook(session, hook, fn, state, changed));
}

/** Run the session's `beforeFlush` (in the flush's hook scope). @internal */
export async function callBeforeFlush(hook: BeforeFlushHook, e: BeforeFlushEvent): Promise<void> {
  await inHookScope(e.session, async () => {
    try {
      const result = hook(e);
      if (isThenable(result)) await result;
    } catch (error) {
      throw new LifecycleHookError('beforeFlush', undefined, undefined, undefined, error);
    }
  });
}

/** `afterLoad` of objects just created from rows, in the order they came. @internal */
export async function runAfterLoad(session: Session, states: readonly InstanceState[]): Promise<void> {
  for (let k = 0; k < states.length; k++) {
    const st = states[k]!;
    const fn = st.mapper.hooks.afterLoad;
    if (fn !== undefined) await callHook(session, 'afterLoad', fn, st, NOTHING_CHANGED);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
