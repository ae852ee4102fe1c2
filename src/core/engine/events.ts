/**
 * Statement events: one engine's (`engine.events`) and every engine's
 * (`executionHooks`, for diagnostics).
 *
 * ```ts
 * engine.events.on('afterExecute', (e) => console.log(e.durationMs, e.sql, e.callerLocation));
 * const stop = executionHooks.on('afterExecute', (e) => recorder.add(e)); // all engines
 * ```
 * Listeners run synchronously inside the async context of the call that ran
 * the statement, so an `AsyncLocalStorage` store (a request, a test, a
 * diagnostics scope) is visible from them. With no listener anywhere, the cost
 * per statement is two boolean checks: no event object, no stack capture.
 */

import { fileURLToPath } from 'node:url';
import type { DialectName } from '../dialects/dialect.js';
import type { StatementKind } from '../sql/nodes.js';

/** What ran: a compiled statement's kind, transaction control, or a bulk COPY. */
export type ExecutionKind = StatementKind | 'transaction' | 'copy';

/** A statement about to run. */
export interface ExecutionEvent {
  /** The engine that ran it (an id for telling engines apart, and its dialect). */
  readonly engineId: number;
  readonly dialect: DialectName;
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** The server's id for the connection (PostgreSQL backend pid, MySQL thread id; 1 for SQLite). */
  readonly connectionId: number;
  readonly statementKind: ExecutionKind;
  readonly inTransaction: boolean;
  /**
   * Where it ran: `'primary'` (an engine without replicas, or the primary of one with replicas) or `'replica:<n>'`,
   * the index of the replica in the engine's `replicas`.
   */
  readonly target: string;
  /**
   * `file:line:column` of the first stack frame outside Athanor's own sources
   * and node_modules: the application line that caused the statement.
   * Computed on first read.
   */
  readonly callerLocation: string | undefined;
}

/** A statement that completed. */
export interface AfterExecuteEvent extends ExecutionEvent {
  readonly durationMs: number;
  /** Rows returned, or rows affected when the statement returns none. */
  readonly rowCount: number;
}

/** A statement that failed; `error` is the typed error about to be thrown. */
export interface ExecuteErrorEvent extends ExecutionEvent {
  readonly durationMs: number;
  readonly error: Error;
}

/**
 * A read on an engine with replicas that had to see a replication position (its session had committed, or it
 * carried a consistency token) and went to the primary because no replica in rotation had replayed that far: a
 * sign of replica lag when it happens often.
 *
 * ```ts
 * engine.events.on('replicaFallback', (e) => log.error(`read from the primary (replicas behind ${e.position}) at ${e.callerLocation}`));
 * ```
 */
export interface ReplicaFallbackEvent {
  readonly engineId: number;
  readonly dialect: DialectName;
  /** The position the read had to see (a WAL LSN, a GTID list). */
  readonly position: string;
  /** The largest replay lag the replicas last reported, in milliseconds (undefined: none reported one). */
  readonly lagMs: number | undefined;
  /** The application line that caused the read; computed on first read. */
  readonly callerLocation: string | undefined;
}

export interface ExecutionListeners {
  beforeExecute: (event: ExecutionEvent) => void;
  afterExecute: (event: AfterExecuteEvent) => void;
  error: (event: ExecuteErrorEvent) => void;
  replicaFallback: (event: ReplicaFallbackEvent) => void;
}

export type ExecutionEventName = keyof ExecutionListeners;

/** A set of statement listeners. */
export class ExecutionEvents {
  /** True while any listener is registered: the engine checks this before building events. */
  active = false;
  private readonly listeners: { [K in ExecutionEventName]: ExecutionListeners[K][] } = {
    beforeExecute: [],
    afterExecute: [],
    error: [],
    replicaFallback: [],
  };

  /** Add a listener; returns a function that removes it. */
  on<K extends ExecutionEventName>(name: K, listener: ExecutionListeners[K]): () => void {
    this.listeners[name].push(listener);
    this.active = true;
    return () => this.off(name, listener);
  }

  off<K extends ExecutionEventName>(name: K, listener: ExecutionListeners[K]): void {
    const list = this.listeners[name];
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
    const l = this.listeners;
    this.active = l.beforeExecute.length + l.afterExecute.length + l.error.length + l.replicaFallback.length > 0;
  }

  /** @internal */
  emit<K extends ExecutionEventName>(name: K, event: Parameters<ExecutionListeners[K]>[0]): void {
    const list = this.listeners[name];
    if (list.length === 0) return;
    // A copy: a listener may remove itself while we iterate.
    for (const listener of list.slice()) (listener as (e: typeof event) => void)(event);
  }
}

/**
 * Listeners for every engine in the process. Diagnostics subscribe here;
 * nothing in core depends on who listens.
 */
export const executionHooks = new ExecutionEvents();

// ---------------------------------------------------------------------------
// Caller location

/** Athanor's own source root (src/ here, dist/src/ when built): frames under it are not the caller. */
const OWN_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Frames deep enough to get past the ORM, the engine and async plumbing. */
const STACK_DEPTH = 40;

/** @internal Capture the current stack cheaply; V8 formats it only when `.stack` is read. */
export function captureStack(depth = STACK_DEPTH): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  const holder = new Error('caller');
  Error.stackTraceLimit = limit;
  return holder;
}

const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/** @internal The first frame of `stack` outside Athanor and node_modules, as `file:line:column`. */
export function callerLocationFrom(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const lines = stack.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]!);
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) file = fileURLToPath(file);
    if (file.startsWith('node:') || file.startsWith('internal/') || file.includes('/node_modules/')) continue;
    if (file.startsWith(OWN_ROOT)) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** @internal One statement's event, filled in as it runs (one object for all three phases). */
export class Execution implements AfterExecuteEvent, ExecuteErrorEvent {
  durationMs = 0;
  rowCount = 0;
  error!: Error;
  private location: string | undefined | null = null;

  constructor(
    readonly engineId: number,
    readonly dialect: DialectName,
    readonly sql: string,
    readonly parameters: readonly unknown[],
    readonly connectionId: number,
    readonly statementKind: ExecutionKind,
    readonly inTransaction: boolean,
    private readonly stack: Error,
    readonly target: string = 'primary',
  ) {}

  get callerLocation(): string | undefined {
    if (this.location === null) this.location = callerLocationFrom(this.stack.stack);
    return this.location;
  }

  toJSON(): object {
    const { engineId, dialect, sql, parameters, connectionId, statementKind, inTransaction, target, durationMs, rowCount } = this;
    return { engineId, dialect, sql, parameters, connectionId, statementKind, inTransaction, target, durationMs, rowCount, callerLocation: this.callerLocation };
  }
}

/** @internal A {@link ReplicaFallbackEvent}, its caller location read lazily. */
export class ReplicaFallback implements ReplicaFallbackEvent {
  private location: string | undefined | null = null;

  constructor(
    readonly engineId: number,
    readonly dialect: DialectName,
    readonly position: string,
    readonly lagMs: number | undefined,
    private readonly stack: Error,
  ) {}

  get callerLocation(): string | undefined {
    if (this.location === null) this.location = callerLocationFrom(this.stack.stack);
    return this.location;
  }
}
