/**
 * A structured statement log with a slow-statement threshold, for any logger
 * that takes objects (pino, winston, bunyan, console).
 *
 * ```ts
 * import pino from 'pino';
 * const logger = pino();
 * const stop = logStatements({ log: ({ level, msg, ...fields }) => logger[level](fields, msg), slowMs: 200 });
 * ```
 * The entry carries `level` and `msg`; a logger that writes its own (pino
 * does, and does not merge keys) gets the other fields only, or its lines
 * would have both keys twice.
 */

import { executionHooks, type AfterExecuteEvent, type ExecuteErrorEvent, type ExecutionEvents } from '../core/engine/events.js';

export type StatementLogLevel = 'debug' | 'warn' | 'error';

/**
 * One log entry: `level` and `msg`, and the statement's fields. Hand a logger
 * the fields without `level` and `msg` when it writes its own:
 *
 * ```ts
 * logStatements({ log: ({ level, msg, ...fields }) => logger[level](fields, msg) });
 * ```
 */
export interface StatementLogEntry {
  /** `debug` for a statement, `warn` for a slow one, `error` for a failed one. */
  readonly level: StatementLogLevel;
  readonly msg: 'statement' | 'slow statement' | 'statement failed';
  readonly sql: string;
  /** Present only with `parameters: true` (they may hold personal data). */
  readonly parameters?: readonly unknown[];
  readonly durationMs: number;
  readonly rows: number;
  readonly kind: string;
  readonly callerLocation: string | undefined;
  readonly engineId: number;
  readonly connectionId: number;
  readonly dialect: string;
  /** Where it ran: `'primary'`, or `'replica:<n>'` on an engine with read replicas. */
  readonly target: string;
  readonly error?: string;
}

export interface LogStatementsOptions {
  /** Receives each entry. */
  readonly log: (entry: StatementLogEntry) => void;
  /** Statements slower than this (ms) are logged at `warn` as slow statements. */
  readonly slowMs?: number;
  /** `'slow'`: log only slow and failed statements. Default `'all'`. */
  readonly only?: 'all' | 'slow';
  /** Include bound parameters (default false). */
  readonly parameters?: boolean;
  /** Include BEGIN/COMMIT/ROLLBACK (default false). */
  readonly transactionControl?: boolean;
  /** Listen to one engine (`engine.events`) instead of every engine. */
  readonly engine?: { readonly events: ExecutionEvents };
}

/**
 * Log every statement (or only slow ones) until the returned function is called.
 *
 * ```ts
 * const stop = logStatements({ log: (e) => console.log(JSON.stringify(e)), slowMs: 100, only: 'slow' });
 * ```
 */
export function logStatements(options: LogStatementsOptions): () => void {
  const events = options.engine?.events ?? executionHooks;
  const slowMs = options.slowMs ?? Number.POSITIVE_INFINITY;
  const onlySlow = options.only === 'slow';
  const entry = (e: AfterExecuteEvent | ExecuteErrorEvent, level: StatementLogLevel, msg: StatementLogEntry['msg']): StatementLogEntry => ({
    level,
    msg,
    sql: e.sql,
    ...(options.parameters ? { parameters: e.parameters } : {}),
    durationMs: e.durationMs,
    rows: 'rowCount' in e ? e.rowCount : 0,
    kind: e.statementKind,
    callerLocation: e.callerLocation,
    engineId: e.engineId,
    connectionId: e.connectionId,
    dialect: e.dialect,
    target: e.target,
    ...('error' in e && e.error ? { error: e.error.message } : {}),
  });
  const offAfter = events.on('afterExecute', (e) => {
    if (e.statementKind === 'transaction' && !options.transactionControl) return;
    const slow = e.durationMs >= slowMs;
    if (onlySlow && !slow) return;
    options.log(entry(e, slow ? 'warn' : 'debug', slow ? 'slow statement' : 'statement'));
  });
  const offError = events.on('error', (e) => options.log(entry(e, 'error', 'statement failed')));
  return () => {
    offAfter();
    offError();
  };
}
