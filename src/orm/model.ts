/**
 * Mapped models: classes whose instances are rows and whose static attributes
 * are SQL expressions.
 *
 * ```ts
 * @mapped
 * export class Artist extends Model(artistTable) {
 *   static readonly songs = many(() => Song, { backPopulates: 'artist' });
 * }
 * export interface Artist extends Related<typeof Artist> {}
 *
 * @mapped
 * export class Song extends Model(songTable) {
 *   static readonly artist = one(() => Artist, { backPopulates: 'songs' });
 * }
 * export interface Song extends Related<typeof Song> {}
 *
 * Artist.name.eq('Queen');            // a column: an SQL expression
 * const a = new Artist({ name: 'Queen' });
 * a.songs.push(new Song({ title: 'Bohemian Rhapsody' }));
 * ```
 * Types come from the table and the relationship declarations: no code
 * generation, no decorator metadata. The one-line `interface` merge gives
 * instances their relationship attributes (TypeScript cannot infer mutually
 * recursive classes otherwise). `@mapped` registers the class at once; without
 * it, registration happens on first use.
 */

import { inspect } from 'node:util';
import type { Column, References } from '../core/schema/column.js';
import type { AnyColumns, Simplify, Table } from '../core/schema/table.js';
import { Collection, type Relation } from './collection.js';
import { InvalidRequestError } from './errors.js';
import { mapperOf, MODEL_OPTIONS, TABLE, type Mapper, type ModelOptions } from './mapper.js';
import type { ModelHooks } from './lifecycle.js';
import type { EagerStrategy, LoadStrategy, ModelCtor, RelationshipAttribute } from './relationship.js';
import { InstanceState, NOT_LOADED, STATE, maybeState } from './state.js';

/** Column values of an instance: nullable columns are `T | null`. */
// Read from the phantom value carrier: inferring through `Column<T>` widens a NOT NULL foreign key to `T | null`.
export type ColumnValues<C> = { -readonly [K in keyof C]: C[K] extends { readonly __value?: infer T } ? T : never };

type RequiredInitKeys<C> = {
  [K in keyof C]: C[K] extends References
    ? never
    : C[K] extends Column<infer _T, string, infer NN, infer D>
      ? NN extends true
        ? D extends true
          ? never
          : K
        : never
      : never;
}[keyof C];

/**
 * What `new Model(init)` takes: not-null columns without a default are required;
 * nullable ones, defaulted ones and foreign keys (a relationship can fill them) are optional.
 */
export type InitOf<C> = Simplify<
  { [K in RequiredInitKeys<C>]: ColumnValues<C>[K] } & { [K in Exclude<keyof C, RequiredInitKeys<C>>]?: ColumnValues<C>[K] }
>;

/**
 * The mark every mapped object carries (on its class's prototype), so that the
 * type of `session.add()` refuses a plain object that merely has the columns.
 * @internal
 */
export const MAPPED: unique symbol = Symbol('athanor.mapped');

/** Methods every mapped object has. */
export interface EntityMethods {
  /** Loaded columns and loaded relationships as plain data; never triggers SQL. */
  toJSON(): Record<string, unknown>;
  /** @internal */
  readonly [MAPPED]: true;
}

/**
 * What every instance of a model class has: its column values, the entity methods, and the hooks it may declare.
 *
 * ```ts
 * const a: ModelInstance<typeof artistTable.c> = new Artist({ name: 'Queen' });
 * ```
 */
export type ModelInstance<C extends AnyColumns> = ColumnValues<C> & EntityMethods & ModelHooks<ColumnValues<C>>;

/**
 * An instance of a mapped model: what a session adds, deletes and merges.
 * A plain object with the same attributes is not one (`s.add({ name: 'x' })`
 * does not compile).
 *
 * ```ts
 * function save(s: Session, obj: MappedInstance): void { s.add(obj); }
 * ```
 */
export type MappedInstance = EntityMethods;

/** The class `Model(table)` returns: construct instances, and read columns as static attributes. */
export type ModelClass<TName extends string, C extends AnyColumns> = (RequiredInitKeys<C> extends never
  ? { new (init?: InitOf<C>): ModelInstance<C> }
  : { new (init: InitOf<C>): ModelInstance<C> }) & {
  readonly [TABLE]: Table<TName, C>;
} & C;

type ModelColumnsOf<M> = M extends { readonly [TABLE]: Table<string, infer C> } ? C : never;
type ValueOfColumn<Col> = Col extends { readonly __value?: infer T } ? T : never;
/** Keys of the columns declared `.primaryKey()` (or `identity()`). */
type ColumnPrimaryKeys<C> = { [K in keyof C]: C[K] extends { readonly __primaryKey?: true } ? K : never }[keyof C];
/** The keys of a table-level `primaryKey(...)`, in key order. */
type TablePrimaryKeys<C> = { [K in keyof C]: C[K] extends { readonly __primaryKeyOf: infer Keys extends readonly string[] } ? Keys : never }[keyof C];
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * What `session.get(Model, key)` takes, from the model's primary key: the
 * value (or `[value]`, or `{ id: value }`) for a one-column key; for a
 * composite key, an object by attribute name or an array in key order (a typed
 * tuple when the key is declared with a table-level `primaryKey(...)`, which
 * fixes the order). `unknown` where the types cannot tell.
 *
 * ```ts
 * await s.get(Artist, 7);                          // PrimaryKeyOf<typeof Artist>: number | readonly [number] | { id: number }
 * await s.get(Rating, { userId: 1, songId: 2 });   // or [1, 2]: primaryKey(c.userId, c.songId)
 * ```
 */
export type PrimaryKeyOf<M> = PrimaryKeyFrom<ModelColumnsOf<M>, TablePrimaryKeys<ModelColumnsOf<M>>, ColumnPrimaryKeys<ModelColumnsOf<M>>>;

type PrimaryKeyFrom<C, TableKeys, ColumnKeys extends keyof C> = [TableKeys] extends [never]
  ? [ColumnKeys] extends [never]
    ? unknown
    : true extends IsUnion<ColumnKeys>
      ? { readonly [K in ColumnKeys]: ValueOfColumn<C[K]> } | readonly ValueOfColumn<C[ColumnKeys]>[]
      : ValueOfColumn<C[ColumnKeys]> | readonly [ValueOfColumn<C[ColumnKeys]>] | { readonly [K in ColumnKeys]: ValueOfColumn<C[K]> }
  : TableKeys extends readonly string[]
    ? { readonly [I in keyof TableKeys]: ValueOfColumn<C[TableKeys[I] & keyof C]> } | { readonly [K in TableKeys[number] & keyof C]: ValueOfColumn<C[K]> }
    : unknown;

/**
 * Keys of `PC`'s foreign-key columns that may reference the table named `N`;
 * `Known`: only those whose target table the types name (not a thunk annotated
 * `AnyColumn`, a self-reference, or a table whose name is not a literal).
 */
type ForeignKeysTo<PC, N, Known extends boolean> = {
  [K in keyof PC]: PC[K] extends { readonly __references: true; readonly __referencesColumn?: infer R }
    ? TableOfColumn<NonNullable<R>> extends infer TN
      ? string extends TN
        ? Known extends true
          ? never
          : K // it may be this relationship's key
        : [TN] extends [N]
          ? K
          : never
      : never
    : never;
}[keyof PC];
type TableOfColumn<Col> = Col extends { readonly __table?: infer TN } ? (TN extends string ? TN : string) : string;
type TableNameOf<M> = M extends { readonly [TABLE]: Table<infer N, AnyColumns> } ? N : string;
type NullableAmong<PC, Keys extends keyof PC> = { [K in Keys]: PC[K] extends { readonly __notNull?: true } ? never : K }[Keys];

/**
 * What a many-to-one loaded with the query (`joinedLoad(Song.artist)`) adds
 * to its target's type: nothing when every foreign key of `Parent` that may
 * point at `Target`'s table is NOT NULL (the row always has one), else `null`.
 * Conservative: a foreign key the types cannot follow (declared at table level,
 * or a thunk annotated `AnyColumn` that is nullable) keeps the `null`.
 *
 * ```ts
 * const albums = await s.query(Album).options(joinedLoad(Album.artist)).all();
 * albums[0]!.artist.name; // album.artist_id is NOT NULL: no `?.`
 * ```
 */
export type LoadedToOneNull<Parent, Target> = string extends TableNameOf<Target>
  ? null
  : [ForeignKeysTo<ModelColumnsOf<Parent>, TableNameOf<Target>, true>] extends [never]
  ? null
  : [NullableAmong<ModelColumnsOf<Parent>, ForeignKeysTo<ModelColumnsOf<Parent>, TableNameOf<Target>, false>>] extends [never]
    ? never
    : null;

/** The instance type of a relationship target, as declared (relationships at their default strategies). */
type InstanceOf<M> = M extends abstract new (...args: never[]) => infer I ? I : never;

/** The instance type of one relationship attribute, at its default strategy. */
export type RelatedValue<A> =
  A extends RelationshipAttribute<infer M, infer Many, infer L>
    ? Many extends true
      ? L extends EagerStrategy
        ? Collection<InstanceOf<M>>
        : Relation<InstanceOf<M>>
      : InstanceOf<M> | null
    : never;

/**
 * The relationship attributes of a model class, for its instances:
 * `export interface Artist extends Related<typeof Artist> {}`.
 */
export type Related<S> = {
  -readonly [P in keyof S as P extends 'prototype' ? never : S[P] extends RelationshipAttribute<ModelCtor, boolean, LoadStrategy> ? P : never]: RelatedValue<S[P]>;
};

/**
 * Declare a model class over a table. Columns become instance attributes
 * (`artist.name`) and static SQL expressions (`Artist.name`); `options` are the
 * model's ({@link ModelOptions}). Lifecycle hooks are methods of the class
 * (`override beforeInsert() { ... }`: see {@link ModelHooks}).
 */
export function Model<TName extends string, C extends AnyColumns>(table: Table<TName, C>, options: ModelOptions = {}): ModelClass<TName, C> {
  const columns = table.columns;
  const n = columns.length;
  const defaults = columns.map((c, i) => [i, c.declaration.clientDefault] as const).filter(([, d]) => d !== undefined);

  class ModelBase {
    declare [STATE]: InstanceState;
    constructor(init?: Record<string, unknown>) {
      const mapper = mapperOf(new.target as unknown as ModelCtor);
      const values = new Array<unknown>(n).fill(undefined);
      const state = new InstanceState(mapper, this, values, 'transient');
      this[STATE] = state;
      for (const [i, d] of defaults) values[i] = typeof d === 'function' ? (d as () => unknown)() : d;
      if (init) {
        for (const key of Object.keys(init)) {
          const value = init[key];
          if (value === undefined) continue;
          if (mapper.hasColumn(key)) state.set(mapper.columnIndex(key), value);
          else if (mapper.hasRelationship(key)) state.setRelated(mapper.relationship(key), value);
          else throw new InvalidRequestError(`${mapper.name} has no attribute "${key}"`);
        }
      }
    }

    toJSON(): Record<string, unknown> {
      return serialize(this, new Set());
    }

    [inspect.custom](_depth: number, options: { stylize?: unknown }, inspectFn: typeof inspect): string {
      const st = this[STATE];
      return `${st.mapper.name} ${inspectFn(this.toJSON(), { ...(options as object), depth: 2 })}`;
    }
  }

  columns.forEach((col, i) => {
    Object.defineProperty(ModelBase.prototype, col.key, {
      configurable: true,
      enumerable: false,
      get(this: ModelBase) {
        return this[STATE].get(i);
      },
      set(this: ModelBase, value: unknown) {
        this[STATE].set(i, value);
      },
    });
    Object.defineProperty(ModelBase, col.key, { value: col, configurable: true, enumerable: false, writable: false });
  });
  Object.defineProperty(ModelBase, TABLE, { value: table, enumerable: false });
  Object.defineProperty(ModelBase, MODEL_OPTIONS, { value: Object.freeze({ ...options }), enumerable: false });
  Object.defineProperty(ModelBase.prototype, MAPPED, { value: true, enumerable: false });
  return ModelBase as unknown as ModelClass<TName, C>;
}

/**
 * Class decorator that maps a model class as soon as it is declared (and makes
 * a column called `name` or `length` readable as `Model.name`).
 */
export function mapped<T extends ModelCtor>(cls: T, _context?: ClassDecoratorContext<T>): T {
  mapperOf(cls);
  return cls;
}

/** The table a model maps. */
export function tableOf<TName extends string, C extends AnyColumns>(model: ModelClass<TName, C>): Table<TName, C> {
  return model[TABLE];
}

/** @internal */
export function mapperFor(model: ModelCtor): Mapper {
  return mapperOf(model);
}

/** Plain data of an object: loaded columns and loaded relationships, depth-first, cycles cut. */
export function serialize(obj: object, path: Set<object>): Record<string, unknown> {
  const st = (obj as { [STATE]: InstanceState })[STATE];
  const out: Record<string, unknown> = {};
  const { columns, relationships } = st.mapper;
  for (let i = 0; i < columns.length; i++) {
    const v = st.values[i];
    if (v !== NOT_LOADED && v !== undefined) out[columns[i]!.key] = v;
  }
  path.add(obj);
  for (let r = 0; r < relationships.length; r++) {
    const slot = st.slots?.[r];
    if (!slot?.loaded) continue;
    const key = relationships[r]!.key;
    const v = slot.value;
    if (v instanceof Collection) {
      out[key] = (v as Collection<object>).filter((item) => !path.has(item)).map((item) => serialize(item, path));
    } else if (v === null) {
      out[key] = null;
    } else if (v && !path.has(v) && maybeState(v)) {
      out[key] = serialize(v, path);
    }
  }
  path.delete(obj);
  return out;
}
