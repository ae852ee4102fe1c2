/**
 * Expanding cascades: orphans of delete-orphan relationships, and deletes spread breadth first along the
 * relationships of deleted objects — one load per relationship and level, whatever the number of parents.
 * `passiveDeletes` leaves children to the database and only mirrors its effect in memory.
 *
 * The results go into the {@link ChangeSet}; objects are not changed until the plan runs.
 *
 * @internal
 */

import { Collection } from '../collection.js';
import { modelFilters } from '../filters/define.js';
import type { Mapper } from '../mapper.js';
import type { RelationshipAttribute } from '../relationship.js';
import type { InstanceState } from '../state.js';
import { stateOf, type ChangeSet } from './changes.js';
import { expandSoftDeletes } from './soft-delete.js';

/** How the cascades load related objects (one statement per relationship and chunk of parents). @internal */
export interface RelationshipLoader {
  /** Load `relationship` on the parents whose slot is not loaded yet (no statement when all are). */
  load(relationship: RelationshipAttribute, parents: readonly InstanceState[]): Promise<void>;
  /** Every related row of `parents`, by parent, whatever their slots hold; the slots are left as they are. */
  everyRow(relationship: RelationshipAttribute, parents: readonly InstanceState[]): Promise<Map<InstanceState, InstanceState[]>>;
}

/** Add orphans, soft deletes and restores, and cascaded deletes to `changes`. @internal */
export async function expandCascades(changes: ChangeSet, load: RelationshipLoader): Promise<void> {
  collectOrphans(changes);
  // Soft deletes leave `changes.deleted` first: the hard cascades below start from hard deletes only.
  await expandSoftDeletes(changes, load);
  await cascadeDeletes(changes, load);
}

/**
 * The objects a delete cascade along `attr` reaches: the loaded ones, and the rest loaded now. For a model with
 * filters, a loaded slot may lack the rows a filter hid (soft-deleted children), which the DELETE must reach too:
 * every row is read.
 */
async function cascadeTargets(load: RelationshipLoader, attr: RelationshipAttribute, parents: readonly InstanceState[], persistentParents: readonly InstanceState[]): Promise<InstanceState[]> {
  if (modelFilters(attr.r.target).length === 0) {
    await load.load(attr, persistentParents);
    return loadedChildren(attr, parents);
  }
  const out = loadedChildren(attr, parents);
  const seen = new Set(out);
  const rows = persistentParents.length > 0 ? await load.everyRow(attr, persistentParents) : new Map<InstanceState, InstanceState[]>();
  for (const children of rows.values()) {
    for (const c of children) {
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
    }
  }
  return out;
}

/** Objects removed from a delete-orphan relationship and not re-attached elsewhere. */
function collectOrphans(changes: ChangeSet): void {
  const changed: InstanceState[] = [];
  // Only models with a delete-orphan relationship can have orphans: asked once per model, not per object.
  const orphaning = new Map<Mapper, boolean>();
  const pick = (s: InstanceState): void => {
    if (!s.changedRelationships) return;
    let has = orphaning.get(s.mapper);
    if (has === undefined) orphaning.set(s.mapper, (has = s.mapper.relationships.some((r) => r.cascade.deleteOrphan)));
    if (has) changed.push(s);
  };
  changes.pending.forEach(pick);
  changes.dirty.forEach(pick);
  for (let c = 0; c < changed.length; c++) {
    const s = changed[c]!;
    const indexes = s.changedRelationships!;
    for (let k = 0; k < indexes.length; k++) {
      const ri = indexes[k]!;
      const attr = s.mapper.relationships[ri]!;
      if (!attr.cascade.deleteOrphan) continue;
      const slot = s.slots?.[ri];
      if (!slot) continue;
      const orphans = attr.many ? (slot.removed ?? []) : slot.previous && slot.previous !== slot.value ? [slot.previous] : [];
      for (const o of orphans) {
        const os = stateOf(o);
        if (reattached(os, attr)) continue;
        const status = changes.statusOf(os);
        if (status === 'pending') {
          changes.drop(os);
        } else if (status === 'persistent') {
          changes.touch(os);
          changes.addDeleted(os);
        }
      }
    }
  }
}

async function cascadeDeletes(changes: ChangeSet, load: RelationshipLoader): Promise<void> {
  let frontier = [...changes.deleted];
  const seen = new Set(frontier);
  const persistent = (p: InstanceState): boolean => changes.statusOf(p) === 'persistent';
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
        const { direction } = attr.r;
        if (attr.options.viewOnly) continue;
        if (direction === 'manyToMany') {
          if (!attr.options.passiveDeletes) changes.linkClears.push({ relationship: attr, parents: parents.filter(persistent) });
          continue;
        }
        if (direction === 'manyToOne') {
          if (!attr.cascade.delete) continue;
          for (const target of await cascadeTargets(load, attr, parents, parents.filter(persistent))) cascadeDelete(changes, target, seen, next);
          continue;
        }
        // one-to-many (or one-to-one held by the child)
        const passive = attr.options.passiveDeletes;
        const persistentParents = parents.filter(persistent);
        if (passive) {
          if (passive === 'all') continue;
          // The database deletes or nulls the children; mirror that on those in memory, without SQL.
          const fkAction = attr.r.pairs.foreignKey?.onDelete;
          for (const child of loadedChildren(attr, parents)) {
            if (attr.cascade.delete || fkAction === 'CASCADE') changes.forget(child);
            else changes.clearKey(child, attr, false);
          }
          continue;
        }
        if (attr.cascade.delete) {
          for (const child of await cascadeTargets(load, attr, parents, persistentParents)) cascadeDelete(changes, child, seen, next);
        } else if (persistentParents.length > 0) {
          // Without delete cascade, children stay and lose their parent: one UPDATE ... SET fk = NULL by parent keys.
          changes.nullOuts.push({ relationship: attr, parents: persistentParents });
          for (const child of loadedChildren(attr, parents)) changes.clearKey(child, attr, true);
        }
      }
    }
    frontier = next;
  }
}

function cascadeDelete(changes: ChangeSet, child: InstanceState, seen: Set<InstanceState>, next: InstanceState[]): void {
  if (seen.has(child)) return;
  seen.add(child);
  changes.touch(child);
  const status = changes.statusOf(child);
  if (status === 'pending') {
    changes.drop(child);
    return;
  }
  if (status !== 'persistent') return;
  changes.addDeleted(child);
  next.push(child);
}

/** True when an orphan has been given another parent through the same relationship's reverse. */
function reattached(child: InstanceState, attr: RelationshipAttribute): boolean {
  const reverse = attr.r.reverse;
  if (!reverse || attr.many === false) return false;
  const slot = child.slots?.[child.mapper.relationshipIndex(reverse)];
  return !!slot?.loaded && slot.value !== null && slot.value !== undefined;
}

function loadedChildren(attr: RelationshipAttribute, parents: readonly InstanceState[]): InstanceState[] {
  const out: InstanceState[] = [];
  for (const p of parents) {
    const slot = p.slots?.[p.mapper.relationshipIndex(attr)];
    if (!slot?.loaded) continue;
    if (slot.value instanceof Collection) for (const c of slot.value as Collection<object>) out.push(stateOf(c));
    else if (slot.value) out.push(stateOf(slot.value));
  }
  return out;
}
