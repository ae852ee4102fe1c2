/**
 * Query options: how a query loads relationships and columns.
 *
 * ```ts
 * const artists = await s.query(Artist)
 *   .options(selectinLoad(Artist.albums).selectinLoad(Album.tracks), raiseLoad('*'))
 *   .all();
 * artists[0]!.albums[0]!.tracks.length; // typed: both levels are loaded
 * // SELECT ... FROM "artist"
 * // SELECT ... FROM "album" WHERE "album"."artist_id" IN (?, ?, ...)
 * // SELECT ... FROM "track" WHERE "track"."album_id" IN (?, ?, ...)
 * ```
 * An option is a path of relationships, each with a strategy; chaining adds
 * a level. Eager options change the result type: the loaded relationships
 * read as {@link Collection}s (or objects) instead of unloaded handles.
 */

import type { Column } from '../../core/schema/column.js';
import type { Collection } from '../collection.js';
import type { LoadedToOneNull } from '../model.js';
import { InvalidRequestError } from '../errors.js';
import type { EagerStrategy, LoadStrategy, ModelCtor, RelationshipAttribute } from '../relationship.js';
import { isEager, isStrategyKey, registeredStrategies } from '../loading/strategies/index.js';

/** Any relationship attribute. */
export type AnyRelationship = RelationshipAttribute<ModelCtor, boolean, LoadStrategy>;

/** One level of a load path. @internal */
export interface LoadStep {
  readonly attr: AnyRelationship;
  readonly strategy: LoadStrategy;
  /** Column options for the entities this step loads. */
  readonly columns: ColumnOption | undefined;
}

/** Which columns of an entity to load. @internal */
export interface ColumnOption {
  readonly mode: 'only' | 'defer' | 'undefer';
  readonly columns: readonly Column<unknown>[];
}

type InstanceOf<M> = M extends abstract new (...args: never[]) => infer I ? I : never;
type TargetOf<A> = A extends RelationshipAttribute<infer T, boolean, LoadStrategy> ? T : never;
type ManyOf<A> = A extends RelationshipAttribute<ModelCtor, infer Many, LoadStrategy> ? Many : never;

/** The static keys of model `M` whose relationship attribute has type `A`. */
type KeysFor<M, A> = { [P in keyof M]: M[P] extends A ? (A extends M[P] ? P : never) : never }[keyof M];

/** `R` with the relationships in `O` replaced by their loaded types. */
export type Loaded<R, O> = [keyof O] extends [never] ? R : Omit<R, keyof O> & O;

/** What a path of eagerly loaded relationships adds to the instance type of model `M`. */
export type PathOverlay<M, Steps extends readonly unknown[]> = Steps extends readonly [infer H, ...infer T]
  ? {
      [P in KeysFor<M, H> & string]: ManyOf<H> extends true
        ? Collection<Loaded<InstanceOf<TargetOf<H>>, PathOverlay<TargetOf<H>, T>>>
        : Loaded<InstanceOf<TargetOf<H>>, PathOverlay<TargetOf<H>, T>> | LoadedToOneNull<M, TargetOf<H>>;
    }
  : // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    {};

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * What a list of query options adds to the instance type of model `M`. An option that loads nothing adds `{}`, not
 * `unknown`: `unknown` in the union would swallow the eager options beside it (`raiseLoad('*')` next to a
 * `selectinLoad` typed the collection as not loaded).
 */
export type OptionsOverlay<M, O extends readonly QueryOption[]> = UnionToIntersection<
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  { [I in keyof O]: O[I] extends LoadOption<infer Steps, true> ? PathOverlay<M, Steps> : {} }[number]
>;

/** Options given to `Query.options()`. */
export type QueryOption = LoadOption<readonly AnyRelationship[], boolean> | ColumnsOption | BatchOption;

/**
 * A load path: `selectinLoad(Artist.albums).joinedLoad(Album.tracks)`.
 * `Steps` lists the relationships; `Eager` is true while every level loads eagerly.
 */
export class LoadOption<Steps extends readonly AnyRelationship[], Eager extends boolean> {
  readonly kind = 'load' as const;
  /** @internal phantom */
  declare readonly __steps?: Steps;
  declare readonly __eager?: Eager;

  constructor(
    /** @internal */
    readonly steps: readonly LoadStep[],
    /** @internal `raiseLoad('*')`: the strategy for every relationship not named by another option. */
    readonly wildcard: LoadStrategy | undefined = undefined,
  ) {}

  private then_<A extends AnyRelationship, S extends LoadStrategy>(attr: A, strategy: S): LoadOption<[...Steps, A], Eager extends true ? (S extends EagerStrategy ? true : false) : false> {
    if (this.wildcard) throw new InvalidRequestError(`a wildcard option ('*') cannot be chained with ${attr.name}`);
    const last = this.steps[this.steps.length - 1];
    if (last && attr.parent && last.attr.r.target !== attr.parent) {
      throw new InvalidRequestError(`${attr.name} cannot follow ${last.attr.name} in a load path: it is not a relationship of ${last.attr.r.target.name}`);
    }
    return new LoadOption([...this.steps, { attr, strategy, columns: undefined }]);
  }

  joinedLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'joined');
  }
  selectinLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'selectin');
  }
  jsonLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'json');
  }
  subqueryLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'subquery');
  }
  immediateLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'immediate');
  }
  lazyLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'select');
  }
  raiseLoad<A extends AnyRelationship>(attr: A, options: { sqlOnly?: boolean } = {}) {
    return this.then_(attr, options.sqlOnly ? 'raiseOnSql' : 'raise');
  }
  noLoad<A extends AnyRelationship>(attr: A) {
    return this.then_(attr, 'noload');
  }
  /** The next level with the strategy registered under `strategy` (see {@link loadWith}). */
  loadWith<A extends AnyRelationship, S extends LoadStrategy>(attr: A, strategy: S) {
    return this.then_(attr, checkStrategy(strategy));
  }

  /** Load only these columns (and the primary key) of the entities at the end of this path. */
  loadOnly(...columns: Column<unknown>[]): LoadOption<Steps, Eager> {
    return this.withColumns({ mode: 'only', columns });
  }
  /** Leave these columns of the entities at the end of this path unloaded. */
  defer(...columns: Column<unknown>[]): LoadOption<Steps, Eager> {
    return this.withColumns({ mode: 'defer', columns });
  }

  private withColumns(columns: ColumnOption): LoadOption<Steps, Eager> {
    const last = this.steps[this.steps.length - 1];
    if (!last) throw new InvalidRequestError('loadOnly()/defer() on a load option needs a relationship path first');
    return new LoadOption<Steps, Eager>([...this.steps.slice(0, -1), { ...last, columns }]);
  }

  /** @internal True when every level loads eagerly. */
  get eager(): boolean {
    return this.steps.every((s) => isEager(s.strategy));
  }
}

/** Column options for every entity of the columns' table that the query loads. */
export class ColumnsOption {
  readonly kind = 'columns' as const;
  constructor(
    /** @internal */
    readonly option: ColumnOption,
  ) {}
}

/** Turns sibling batching of lazy loads off for the results of one query. */
export class BatchOption {
  readonly kind = 'batch' as const;
  constructor(
    /** @internal Relationships concerned; empty: all. */
    readonly attrs: readonly AnyRelationship[],
  ) {}
}

function start<A extends AnyRelationship, S extends LoadStrategy>(attr: A, strategy: S): LoadOption<[A], S extends EagerStrategy ? true : false> {
  return new LoadOption([{ attr, strategy, columns: undefined }]);
}

/**
 * Load a relationship in the same SELECT through a LEFT OUTER JOIN.
 * ```ts
 * s.query(Artist).options(joinedLoad(Artist.songs)).all();
 * // SELECT "artist"."id", ..., "song_1"."id" AS "song_1_id", ... FROM "artist"
 * //   LEFT OUTER JOIN "song" AS "song_1" ON "artist"."id" = "song_1"."artist_id"
 * ```
 * With a LIMIT, the parents are selected in a subquery so the limit counts parents.
 */
export function joinedLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'joined');
}
/**
 * Load a relationship for all parents in one more SELECT with `IN` (chunked under the parameter limit).
 * ```ts
 * s.query(Artist).options(selectinLoad(Artist.songs)).all();
 * // SELECT ... FROM "artist"
 * // SELECT ... FROM "song" WHERE "song"."artist_id" IN (?, ?, ...)
 * ```
 */
export function selectinLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'selectin');
}
/**
 * Load a relationship in the same SELECT as one more column: a correlated subquery that aggregates the related
 * rows into a JSON array on the server. Chained levels loaded the same way nest inside it, so the whole graph is
 * one statement with one row per parent (no join repeats a parent; a LIMIT counts parents as written).
 * ```ts
 * s.query(Artist).options(jsonLoad(Artist.albums).jsonLoad(Album.tracks)).all();
 * // SELECT "artist"."id", ..., (SELECT coalesce(json_agg(json_build_array("album_1"."id", ...,
 * //     (SELECT coalesce(json_agg(json_build_array("track_2"."id", ...)), '[]') FROM "track" AS "track_2" WHERE ...)
 * //   ) ORDER BY ...), '[]') FROM "album" AS "album_1" WHERE "artist"."id" = "album_1"."artist_id") AS "album_1"
 * // FROM "artist"
 * ```
 * MySQL 8 cannot order inside JSON_ARRAYAGG: an ordered relationship raises UnsupportedError there.
 */
export function jsonLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'json');
}
/**
 * Load a relationship with one more SELECT that joins the parent query as a derived table.
 * ```ts
 * s.query(Artist).where(Artist.name.like('A%')).options(subqueryLoad(Artist.songs)).all();
 * // SELECT ... FROM "song" JOIN (SELECT "artist"."id" FROM "artist" WHERE ...) AS "anon_1" ON ...
 * ```
 */
export function subqueryLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'subquery');
}
/** Load a relationship right after the parents, through the (sibling-batched) lazy loader. */
export function immediateLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'immediate');
}
/**
 * Load a relationship with the strategy registered under `strategy`: the
 * named options (`selectinLoad`, `joinedLoad`, ...) are shorthands for it, and
 * a strategy without one is reached this way.
 * ```ts
 * s.query(Artist).options(loadWith(Artist.songs, 'selectin')).all();
 * // SELECT ... FROM "artist"
 * // SELECT ... FROM "song" WHERE "song"."artist_id" IN (?, ?, ...)
 * ```
 */
export function loadWith<A extends AnyRelationship, S extends LoadStrategy>(attr: A, strategy: S) {
  return start(attr, checkStrategy(strategy));
}

/** `strategy`, when a strategy is registered under it; a typo from untyped code fails here, naming the keys. */
function checkStrategy<S extends LoadStrategy>(strategy: S): S {
  if (!isStrategyKey(strategy)) {
    const keys = registeredStrategies().map((s) => s.key);
    throw new InvalidRequestError(`loadWith(): no loader strategy is registered as ${JSON.stringify(strategy)}; the strategies are ${keys.join(', ')}`);
  }
  return strategy;
}

/** Leave a relationship to an explicit `await obj.rel.load()` (the default strategy, `select`). */
export function lazyLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'select');
}
/** Leave a relationship unloaded and empty: nothing is ever read for it in these results. */
export function noLoad<A extends AnyRelationship>(attr: A) {
  return start(attr, 'noload');
}

/**
 * Refuse to load a relationship lazily: reading it or `load()`ing it throws
 * {@link RaiseLoadError}. `'*'` applies to every relationship of the queried
 * model that no other option names. `{ sqlOnly: true }` (`raiseOnSql`) still
 * allows a to-one found in the identity map.
 */
export function raiseLoad<A extends AnyRelationship>(attr: A, options?: { sqlOnly?: boolean }): LoadOption<[A], false>;
export function raiseLoad(wildcard: '*', options?: { sqlOnly?: boolean }): LoadOption<[], false>;
export function raiseLoad(attr: AnyRelationship | '*', options: { sqlOnly?: boolean } = {}): LoadOption<readonly AnyRelationship[], false> {
  const strategy = options.sqlOnly ? 'raiseOnSql' : 'raise';
  if (attr === '*') return new LoadOption([], strategy);
  return start(attr, strategy);
}

/** Leave these columns unloaded; reading one throws until it is loaded (`undefer`, `refresh`). */
export function defer(...columns: Column<unknown>[]): ColumnsOption {
  return new ColumnsOption({ mode: 'defer', columns });
}
/** Load these columns even where an option deferred them. */
export function undefer(...columns: Column<unknown>[]): ColumnsOption {
  return new ColumnsOption({ mode: 'undefer', columns });
}
/**
 * Load only these columns (and the primary key) of their entity.
 * ```ts
 * s.query(User).options(loadOnly(User.username)).all();
 * // SELECT "user"."id", "user"."username" FROM "user"
 * ```
 */
export function loadOnly(...columns: Column<unknown>[]): ColumnsOption {
  return new ColumnsOption({ mode: 'only', columns });
}

/** No sibling batching for these relationships (all, when none is given) on this query's results. */
export function noBatch(...attrs: AnyRelationship[]): BatchOption {
  return new BatchOption(attrs);
}
