/**
 * Collecting changes: what the session holds to write, as a change set the cascades extend without touching the
 * objects, then turned into key writes, link rows and per-mapper buckets (the session's sets are read once).
 *
 * @internal
 */

import { NO_ITEMS } from '../collection.js';
import type { Mapper } from '../mapper.js';
import type { RelationshipAttribute } from '../relationship.js';
import { STATE, type InstanceState } from '../state.js';
import type { KeyWrite, LinkRow, MemoryEffect } from './plan.js';

/** The stamp of the last change set built (see `InstanceState.planStamp`). */
let lastStamp = 0;

/** @internal */
export function stateOf(obj: object): InstanceState {
  return (obj as { [STATE]: InstanceState })[STATE];
}

/** What the session has to write. @internal */
export interface SessionChanges {
  readonly pending: ReadonlySet<InstanceState>;
  readonly dirty: ReadonlySet<InstanceState>;
  readonly deleted: ReadonlySet<InstanceState>;
}

/**
 * A flush's changes while its plan is built: copies of the session's sets that cascades extend, and the in-memory
 * effects they will have. Nothing here changes an object: the plan may be built and thrown away (`session.plan()`).
 *
 * @internal
 */
export class ChangeSet {
  readonly dirty: ReadonlySet<InstanceState>;
  /** Every object the flush may change, in the order it first came up. */
  readonly touched: InstanceState[] = [];
  /** Marks an object as in {@link touched}: a stamp on the state rather than a set of every object of the flush. */
  private readonly stamp = ++lastStamp;
  /** The session's sets until a cascade changes one; then a copy (most flushes change neither). */
  private pendingSet: ReadonlySet<InstanceState>;
  private deletedSet: ReadonlySet<InstanceState>;
  private ownPending = false;
  private ownDeleted = false;
  /** What a cascade makes of an object once the plan runs (its status until then is unchanged). */
  private readonly becomes = new Map<InstanceState, 'transient' | 'detached'>();
  readonly memory: MemoryEffect[] = [];
  /** Link rows of deleted parents to clear, and children of deleted parents whose key is set to NULL. */
  readonly linkClears: { relationship: RelationshipAttribute; parents: InstanceState[] }[] = [];
  readonly nullOuts: { relationship: RelationshipAttribute; parents: InstanceState[] }[] = [];
  /** Objects of soft-delete models this flush marks deleted, with the value their column ends up holding. */
  readonly softDeleted = new Map<InstanceState, unknown>();
  /** Objects of soft-delete models this flush restores, with the value their column held before. */
  readonly restored = new Map<InstanceState, unknown>();

  constructor(session: SessionChanges) {
    this.pendingSet = session.pending;
    this.dirty = session.dirty;
    this.deletedSet = session.deleted;
    // forEach over the sets: no iterator result per object while this code is still cold.
    session.pending.forEach(this.touch);
    session.dirty.forEach(this.touch);
    session.deleted.forEach(this.touch);
  }

  /** Pending objects the flush inserts (the session's, less those a cascade dropped). */
  get pending(): ReadonlySet<InstanceState> {
    return this.pendingSet;
  }

  /** Persistent objects the flush deletes (the session's, plus cascaded deletes, less soft deletes). */
  get deleted(): ReadonlySet<InstanceState> {
    return this.deletedSet;
  }

  readonly touch = (state: InstanceState): void => {
    if (state.planStamp === this.stamp) return;
    state.planStamp = this.stamp;
    this.touched.push(state);
  };

  /** Delete `state` (a cascade reached it); it must have been touched. */
  addDeleted(state: InstanceState): void {
    this.ownDeletedSet().add(state);
  }

  /** Take `state` out of the deletes (a soft delete writes an UPDATE instead). */
  removeDeleted(state: InstanceState): void {
    this.ownDeletedSet().delete(state);
  }

  private ownDeletedSet(): Set<InstanceState> {
    if (!this.ownDeleted) {
      this.deletedSet = new Set(this.deletedSet);
      this.ownDeleted = true;
    }
    return this.deletedSet as Set<InstanceState>;
  }

  private ownPendingSet(): Set<InstanceState> {
    if (!this.ownPending) {
      this.pendingSet = new Set(this.pendingSet);
      this.ownPending = true;
    }
    return this.pendingSet as Set<InstanceState>;
  }

  /** The object's status once the cascades have run. */
  statusOf(state: InstanceState): InstanceState['status'] {
    return this.becomes.get(state) ?? state.status;
  }

  /** A pending object a cascade removes: it will not be inserted, and becomes transient. */
  drop(state: InstanceState): void {
    this.touch(state);
    this.ownPendingSet().delete(state);
    this.becomes.set(state, 'transient');
    this.memory.push({ kind: 'drop', state });
  }

  /** A child the database deletes by ON DELETE CASCADE: out of memory without SQL. */
  forget(state: InstanceState): void {
    this.touch(state);
    this.ownPendingSet().delete(state);
    this.becomes.set(state, 'detached');
    this.memory.push({ kind: 'forget', state });
  }

  /** A child whose foreign key the database (or, `byStatement`, a nullOut step) sets to NULL: the same in memory. */
  clearKey(state: InstanceState, relationship: RelationshipAttribute, byStatement: boolean): void {
    this.touch(state);
    this.memory.push({ kind: 'clearKey', state, relationship, byStatement });
  }

  /**
   * Set a soft-delete column when the plan runs (an UPDATE then writes it): a soft delete, a restore, or
   * (`unchanged`) an object deleted already, which only stops being marked for deletion.
   */
  mark(state: InstanceState, index: number, value: unknown, how: 'softDelete' | 'restore' | 'unchanged', before?: unknown): void {
    this.touch(state);
    this.memory.push({ kind: 'mark', state, index, value });
    if (how === 'softDelete') this.softDeleted.set(state, value);
    else if (how === 'restore') this.restored.set(state, before);
  }

  /** True for an object whose soft-delete column this flush changes (written by a softDelete or restore step). */
  isMarked(state: InstanceState): boolean {
    return this.softDeleted.has(state) || this.restored.has(state);
  }

  /** Dirty objects the flush still writes (a forgotten one is gone). */
  isDirty(state: InstanceState): boolean {
    return this.dirty.has(state) && this.becomes.get(state) !== 'detached';
  }
}

/** The key writes and link rows that changed relationships ask for. @internal */
export interface RelationshipWrites {
  /** Key writes by the object holding the key (usually one per object), in the order they came up. */
  readonly keyWrites: ReadonlyMap<InstanceState, readonly KeyWrite[]>;
  readonly linkAdds: readonly LinkRow[];
  readonly linkRemoves: readonly LinkRow[];
}

/** Turn changed relationships of pending and dirty objects into key writes and link rows. @internal */
export function collectRelationshipWrites(changes: ChangeSet): RelationshipWrites {
  const clears: KeyWrite[] = [];
  const sets: KeyWrite[] = [];
  const linkAdds: LinkRow[] = [];
  const linkRemoves: LinkRow[] = [];
  const visit = (s: InstanceState): void => {
    const changed = s.changedRelationships;
    if (!changed || changes.deleted.has(s)) return;
    for (let k = 0; k < changed.length; k++) {
      const ri = changed[k]!;
      const relationship = s.mapper.relationships[ri]!;
      if (relationship.options.viewOnly) continue;
      const slot = s.slots?.[ri];
      if (!slot) continue;
      const { direction, localIndexes, remoteIndexes } = relationship.r;
      if (direction === 'manyToOne') {
        if (!slot.loaded) continue;
        const value = slot.value as object | null;
        sets.push({ child: s, childColumns: localIndexes, parent: value ? stateOf(value) : null, parentColumns: remoteIndexes });
      } else if (direction === 'oneToMany') {
        const added = relationship.many ? (slot.added ?? NO_ITEMS) : slot.loaded && slot.value ? [slot.value as object] : NO_ITEMS;
        const removed = relationship.many ? (slot.removed ?? NO_ITEMS) : slot.previous && slot.previous !== slot.value ? [slot.previous] : NO_ITEMS;
        for (let j = 0; j < removed.length; j++) {
          clears.push({ child: stateOf(removed[j]!), childColumns: remoteIndexes, parent: null, parentColumns: localIndexes, onlyIfParent: s });
        }
        for (let j = 0; j < added.length; j++) sets.push({ child: stateOf(added[j]!), childColumns: remoteIndexes, parent: s, parentColumns: localIndexes });
      } else {
        for (const c of slot.added ?? []) linkAdds.push({ relationship, parent: s, child: stateOf(c) });
        for (const c of slot.removed ?? []) linkRemoves.push({ relationship, parent: s, child: stateOf(c) });
      }
    }
  };
  changes.pending.forEach(visit);
  changes.dirty.forEach((s) => {
    if (changes.isDirty(s)) visit(s);
  });

  const keyWrites = new Map<InstanceState, KeyWrite[]>();
  const record = (w: KeyWrite): void => {
    const child = w.child;
    const status = changes.statusOf(child);
    if (changes.deleted.has(child) || status === 'transient' || status === 'detached') return;
    // A soft-deleted orphan keeps its row, and its key with it (a NOT NULL key could not be cleared anyway).
    if (w.parent === null && changes.softDeleted.has(child)) return;
    const list = keyWrites.get(child);
    if (!list) {
      keyWrites.set(child, [w]);
    } else {
      // A later write to the same columns replaces an earlier one (both sides of a back-populated pair agree).
      const i = list.findIndex((x) => x.childColumns === w.childColumns || sameIndexes(x.childColumns, w.childColumns));
      if (i >= 0) list[i] = w;
      else list.push(w);
    }
    changes.touch(child);
    if (w.parent) changes.touch(w.parent);
  };
  // OrderingRule.ClearsBeforeSets (the one rule applied here, to key writes rather than to steps): a child moved
  // from one parent to another is cleared by the first and set by the second; recorded last, the set replaces the
  // clear.
  for (let k = 0; k < clears.length; k++) record(clears[k]!);
  for (let k = 0; k < sets.length; k++) record(sets[k]!);
  return { keyWrites, linkAdds, linkRemoves };
}

/** One mapper's share of the flush, bucketed once. @internal */
export interface MapperChanges {
  readonly mapper: Mapper;
  /** Pending objects to insert. */
  readonly inserts: InstanceState[];
  /** Persistent objects with changes or key writes (dirty ones first). */
  readonly updates: InstanceState[];
  /** Persistent objects to delete. */
  readonly deletes: InstanceState[];
}

/** Every mapper with something to write, with its objects. @internal */
export function bucketByMapper(changes: ChangeSet, writes: RelationshipWrites): Map<Mapper, MapperChanges> {
  const buckets = new Map<Mapper, MapperChanges>();
  const bucket = (m: Mapper): MapperChanges => {
    let b = buckets.get(m);
    if (b === undefined) {
      b = { mapper: m, inserts: [], updates: [], deletes: [] };
      buckets.set(m, b);
    }
    return b;
  };
  const deleted = changes.deleted;
  changes.pending.forEach((s) => {
    if (!deleted.has(s)) bucket(s.mapper).inserts.push(s);
  });
  // Rows inserted by this flush stay 'pending' until it succeeds and carry their values already: only persistent
  // objects are updated.
  const updatable = (s: InstanceState): boolean => s.status === 'persistent' && !deleted.has(s) && changes.statusOf(s) === 'persistent';
  changes.dirty.forEach((s) => {
    if (!changes.isDirty(s)) return;
    const b = bucket(s.mapper);
    // A dirty object with no column to write (only its collections changed) has no row to update; one whose
    // soft-delete column changes is written by its softDelete / restore step (unless a key write needs it here).
    if (updatable(s) && (writes.keyWrites.has(s) || (hasColumnChanges(s) && !changes.isMarked(s)))) b.updates.push(s);
  });
  deleted.forEach((s) => {
    const b = bucket(s.mapper);
    if (s.status === 'persistent' && changes.statusOf(s) === 'persistent') b.deletes.push(s);
  });
  writes.keyWrites.forEach((_, s) => {
    const b = bucket(s.mapper);
    if (!changes.dirty.has(s) && updatable(s)) b.updates.push(s);
  });
  return buckets;
}

/** Columns to write besides the version counter (the persister skips objects without). */
function hasColumnChanges(s: InstanceState): boolean {
  const vi = s.mapper.versionIndex;
  return s.changedColumns().some((i) => i !== vi);
}

function sameIndexes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
