/**
 * The pitfall detector: watches statements (Core's `executionHooks`) and the
 * ORM's flushes, commits and query results (`ormHooks`), groups them by unit
 * of work, and at the end of each unit reports the pitfalls it saw.
 *
 * ```ts
 * configureDiagnostics({ mode: 'warn' });                 // every session and transaction
 * watchSession(session, { mode: 'raise' });               // one session
 * const { report } = await diagnose(() => handler(req));  // one block (a request, a test)
 * diagnostics(session).findings;                          // what a session's units of work found
 * ```
 * A unit of work is a `diagnose()` block when one is running (followed
 * through async work), else one database transaction: a session's (from
 * BEGIN to its commit) or an `engine.transaction()`. Statements outside both
 * (autocommit `engine.execute()` calls with no `diagnose()` around them) are
 * not analysed.
 *
 * When the mode is `off` everywhere, nothing listens: statements cost the
 * engine's usual boolean check, the ORM's emit sites one more.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { DialectName } from '../core/dialects/dialect.js';
import { executionHooks, type ExecutionEvent, type AfterExecuteEvent, type ReplicaFallbackEvent } from '../core/engine/events.js';
import { ormHooks, type CommitEvent, type FlushEvent, type FlushedEvent, type QueryResultEvent, type SessionConnectionEvent } from '../orm/instrumentation.js';
import { maybeState } from '../orm/state.js';
import { PitfallError, report, type DiagnosticsReport, type Finding, type PitfallCode } from './findings.js';
import { cascadeDeletes, prematureFlushes } from './rules/session.js';
import { countInJs, joinedRowMultiplication, unreadColumns, unusedEagerLoads } from './rules/results.js';
import { nPlusOne, perRowWrites, replicaLag } from './rules/statements.js';
import { DEFAULT_THRESHOLDS, Unit, type Thresholds } from './unit.js';

/** `off`: nothing is watched. `warn`: findings go to `onFinding` (default: a process warning). `raise`: the unit of work fails with a {@link PitfallError}. */
export type DiagnosticsMode = 'off' | 'warn' | 'raise';

export interface DiagnosticsOptions {
  readonly mode?: DiagnosticsMode;
  readonly thresholds?: Partial<Thresholds>;
  /** Pitfalls not to report. */
  readonly ignore?: readonly PitfallCode[];
  /**
   * Receives each finding in `warn` and `raise` mode. Default: `process.emitWarning`
   * with type `AthanorPitfall` and code `ATHANOR_<PITFALL>`.
   */
  readonly onFinding?: (finding: Finding) => void;
}

interface Resolved {
  readonly mode: DiagnosticsMode;
  readonly thresholds: Thresholds;
  readonly ignore: ReadonlySet<PitfallCode>;
  readonly onFinding: ((finding: Finding) => void) | undefined;
}

function resolve(options: DiagnosticsOptions, base?: Resolved): Resolved {
  return {
    mode: options.mode ?? base?.mode ?? 'off',
    thresholds: { ...(base?.thresholds ?? DEFAULT_THRESHOLDS), ...options.thresholds },
    ignore: new Set(options.ignore ?? base?.ignore ?? []),
    onFinding: options.onFinding ?? base?.onFinding,
  };
}

interface Scope {
  readonly unit: Unit;
  readonly options: Resolved;
  readonly findings: Finding[];
}

interface SessionRecord {
  options: Resolved | undefined;
  readonly findings: Finding[];
  statements: number;
  flushes: number;
  commits: number;
}

let globalOptions: Resolved = resolve({ mode: 'off' });
const scopes = new AsyncLocalStorage<Scope>();
let activeScopes = 0;
let watchedSessions = 0;
const sessions = new WeakMap<object, SessionRecord>();
/** Open transactions by `engineId:connectionId`. */
const transactions = new Map<string, Unit>();
const unitDialect = new WeakMap<Unit, DialectName>();

// ---------------------------------------------------------------------------
// Listening only while something is on

let detach: (() => void) | undefined;

function tracksTransactions(): boolean {
  return globalOptions.mode !== 'off' || watchedSessions > 0;
}

function refresh(): void {
  const on = activeScopes > 0 || tracksTransactions();
  if (on && !detach) {
    const offs = [
      executionHooks.on('beforeExecute', beforeExecute),
      executionHooks.on('replicaFallback', onReplicaFallback),
      executionHooks.on('afterExecute', afterExecute),
      executionHooks.on('error', (e) => afterExecute({ ...pick(e), durationMs: e.durationMs })),
      ormHooks.on('sessionAcquire', onSessionAcquire),
      ormHooks.on('sessionRelease', onSessionRelease),
      ormHooks.on('flush', onFlush),
      ormHooks.on('flushed', onFlushed),
      ormHooks.on('commit', onCommit),
      ormHooks.on('queryResult', onQueryResult),
      ormHooks.wantReads(),
    ];
    detach = () => offs.forEach((off) => off());
  } else if (!on && detach) {
    detach();
    detach = undefined;
    transactions.clear();
    sessionKeys.clear();
  }
}

function pick(e: ExecutionEvent): AfterExecuteEvent {
  return {
    engineId: e.engineId,
    dialect: e.dialect,
    sql: e.sql,
    parameters: e.parameters,
    connectionId: e.connectionId,
    statementKind: e.statementKind,
    inTransaction: e.inTransaction,
    target: e.target,
    callerLocation: e.callerLocation,
    durationMs: 0,
    rowCount: 0,
  };
}

// ---------------------------------------------------------------------------
// Units

const BEGIN = /^\s*(BEGIN|START TRANSACTION)\b/i;
const END = /^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i;

function transactionUnit(key: string | undefined, create: boolean): Unit | undefined {
  if (key === undefined || !tracksTransactions()) return undefined;
  let unit = transactions.get(key);
  if (!unit && create) {
    unit = new Unit('transaction');
    transactions.set(key, unit);
  }
  return unit;
}

function beforeExecute(e: ExecutionEvent): void {
  // Judge a transaction before its COMMIT is sent, so `raise` rolls it back instead of reporting after the fact.
  if (e.statementKind !== 'transaction' || scopes.getStore() || !/^\s*COMMIT\b/i.test(e.sql)) return;
  const unit = transactions.get(`${e.engineId}:${e.connectionId}`);
  if (unit && !unit.evaluated) evaluate(unit, undefined, true);
}

/**
 * Connections held by ORM sessions. A session reads without a transaction and
 * opens one only to write, so its unit of work runs from taking its connection
 * to giving it back, BEGIN and COMMIT included.
 */
const sessionKeys = new Set<string>();

function onSessionAcquire(e: SessionConnectionEvent): void {
  if (e.transactionKey === undefined || scopes.getStore() || !tracksTransactions()) return;
  const unit = new Unit('transaction');
  unit.sessions.add(e.session);
  transactions.set(e.transactionKey, unit);
  sessionKeys.add(e.transactionKey);
}

function onSessionRelease(e: SessionConnectionEvent): void {
  if (e.transactionKey === undefined || !sessionKeys.has(e.transactionKey)) return;
  const unit = transactions.get(e.transactionKey);
  transactions.delete(e.transactionKey);
  sessionKeys.delete(e.transactionKey);
  if (unit && !unit.evaluated) evaluate(unit, undefined, false);
}

function afterExecute(e: AfterExecuteEvent): void {
  const scope = scopes.getStore();
  if (scope) {
    if (!unitDialect.has(scope.unit)) unitDialect.set(scope.unit, e.dialect);
    scope.unit.addStatement(e.sql, e.statementKind, e.statementKind === 'transaction' ? undefined : e.callerLocation, e.rowCount, e.durationMs);
    return;
  }
  if (!tracksTransactions()) return;
  const key = `${e.engineId}:${e.connectionId}`;
  if (sessionKeys.has(key)) {
    const unit = transactions.get(key);
    if (!unit || e.statementKind === 'transaction') return;
    if (!unitDialect.has(unit)) unitDialect.set(unit, e.dialect);
    unit.addStatement(e.sql, e.statementKind, e.callerLocation, e.rowCount, e.durationMs);
    return;
  }
  if (e.statementKind === 'transaction') {
    if (BEGIN.test(e.sql)) {
      const unit = new Unit('transaction');
      unitDialect.set(unit, e.dialect);
      transactions.set(key, unit);
    } else if (END.test(e.sql)) {
      const unit = transactions.get(key);
      transactions.delete(key);
      if (unit && !unit.evaluated) evaluate(unit, undefined, false);
    }
    return;
  }
  if (!e.inTransaction) return;
  const unit = transactionUnit(key, true)!;
  if (!unitDialect.has(unit)) unitDialect.set(unit, e.dialect);
  unit.addStatement(e.sql, e.statementKind, e.callerLocation, e.rowCount, e.durationMs);
}

/** A read-your-writes read went to the primary: counted in the diagnose() block around it. */
function onReplicaFallback(e: ReplicaFallbackEvent): void {
  scopes.getStore()?.unit.replicaFallbacks.push({ callSite: e.callerLocation, lagMs: e.lagMs });
}

function unitFor(transactionKey: string | undefined, session: object): Unit | undefined {
  // Only a unit that something will judge: a diagnose() scope, a session's connection, or an open transaction.
  // (A session that took its connection before the detector was switched on has none, and is left alone.)
  const unit = scopes.getStore()?.unit ?? (transactionKey !== undefined ? transactions.get(transactionKey) : undefined);
  if (unit) unit.sessions.add(session);
  return unit;
}

function onFlush(e: FlushEvent): void {
  const unit = unitFor(e.transactionKey, e.session);
  if (!unit) return;
  unit.flushing++;
  unit.flushes.push({ trigger: e.trigger, callSite: e.callerLocation, wrote: e.pending + e.dirty + e.deleted.size, deleted: e.deleted, writes: [] });
}

function onFlushed(e: FlushedEvent): void {
  const unit = scopes.getStore()?.unit ?? (e.transactionKey ? transactions.get(e.transactionKey) : undefined);
  if (unit && unit.flushing > 0) unit.flushing--;
}

function onCommit(e: CommitEvent): void {
  const scope = scopes.getStore();
  const unit = unitFor(e.transactionKey, e.session);
  if (!unit) return;
  unit.commits.push(e.callerLocation);
  if (!scope) evaluate(unit, undefined, true);
}

function onQueryResult(e: QueryResultEvent): void {
  const unit = unitFor(e.transactionKey, e.session);
  if (!unit) return;
  unit.results.push(e);
  // Read tracking starts now: reads by the application happen after the query returns.
  for (const o of e.objects) {
    const st = maybeState(o);
    // Reads count from this result on: an object kept in the identity map must not carry reads from an earlier unit.
    if (st) st.reads = new Set();
  }
}

// ---------------------------------------------------------------------------
// Judging a unit

function sessionRecord(session: object): SessionRecord {
  let r = sessions.get(session);
  if (!r) {
    r = { options: undefined, findings: [], statements: 0, flushes: 0, commits: 0 };
    sessions.set(session, r);
  }
  return r;
}

function optionsFor(unit: Unit, scope: Scope | undefined): Resolved {
  if (scope) return scope.options;
  for (const s of unit.sessions) {
    const o = sessions.get(s)?.options;
    if (o) return o;
  }
  return globalOptions;
}

/** All rules, in pitfall order. @internal */
export function findingsOf(unit: Unit, t: Thresholds, dialect: DialectName | undefined): Finding[] {
  return [
    ...nPlusOne(unit, t),
    ...perRowWrites(unit, t),
    ...cascadeDeletes(unit, dialect),
    ...unusedEagerLoads(unit),
    ...unreadColumns(unit, t),
    ...countInJs(unit, t),
    ...prematureFlushes(unit, t),
    ...joinedRowMultiplication(unit, t),
    ...replicaLag(unit, t),
  ];
}

function evaluate(unit: Unit, scope: Scope | undefined, mayThrow: boolean): Finding[] {
  unit.evaluated = true;
  const options = optionsFor(unit, scope);
  for (const s of unit.sessions) {
    const r = sessionRecord(s);
    r.statements += unit.statements;
    r.flushes += unit.flushes.length;
    r.commits += unit.commits.length;
  }
  if (options.mode === 'off') return [];
  const found = findingsOf(unit, options.thresholds, unitDialect.get(unit)).filter((f) => !options.ignore.has(f.pitfall));
  if (found.length === 0) return found;
  for (const s of unit.sessions) sessionRecord(s).findings.push(...found);
  scope?.findings.push(...found);
  for (const f of found) {
    if (options.onFinding) options.onFinding(f);
    else if (options.mode === 'warn' || !mayThrow) process.emitWarning(f.message, { type: 'AthanorPitfall', code: `ATHANOR_${f.pitfall.toUpperCase().replace(/-/g, '_')}` });
  }
  if (options.mode === 'raise' && mayThrow) throw new PitfallError(found);
  return found;
}

// ---------------------------------------------------------------------------
// Public API

/**
 * Set the detector for every session and transaction in the process.
 * `ATHANOR_DIAGNOSTICS=warn|raise` in the environment does the same at import.
 *
 * ```ts
 * configureDiagnostics({ mode: 'raise', thresholds: { nPlusOne: 3 } }); // in a test setup file
 * ```
 */
export function configureDiagnostics(options: DiagnosticsOptions): void {
  globalOptions = resolve(options, globalOptions);
  refresh();
}

/** The global settings (mode and thresholds). */
export function diagnosticsSettings(): { readonly mode: DiagnosticsMode; readonly thresholds: Thresholds } {
  return { mode: globalOptions.mode, thresholds: globalOptions.thresholds };
}

/**
 * Watch one session with its own mode (whatever the global mode is). Each of
 * its transactions is a unit of work, judged at its commit. Returns a function
 * that stops watching.
 *
 * ```ts
 * const s = db.openSession();
 * watchSession(s, { mode: 'raise' });
 * ```
 */
export function watchSession(session: object, options: DiagnosticsOptions = {}): () => void {
  const r = sessionRecord(session);
  const wasWatched = r.options !== undefined;
  r.options = resolve({ mode: 'warn', ...options }, globalOptions);
  if (!wasWatched) watchedSessions++;
  refresh();
  return () => {
    if (r.options === undefined) return;
    r.options = undefined;
    watchedSessions = Math.max(0, watchedSessions - 1);
    refresh();
  };
}

/**
 * The findings of a session's units of work so far (its committed
 * transactions, and `diagnose()` blocks it took part in).
 *
 * ```ts
 * await s.commit();
 * for (const f of diagnostics(s).findings) console.log(f.message);
 * ```
 */
export function diagnostics(session: object): DiagnosticsReport {
  const r = sessions.get(session);
  return report(r ? [...r.findings] : [], r?.statements ?? 0, r?.flushes ?? 0, r?.commits ?? 0);
}

/**
 * Run `fn` as one unit of work under the detector (default mode `warn`) and
 * return its value with the report. Everything `fn` starts, awaited or
 * concurrent, belongs to the unit; other requests do not.
 *
 * ```ts
 * const { value, report } = await diagnose(() => listArtists(db), { onFinding: () => {} });
 * report.of('n-plus-one'); // []
 * ```
 * In `raise` mode a unit with findings rejects with a {@link PitfallError}.
 */
export async function diagnose<T>(fn: () => Promise<T>, options: DiagnosticsOptions = {}): Promise<{ value: T; report: DiagnosticsReport }> {
  const scope: Scope = { unit: new Unit('scope'), options: resolve({ mode: 'warn', ...options }, globalOptions), findings: [] };
  activeScopes++;
  refresh();
  let value: T;
  try {
    value = await scopes.run(scope, fn);
  } finally {
    activeScopes--;
    refresh();
  }
  evaluate(scope.unit, scope, true);
  return { value, report: report(scope.findings, scope.unit.statements, scope.unit.flushes.length, scope.unit.commits.length) };
}

/** Forget global settings, watched sessions and open units (for test isolation). */
export function resetDiagnostics(): void {
  globalOptions = resolve({ mode: 'off' });
  watchedSessions = 0;
  transactions.clear();
  sessionKeys.clear();
  refresh();
}

const fromEnv = typeof process !== 'undefined' ? process.env['ATHANOR_DIAGNOSTICS'] : undefined;
if (fromEnv === 'warn' || fromEnv === 'raise') configureDiagnostics({ mode: fromEnv });
