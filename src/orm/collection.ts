/**
 * Relationship collections.
 *
 * A loaded collection is a real array (`for ... of`, `map`, `length` work as
 * usual) whose mutating methods tell the owner's state what was added and
 * removed, so flush knows which foreign keys and link rows to write without
 * comparing anything. An unloaded collection is a {@link Relation} handle: it
 * can be loaded or appended to, but reading it throws instead of looking empty.
 */

import { NotLoadedError } from './errors.js';

/** What a collection reports its changes to (an instance's state). @internal */
export interface CollectionOwner {
  collectionChanged(key: string, added: readonly object[], removed: readonly object[]): void;
  loadRelationship(key: string): Promise<unknown>;
  readonly modelName: string;
}

/** The empty side of a change report (no array per append). @internal */
export const NO_ITEMS: readonly never[] = Object.freeze([]);

const OWNER: unique symbol = Symbol('athanor.collectionOwner');
const KEY: unique symbol = Symbol('athanor.collectionKey');

/** Operations shared by loaded and unloaded collections. */
export interface RelationOps<T> {
  /** True when the collection's contents are in memory. */
  readonly loaded: boolean;
  /** Load (batched with the siblings from the same query) and return the collection. */
  load(): Promise<Collection<T>>;
  /** Append items (and set their side of a back-populated relationship). */
  add(...items: T[]): void;
  /** Same as `add`, returning the new length when loaded. */
  push(...items: T[]): number;
  /** Remove items (orphans are deleted at flush with cascade `delete-orphan`). */
  remove(...items: T[]): void;
}

/** A collection relationship that may or may not be loaded: load it before reading. */
export type Relation<T> = RelationOps<T>;

/** A loaded collection: an array of related objects. */
export class Collection<T> extends Array<T> implements RelationOps<T> {
  /** Plain arrays from map/filter/slice: derived arrays are not relationships. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** @internal Symbol-keyed so they stay out of enumeration and JSON, and cost a plain store. */
  declare [OWNER]: CollectionOwner | undefined;
  declare [KEY]: string;

  /** @internal */
  get owner(): CollectionOwner | undefined {
    return this[OWNER];
  }
  /** @internal */
  get key(): string {
    return this[KEY];
  }

  get loaded(): true {
    return true;
  }

  /** @internal Build a collection without reporting the items as changes. */
  static build<T>(owner: CollectionOwner | undefined, key: string, items: readonly T[]): Collection<T> {
    const c = new Collection<T>();
    c[OWNER] = owner;
    c[KEY] = key;
    for (let i = 0; i < items.length; i++) Array.prototype.push.call(c, items[i]);
    return c;
  }

  async load(): Promise<Collection<T>> {
    return this;
  }

  private report(added: readonly T[], removed: readonly T[]): void {
    if (this.owner && (added.length > 0 || removed.length > 0)) {
      this.owner.collectionChanged(this.key, added as readonly object[], removed as readonly object[]);
    }
  }

  add(...items: T[]): void {
    this.push(...items);
  }

  // Collections are lists, as in SQLAlchemy: appending an object twice lists it twice (its row is written once).
  override push(...items: T[]): number {
    for (let i = 0; i < items.length; i++) Array.prototype.push.call(this, items[i]);
    this.report(items, NO_ITEMS);
    return this.length;
  }

  override unshift(...items: T[]): number {
    Array.prototype.unshift.apply(this, items);
    this.report(items, NO_ITEMS);
    return this.length;
  }

  override pop(): T | undefined {
    const item = Array.prototype.pop.call(this) as T | undefined;
    if (item !== undefined) this.report(NO_ITEMS, [item]);
    return item;
  }

  override shift(): T | undefined {
    const item = Array.prototype.shift.call(this) as T | undefined;
    if (item !== undefined) this.report(NO_ITEMS, [item]);
    return item;
  }

  override splice(start: number, deleteCount?: number, ...items: T[]): T[] {
    const rawSplice = Array.prototype.splice as (this: T[], s: number, d?: number, ...i: T[]) => T[];
    const removed = deleteCount === undefined ? rawSplice.call(this, start) : rawSplice.call(this, start, deleteCount, ...items);
    const fresh = items.filter((i) => !removed.includes(i));
    this.report(fresh, removed.filter((r) => !items.includes(r)));
    return removed;
  }

  remove(...items: T[]): void {
    const removed: T[] = [];
    for (const item of items) {
      const i = this.indexOf(item);
      if (i >= 0) {
        Array.prototype.splice.call(this, i, 1);
        removed.push(item);
      }
    }
    this.report(NO_ITEMS, removed);
  }

  /** Replace the whole contents. */
  replace(items: readonly T[]): void {
    const old = [...this];
    this.length = 0;
    for (const item of items) Array.prototype.push.call(this, item);
    this.report(
      items.filter((i) => !old.includes(i)),
      old.filter((o) => !items.includes(o)),
    );
  }

  /** Emptying through `length = 0` is not tracked; use `clear()`. */
  clear(): void {
    this.replace([]);
  }

  /** The items as a plain array. */
  toArray(): T[] {
    return Array.prototype.slice.call(this) as T[];
  }
}

/**
 * The handle an unloaded collection attribute returns. Appending works (the
 * change is written at flush); reading throws {@link NotLoadedError}.
 */
export class UnloadedRelation<T> implements RelationOps<T> {
  constructor(
    private readonly owner: CollectionOwner,
    private readonly key: string,
  ) {}

  get loaded(): false {
    return false;
  }

  async load(): Promise<Collection<T>> {
    return (await this.owner.loadRelationship(this.key)) as Collection<T>;
  }

  add(...items: T[]): void {
    this.owner.collectionChanged(this.key, items as object[], []);
  }

  push(...items: T[]): number {
    this.add(...items);
    return Number.NaN;
  }

  remove(...items: T[]): void {
    this.owner.collectionChanged(this.key, [], items as object[]);
  }

  private notLoaded(): never {
    throw new NotLoadedError(this.owner.modelName, this.key);
  }

  get length(): number {
    return this.notLoaded();
  }

  [Symbol.iterator](): Iterator<T> {
    return this.notLoaded();
  }

  map(): never {
    return this.notLoaded();
  }
  forEach(): never {
    return this.notLoaded();
  }
  filter(): never {
    return this.notLoaded();
  }

  toJSON(): undefined {
    return undefined;
  }
}
