/**
 * The statement recorder: every statement run inside a block, by any engine,
 * followed through async work with AsyncLocalStorage, so concurrent requests
 * are not mixed.
 *
 * ```ts
 * const rec = await recordStatements(async () => {
 *   await db.session(async (s) => { s.add(new Artist({ name: 'Queen' })); });
 * });
 * rec.count;            // 1 (BEGIN and COMMIT are kept apart: rec.transactionControl)
 * rec.statements[0];    // { sql: 'INSERT INTO "artist" ...', parameters, durationMs, rowCount, callerLocation, ... }
 * rec.value;            // what the block returned
 * ```
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { executionHooks, type AfterExecuteEvent, type ExecuteErrorEvent, type ExecutionKind } from '../core/engine/events.js';
import type { DialectName } from '../core/dialects/dialect.js';

/** One statement that ran. */
export interface RecordedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly kind: ExecutionKind;
  readonly durationMs: number;
  /** Rows returned, or rows affected when none are returned. */
  readonly rowCount: number;
  /** `file:line:column` of the application line that caused it. */
  readonly callerLocation: string | undefined;
  readonly engineId: number;
  readonly dialect: DialectName;
  readonly connectionId: number;
  readonly inTransaction: boolean;
  /** Where it ran: `'primary'`, or `'replica:<n>'` on an engine with read replicas. */
  readonly target: string;
  /** Set when the statement failed. */
  readonly error?: Error;
}

/** What {@link recordStatements} returns. */
export interface StatementRecording<T = unknown> {
  /** Data statements (everything but BEGIN, COMMIT, ROLLBACK and savepoints). */
  readonly statements: readonly RecordedStatement[];
  /** BEGIN, COMMIT, ROLLBACK and savepoints. */
  readonly transactionControl: readonly RecordedStatement[];
  /** Every statement, in order. */
  readonly all: readonly RecordedStatement[];
  /** `statements.length`. */
  readonly count: number;
  /** Total time spent in the database (data statements), in milliseconds. */
  readonly totalMs: number;
  /** The block's return value. */
  readonly value: T;
  /** A numbered list of the data statements, for messages. */
  format(): string;
}

/** A recording in progress. @internal */
export class StatementSink {
  readonly all: RecordedStatement[] = [];
  add(s: RecordedStatement): void {
    this.all.push(s);
  }
}

const scope = new AsyncLocalStorage<readonly StatementSink[]>();
let listeners = 0;
let stop: (() => void) | undefined;

function toRecord(e: AfterExecuteEvent | ExecuteErrorEvent, error: Error | undefined): RecordedStatement {
  // The caller location stays lazy: formatting a stack costs more than the rest of the record.
  return {
    sql: e.sql,
    parameters: e.parameters,
    kind: e.statementKind,
    durationMs: e.durationMs,
    rowCount: 'rowCount' in e ? e.rowCount : 0,
    get callerLocation() {
      return e.callerLocation;
    },
    engineId: e.engineId,
    dialect: e.dialect,
    connectionId: e.connectionId,
    inTransaction: e.inTransaction,
    target: e.target,
    ...(error ? { error } : {}),
  };
}

function attach(): void {
  if (listeners++ > 0) return;
  const offAfter = executionHooks.on('afterExecute', (e) => {
    const sinks = scope.getStore();
    if (!sinks) return;
    const rec = toRecord(e, undefined);
    for (const s of sinks) s.add(rec);
  });
  const offError = executionHooks.on('error', (e) => {
    const sinks = scope.getStore();
    if (!sinks) return;
    const rec = toRecord(e, e.error);
    for (const s of sinks) s.add(rec);
  });
  stop = () => {
    offAfter();
    offError();
  };
}

function detach(): void {
  if (--listeners > 0) return;
  stop?.();
  stop = undefined;
}

/** @internal Run `fn` with `sink` receiving every statement of its async context (nested sinks all receive). */
export async function withSink<T>(sink: StatementSink, fn: () => Promise<T>): Promise<T> {
  attach();
  try {
    return await scope.run([...(scope.getStore() ?? []), sink], fn);
  } finally {
    detach();
  }
}

/** Format statements as a numbered list (SQL, parameters, rows, time, call site). */
export function formatStatements(statements: readonly RecordedStatement[]): string {
  if (statements.length === 0) return '  (none)';
  return statements
    .map((s, i) => {
      const params = s.parameters.length > 0 ? `  -- ${JSON.stringify(s.parameters, jsonSafe)}` : '';
      const where = s.callerLocation ? ` at ${s.callerLocation}` : '';
      const failed = s.error ? ` FAILED: ${s.error.message.split('\n')[0]}` : '';
      return `  ${i + 1}. ${s.sql}${params}\n     (${s.rowCount} rows, ${s.durationMs.toFixed(2)} ms${where})${failed}`;
    })
    .join('\n');
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}

/** @internal */
export function recording<T>(sink: StatementSink, value: T): StatementRecording<T> {
  const all = sink.all;
  const statements = all.filter((s) => s.kind !== 'transaction');
  return {
    all,
    statements,
    transactionControl: all.filter((s) => s.kind === 'transaction'),
    count: statements.length,
    totalMs: statements.reduce((n, s) => n + s.durationMs, 0),
    value,
    format: () => formatStatements(statements),
  };
}

/**
 * Run `fn` and record every statement it causes, on any engine, including
 * through awaited and concurrent async work it starts; statements of other
 * requests running at the same time are not included. If `fn` throws, the
 * error propagates and nothing is returned.
 *
 * ```ts
 * const rec = await recordStatements(() => s.query(Artist).all());
 * assert.equal(rec.count, 1);
 * ```
 */
export async function recordStatements<T>(fn: () => Promise<T>): Promise<StatementRecording<T>> {
  const sink = new StatementSink();
  const value = await withSink(sink, fn);
  return recording(sink, value);
}
