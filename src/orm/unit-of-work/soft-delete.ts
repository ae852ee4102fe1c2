/**
 * Soft deletes in a flush: for a model declaring `softDelete(column)`, a deletion is an UPDATE of that column,
 * and so is a restore.
 *
 * - `s.delete(obj)` of such a model becomes a soft delete, unless `{ hard: true }`. All the objects soft-deleted
 *   by one flush get the same value (one instant for a timestamp), so N objects cost one
 *   `UPDATE ... SET deleted_at = ? WHERE id IN (...)`, whatever N.
 * - Setting the column by hand (`post.deletedAt = new Date()`) is a soft delete too, and clearing it
 *   (`s.restore(post)`, or `post.deletedAt = null`) a restore: the column is the truth, these calls are ways to
 *   set it.
 * - Both cascade, breadth first, along relationships with a `delete` cascade to models that soft-delete too, one
 *   load per relationship and level. A soft delete marks the children that are not deleted yet, with their
 *   parent's instant; a restore brings back the children deleted at the same instant as their parent (or, when the
 *   markers are not times, every deleted child), not those deleted on their own earlier.
 * - Children of models that do not soft-delete are left as they are: the parent's row stays, so nothing points at
 *   a missing row, and a restore finds them untouched. No foreign key is set to NULL and no link row is removed.
 * - A hard delete is hard all the way down: its cascades delete soft-delete children too (their parent's row goes).
 *
 * The cascades read every row (a flush's loads apply no filter), so children hidden by a filter are reached too.
 *
 * @internal
 */

import { InvalidRequestError } from '../errors.js';
import { softDeleteOf, sameMarker, type SoftDelete } from '../filters/define.js';
import type { Mapper } from '../mapper.js';
import { NOT_LOADED, type InstanceState } from '../state.js';
import type { RelationshipLoader } from './cascades.js';
import type { ChangeSet } from './changes.js';

/** Objects whose `delete()` asked for a DELETE even though their model soft-deletes. */
const hardDeletes = new WeakSet<InstanceState>();

/** @internal `session.delete(obj, { hard })`: remember which way the object goes. */
export function requestHardDelete(state: InstanceState, hard: boolean): void {
  if (hard) hardDeletes.add(state);
  else hardDeletes.delete(state);
}

/** @internal `session.restore(obj)`: the soft-delete column back to its "not deleted" value (a change to flush). */
export function restoreObject(state: InstanceState): void {
  const sd = softDeleteOf(state.mapper);
  if (!sd) throw new InvalidRequestError(`restore(): ${state.mapper.name} does not soft-delete (declare softDelete(column) on it)`);
  const i = markerIndex(state.mapper, sd);
  const value = state.values[i];
  if (value === NOT_LOADED || sd.isDeleted(value)) state.set(i, sd.activeValue);
}

function markerIndex(mapper: Mapper, sd: SoftDelete): number {
  return mapper.columnIndex(sd.column.key);
}

/** The marker of `state`, or undefined when its column is not loaded. */
function markerOf(state: InstanceState, sd: SoftDelete): { value: unknown } | undefined {
  const v = state.values[markerIndex(state.mapper, sd)];
  return v === NOT_LOADED ? undefined : { value: v };
}

/**
 * Turn the deletions of soft-delete models into marker updates and expand soft deletes and restores along
 * their cascades (before the hard delete cascades run, which then start from hard deletes only).
 */
export async function expandSoftDeletes(changes: ChangeSet, load: RelationshipLoader): Promise<void> {
  // One time for every marker this flush writes; taken only when one is written.
  let now: Date | undefined;
  const deleting: InstanceState[] = [];
  const restoring: InstanceState[] = [];
  for (const s of [...changes.deleted]) {
    const sd = softDeleteOf(s.mapper);
    if (!sd || hardDeletes.has(s) || changes.statusOf(s) !== 'persistent') continue;
    changes.removeDeleted(s);
    const marker = markerOf(s, sd);
    // Deleted already (read with the filter off): nothing to write, the first deletion time stays.
    if (marker !== undefined && sd.isDeleted(marker.value)) {
      changes.mark(s, markerIndex(s.mapper, sd), marker.value, 'unchanged');
      continue;
    }
    changes.mark(s, markerIndex(s.mapper, sd), sd.deletedValue((now ??= new Date())), 'softDelete');
    deleting.push(s);
  }
  // The column set by hand: a soft delete or a restore all the same.
  changes.dirty.forEach((s) => {
    const sd = softDeleteOf(s.mapper);
    if (!sd || changes.deleted.has(s) || changes.softDeleted.has(s)) return;
    const i = markerIndex(s.mapper, sd);
    if (!s.original?.has(i)) return;
    const before = s.original.get(i);
    const after = s.values[i];
    if (before === NOT_LOADED || after === NOT_LOADED) return;
    if (!sd.isDeleted(before) && sd.isDeleted(after)) {
      changes.softDeleted.set(s, after);
      deleting.push(s);
    } else if (sd.isDeleted(before) && !sd.isDeleted(after)) {
      changes.restored.set(s, before);
      restoring.push(s);
    }
  });
  if (deleting.length > 0) await cascade(changes, load, deleting, 'softDelete', (now ??= new Date()));
  if (restoring.length > 0) await cascade(changes, load, restoring, 'restore', now ?? new Date());
}

/** Breadth first along `delete` cascades to soft-delete models: mark each level's children as their parents. */
async function cascade(changes: ChangeSet, load: RelationshipLoader, roots: InstanceState[], how: 'softDelete' | 'restore', now: Date): Promise<void> {
  let frontier = roots;
  const seen = new Set(roots);
  while (frontier.length > 0) {
    const next: InstanceState[] = [];
    const byMapper = new Map<Mapper, InstanceState[]>();
    for (const s of frontier) {
      const list = byMapper.get(s.mapper) ?? [];
      list.push(s);
      byMapper.set(s.mapper, list);
    }
    for (const [mapper, parents] of byMapper) {
      for (const attr of mapper.relationships) {
        if (attr.options.viewOnly || !attr.cascade.delete || attr.r.direction === 'manyToMany') continue;
        const target = attr.r.target;
        const sd = softDeleteOf(target);
        if (!sd) continue;
        const persistent = parents.filter((p) => p.status === 'persistent');
        if (persistent.length === 0) continue;
        const rows = await load.everyRow(attr, persistent);
        for (const [parent, children] of rows) {
          const parentMarker = how === 'softDelete' ? changes.softDeleted.get(parent) : changes.restored.get(parent);
          for (const child of children) {
            if (seen.has(child) || changes.deleted.has(child) || changes.statusOf(child) !== 'persistent') continue;
            const marker = markerOf(child, sd);
            const i = markerIndex(target, sd);
            if (how === 'softDelete') {
              if (marker !== undefined && sd.isDeleted(marker.value)) continue;
              seen.add(child);
              // The parent's instant where both are times: a restore later tells what was deleted together.
              changes.mark(child, i, sd.deletedValue(parentMarker instanceof Date ? parentMarker : now), 'softDelete');
            } else {
              if (marker === undefined || !sd.isDeleted(marker.value)) continue;
              if (parentMarker instanceof Date && marker.value instanceof Date && !sameMarker(parentMarker, marker.value)) continue;
              seen.add(child);
              changes.mark(child, i, sd.activeValue, 'restore', marker.value);
            }
            next.push(child);
          }
        }
      }
    }
    frontier = next;
  }
}
