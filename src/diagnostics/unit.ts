/**
 * What the detector keeps about one unit of work: a diagnostics scope, or one
 * database transaction (a session's transaction, or `engine.transaction()`).
 * Statements are aggregated by (kind, shape, call site) as they arrive, so a
 * long unit costs memory per distinct statement, not per execution.
 *
 * @internal
 */

import type { ExecutionKind } from '../core/engine/events.js';
import type { FlushTrigger, QueryResultEvent } from '../orm/instrumentation.js';
import type { Mapper } from '../orm/mapper.js';
import { statementShape, statementTable } from './shape.js';

/** Thresholds of the detector; each finding fires when a figure goes above its threshold. */
export interface Thresholds {
  /** Same-shape SELECTs from one call site in one unit of work (default 5). */
  readonly nPlusOne: number;
  /** Same-shape INSERT/UPDATE/DELETEs from one call site outside a flush (default 5). */
  readonly perRowWrites: number;
  /** Flushes that wrote, in one unit of work, when at least one was an explicit `flush()` (default 1). */
  readonly flushes: number;
  /** Commits in one diagnostics scope (default 1). */
  readonly commits: number;
  /** Unread columns: entity queries loading at least this many non-key columns (default 5) ... */
  readonly unreadMinColumns: number;
  /** ... of which at most this share was read (default 0.5). */
  readonly unreadMaxShare: number;
  /** Rows fetched only to be measured with `.length` (default 1: any). */
  readonly countInJsMinRows: number;
  /** Rows per parent in a query with joined collection loads (default 10). */
  readonly joinedRowsPerParent: number;
  /** Reads sent to the primary because no replica had replayed the unit's own writes (default 2). */
  readonly replicaFallbacks: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  nPlusOne: 5,
  perRowWrites: 5,
  flushes: 1,
  commits: 1,
  unreadMinColumns: 5,
  unreadMaxShare: 0.5,
  countInJsMinRows: 1,
  joinedRowsPerParent: 10,
  replicaFallbacks: 2,
};

/** Executions of one statement shape from one call site. */
export interface StatementGroup {
  readonly kind: ExecutionKind;
  readonly shape: string;
  readonly callSite: string | undefined;
  /** Run by a flush (the unit of work's own batched statements). */
  readonly inFlush: boolean;
  readonly table: string | undefined;
  /** The first SQL text seen. */
  readonly sql: string;
  count: number;
  rows: number;
  durationMs: number;
}

/** The INSERTs, UPDATEs or DELETEs of one kind on one table that one flush ran. */
export interface FlushWrite {
  readonly kind: 'insert' | 'update' | 'delete';
  readonly table: string | undefined;
  /** The first SQL text seen. */
  readonly sql: string;
  count: number;
  rows: number;
  durationMs: number;
}

export interface FlushRecord {
  readonly trigger: FlushTrigger;
  readonly callSite: string | undefined;
  readonly wrote: number;
  readonly deleted: ReadonlyMap<Mapper, number>;
  /** What the flush wrote, by kind and table (its statements carry no call site of their own). */
  readonly writes: FlushWrite[];
}

export class Unit {
  readonly groups = new Map<string, StatementGroup>();
  readonly flushes: FlushRecord[] = [];
  readonly commits: (string | undefined)[] = [];
  readonly results: QueryResultEvent[] = [];
  readonly sessions = new Set<object>();
  /** Reads that fell back to the primary for read-your-writes: where, and the replica lag then. */
  readonly replicaFallbacks: { readonly callSite: string | undefined; readonly lagMs: number | undefined }[] = [];
  statements = 0;
  /** Flushes in progress (their statements are not per-row writes by the application). */
  flushing = 0;
  evaluated = false;

  constructor(readonly kind: 'scope' | 'transaction') {}

  addStatement(sql: string, kind: ExecutionKind, callSite: string | undefined, rows: number, durationMs: number): void {
    if (kind === 'transaction') return;
    this.statements++;
    const inFlush = this.flushing > 0;
    const shape = statementShape(sql);
    const key = `${kind}\u0000${inFlush ? 'f' : ''}\u0000${callSite ?? ''}\u0000${shape}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { kind, shape, callSite, inFlush, table: statementTable(sql), sql, count: 0, rows: 0, durationMs: 0 };
      this.groups.set(key, g);
    }
    g.count++;
    g.rows += rows;
    g.durationMs += durationMs;
    const flush = inFlush ? this.flushes[this.flushes.length - 1] : undefined;
    if (flush && (kind === 'insert' || kind === 'update' || kind === 'delete')) {
      const table = g.table;
      let w = flush.writes.find((x) => x.kind === kind && x.table === table);
      if (!w) {
        w = { kind, table, sql, count: 0, rows: 0, durationMs: 0 };
        flush.writes.push(w);
      }
      w.count++;
      w.rows += rows;
      w.durationMs += durationMs;
    }
  }
}
