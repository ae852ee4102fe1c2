/**
 * The transaction record: how every object the current transaction wrote was before it, folded in from the
 * execution record ({@link FlushRecord}) of each successful flush plan. A ROLLBACK, or a COMMIT that failed,
 * consumes it to return the session's objects to a consistent state — the undo of every plan the transaction ran.
 *
 * @internal
 */

import { Collection } from '../collection.js';
import type { IdentityMap } from '../identity-map.js';
import { sameValue, type InstanceState, type RelationSlot, type SessionHooks } from '../state.js';
import type { FlushRecord } from './record.js';

/** The session as a rollback restores it. @internal */
export interface RestoreTarget extends SessionHooks {
  readonly identityMap: IdentityMap;
  readonly pending: Set<InstanceState>;
  readonly dirty: Set<InstanceState>;
  readonly deleted: Set<InstanceState>;
}

/** A snapshot of an object before the current transaction touched it, for rollback. */
interface TxRecord {
  /** Column values the database held before the transaction (for a new object: the values the program gave it). */
  values: unknown[];
  status: InstanceState['status'];
  key: unknown;
  /** Columns the program changed and a flush of this transaction wrote: kept when the object becomes pending again. */
  edited: number[] | undefined;
  /** Relationship changes flushed in this transaction, by relationship index: pending again after a failed commit. */
  relationships: Map<number, RelationshipDelta> | undefined;
}

/** What a flush wrote of one relationship: items added to / removed from a collection, a to-one's earlier value. */
interface RelationshipDelta {
  added: object[];
  removed: object[];
  hasPrevious: boolean;
  previous: object | null | undefined;
}

/**
 * How a rolled-back transaction leaves the session's objects.
 * - `discard` (an explicit `rollback()`): edits of persistent objects are undone (their database values come back),
 *   objects deleted in it come back, objects inserted in it are pending again.
 * - `retry` (a failed COMMIT): everything the transaction wrote is pending again — inserts, edits and deletes — so
 *   `commit()` writes it all again; `rollback()` still discards.
 */
export type RestoreMode = 'discard' | 'retry';

/** @internal */
export class TransactionRecord {
  /** Objects written in this transaction, as they were before it. */
  private readonly entries = new Map<InstanceState, TxRecord>();

  /** Fold in what a successful flush wrote (call before its objects forget their changes: `commitMemory`). */
  absorb(flush: FlushRecord): void {
    flush.forEachTouched(this.recordFlushed);
  }

  /** True when no flush of the current transaction wrote anything. */
  get empty(): boolean {
    return this.entries.size === 0;
  }

  /** Forget the transaction (it ended). */
  clear(): void {
    this.entries.clear();
  }

  /** Remember, the first time this transaction writes an object, how it was before (from the flush's snapshot). */
  private readonly recordFlushed = (st: InstanceState, values: unknown[], original: ReadonlyMap<number, unknown> | undefined, status: InstanceState['status'], key: unknown): void => {
    let rec = this.entries.get(st);
    if (rec === undefined) {
      rec = { values: valuesBefore(values, original, status, false), status, key, edited: undefined, relationships: undefined };
      this.entries.set(st, rec);
    }
    // Edits flushed by a later flush of this transaction (a new object's first flush wrote what `values` holds).
    if (original !== undefined && original.size > 0 && status !== 'pending') {
      const edited = (rec.edited ??= []);
      original.forEach((_, i) => {
        if (!edited.includes(i)) edited.push(i);
      });
    }
    // New objects need no record of their relationships: pending again, all of them are to be written.
    const changed = rec.status === 'pending' ? undefined : st.changedRelationships;
    if (changed !== undefined && st.slots !== undefined) {
      const deltas = (rec.relationships ??= new Map<number, RelationshipDelta>());
      for (let k = 0; k < changed.length; k++) {
        const ri = changed[k]!;
        const slot = st.slots[ri];
        if (slot) recordDelta(deltas, ri, slot);
      }
    }
  };

  /** Take an unflushed object into the record, so a rollback can return it to how it was. */
  private noteUnflushed(st: InstanceState): void {
    if (this.entries.has(st)) return;
    this.entries.set(st, { values: valuesBefore(st.values, st.original, st.status, true), status: st.status, key: st.key, edited: undefined, relationships: undefined });
  }


  /**
   * After ROLLBACK (or a failed COMMIT), objects written in the transaction return as {@link RestoreMode} says:
   * `retry` — everything pending again; `discard` — inserted objects pending again with database-generated keys
   * cleared, deleted ones back, edits undone, changed relationship slots unloaded.
   */
  restore(mode: RestoreMode, session: RestoreTarget): void {
    if (mode === 'discard') {
      // Unflushed changes are discarded too (new objects stay pending: they were added).
      for (const st of session.dirty) this.noteUnflushed(st);
      for (const st of session.deleted) this.noteUnflushed(st);
    }
    if (this.entries.size === 0) {
      if (mode === 'discard') {
        session.dirty.clear();
        session.deleted.clear();
      }
      return;
    }
    const pendingNow = new Set(session.pending);
    const deletedNow = new Set(session.deleted);
    session.dirty.clear();
    session.deleted.clear();
    for (const [st, rec] of this.entries) {
      if (st.session !== session && st.session !== undefined) continue;
      if (st.status === 'persistent' && st.key !== undefined && session.identityMap.get(st.mapper, st.key) === st.obj && rec.status !== 'persistent') {
        session.identityMap.remove(st.mapper, st.key);
      }
      if (rec.status === 'pending' || rec.status === 'transient') {
        // Its row was never committed. Deleted again by the program in this transaction: it stays gone.
        const deletedByProgram = st.status === 'detached' || st.status === 'transient' || deletedNow.has(st);
        const values = rec.values.slice();
        const keep = (i: number): void => void (values[i] = st.values[i]);
        rec.edited?.forEach(keep);
        st.original?.forEach((_, i) => keep(i));
        st.values = values;
        st.original = undefined;
        st.dirty = false;
        st.key = undefined;
        if (deletedByProgram || rec.status === 'transient' || st.session === undefined) {
          st.status = 'transient';
          st.session = undefined;
          session.pending.delete(st);
        } else {
          st.status = 'pending';
          st.session = session;
          session.pending.add(st);
          markRelationshipsUnwritten(st);
        }
        continue;
      }
      // Persistent before the transaction.
      const wasDeleted = st.status !== 'persistent' || deletedNow.has(st);
      st.status = 'persistent';
      st.key = rec.key;
      st.session = session;
      session.identityMap.add(st.mapper, st.key, st.obj);
      if (mode === 'discard') {
        st.values = rec.values.slice();
        st.original = undefined;
        st.dirty = false;
        // Relationships changed in the transaction load again from the database on next use.
        if (st.slots !== undefined) {
          rec.relationships?.forEach((_, ri) => (st.slots![ri] = undefined));
          st.changedRelationships?.forEach((ri) => (st.slots![ri] = undefined));
        }
        st.changedRelationships = undefined;
        continue;
      }
      // retry: the program's edits stay, recorded against what the database holds.
      const original = new Map<number, unknown>(st.original ?? []);
      for (let i = 0; i < rec.values.length; i++) {
        if (!original.has(i) && !sameValue(rec.values[i], st.values[i])) original.set(i, rec.values[i]);
      }
      st.original = original.size > 0 ? original : undefined;
      if (rec.relationships !== undefined) restoreDeltas(st, rec.relationships);
      st.dirty = false;
      if (wasDeleted) session.deleted.add(st);
      else if (st.original !== undefined || st.changedRelationships !== undefined) session.markDirty(st);
    }
    for (const st of pendingNow) if (st.status === 'pending' && st.session === session) session.pending.add(st);
    if (mode === 'retry') for (const st of deletedNow) if (st.status === 'persistent') session.deleted.add(st);
  }
}

/**
 * An object's values for its transaction record: a new object's as the program set them, a persistent one's as the
 * database holds them (unflushed changes undone). `values` is used as it is unless it must change or `copy` is asked.
 */
function valuesBefore(values: unknown[], original: ReadonlyMap<number, unknown> | undefined, status: InstanceState['status'], copy: boolean): unknown[] {
  const undo = original !== undefined && status !== 'pending';
  if (!undo && !copy) return values;
  const out = values.slice();
  if (undo) original.forEach((v, i) => (out[i] = v));
  return out;
}

/** Add what a flush wrote of one relationship slot to the transaction's record of it (sequential composition). */
function recordDelta(deltas: Map<number, RelationshipDelta>, ri: number, slot: RelationSlot): void {
  let d = deltas.get(ri);
  if (d === undefined) {
    d = { added: [], removed: [], hasPrevious: false, previous: undefined };
    deltas.set(ri, d);
  }
  composeInto(d, slot.added, slot.removed);
  if (!d.hasPrevious && 'previous' in slot) {
    d.hasPrevious = true;
    d.previous = slot.previous;
  }
}

/** `d` followed by (added, removed): what is added / removed overall. */
function composeInto(d: { added: object[]; removed: object[] }, added: readonly object[] | undefined, removed: readonly object[] | undefined): void {
  if (removed !== undefined) {
    for (const r of removed) {
      const i = d.added.indexOf(r);
      if (i >= 0) d.added.splice(i, 1);
      else if (!d.removed.includes(r)) d.removed.push(r);
    }
  }
  if (added !== undefined) {
    for (const a of added) {
      const i = d.removed.indexOf(a);
      if (i >= 0) d.removed.splice(i, 1);
      else if (!d.added.includes(a)) d.added.push(a);
    }
  }
}

/** After a failed COMMIT: the relationship changes flushed in the transaction are unflushed again. */
function restoreDeltas(st: InstanceState, deltas: ReadonlyMap<number, RelationshipDelta>): void {
  const slots = (st.slots ??= []);
  const changed = st.changedRelationships ?? [];
  deltas.forEach((d, ri) => {
    const slot = slots[ri];
    if (slot === undefined) return;
    const merged = { added: d.added.slice(), removed: d.removed.slice() };
    composeInto(merged, slot.added, slot.removed);
    slot.added = merged.added.length > 0 ? merged.added : undefined;
    slot.removed = merged.removed.length > 0 ? merged.removed : undefined;
    if (d.hasPrevious) slot.previous = d.previous;
    if (!changed.includes(ri)) changed.push(ri);
  });
  st.changedRelationships = changed.length > 0 ? changed : undefined;
}

/** An object pending again: none of its relationships is in the database, so every loaded one is to be written. */
function markRelationshipsUnwritten(st: InstanceState): void {
  const slots = st.slots;
  if (slots === undefined) return;
  const relationships = st.mapper.relationships;
  const changed: number[] = [];
  for (let ri = 0; ri < slots.length; ri++) {
    const slot = slots[ri];
    if (slot === undefined || !slot.loaded || relationships[ri]!.options.viewOnly) continue;
    if (slot.value instanceof Collection) {
      const items = Array.from(slot.value as Collection<object>);
      slot.added = items.length > 0 ? items : undefined;
      slot.removed = undefined;
      if (items.length > 0) changed.push(ri);
    } else {
      slot.previous = null;
      if (slot.value) changed.push(ri);
    }
  }
  st.changedRelationships = changed.length > 0 ? changed : undefined;
}
