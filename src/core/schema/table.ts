/**
 * Tables and their constraints.
 *
 * ```ts
 * const artist = table('artist', {
 *   id: identity(),
 *   name: text().notNull(),
 * });
 * const song = table('song', {
 *   id: identity(),
 *   title: text().notNull(),
 *   artistId: integer('artist_id').references(() => artist.c.id, { onDelete: 'CASCADE' }),
 * }, (t) => [index('song_artist_idx', t.artistId)]);
 * ```
 * Columns live under `.c` (as in SQLAlchemy), so a column called `name` never
 * collides with the table's own `name`.
 */

import { AthanorError, InvalidArgumentError } from '../errors.js';
import { identifierProblem } from './strings.js';
import type { Predicate } from '../sql/expression.js';
import type { ExprNode, TableMeta, TableRefNode } from '../sql/nodes.js';
import { Column, type BuilderValue, type ColumnBuilder, type ReferenceOptions, type References } from './column.js';

/**
 * A schema mistake: an unknown column key, a bad table or column name.
 *
 * ```ts
 * artist.column('nmae'); // SchemaError: table "artist" has no column "nmae" (columns: id, name, active)
 * ```
 */
export class SchemaError extends AthanorError {
  override readonly code = 'ATH_SCHEMA';
  override name = 'SchemaError';
}

/**
 * One part of an index: a column, or an expression (`sql\`lower("email")\``) where the database indexes
 * expressions (PostgreSQL, SQLite, MySQL 8).
 */
export type IndexElement = Column<unknown> | ExprNode;

/**
 * An index. `columns` lists the plain columns it covers; `elements`, when the index has expressions, lists every
 * part in order (columns and expressions).
 *
 * ```ts
 * table('customer', { email: text() }, (c) => [index('customer_email_lower_idx', sql`lower(${c.email})`)]);
 * // CREATE INDEX "customer_email_lower_idx" ON "customer" ((lower("email")))
 * ```
 */
export class IndexDef {
  readonly kind = 'index' as const;
  constructor(
    readonly name: string,
    readonly columns: readonly Column<unknown>[],
    readonly unique: boolean,
    /** Partial index predicate (PostgreSQL, SQLite). */
    readonly condition: ExprNode | undefined = undefined,
    /** Every part in order, when some are expressions; undefined for an index of columns only. */
    readonly elements: readonly IndexElement[] | undefined = undefined,
    /** The access method (`gin`, `gist`, `hash`; PostgreSQL), when not the default B-tree. */
    readonly method: string | undefined = undefined,
  ) {}
  /** A partial index: only rows matching `condition` are indexed. */
  where(condition: Predicate): IndexDef {
    return new IndexDef(this.name, this.columns, this.unique, condition.node, this.elements, this.method);
  }
  /**
   * The index's access method (PostgreSQL; other databases keep their default).
   *
   * ```ts
   * index('film_fulltext_idx', film.c.fulltext).using('gist');
   * // CREATE INDEX "film_fulltext_idx" ON "film" USING gist ("fulltext")
   * ```
   */
  using(method: string): IndexDef {
    return new IndexDef(this.name, this.columns, this.unique, this.condition, this.elements, method);
  }
  /** Every part of the index in order: its columns, or its elements when it has expressions. */
  get parts(): readonly IndexElement[] {
    return this.elements ?? this.columns;
  }
}

export interface UniqueDef {
  readonly kind: 'unique';
  readonly name: string;
  readonly columns: readonly Column<unknown>[];
}

export interface CheckDef {
  readonly kind: 'check';
  readonly name: string;
  readonly condition: ExprNode;
}

export interface ForeignKeyDef {
  readonly kind: 'foreignKey';
  readonly name: string;
  readonly columns: readonly Column<unknown>[];
  /** Resolved lazily: the target table may be declared after this one. */
  readonly targetColumns: () => readonly Column<unknown>[];
  readonly onDelete: ReferenceOptions['onDelete'];
  readonly onUpdate: ReferenceOptions['onUpdate'];
}

export interface PrimaryKeyDef<Keys extends readonly string[] = readonly string[]> {
  readonly kind: 'primaryKey';
  readonly columns: readonly Column<unknown>[];
  /** @internal phantom: the keys of the columns, in order */
  readonly __keys?: Keys;
}

export type TableConstraint = IndexDef | UniqueDef | CheckDef | ForeignKeyDef | PrimaryKeyDef;

/** Anything that can be one part of an index: a column, or an expression or `sql` fragment. */
export type IndexPart = Column<unknown> | { readonly node: ExprNode };

function indexDef(name: string, parts: readonly IndexPart[], unique: boolean): IndexDef {
  const columns = parts.filter((p): p is Column<unknown> => p instanceof Column);
  if (columns.length === parts.length) return new IndexDef(name, columns, unique);
  const elements = parts.map((p): IndexElement => (p instanceof Column ? p : p.node));
  return new IndexDef(name, columns, unique, undefined, elements);
}

/**
 * An index on columns or expressions.
 *
 * ```ts
 * table('song', { id: identity(), title: text().notNull(), artistId: integer('artist_id') },
 *   (c) => [index('song_artist_idx', c.artistId), index('song_title_lower_idx', sql`lower(${c.title})`)]);
 * // CREATE INDEX "song_artist_idx" ON "song" ("artist_id")
 * ```
 */
export function index(name: string, ...parts: IndexPart[]): IndexDef {
  return indexDef(name, parts, false);
}
/** A unique index: `uniqueIndex('customer_email_key', c.email)`. */
export function uniqueIndex(name: string, ...parts: IndexPart[]): IndexDef {
  return indexDef(name, parts, true);
}
export function unique(name: string, ...columns: Column<unknown>[]): UniqueDef {
  return { kind: 'unique', name, columns };
}
export function check(name: string, condition: Predicate): CheckDef {
  return { kind: 'check', name, condition: condition.node };
}
export function primaryKey<const Cs extends readonly Column<unknown>[]>(...columns: Cs): PrimaryKeyDef<KeysOfColumns<Cs>> {
  return { kind: 'primaryKey', columns };
}

/** The TypeScript keys of columns, in order. */
type KeysOfColumns<Cs extends readonly Column<unknown>[]> = { -readonly [I in keyof Cs]: Cs[I] extends { readonly key: infer K extends string } ? K : string };

/**
 * @internal phantom (never present at run time): a member of a table-level
 * primary key whose keys, in key order, are `Keys` (typed keys for `session.get()`).
 */
export interface PrimaryKeyMember<Keys extends readonly string[]> {
  readonly __primaryKeyOf: Keys;
}

/** The keys of the table-level primary key among constraints `X`, when they are known literally. */
type TablePrimaryKey<X> = X extends readonly (infer E)[] ? (E extends PrimaryKeyDef<infer K> ? K : never) : never;

/** Columns `C` with the members of a table-level primary key `Keys` marked. */
type WithTablePrimaryKey<C, Keys> = [Keys] extends [never]
  ? C
  : Keys extends readonly string[]
    ? string extends Keys[number]
      ? C
      : { readonly [K in keyof C]: K extends Keys[number] ? C[K] & PrimaryKeyMember<Keys> : C[K] }
    : C;
export function foreignKey(
  name: string,
  columns: Column<unknown>[],
  target: () => Column<unknown>[],
  options: Omit<ReferenceOptions, 'name'> = {},
): ForeignKeyDef {
  return { kind: 'foreignKey', name, columns, targetColumns: target, onDelete: options.onDelete, onUpdate: options.onUpdate };
}

type Builders = Record<string, ColumnBuilder<unknown, boolean, boolean>>;

/** The bound columns of a table named `TName` declared with builders `B`. */
export type ColumnsOf<B extends Builders, TName extends string = string> = {
  readonly [K in keyof B & string]: B[K] extends ColumnBuilder<infer _T, infer NN, infer D, infer P>
    ? Column<BuilderValue<B[K]>, K, NN, D, P, TName> & (B[K] extends References<infer Target> ? References<Target> : unknown)
    : never;
};

export type AnyColumns = Record<string, Column<unknown, string>>;

/**
 * A full row of a table: nullable columns are `T | null`.
 *
 * Types are read from the phantom properties, not by matching `Column<infer T>`:
 * for a foreign-key column (`Column & References`) TypeScript matches the
 * intersection structurally and also infers from method parameters, which
 * would add `null` to a NOT NULL column.
 */
export type RowOf<C> = { -readonly [K in keyof C]: C[K] extends { readonly __value?: infer T } ? T : never };

type RequiredKeys<C> = {
  [K in keyof C]: C[K] extends { readonly __notNull?: infer NN; readonly __hasDefault?: infer D }
    ? NN extends true
      ? D extends true
        ? never
        : K
      : never
    : never;
}[keyof C];

/** A row to insert: not-null columns without a default are required, the rest optional. */
export type InsertRowOf<C> = Simplify<
  { -readonly [K in RequiredKeys<C>]: RowOf<C>[K] } & { -readonly [K in Exclude<keyof C, RequiredKeys<C>>]?: RowOf<C>[K] }
>;

export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Anything usable in FROM that exposes typed columns. */
export interface Selectable<C> {
  readonly c: C;
  /** @internal */
  readonly fromNode: TableRefNode | import('../sql/nodes.js').FromNode;
}

export class Table<TName extends string = string, C extends AnyColumns = AnyColumns> implements TableMeta, Selectable<C> {
  readonly c: C;
  readonly columns: readonly Column<unknown>[];
  readonly primaryKey: readonly Column<unknown>[];
  readonly indexes: readonly IndexDef[];
  readonly uniques: readonly UniqueDef[];
  readonly checks: readonly CheckDef[];
  private readonly explicitForeignKeys: readonly ForeignKeyDef[];
  private resolvedForeignKeys: readonly ForeignKeyDef[] | undefined;
  readonly fromNode: TableRefNode;
  private readonly columnsByKey: ReadonlyMap<string, Column<unknown>>;

  constructor(
    readonly name: TName,
    builders: Builders,
    extras: (c: C) => TableConstraint[],
    readonly schema: string | undefined,
    /** The table's comment in the database (PostgreSQL `COMMENT ON TABLE`, MySQL `COMMENT=`). */
    readonly comment: string | undefined = undefined,
  ) {
    const qualifier = name;
    const tableProblem = identifierProblem(name) ?? (schema === undefined ? undefined : identifierProblem(schema));
    if (tableProblem !== undefined) throw new SchemaError(`table(): ${tableProblem}`);
    const c: Record<string, Column<unknown>> = {};
    const names = new Set<string>();
    for (const [key, b] of Object.entries(builders)) {
      const col = new Column<unknown>(this, key, b.declaration, qualifier);
      const columnProblem = identifierProblem(col.name);
      if (columnProblem !== undefined) throw new SchemaError(`table "${name}", column "${key}": ${columnProblem}`);
      if (names.has(col.name)) throw new SchemaError(`table "${name}": two columns are named "${col.name}"`);
      names.add(col.name);
      c[key] = col;
    }
    this.c = Object.freeze(c) as unknown as C;
    this.columns = Object.values(c);
    this.columnsByKey = new Map(Object.entries(c));
    const constraints = extras(this.c);
    const pkDef = constraints.find((x): x is PrimaryKeyDef => x.kind === 'primaryKey');
    if (pkDef) {
      // A table-level primary key makes its columns primary-key and not-null columns.
      this.primaryKey = pkDef.columns;
      for (const col of pkDef.columns) {
        (col as { declaration: Column<unknown>['declaration'] }).declaration = { ...col.declaration, primaryKey: true, notNull: true };
      }
    } else {
      this.primaryKey = this.columns.filter((col) => col.declaration.primaryKey);
    }
    this.indexes = constraints.filter((x): x is IndexDef => x.kind === 'index');
    this.uniques = constraints.filter((x): x is UniqueDef => x.kind === 'unique');
    this.checks = constraints.filter((x): x is CheckDef => x.kind === 'check');
    this.explicitForeignKeys = constraints.filter((x): x is ForeignKeyDef => x.kind === 'foreignKey');
    this.fromNode = Object.freeze({ kind: 'tableRef', table: this, alias: undefined });
  }

  /** All foreign keys: those declared on columns with `.references()` and the table-level ones. */
  get foreignKeys(): readonly ForeignKeyDef[] {
    if (!this.resolvedForeignKeys) {
      const fromColumns: ForeignKeyDef[] = this.columns
        .filter((col) => col.declaration.references)
        .map((col) => ({
          kind: 'foreignKey',
          name: col.declaration.referenceOptions.name ?? `${this.name}_${col.name}_fkey`,
          columns: [col],
          targetColumns: () => [col.declaration.references!(this.c)],
          onDelete: col.declaration.referenceOptions.onDelete,
          onUpdate: col.declaration.referenceOptions.onUpdate,
        }));
      this.resolvedForeignKeys = [...fromColumns, ...this.explicitForeignKeys];
    }
    return this.resolvedForeignKeys;
  }

  /** The column with TypeScript key `key`, or a {@link SchemaError} naming the table and the key. */
  column(key: string): Column<unknown> {
    const col = this.columnsByKey.get(key);
    if (!col) {
      throw new SchemaError(
        `table "${this.name}" has no column "${key}" (columns: ${[...this.columnsByKey.keys()].join(', ')})`,
      );
    }
    return col;
  }

  /** @internal */
  hasColumn(key: string): boolean {
    return this.columnsByKey.has(key);
  }

  /** The same table under another name, for self-joins: `const manager = employee.as('manager')`. */
  as<A extends string>(alias: A): TableAlias<TName, C> {
    return new TableAlias<TName, C>(this, alias);
  }

  toString(): string {
    return this.schema ? `${this.schema}.${this.name}` : this.name;
  }
}


export class TableAlias<TName extends string = string, C extends AnyColumns = AnyColumns> implements Selectable<C> {
  readonly c: C;
  readonly fromNode: TableRefNode;
  constructor(
    readonly table: Table<TName, C>,
    readonly alias: string,
  ) {
    const problem = identifierProblem(alias);
    if (problem !== undefined) throw new InvalidArgumentError(`as(): ${problem}`, 'as', alias);
    const c: Record<string, Column<unknown>> = {};
    for (const [key, col] of Object.entries(table.c)) c[key] = col.withQualifier(alias);
    this.c = Object.freeze(c) as unknown as C;
    this.fromNode = Object.freeze({ kind: 'tableRef', table, alias });
  }
  get columns(): readonly Column<unknown>[] {
    return Object.values(this.c);
  }
}

/** Where a table lives and what is said of it. */
export interface TableOptions {
  /** The schema (PostgreSQL) or database (MySQL) the table belongs to; the connection's default when omitted. */
  schema?: string;
  /** A comment stored with the table (PostgreSQL, MySQL). */
  comment?: string;
}

/**
 * Declare a table. `extras` receives the bound columns and returns table-level
 * constraints: indexes, composite unique / primary / foreign keys, checks.
 *
 * ```ts
 * const payment = table('payment', { id: identity(), amount: numeric(5, 2).notNull() }, undefined, { schema: 'billing', comment: 'one row per charge' });
 * // PostgreSQL: CREATE TABLE "billing"."payment" (...); COMMENT ON TABLE "billing"."payment" IS 'one row per charge'
 * ```
 */
export function table<TName extends string, B extends Builders, X extends readonly TableConstraint[] = TableConstraint[]>(
  name: TName,
  columns: B,
  extras?: (c: ColumnsOf<B, TName>) => X,
  options: TableOptions = {},
): Table<TName, WithTablePrimaryKey<ColumnsOf<B, TName>, TablePrimaryKey<X>>> {
  return new Table<TName, WithTablePrimaryKey<ColumnsOf<B, TName>, TablePrimaryKey<X>>>(
    name,
    columns,
    (extras ?? (() => [])) as unknown as (c: WithTablePrimaryKey<ColumnsOf<B, TName>, TablePrimaryKey<X>>) => TableConstraint[],
    options.schema,
    options.comment,
  );
}

/** A table's full row type: `type Artist = RowType<typeof artist>`. */
export type RowType<T> = T extends Table<string, infer C> ? Simplify<RowOf<C>> : never;
/** A table's insert row type. */
export type InsertType<T> = T extends Table<string, infer C> ? InsertRowOf<C> : never;
