/**
 * Relationship declarations and their resolution into join conditions.
 *
 * ```ts
 * @mapped
 * export class Artist extends Model(artistTable) {
 *   static readonly songs = many(() => Song, { backPopulates: 'artist', cascade: 'all, delete-orphan' });
 * }
 * export interface Artist extends Related<typeof Artist> {}
 * ```
 * A declaration is a static attribute of the model (`Artist.songs`): it names
 * the relationship in load options and predicates. Which columns join the two
 * tables is found from the foreign keys the first time it is used.
 */

import type { Column } from '../core/schema/column.js';
import type { ForeignKeyDef, Table } from '../core/schema/table.js';
import type { Ordering, Predicate } from '../core/sql/expression.js';
import { Expression } from '../core/sql/expression.js';
import { and } from '../core/sql/functions.js';
import { exists, select } from '../core/sql/select.js';
import { InvalidRequestError } from './errors.js';
import type { Mapper } from './mapper.js';
import type { EagerStrategyKey, StrategyKey } from './loading/strategies/index.js';

/**
 * How a relationship loads when nothing in the query says otherwise: the key
 * of a registered loader strategy (`'select' | 'joined' | 'selectin' |
 * 'subquery' | 'raise' | 'raiseOnSql' | 'noload' | 'immediate' | 'json'`).
 * ```ts
 * @mapped
 * class Artist extends Model(artistTable) {
 *   static readonly songs = many(() => Song, { lazy: 'selectin' });
 * }
 * ```
 */
export type LoadStrategy = StrategyKey;

/**
 * Strategies that leave the relationship loaded when the parent query returns
 * (`'joined' | 'selectin' | 'subquery' | 'immediate' | 'json'`).
 * ```ts
 * const eager: EagerStrategy = 'joined';
 * ```
 */
export type EagerStrategy = EagerStrategyKey;

export type CascadeOption = 'save-update' | 'merge' | 'delete' | 'delete-orphan' | 'expunge' | 'refresh';

export interface Cascade {
  readonly saveUpdate: boolean;
  readonly merge: boolean;
  readonly delete: boolean;
  readonly deleteOrphan: boolean;
  readonly expunge: boolean;
  readonly refresh: boolean;
}

/** Parse `'all, delete-orphan'` style cascade strings (SQLAlchemy's vocabulary). */
export function parseCascade(spec: string | undefined): Cascade {
  const words = new Set(
    (spec ?? 'save-update, merge')
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean),
  );
  const known = new Set(['all', 'save-update', 'merge', 'delete', 'delete-orphan', 'expunge', 'refresh', 'refresh-expire', 'none']);
  for (const w of words) {
    if (!known.has(w)) throw new InvalidRequestError(`unknown cascade option "${w}" (known: ${[...known].join(', ')})`);
  }
  const all = words.has('all');
  return {
    saveUpdate: all || words.has('save-update'),
    merge: all || words.has('merge'),
    delete: all || words.has('delete'),
    deleteOrphan: words.has('delete-orphan'),
    expunge: all || words.has('expunge'),
    refresh: all || words.has('refresh') || words.has('refresh-expire'),
  };
}

/** A model class as relationships see it. */
export type ModelCtor = abstract new (...args: never[]) => object;

export interface RelationshipOptions<L extends LoadStrategy = LoadStrategy> {
  /** The relationship on the other model that mirrors this one; both are kept in sync in memory. */
  backPopulates?: string;
  /** `'save-update, merge'` by default; `'all'`, `'all, delete-orphan'`, ... */
  cascade?: string;
  /**
   * Leave deletion of children to the database's ON DELETE: the ORM neither loads
   * nor deletes them. `'all'` also leaves children already in memory untouched.
   */
  passiveDeletes?: boolean | 'all';
  /** Default loading strategy (`'select'`: explicit `await obj.rel.load()`, batched over siblings). */
  lazy?: L;
  /** The foreign-key column(s) to join on, when the tables are linked by more than one foreign key. */
  foreignKey?: Column<unknown> | readonly Column<unknown>[];
  /** Association table of a many-to-many relationship. */
  secondary?: Table;
  /** Order of a loaded collection. */
  orderBy?: readonly (Expression<unknown> | Ordering)[];
  /**
   * Sibling batching: the first lazy load of this relationship loads it for every
   * object of the same query result in one statement. On by default.
   */
  batch?: boolean;
  /**
   * Levels of a self-referential relationship that a default `joined` load follows
   * (default 1: the relationship itself; `person.manager.manager` then stays unloaded).
   */
  joinDepth?: number;
  /** Levels of a self-referential collection that `selectin` follows (default 1). */
  recursionDepth?: number;
  /** Read-only: never written by flush. */
  viewOnly?: boolean;
}

export type Direction = 'manyToOne' | 'oneToMany' | 'manyToMany';

/** Resolved join columns: pairs of (column on the parent side, column on the child side). */
export interface JoinPairs {
  /** For manyToOne: local FK columns -> remote key columns. For oneToMany: local key -> remote FK. */
  readonly local: readonly Column<unknown>[];
  readonly remote: readonly Column<unknown>[];
  /** manyToMany: association columns pointing at the parent and at the child. */
  readonly secondaryLocal?: readonly Column<unknown>[];
  readonly secondaryRemote?: readonly Column<unknown>[];
  readonly foreignKey: ForeignKeyDef | undefined;
  readonly secondaryForeignKeys?: readonly [ForeignKeyDef, ForeignKeyDef];
}

/**
 * A relationship attribute: the static `Artist.songs`. Type parameters carry
 * the target model, whether it is a collection, and its default strategy, so
 * instance types can say what is loaded.
 */
export class RelationshipAttribute<M extends ModelCtor = ModelCtor, Many extends boolean = boolean, L extends LoadStrategy = LoadStrategy> {
  /** @internal phantoms */
  declare readonly __target?: M;
  declare readonly __many?: Many;
  declare readonly __lazy?: L;

  /** Set when the owning model is mapped. */
  parent: Mapper | undefined;
  key = '';
  /** Position among the parent mapper's relationships (its slot index on instances). @internal */
  ordinal = -1;
  readonly cascade: Cascade;
  private resolved: ResolvedRelationship | undefined;

  constructor(
    readonly targetThunk: () => M,
    readonly many: Many,
    readonly options: RelationshipOptions<L>,
  ) {
    this.cascade = parseCascade(options.cascade);
    if (options.cascade?.includes('delete-orphan') && !options.cascade.includes('delete') && !options.cascade.includes('all')) {
      throw new InvalidRequestError('cascade "delete-orphan" needs "delete" too (write "all, delete-orphan" or "delete, delete-orphan")');
    }
  }

  get lazy(): LoadStrategy {
    return this.options.lazy ?? 'select';
  }

  get name(): string {
    return `${this.parent?.name ?? '?'}.${this.key}`;
  }

  /** @internal The resolved join: direction and columns. */
  get r(): ResolvedRelationship {
    if (!this.resolved) {
      const r = resolve(this);
      const parent = this.parent!;
      this.resolved = {
        ...r,
        localIndexes: r.pairs.local.map((c) => parent.columnIndex(c.key)),
        remoteIndexes: r.pairs.remote.map((c) => r.target.columnIndex(c.key)),
      };
    }
    return this.resolved;
  }

  /** `EXISTS` over related rows: `Artist.songs.any(Song.title.like('%love%'))`. */
  any(condition?: Predicate): Predicate {
    return relatedExists(this, condition);
  }
  /** `EXISTS` for a to-one relationship: `Song.artist.has(Artist.name.eq('Queen'))`. */
  has(condition?: Predicate): Predicate {
    return relatedExists(this, condition);
  }

  toString(): string {
    return this.name;
  }
}

export interface ResolvedRelationship {
  readonly target: Mapper;
  readonly direction: Direction;
  readonly pairs: JoinPairs;
  /** Column indexes of `pairs.local` on the parent mapper and of `pairs.remote` on the target (computed once). */
  readonly localIndexes: readonly number[];
  readonly remoteIndexes: readonly number[];
  /** The mirror relationship on the target model, if declared. */
  readonly reverse: RelationshipAttribute | undefined;
  readonly selfReferential: boolean;
}

/** @internal Filled in by mapper.ts to avoid an import cycle. */
export const mapperLookup: { of: (model: ModelCtor) => Mapper } = {
  of: () => {
    throw new Error('internal: mapper lookup not installed');
  },
};

function fkTarget(fk: ForeignKeyDef): Table {
  return fk.targetColumns()[0]!.table as Table;
}

function asList(c: Column<unknown> | readonly Column<unknown>[] | undefined): readonly Column<unknown>[] | undefined {
  if (c === undefined) return undefined;
  return Array.isArray(c) ? (c as readonly Column<unknown>[]) : [c as Column<unknown>];
}

function sameColumns(a: readonly Column<unknown>[], b: readonly Column<unknown>[]): boolean {
  return a.length === b.length && a.every((c, i) => c.table === b[i]!.table && c.name === b[i]!.name);
}

function resolve(attr: RelationshipAttribute): Omit<ResolvedRelationship, 'localIndexes' | 'remoteIndexes'> {
  const parent = attr.parent;
  if (!parent) throw new InvalidRequestError(`relationship "${attr.key}" is not attached to a mapped model`);
  const target = mapperLookup.of(attr.targetThunk());
  const parentTable = parent.table;
  const targetTable = target.table;
  const wanted = asList(attr.options.foreignKey);
  const selfReferential = parentTable === targetTable;

  let reverse: RelationshipAttribute | undefined;
  if (attr.options.backPopulates) {
    reverse = target.relationship(attr.options.backPopulates);
  }

  if (attr.options.secondary) {
    const secondary = attr.options.secondary;
    const toParent = secondary.foreignKeys.filter((fk) => fkTarget(fk) === parentTable);
    const toTarget = secondary.foreignKeys.filter((fk) => fkTarget(fk) === targetTable);
    let fkParent: ForeignKeyDef | undefined = toParent[0];
    let fkTarget_: ForeignKeyDef | undefined = toTarget.find((fk) => fk !== fkParent) ?? toTarget[0];
    if (selfReferential && wanted) {
      fkParent = secondary.foreignKeys.find((fk) => sameColumns(fk.columns, wanted));
      fkTarget_ = secondary.foreignKeys.find((fk) => fk !== fkParent && fkTarget(fk) === targetTable);
    }
    if (fkParent === undefined || fkTarget_ === undefined || fkParent === fkTarget_) {
      throw new InvalidRequestError(
        `${attr.name}: association table "${secondary.name}" needs a foreign key to "${parentTable.name}" and one to "${targetTable.name}"`,
      );
    }
    return {
      target,
      direction: 'manyToMany',
      selfReferential,
      reverse,
      pairs: {
        local: fkParent.targetColumns(),
        remote: fkTarget_.targetColumns(),
        secondaryLocal: fkParent.columns,
        secondaryRemote: fkTarget_.columns,
        foreignKey: undefined,
        secondaryForeignKeys: [fkParent, fkTarget_],
      },
    };
  }

  // Foreign keys from the parent to the target make this many-to-one; from the target to the parent, one-to-many.
  const outgoing = parentTable.foreignKeys.filter((fk) => fkTarget(fk) === targetTable && (!wanted || sameColumns(fk.columns, wanted)));
  const incoming = targetTable.foreignKeys.filter((fk) => fkTarget(fk) === parentTable && (!wanted || sameColumns(fk.columns, wanted)));

  let direction: Direction;
  let fk: ForeignKeyDef | undefined;
  if (selfReferential) {
    // Same foreign key both ways: a to-one is the many-to-one side (manager), a collection the one-to-many side (reports).
    const candidates = outgoing;
    if (candidates.length > 1 && !wanted) throw ambiguous(attr, candidates);
    fk = candidates[0];
    direction = attr.many ? 'oneToMany' : 'manyToOne';
  } else if (outgoing.length > 0 && (incoming.length === 0 || !attr.many)) {
    if (outgoing.length > 1) throw ambiguous(attr, outgoing);
    fk = outgoing[0];
    direction = 'manyToOne';
  } else {
    if (incoming.length > 1) throw ambiguous(attr, incoming);
    fk = incoming[0];
    direction = 'oneToMany';
  }
  if (!fk) {
    throw new InvalidRequestError(
      `${attr.name}: no foreign key links "${parentTable.name}" and "${targetTable.name}"; declare one with .references(), or pass { secondary } for many-to-many`,
    );
  }
  if (direction === 'manyToOne' && attr.many) {
    throw new InvalidRequestError(`${attr.name}: "${parentTable.name}" holds the foreign key, so this side is to-one: declare it with one(), not many()`);
  }
  const pairs: JoinPairs =
    direction === 'manyToOne'
      ? { local: fk.columns, remote: fk.targetColumns(), foreignKey: fk }
      : { local: fk.targetColumns(), remote: fk.columns, foreignKey: fk };
  return { target, direction, selfReferential, reverse, pairs };
}

function ambiguous(attr: RelationshipAttribute, fks: readonly ForeignKeyDef[]): InvalidRequestError {
  return new InvalidRequestError(
    `${attr.name}: several foreign keys could join these tables (${fks.map((f) => f.name).join(', ')}); pick one with { foreignKey: ... }`,
  );
}

/** @internal `parent.col = child.col AND ...` for a relationship, with optional aliases for either side. */
export function joinCondition(
  attr: RelationshipAttribute,
  parentColumns: (c: Column<unknown>) => Expression<unknown>,
  childColumns: (c: Column<unknown>) => Expression<unknown>,
): Predicate {
  const { pairs, direction } = attr.r;
  if (direction === 'manyToMany') throw new Error('internal: joinCondition on many-to-many needs the association table');
  const terms = pairs.local.map((l, i) => parentColumns(l).eq(childColumns(pairs.remote[i]!)));
  return and(...terms);
}

function relatedExists(attr: RelationshipAttribute, condition?: Predicate): Predicate {
  const { pairs, direction, target } = attr.r;
  const parent = attr.parent!;
  const targetTable = target.table;
  if (parent.table === targetTable) {
    throw new InvalidRequestError(`${attr.name}.any()/has() on a self-referential relationship needs an alias: use aliased() and join()`);
  }
  if (direction === 'manyToMany') {
    const secondary = attr.options.secondary!;
    const links = pairs.secondaryLocal!.map((c, i) => c.eq(pairs.local[i]!));
    const toTarget = pairs.secondaryRemote!.map((c, i) => c.eq(pairs.remote[i]!));
    return exists(select(pairs.secondaryLocal![0]!).from(secondary).join(targetTable, and(...toTarget)).where(...links, condition));
  }
  const link = pairs.local.map((l, i) => l.eq(pairs.remote[i]!));
  return exists(select(pairs.remote[0]!.as('x')).from(targetTable).where(...link, condition));
}

// ---------------------------------------------------------------------------
// Declaration functions

/** A collection: one-to-many (the target holds the foreign key) or many-to-many (`secondary`). */
export function many<M extends ModelCtor, L extends LoadStrategy = 'select'>(
  target: () => M,
  options: RelationshipOptions<L> = {},
): RelationshipAttribute<M, true, L> {
  return new RelationshipAttribute<M, true, L>(target, true, options);
}

/** A single related object: many-to-one (this model holds the foreign key) or one-to-one. */
export function one<M extends ModelCtor, L extends LoadStrategy = 'select'>(
  target: () => M,
  options: RelationshipOptions<L> = {},
): RelationshipAttribute<M, false, L> {
  return new RelationshipAttribute<M, false, L>(target, false, options);
}
