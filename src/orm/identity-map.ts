/**
 * The identity map: one object per row per session. A second query returning
 * the same row returns the same object, and never overwrites its pending
 * changes. Keyed per mapper by primary key value, so a single-column key needs
 * no string building.
 *
 * Objects are held weakly once their transaction is over (as SQLAlchemy's
 * map holds them): an object the program no longer references and that has
 * nothing to flush can then be garbage collected, so a long-lived session does
 * not grow with every row it ever loaded or wrote. Objects with changes to
 * flush are held by the session's pending, dirty and deleted sets, never only
 * by this map. A row read again after its object was collected becomes a new
 * object.
 *
 * New entries start as plain references and become `WeakRef`s at the next
 * transaction of the session, or past {@link STRONG_LIMIT} entries: a
 * `WeakRef` per loaded object made hydration a quarter slower, and most
 * sessions (one request, one `db.session(fn)`) end before that point, so they
 * never pay for it.
 */

import type { Mapper } from './mapper.js';

/** One mapper's objects by identity key: plain references, or `WeakRef`s once weakened. @internal */
export type ObjectMap = Map<unknown, object | WeakRef<object>>;

/** Plain references kept before they are weakened, whatever the transaction boundaries. */
export const STRONG_LIMIT = 100_000;

/** The live object under `key`, dropping the entry of one that was collected. @internal */
export function lookup(map: ObjectMap, key: unknown): object | undefined {
  const entry = map.get(key);
  if (entry === undefined || !(entry instanceof WeakRef)) return entry;
  const obj = entry.deref();
  if (obj === undefined) map.delete(key);
  return obj;
}

export class IdentityMap {
  private readonly byMapper = new Map<Mapper, ObjectMap>();
  /** Entries added as plain references since the last {@link weaken}: map, key, map, key, ... */
  private strong: unknown[] = [];

  get(mapper: Mapper, key: unknown): object | undefined {
    const m = this.byMapper.get(mapper);
    return m === undefined ? undefined : lookup(m, key);
  }

  /** The objects of one mapper (creating the map). @internal */
  mapFor(mapper: Mapper): ObjectMap {
    let m = this.byMapper.get(mapper);
    if (!m) {
      m = new Map();
      this.byMapper.set(mapper, m);
    }
    return m;
  }

  add(mapper: Mapper, key: unknown, obj: object): void {
    this.addNew(this.mapFor(mapper), key, obj);
  }

  /** Add an object known to be absent, to a map from {@link mapFor} (hydration's hot path). @internal */
  addNew(map: ObjectMap, key: unknown, obj: object): void {
    map.set(key, obj);
    this.strong.push(map, key);
    if (this.strong.length > 2 * STRONG_LIMIT) this.weaken();
  }

  /** Hold every entry weakly from now on (the session calls this when a new transaction of it starts). */
  weaken(): void {
    const strong = this.strong;
    // Nothing held strongly (a session's first transaction): keep the empty list rather than allocate another.
    if (strong.length === 0) return;
    for (let i = 0; i < strong.length; i += 2) {
      const map = strong[i] as ObjectMap;
      const key = strong[i + 1];
      const entry = map.get(key);
      if (entry !== undefined && !(entry instanceof WeakRef)) map.set(key, new WeakRef(entry));
    }
    this.strong = [];
  }

  remove(mapper: Mapper, key: unknown): void {
    this.byMapper.get(mapper)?.delete(key);
  }

  /** Visit every live object of one mapper (without an iterator result per object). */
  forEachOf(mapper: Mapper, fn: (obj: object) => void): void {
    const m = this.byMapper.get(mapper);
    if (m === undefined) return;
    m.forEach((entry, key) => {
      const obj = entry instanceof WeakRef ? entry.deref() : entry;
      if (obj === undefined) m.delete(key);
      else fn(obj);
    });
  }

  /** Visit every live object (without an iterator result per object). */
  forEachObject(fn: (obj: object) => void): void {
    this.byMapper.forEach((_, mapper) => this.forEachOf(mapper, fn));
  }

  clear(): void {
    this.byMapper.clear();
    this.strong = [];
  }

  /** Live objects (a walk over the map, dropping collected entries). */
  get size(): number {
    let n = 0;
    this.forEachObject(() => n++);
    return n;
  }
}
