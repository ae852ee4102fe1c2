/**
 * The execution record of a flush plan: how every object the plan touched was before it, and which objects it
 * inserted. A failed flush is undone from it; a successful one hands it to the session's transaction record, so a
 * later rollback (or a failed COMMIT) knows what this flush wrote.
 *
 * @internal
 */

import type { IdentityMap } from '../identity-map.js';
import type { InstanceState } from '../state.js';

/**
 * What a flush may change on an object, kept to undo it. The flush never changes collections or slots (that
 * happens only after success, in `flushed()`), so references to them are enough; values and the record of
 * original values are copied because key copying writes to them.
 */
interface Snapshot {
  values: unknown[];
  original: Map<number, unknown> | undefined;
  status: InstanceState['status'];
  key: unknown;
  dirty: boolean;
}

/** How one object was before the flush, as the session's transaction record takes it. @internal */
export type TouchedVisitor = (
  state: InstanceState,
  values: unknown[],
  original: ReadonlyMap<number, unknown> | undefined,
  status: InstanceState['status'],
  key: unknown,
) => void;

/** @internal */
export class FlushRecord {
  private readonly snapshots = new Map<InstanceState, Snapshot>();
  /** Objects inserted by the plan's insert steps, in order. */
  readonly inserted: InstanceState[] = [];
  /** Rows the plan's update steps wrote, with the columns written: kept for models with an `afterUpdate` hook only. */
  readonly updated = new Map<InstanceState, readonly number[]>();

  /** Snapshot `state` the first time the flush is about to change it. */
  readonly track = (state: InstanceState): void => {
    if (!this.snapshots.has(state)) {
      this.snapshots.set(state, {
        values: state.values.slice(),
        original: state.original ? new Map(state.original) : undefined,
        status: state.status,
        key: state.key,
        dirty: state.dirty,
      });
    }
  };

  /** Every object this flush touched, with how it was before the flush (call before {@link commitMemory}). */
  forEachTouched(fn: TouchedVisitor): void {
    this.snapshots.forEach((snap, state) => fn(state, snap.values, snap.original, snap.status, snap.key));
  }

  /** Undo every in-memory effect of the flush (the database transaction is rolled back by the caller). */
  undo(identityMap: IdentityMap): void {
    for (const [state, snap] of this.snapshots) {
      // A copy: the snapshot's array goes on to the session's transaction record.
      state.values = snap.values.slice();
      state.original = snap.original;
      state.status = snap.status;
      state.key = snap.key;
      state.dirty = snap.dirty;
    }
    for (const s of this.inserted) {
      const snap = this.snapshots.get(s);
      if (snap && snap.status !== 'persistent') {
        const key = s.mapper.identityKey(s.values);
        if (identityMap.get(s.mapper, key) === s.obj) identityMap.remove(s.mapper, key);
      }
    }
  }

  /** After success: inserted objects persistent, deleted ones detached, every touched object's changes forgotten. */
  commitMemory(deleted: Iterable<InstanceState>, identityMap: IdentityMap): void {
    const inserted = this.inserted;
    for (let k = 0; k < inserted.length; k++) inserted[k]!.status = 'persistent';
    for (const s of deleted) {
      if (s.status === 'persistent') identityMap.remove(s.mapper, s.key);
      s.status = 'detached';
      s.session = undefined;
    }
    this.snapshots.forEach((_, s) => {
      if (s.status !== 'detached') s.flushed();
    });
  }
}
