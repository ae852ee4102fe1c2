/**
 * Pitfalls seen in statements alone: N+1 selects and per-row writes.
 *
 * @internal
 */

import { finding, type Finding } from '../findings.js';
import type { StatementGroup, Thresholds, Unit } from '../unit.js';

/** 1. The same SELECT from the same line, again and again, in one unit of work. */
export function nPlusOne(unit: Unit, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  for (const g of unit.groups.values()) {
    if (g.kind !== 'select' || g.inFlush || g.count <= t.nPlusOne) continue;
    const table = g.table ? `"${g.table}"` : 'one table';
    out.push(
      finding({
        pitfall: 'n-plus-one',
        title: `N+1: ${g.count} SELECTs of the same shape on ${table} from one call site in one unit of work (${g.rows} rows, ${g.durationMs.toFixed(1)} ms)`,
        callSite: g.callSite,
        numbers: { statements: g.count, rows: g.rows, durationMs: round(g.durationMs), threshold: t.nPlusOne },
        sql: g.sql,
        fix:
          'load them in one statement: eager-load the relationship before the loop (`.options(selectinLoad(Parent.children))`), ' +
          'or fetch by key in one query (`s.query(Model).where(Model.id.in(ids)).all()`) instead of `s.get()` per object. ' +
          'Lazy loads batch over the objects of one query result unless `batchLazyLoads: false` (session) or `batch: false` (relationship) turns that off.',
      }),
    );
  }
  return out;
}

const WRITE_FIX: Record<'insert' | 'update' | 'delete', string> = {
  update:
    'change the objects in a session and commit once (the flush writes them in one statement per column set), ' +
    'or run one set-based statement: `update(table).set({ ... }).where(table.c.id.in(ids))` (`query.update()` in the ORM).',
  insert:
    'insert the rows in one statement: `insert(table).values(rows)` (split at the bind-parameter limit for you), ' +
    '`engine.copyFrom(table, rows)` for bulk loads, or `session.addAll(objects)` and one commit.',
  delete: 'delete in one statement: `deleteFrom(table).where(table.c.id.in(ids))`, or `session.delete()` each object and commit once.',
};

/** 2. INSERT/UPDATE/DELETE of one shape from one line, outside a flush: a write loop. */
export function perRowWrites(unit: Unit, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  for (const g of unit.groups.values()) {
    if ((g.kind !== 'insert' && g.kind !== 'update' && g.kind !== 'delete') || g.inFlush || g.count <= t.perRowWrites) continue;
    const verb = g.kind.toUpperCase();
    out.push(
      finding({
        pitfall: 'per-row-writes',
        title: `${g.count} ${verb} statements of the same shape${g.table ? ` on "${g.table}"` : ''} from one call site, one round trip each (${g.rows} rows, ${g.durationMs.toFixed(1)} ms)`,
        callSite: g.callSite,
        numbers: { statements: g.count, rows: g.rows, durationMs: round(g.durationMs), threshold: t.perRowWrites },
        sql: g.sql,
        fix: WRITE_FIX[g.kind],
      }),
    );
  }
  return out;
}

/** 9. Reads after a write that went to the primary again and again: the replicas lag behind the unit's writes. */
export function replicaLag(unit: Unit, t: Thresholds): Finding[] {
  const falls = unit.replicaFallbacks;
  if (falls.length <= t.replicaFallbacks) return [];
  const lags = falls.map((f) => f.lagMs).filter((l): l is number => l !== undefined);
  const lagMs = lags.length > 0 ? Math.max(...lags) : undefined;
  return [
    finding({
      pitfall: 'replica-lag',
      title:
        `${falls.length} reads after this unit of work's own write went to the primary: no replica had replayed the write yet` +
        (lagMs !== undefined ? ` (replay lag up to ${Math.round(lagMs)} ms)` : ''),
      callSite: falls[0]!.callSite,
      numbers: { fallbacks: falls.length, threshold: t.replicaFallbacks, ...(lagMs !== undefined ? { lagMs: round(lagMs) } : {}) },
      fix:
        'the replicas replay later than this code reads back what it wrote: read it from the objects the session already holds ' +
        '(they are in its identity map after the commit), read it inside the transaction that wrote it, or pin the reads with ' +
        '`{ primary: true }` / `engine.primary`; if this happens everywhere, look at the replicas\' lag (`engine.replicaStatus()`).',
    }),
  ];
}

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** @internal Statements a flush ran on one table (for cascade findings). */
export function flushStatementsOn(unit: Unit, table: string): StatementGroup[] {
  return [...unit.groups.values()].filter((g) => g.inFlush && g.table === table);
}
