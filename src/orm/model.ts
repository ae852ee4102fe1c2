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

/** Methods every mapped object has. */
export interface EntityMethods {
  /** Loaded columns and loaded relationships as plain data; never triggers SQL. */
  toJSON(): Record<string, unknown>;
}

/**
 * What every instance of a model class has: its column values, the entity methods, and the hooks it may declare.
 *
 * ```ts
 * const a: ModelInstance<typeof artistTable.c> = new Artist({ name: 'Queen' });
 * ```
 */
export type ModelInstance<C extends AnyColumns> = ColumnValues<C> & EntityMethods & ModelHooks<ColumnValues<C>>;

/** The class `Model(table)` returns: construct instances, and read columns as static attributes. */
export type ModelClass<TName extends string, C extends AnyColumns> = (RequiredInitKeys<C> extends never
  ? { new (init?: InitOf<C>): ModelInstance<C> }
  : { new (init: InitOf<C>): ModelInstance<C> }) & {
  readonly [TABLE]: Table<TName, C>;
} & C;

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
