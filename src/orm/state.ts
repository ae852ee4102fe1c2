/**
 * Per-object bookkeeping: attribute values, what changed since the last flush,
 * relationship slots, and which session and query result the object belongs to.
 *
 * Changes are recorded when attributes are set, so flush visits only the
 * objects that changed and, on each, only the columns that changed: nothing
 * scans the identity map.
 */

import { checkColumnValue, columnCheckFailures } from '../core/schema/validate.js';
import { Collection, UnloadedRelation, type CollectionOwner } from './collection.js';
import { InvalidRequestError, NotLoadedError, ValidationError } from './errors.js';
import { keyOf } from './identity-key.js';
import { strategyFor } from './loading/strategies/index.js';
import type { Mapper } from './mapper.js';
import type { LoadStrategy, RelationshipAttribute } from './relationship.js';

/** The symbol under which every mapped object keeps its state. */
export const STATE: unique symbol = Symbol('athanor.state');

/** Marks an attribute whose value was not loaded (a deferred column). */
export const NOT_LOADED: unique symbol = Symbol('athanor.notLoaded');

export type Status = 'transient' | 'pending' | 'persistent' | 'deleted' | 'detached';

/** What a state needs from its session. @internal */
export interface SessionHooks {
  /** The object changed: remember it for the next flush. */
  markDirty(state: InstanceState): void;
  /** Cascade save-update: a related object joined the session through a relationship. */
  cascadeAdd(obj: object): void;
  /** Load a relationship for this object and its siblings. */
  loadRelationship(state: InstanceState, attr: RelationshipAttribute): Promise<unknown>;
  /** The object with this identity key, if the session has it (no SQL); null when it has it but query filters hide it. */
  identityLookup(mapper: Mapper, key: unknown): object | null | undefined;
  /** An object was just created from a row and its model has `afterLoad`: run it once the load is over. */
  queueAfterLoad(state: InstanceState): void;
}

/** Objects that came from one query result: lazy loads batch over them. @internal */
export class LoadGroup {
  readonly states: InstanceState[] = [];
  /** Relationship keys a strategy asked to raise on. */
  raise: ReadonlySet<string> | undefined;
  /** Relationship keys whose lazy loads must not batch over siblings. */
  noBatch: ReadonlySet<string> | undefined;
  /** False when no lazy load of these objects batches over siblings (`noBatch()` query option). */
  batch = true;
  /** Per-query strategy overrides (`raiseLoad`, `lazyLoad`, ...) by relationship key. */
  strategies: Map<string, LoadStrategy> | undefined;

  /** The strategy a lazy load of `attr` on these objects follows. */
  strategyFor(attr: RelationshipAttribute): LoadStrategy {
    if (this.raise?.has(attr.key)) return 'raise';
    return this.strategies?.get(attr.key) ?? attr.lazy;
  }
}

/** A relationship's value on one object. @internal */
export interface RelationSlot {
  loaded: boolean;
  /** To-one: the object or null. Collection: a {@link Collection}. */
  value: object | null | undefined;
  /** Collection items appended / removed since the last flush (kept also while unloaded). */
  added?: object[];
  removed?: object[];
  /** To-one: the object this slot pointed at when last flushed (for orphans and back-references). */
  previous?: object | null;
  handle?: UnloadedRelation<object>;
}

export class InstanceState implements CollectionOwner {
  status: Status;
  session: SessionHooks | undefined;
  /** Identity key (the primary key value, or a string for composite keys) once persistent. */
  key: unknown;
  /** Values as they were before the first change since the last flush, by column index. */
  original: Map<number, unknown> | undefined;
  /** Relationship slots by relationship index (created on first use). */
  slots: (RelationSlot | undefined)[] | undefined;
  /** Relationships changed since the last flush, by index, each once (their foreign keys or link rows need writing). */
  changedRelationships: number[] | undefined;
  /** The query result this object came from, for sibling batching. */
  group: LoadGroup | undefined;
  /** Set while a flush has this object in its dirty list. */
  dirty = false;
  /** Attributes read since loading (only tracked while diagnostics watch unread columns). */
  reads: Set<number> | undefined;
  /** The last flush-plan change set that took this object in (the unit of work's "seen" mark). @internal */
  planStamp = 0;

  constructor(
    readonly mapper: Mapper,
    readonly obj: object,
    /** Column values by column index; {@link NOT_LOADED} for deferred columns. */
    public values: unknown[],
    status: Status,
  ) {
    this.status = status;
  }

  get modelName(): string {
    return this.mapper.name;
  }

  // ---------------------------------------------------------------------------
  // Columns

  get(index: number): unknown {
    const v = this.values[index];
    if (v === NOT_LOADED) {
      const col = this.mapper.columns[index]!;
      throw new NotLoadedError(
        this.mapper.name,
        col.key,
        `${this.mapper.name}.${col.key} was not loaded (deferred). Load it with \`undefer(${this.mapper.name}.${col.key})\` in the query, or \`await session.refresh(obj)\`.`,
      );
    }
    if (this.reads) this.reads.add(index);
    return v;
  }

  set(index: number, value: unknown): void {
    const col = this.mapper.columns[index]!;
    if (value === undefined) value = null;
    checkColumnValue(col, value);
    if (this.mapper.validateOnSet) this.checkRules(index, value);
    const old = this.values[index];
    if (old === value) return;
    // Detached objects record their changes too: re-attached (`add`), they flush them.
    if (this.status === 'persistent' || this.status === 'pending' || this.status === 'detached') {
      if (this.status !== 'pending' && this.mapper.primaryKeyIndexes.includes(index) && old !== NOT_LOADED) {
        throw new InvalidRequestError(
          `${this.mapper.name}.${col.key} is part of the primary key of a ${this.status} object; changing it is not supported (delete and re-create the row)`,
        );
      }
      if (!this.original) this.original = new Map();
      if (!this.original.has(index)) this.original.set(index, old);
    }
    this.values[index] = value;
    this.touch();
  }

  /** The column's own checks (`validate()`), at set time (the model's `validateOnSet`): the value is not set. */
  private checkRules(index: number, value: unknown): void {
    const col = this.mapper.columns[index]!;
    const failures = columnCheckFailures(col, value);
    if (failures.length === 0) return;
    const key = primaryKeyOf(this);
    throw new ValidationError(failures.map((message) => ({ model: this.mapper.name, object: this.obj, key, attribute: col.key, value, message })));
  }

  /** Columns whose values changed since the last flush. */
  changedColumns(): number[] {
    if (!this.original) return [];
    const out: number[] = [];
    for (const [i, old] of this.original) {
      if (!sameValue(old, this.values[i])) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }

  /** Tell the session this object has something to flush. */
  touch(): void {
    if (this.session && !this.dirty && this.status !== 'transient' && this.status !== 'detached') {
      this.session.markDirty(this);
    }
  }

  // ---------------------------------------------------------------------------
  // Relationships

  slot(attr: RelationshipAttribute): RelationSlot {
    const i = this.mapper.relationshipIndex(attr);
    if (!this.slots) this.slots = [];
    let s = this.slots[i];
    if (!s) {
      // A new object has nothing in the database yet: its relationships are loaded (empty).
      const fresh = this.status === 'transient' || this.status === 'pending';
      s = { loaded: fresh, value: fresh ? (attr.many ? Collection.build(this, attr.key, []) : null) : undefined };
      this.slots[i] = s;
    }
    return s;
  }

  /** The attribute getter for a relationship. */
  getRelated(attr: RelationshipAttribute): unknown {
    // Diagnostics count a relationship read after the columns (unused eager loads).
    if (this.reads) this.reads.add(this.mapper.columns.length + this.mapper.relationshipIndex(attr));
    const s = this.slot(attr);
    if (s.loaded) return s.value;
    if (attr.many) {
      if (!s.handle) s.handle = new UnloadedRelation<object>(this, attr.key);
      return s.handle;
    }
    // What an unloaded to-one read does is the strategy's (load from what is known, raise, ...).
    return strategyFor(this.loadStrategy(attr)).onRead(this, attr);
  }

  /** The strategy reads and loads of `attr` on this object follow: its query result's, else the relationship's own. @internal */
  loadStrategy(attr: RelationshipAttribute): LoadStrategy {
    return this.group ? this.group.strategyFor(attr) : attr.lazy;
  }

  /** A many-to-one's value from the foreign key and the identity map, or undefined when SQL would be needed. @internal */
  resolveWithoutSql(attr: RelationshipAttribute): object | null | undefined {
    if (attr.many || this.status !== 'persistent') return undefined;
    const { direction, pairs, target } = attr.r;
    if (direction !== 'manyToOne') return undefined;
    const fk: unknown[] = [];
    for (const c of pairs.local) {
      const v = this.values[this.mapper.columnIndex(c.key)];
      if (v === NOT_LOADED || v === undefined) return undefined;
      if (v === null) return null;
      fk.push(v);
    }
    const remoteIsKey = pairs.remote.length === target.primaryKeyIndexes.length && pairs.remote.every((c, i) => target.columnIndex(c.key) === target.primaryKeyIndexes[i]);
    if (!remoteIsKey || !this.session) return undefined;
    // The foreign key is the target's primary key, part for part: its identity key is the map's.
    return this.session.identityLookup(target, keyOf(fk));
  }

  /** @internal Put loaded data in a slot (from a loader: not a change). */
  setLoaded(attr: RelationshipAttribute, value: object | null | readonly object[]): void {
    const s = this.slot(attr);
    s.loaded = true;
    if (attr.many) {
      const items = value as readonly object[];
      if (s.added === undefined && s.removed === undefined) {
        s.value = Collection.build(this, attr.key, items);
        return;
      }
      // Appends made while unloaded are kept: they are not in the database yet.
      const extra = s.added?.filter((a) => !items.includes(a)) ?? [];
      const removed = s.removed ?? [];
      const merged = removed.length > 0 ? items.filter((i) => !removed.includes(i)) : items;
      s.value = Collection.build(this, attr.key, extra.length > 0 ? [...merged, ...extra] : merged);
    } else {
      s.value = value as object | null;
      s.previous = value as object | null;
    }
  }

  /** The attribute setter for a to-one relationship. */
  setRelated(attr: RelationshipAttribute, value: unknown, fromBackref = false): void {
    if (attr.many) {
      if (!Array.isArray(value)) {
        throw new InvalidRequestError(`${this.mapper.name}.${attr.key} is a collection: assign an array, or use .add()/.remove()`);
      }
      const s = this.slot(attr);
      if (s.loaded && s.value instanceof Collection) {
        (s.value as Collection<object>).replace(value as object[]);
      } else {
        this.setLoaded(attr, []);
        (s.value as Collection<object>).replace(value as object[]);
      }
      return;
    }
    const target = attr.r.target;
    if (value !== null && value !== undefined && !target.isInstance(value)) {
      throw new InvalidRequestError(
        `${this.mapper.name}.${attr.key} takes a ${target.name} (or null), got ${describe(value)}`,
      );
    }
    const s = this.slot(attr);
    const old = s.loaded ? (s.value as object | null) : undefined;
    const next = (value ?? null) as object | null;
    if (s.loaded && old === next) return;
    if (!('previous' in s)) s.previous = old;
    s.loaded = true;
    s.value = next;
    this.relationshipChanged(attr);
    const reverse = attr.r.reverse;
    if (!fromBackref && reverse) {
      if (old) stateOf(old).backrefRemove(reverse, this.obj);
      if (next) stateOf(next).backrefAdd(reverse, this.obj);
    }
    if (next && attr.cascade.saveUpdate) this.session?.cascadeAdd(next);
  }

  /** A collection reported appends / removals (from a loaded {@link Collection} or an unloaded handle). */
  collectionChanged(key: string, added: readonly object[], removed: readonly object[], fromBackref = false): void {
    const attr = this.mapper.relationship(key);
    const target = attr.r.target;
    // Indexed loops: this runs for every object appended, often in cold code, where for-of allocates per step.
    for (let k = 0; k < added.length; k++) {
      const item = added[k]!;
      if (!target.isInstance(item)) {
        throw new InvalidRequestError(`${this.mapper.name}.${key} holds ${target.name} objects, got ${describe(item)}`);
      }
    }
    const s = this.slot(attr);
    if (!s.loaded) {
      // Remember appends on an unloaded collection; setLoaded() merges them later.
      for (let k = 0; k < added.length; k++) {
        const item = added[k]!;
        (s.added ??= []).push(item);
        if (s.removed) s.removed = s.removed.filter((r) => r !== item);
      }
      for (let k = 0; k < removed.length; k++) {
        const item = removed[k]!;
        (s.removed ??= []).push(item);
        if (s.added) s.added = s.added.filter((a) => a !== item);
      }
    } else {
      for (let k = 0; k < added.length; k++) {
        const item = added[k]!;
        if (s.removed?.includes(item)) s.removed = s.removed.filter((r) => r !== item);
        else (s.added ??= []).push(item);
      }
      for (let k = 0; k < removed.length; k++) {
        const item = removed[k]!;
        if (s.added?.includes(item)) s.added = s.added.filter((a) => a !== item);
        else (s.removed ??= []).push(item);
      }
    }
    this.relationshipChanged(attr);
    const reverse = attr.r.reverse;
    if (!fromBackref && reverse) {
      for (let k = 0; k < added.length; k++) stateOf(added[k]!).backrefSet(reverse, this.obj);
      for (let k = 0; k < removed.length; k++) stateOf(removed[k]!).backrefUnset(reverse, this.obj);
    }
    if (attr.cascade.saveUpdate && this.session) for (let k = 0; k < added.length; k++) this.session.cascadeAdd(added[k]!);
  }

  private relationshipChanged(attr: RelationshipAttribute): void {
    // A short array, not a Set: a mapper has few relationships, and objects are many.
    const i = this.mapper.relationshipIndex(attr);
    const changed = this.changedRelationships;
    if (changed === undefined) this.changedRelationships = [i];
    else if (!changed.includes(i)) changed.push(i);
    this.touch();
  }

  /** The other side of a back-populated to-one was set to `owner`: append to this collection or set this to-one. */
  private backrefAdd(attr: RelationshipAttribute, owner: object): void {
    if (attr.many) {
      // `owner` just switched its to-one to this object, so it is not in this collection yet.
      const s = this.slot(attr);
      if (s.loaded) Array.prototype.push.call(s.value, owner);
      this.collectionChangedQuiet(attr, [owner], []);
    } else {
      this.setRelated(attr, owner, true);
    }
  }

  private backrefRemove(attr: RelationshipAttribute, owner: object): void {
    if (attr.many) {
      const s = this.slot(attr);
      if (s.loaded) {
        const c = s.value as Collection<object>;
        const i = c.indexOf(owner);
        if (i >= 0) Array.prototype.splice.call(c, i, 1);
      }
      this.collectionChangedQuiet(attr, [], [owner]);
    } else {
      const s = this.slot(attr);
      if (!s.loaded || s.value === owner) this.setRelated(attr, null, true);
    }
  }

  /** Back-reference bookkeeping: record the change without echoing it back. */
  private collectionChangedQuiet(attr: RelationshipAttribute, added: object[], removed: object[]): void {
    this.collectionChanged(attr.key, added, removed, true);
  }

  /** The collection on the other side gained this object: point this to-one at `owner`. */
  private backrefSet(attr: RelationshipAttribute, owner: object): void {
    if (attr.many) {
      this.backrefAdd(attr, owner);
      return;
    }
    const s = this.slot(attr);
    const old = s.loaded ? (s.value as object | null) : undefined;
    if (old === owner) return;
    this.setRelated(attr, owner, true);
    // Moving between parents: leave the old parent's loaded collection too.
    const reverse = attr.r.reverse;
    if (old && reverse) stateOf(old).backrefRemove(reverse, this.obj);
  }

  private backrefUnset(attr: RelationshipAttribute, owner: object): void {
    if (attr.many) {
      this.backrefRemove(attr, owner);
      return;
    }
    const s = this.slot(attr);
    if (!s.loaded || s.value === owner) this.setRelated(attr, null, true);
  }

  loadRelationship(key: string): Promise<unknown> {
    const attr = this.mapper.relationship(key);
    if (!this.session) {
      return Promise.reject(
        new InvalidRequestError(`${this.mapper.name}.${key} cannot be loaded: the object is not in a session (add or merge it first)`),
      );
    }
    return this.session.loadRelationship(this, attr);
  }

  /** Forget changes after a successful flush. @internal */
  flushed(): void {
    this.original = undefined;
    this.changedRelationships = undefined;
    this.dirty = false;
    if (this.slots) {
      for (const s of this.slots) {
        if (!s) continue;
        s.added = undefined;
        s.removed = undefined;
        if (s.loaded && !(s.value instanceof Collection)) s.previous = s.value;
        else delete s.previous;
      }
    }
  }
}

/** True when two attribute values are the same (dates by instant, bytes and JSON by content). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const st = (value as { [STATE]?: InstanceState })[STATE];
    return st ? `a ${st.mapper.name}` : `an object (${value.constructor?.name ?? 'Object'})`;
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * An object's primary key as errors show it: the value (an array for a composite key), or undefined while a part
 * of it is unknown (a new object waiting for a generated key).
 */
export function primaryKeyOf(state: InstanceState): unknown {
  const idx = state.mapper.primaryKeyIndexes;
  const parts = idx.map((i) => state.values[i]);
  if (parts.some((v) => v === undefined || v === null || v === NOT_LOADED)) return undefined;
  return parts.length === 1 ? parts[0] : parts;
}

/** The state of a mapped object, or an error naming what was passed instead. */
export function stateOf(obj: object): InstanceState {
  const st = (obj as { [STATE]?: InstanceState })[STATE];
  if (!st) throw new InvalidRequestError(`expected a mapped object, got ${describe(obj)}`);
  return st;
}

export function maybeState(obj: unknown): InstanceState | undefined {
  return typeof obj === 'object' && obj !== null ? (obj as { [STATE]?: InstanceState })[STATE] : undefined;
}
