/**
 * ORM instrumentation: events the session and the query code emit for
 * diagnostics (src/diagnostics listens; the ORM never imports it).
 *
 * ```ts
 * const stop = ormHooks.on('flush', (e) => console.log(e.trigger, e.callerLocation));
 * ```
 * Zero cost when nothing listens: every emit site checks `ormHooks.active`
 * before building an event object or capturing a stack.
 *
 * @internal Public for diagnostics; applications use `athanor/diagnostics`.
 */

import { callerLocationFrom, captureStack } from '../core/engine/events.js';
import type { Mapper } from './mapper.js';
import type { EagerStrategy, RelationshipAttribute } from './relationship.js';

/** Who asked for a flush: the application (`session.flush()`), `commit()`, or a query's autoflush. */
export type FlushTrigger = 'explicit' | 'commit' | 'autoflush';

/** A flush is about to write (emitted only when it has something to write). */
export interface FlushEvent {
  /** The Session (typed loosely so diagnostics need not import it). */
  readonly session: object;
  /** `engineId:connectionId` of the session's transaction: ties the flush to its statements' events. */
  readonly transactionKey: string | undefined;
  readonly pending: number;
  readonly dirty: number;
  /** Mappers of the objects the application marked for deletion, with how many of each. */
  readonly deleted: ReadonlyMap<Mapper, number>;
  readonly trigger: FlushTrigger;
  /** `file:line:column` of the application line that caused the flush. */
  readonly callerLocation: string | undefined;
}

/** A flush ended (`ok` false when it failed and was undone). */
export interface FlushedEvent {
  readonly session: object;
  readonly transactionKey: string | undefined;
  readonly ok: boolean;
  readonly durationMs: number;
}

/** `session.commit()` is about to send COMMIT (after its flush). Throwing here aborts the commit. */
export interface CommitEvent {
  readonly session: object;
  readonly transactionKey: string | undefined;
  readonly callerLocation: string | undefined;
}

/** One eagerly loaded relationship of a query. */
export interface EagerLoad {
  /** The path from the query's entity, `['songs']` or `['albums', 'tracks']`. */
  readonly path: readonly string[];
  readonly attr: RelationshipAttribute;
  readonly strategy: EagerStrategy;
}

/** How the application used a query's result array (see {@link trackResultAccess}). */
export interface ResultAccess {
  /** `.length` was read. */
  length: boolean;
  /** Anything else was read: an index, iteration, a method (`map`, `forEach`, ...). */
  elements: boolean;
}

/**
 * An entity query returned objects. Emitted by the query code once per
 * `all()`/`first()`/..., after hydration and eager loads, before returning.
 */
export interface QueryResultEvent {
  readonly session: object;
  /** The session's `transactionKey` (engine and connection ids). */
  readonly transactionKey: string | undefined;
  readonly mapper: Mapper;
  /** The root objects returned (deduplicated). */
  readonly objects: readonly object[];
  /** Rows the database sent for the main statement (joined eager loads multiply them). */
  readonly rowCount: number;
  /** Column indexes loaded on the root objects. */
  readonly columns: readonly number[];
  readonly eager: readonly EagerLoad[];
  /** Access to the array handed to the application, when it was wrapped with {@link trackResultAccess}. */
  readonly access: ResultAccess | undefined;
  readonly callerLocation: string | undefined;
}

/** A session took or gave back its connection: the bounds of its unit of work. */
export interface SessionConnectionEvent {
  readonly session: object;
  readonly transactionKey: string | undefined;
}

export interface OrmListeners {
  sessionAcquire: (event: SessionConnectionEvent) => void;
  sessionRelease: (event: SessionConnectionEvent) => void;
  flush: (event: FlushEvent) => void;
  flushed: (event: FlushedEvent) => void;
  commit: (event: CommitEvent) => void;
  queryResult: (event: QueryResultEvent) => void;
}

export type OrmEventName = keyof OrmListeners;

/** The ORM's event registry. */
export class OrmHooks {
  /** True while anything listens: emit sites check it first. */
  active = false;
  /**
   * True while a listener wants attribute reads tracked (`InstanceState.reads`) and
   * result arrays wrapped ({@link trackResultAccess}).
   */
  trackReads = false;
  private readers = 0;
  private readonly listeners: { [K in OrmEventName]: OrmListeners[K][] } = {
    sessionAcquire: [],
    sessionRelease: [],
    flush: [],
    flushed: [],
    commit: [],
    queryResult: [],
  };

  /** Add a listener; returns a function that removes it. */
  on<K extends OrmEventName>(name: K, listener: OrmListeners[K]): () => void {
    this.listeners[name].push(listener);
    this.active = true;
    return () => this.off(name, listener);
  }

  off<K extends OrmEventName>(name: K, listener: OrmListeners[K]): void {
    const list = this.listeners[name];
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    this.active = Object.values(this.listeners).some((l) => l.length > 0);
  }

  /** Ask for read tracking; returns a function that withdraws the request. */
  wantReads(): () => void {
    this.readers++;
    this.trackReads = true;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.readers--;
      this.trackReads = this.readers > 0;
    };
  }

  emit<K extends OrmEventName>(name: K, event: Parameters<OrmListeners[K]>[0]): void {
    const list = this.listeners[name];
    if (list.length === 0) return;
    for (const listener of list.slice()) (listener as (e: typeof event) => void)(event);
  }
}

/** The process-wide ORM hooks. */
export const ormHooks = new OrmHooks();

/**
 * @internal `engineId:connectionId` for a session's connection: the same key
 * diagnostics build from statement events (`e.engineId`, `e.connectionId`).
 * Read structurally: the engine (`id`) and Core's `Connection` (`id`) have
 * them, test doubles may not.
 */
export function transactionKeyOf(source: object | undefined, conn: object | undefined): string | undefined {
  const engineId = (source as { id?: unknown } | undefined)?.id;
  const connectionId = (conn as { id?: unknown } | undefined)?.id;
  return typeof engineId === 'number' && typeof connectionId === 'number' ? `${engineId}:${connectionId}` : undefined;
}


/** @internal The caller of the current ORM call, computed on first read (from `stack` when one was taken already). */
export function lazyCaller(stack: Error = captureStack()): { readonly callerLocation: string | undefined } {
  let location: string | undefined | null = null;
  return {
    get callerLocation() {
      if (location === null) location = callerLocationFrom(stack.stack);
      return location;
    },
  };
}

/**
 * @internal Classify a flush from the stack at its start: the frame below
 * `flush` is the application's (explicit), `commit` (commit), or another
 * ORM frame (an autoflush from a query, `get()` or a lazy load).
 */
export function flushTriggerOf(stack: string | undefined): FlushTrigger {
  const lines = (stack ?? '').split('\n');
  const at = lines.findIndex((l) => /\.(flush|commit) \(|at (flush|commit) \(/.test(l));
  // A stack taken in `commit()` itself: the flush that commit runs.
  if (at >= 0 && /\.commit \(|at commit \(/.test(lines[at]!)) return 'commit';
  const below = at >= 0 ? lines[at + 1] : undefined;
  if (!below) return 'explicit';
  if (/\.commit \(|at commit \(/.test(below)) return 'commit';
  return callerLocationFrom(`x\n${below}`) !== undefined ? 'explicit' : 'autoflush';
}

/** @internal Capture the stack where an ORM call started (only when `ormHooks.active`). */
export function ormTrace(): Error {
  return captureStack();
}

/** @internal Build a flush event from the stack taken at the start of `flush()`. */
export function flushEvent(
  stack: Error,
  session: object,
  transactionKey: string | undefined,
  pending: number,
  dirty: number,
  deleted: Iterable<{ readonly mapper: Mapper }>,
): FlushEvent {
  const byMapper = new Map<Mapper, number>();
  for (const st of deleted) byMapper.set(st.mapper, (byMapper.get(st.mapper) ?? 0) + 1);
  let location: string | undefined | null = null;
  let trigger: FlushTrigger | undefined;
  return {
    session,
    transactionKey,
    pending,
    dirty,
    deleted: byMapper,
    get trigger() {
      return (trigger ??= flushTriggerOf(stack.stack));
    },
    get callerLocation() {
      if (location === null) location = callerLocationFrom(stack.stack);
      return location;
    },
  };
}

/**
 * Wrap a result array so diagnostics can tell "only `.length` was read"
 * (a count done in JavaScript) from real use. Call only when
 * `ormHooks.trackReads`; the array behaves exactly as before.
 */
export function trackResultAccess<T>(rows: T[]): { rows: T[]; access: ResultAccess } {
  const access: ResultAccess = { length: false, elements: false };
  const proxy = new Proxy(rows, {
    get(target, key, receiver) {
      if (key === 'length') access.length = true;
      // `await` and promise resolution probe `then`: that is not a use of the rows.
      else if (key !== 'then') access.elements = true;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { rows: proxy, access };
}
