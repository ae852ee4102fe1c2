/**
 * Pitfalls seen in what the application did with query results: eager loads
 * never read, columns loaded and not read, results only measured, and joined
 * collection loads multiplying rows. They need the query code's
 * `queryResult` event and read tracking (`InstanceState.reads`, switched on
 * only while the detector runs).
 *
 * @internal
 */

import type { QueryResultEvent } from '../../orm/instrumentation.js';
import { maybeState, type InstanceState } from '../../orm/state.js';
import { finding, type Finding } from '../findings.js';
import type { Thresholds, Unit } from '../unit.js';

function states(e: QueryResultEvent): InstanceState[] {
  const out: InstanceState[] = [];
  for (const o of e.objects) {
    const st = maybeState(o);
    if (st) out.push(st);
  }
  return out;
}

/**
 * The read-tracking slot of a relationship: relationship reads are recorded in
 * `InstanceState.reads` after the column indexes (`columns.length + relationship index`).
 */
export function relationshipReadIndex(st: InstanceState, relationshipIndex: number): number {
  return st.mapper.columns.length + relationshipIndex;
}

/** 4. A relationship eagerly loaded by a query and read on none of its objects. */
export function unusedEagerLoads(unit: Unit): Finding[] {
  const out: Finding[] = [];
  for (const e of unit.results) {
    const sts = states(e);
    if (sts.length === 0) continue;
    for (const load of e.eager) {
      if (load.path.length !== 1) continue; // nested paths: their objects are not the query's roots
      const rel = e.mapper.relationshipIndex(load.attr);
      const read = sts.some((st) => st.reads?.has(relationshipReadIndex(st, rel)));
      if (read) continue;
      const option = load.strategy === 'joined' ? 'joinedLoad' : load.strategy === 'selectin' ? 'selectinLoad' : `${load.strategy}Load`;
      out.push(
        finding({
          pitfall: 'unused-eager-load',
          title: `${load.attr.name} was eagerly loaded (${load.strategy}) for ${sts.length} ${e.mapper.name} object(s) and read on none of them`,
          callSite: e.callerLocation,
          numbers: { objects: sts.length, rows: e.rowCount },
          fix:
            load.attr.options.lazy === load.strategy
              ? `the relationship loads eagerly by default (\`lazy: '${load.strategy}'\`): make the default lazy and ask for it per query with \`.options(${option}(${load.attr.name}))\` where it is used, or \`.options(lazyLoad(${load.attr.name}))\` here.`
              : `drop \`${option}(${load.attr.name})\` from this query's options.`,
        }),
      );
    }
  }
  return out;
}

/** 5. Entity queries whose objects had only a few of many loaded columns read. */
export function unreadColumns(unit: Unit, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  for (const e of unit.results) {
    const sts = states(e);
    if (sts.length === 0) continue;
    const pk = new Set(e.mapper.primaryKeyIndexes);
    const loaded = e.columns.filter((i) => !pk.has(i));
    if (loaded.length < t.unreadMinColumns) continue;
    const read = new Set<number>();
    for (const st of sts) for (const i of st.reads ?? []) if (loaded.includes(i)) read.add(i);
    // Nothing read at all is the "only measured" pitfall (or objects passed on unread): not this one.
    if (read.size === 0 || read.size / loaded.length > t.unreadMaxShare) continue;
    const name = e.mapper.name;
    const readKeys = [...read].sort((a, b) => a - b).map((i) => e.mapper.columns[i]!.key);
    const unread = loaded.filter((i) => !read.has(i)).map((i) => e.mapper.columns[i]!.key);
    out.push(
      finding({
        pitfall: 'unread-columns',
        title: `${name} query loaded ${loaded.length} columns for ${sts.length} object(s); only ${read.size} were read (${readKeys.join(', ')}); unread: ${unread.join(', ')}`,
        callSite: e.callerLocation,
        numbers: { objects: sts.length, columnsLoaded: loaded.length, columnsRead: read.size },
        fix:
          `load only what is used: \`.options(loadOnly(${readKeys.map((k) => `${name}.${k}`).join(', ')}))\`, ` +
          `or select plain rows: \`select(${readKeys.map((k) => `${name}.${k}`).join(', ')})\` when the objects are not changed.`,
      }),
    );
  }
  return out;
}

/**
 * 6. A result array whose `.length` was read and nothing else: a count done in
 * JavaScript. Detected on the array the query returned (wrapped while the
 * detector runs), so it is reliable for `(await q.all()).length`; it cannot see
 * a copy (`[...rows].length`) or objects reached another way.
 */
export function countInJs(unit: Unit, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  for (const e of unit.results) {
    const a = e.access;
    if (!a || !a.length || a.elements || e.objects.length < t.countInJsMinRows) continue;
    out.push(
      finding({
        pitfall: 'count-in-js',
        title: `${e.mapper.name} query fetched ${e.rowCount} row(s) and built ${e.objects.length} object(s) only to read the result's length`,
        callSite: e.callerLocation,
        numbers: { rows: e.rowCount, objects: e.objects.length },
        fix: 'count in the database: `await query.count()` (or `await query.exists()` / `.first()` when only "any?" matters).',
      }),
    );
  }
  return out;
}

/** 8. Joined collection loads that send many rows per parent (a cartesian product with two collections). */
export function joinedRowMultiplication(unit: Unit, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  for (const e of unit.results) {
    const joined = e.eager.filter((l) => l.strategy === 'joined' && l.attr.many);
    if (joined.length === 0 || e.objects.length === 0) continue;
    const perParent = e.rowCount / e.objects.length;
    if (perParent <= t.joinedRowsPerParent) continue;
    const names = joined.map((l) => l.attr.name);
    out.push(
      finding({
        pitfall: 'joined-row-multiplication',
        title:
          `${e.mapper.name} query with joined loads of ${names.join(' and ')} returned ${e.rowCount} rows for ${e.objects.length} parent(s) ` +
          `(${perParent.toFixed(1)} per parent)${joined.length > 1 ? ': a cartesian product of the joined collections' : ''}`,
        callSite: e.callerLocation,
        numbers: { rows: e.rowCount, parents: e.objects.length, rowsPerParent: Math.round(perParent * 10) / 10, threshold: t.joinedRowsPerParent },
        fix: `load collections with one extra statement each instead of a join: ${names.map((n) => `\`selectinLoad(${n})\``).join(', ')}.`,
      }),
    );
  }
  return out;
}
