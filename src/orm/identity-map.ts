/**
 * The identity map: one object per row per session. A second query returning
 * the same row returns the same object, and never overwrites its pending
 * changes. Keyed per mapper by primary key value, so a single-column key needs
 * no string building.
 */

import type { Mapper } from './mapper.js';

export class IdentityMap {
  private readonly byMapper = new Map<Mapper, Map<unknown, object>>();
  private count = 0;

  get(mapper: Mapper, key: unknown): object | undefined {
    return this.byMapper.get(mapper)?.get(key);
  }

  /** The objects of one mapper (creating the map). @internal */
  mapFor(mapper: Mapper): Map<unknown, object> {
    let m = this.byMapper.get(mapper);
    if (!m) {
      m = new Map();
      this.byMapper.set(mapper, m);
    }
    return m;
  }

  add(mapper: Mapper, key: unknown, obj: object): void {
    const m = this.mapFor(mapper);
    if (!m.has(key)) this.count++;
    m.set(key, obj);
  }

  /** Add an object known to be absent, to a map from {@link mapFor} (hydration's hot path). @internal */
  addNew(map: Map<unknown, object>, key: unknown, obj: object): void {
    map.set(key, obj);
    this.count++;
  }

  remove(mapper: Mapper, key: unknown): void {
    const m = this.byMapper.get(mapper);
    if (m?.delete(key)) this.count--;
  }

  /** Visit every object (without an iterator result per object). */
  forEachObject(fn: (obj: object) => void): void {
    this.byMapper.forEach((m) => m.forEach((obj) => fn(obj)));
  }

  clear(): void {
    this.byMapper.clear();
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }
}
