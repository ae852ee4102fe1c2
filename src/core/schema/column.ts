/**
 * Columns: builders used inside `table()`, and the bound {@link Column} they become.
 *
 * A builder records the declaration (`integer().notNull()`) and, in its type
 * parameters, whether the column is nullable and whether it has a default;
 * `table()` binds it to its table and key. Those two flags decide the row type
 * (`T | null` for nullable columns) and which keys an insert requires.
 */

import { Expression } from '../sql/expression.js';
import type { ColumnMeta, ExprNode, TableMeta } from '../sql/nodes.js';
import { types, type JsonValue, type SqlType } from './types.js';

export type ReferentialAction = 'CASCADE' | 'SET NULL' | 'SET DEFAULT' | 'RESTRICT' | 'NO ACTION';

export interface ReferenceOptions {
  onDelete?: ReferentialAction;
  onUpdate?: ReferentialAction;
  /** Constraint name; generated from the table and column names when omitted. */
  name?: string;
}

/**
 * Type-level mark of a foreign-key column. The ORM lets such columns be left
 * out when an object is created, because a relationship can fill them in.
 */
export interface References<Target extends Column<unknown> = Column<unknown>> {
  /** @internal phantom: never present at run time */
  readonly __references: true;
  /** @internal phantom: the referenced column's type (`Column<unknown>` for a thunk annotated `AnyColumn` or a self-reference). */
  readonly __referencesColumn?: Target;
}

/**
 * Any column. Annotate a `references()` thunk with it when two tables refer to
 * each other, so TypeScript need not infer one table's type from the other's:
 * `.references((): AnyColumn => player.c.id)`.
 */
export type AnyColumn = Column<unknown>;

/** A table's own columns, handed to a `references()` thunk for self-references. */
export type SelfColumns = Readonly<Record<string, Column<unknown>>>;

/** A value computed by the client when a row is inserted without one. */
export type ClientDefault<T> = T | (() => T);

/**
 * What an UPDATE of a row sets a column to when the change does not set it: a value or a function the client
 * evaluates (once per row), or an SQL expression the database evaluates.
 */
export type OnUpdateValue =
  | { readonly kind: 'value'; readonly value: ClientDefault<unknown> }
  | { readonly kind: 'sql'; readonly node: ExprNode };

/**
 * A check of a column's non-null values beyond their type: `true` (or `undefined`) when the value passes, else
 * `false` or the message that says what is wrong.
 *
 * ```ts
 * const email: ValueCheck<string> = (v) => v.includes('@') || 'must contain @';
 * ```
 */
export type ValueCheck<T> = (value: T) => boolean | string | undefined;

/** @internal A check declared with `validate()`, and the message used when it returns `false`. */
export interface ColumnValidator {
  readonly check: ValueCheck<unknown>;
  readonly message: string | undefined;
}

/** Anything with an SQL node: a server default written as an expression or `sql` fragment. */
export interface HasNode {
  readonly node: ExprNode;
}

/** @internal The declaration a builder accumulates. */
export interface ColumnDeclaration {
  readonly name: string | undefined;
  readonly type: SqlType;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly autoIncrement: boolean;
  readonly clientDefault: ClientDefault<unknown> | undefined;
  readonly serverDefault: ExprNode | undefined;
  readonly unique: boolean;
  readonly references: ((self: SelfColumns) => Column<unknown>) | undefined;
  readonly referenceOptions: ReferenceOptions;
  /** Version counter for optimistic concurrency (used by the ORM). */
  readonly version: boolean;
  /** The column's comment in the database (`COMMENT ON COLUMN`, MySQL's `COMMENT '...'`); absent on older declarations. */
  readonly comment?: string | undefined;
  /** What an UPDATE of the row sets the column to when the change does not (`onUpdate()`). */
  readonly onUpdate?: OnUpdateValue | undefined;
  /** Checks every non-null value must pass (`validate()`), in the order declared. */
  readonly validators?: readonly ColumnValidator[] | undefined;
}

export class ColumnBuilder<T, TNotNull extends boolean = false, THasDefault extends boolean = false, TPrimaryKey extends boolean = boolean> {
  /** @internal phantom carriers */
  declare readonly __type?: T;
  declare readonly __notNull?: TNotNull;
  declare readonly __hasDefault?: THasDefault;
  /** @internal phantom: part of the primary key (typed keys for `session.get()`). */
  declare readonly __primaryKey?: TPrimaryKey;

  constructor(readonly declaration: ColumnDeclaration) {}

  private with<N extends boolean, D extends boolean, P extends boolean = TPrimaryKey>(change: Partial<ColumnDeclaration>): ColumnBuilder<T, N, D, P> {
    return new ColumnBuilder<T, N, D, P>({ ...this.declaration, ...change });
  }

  /** The column's name in the database, when it differs from the TypeScript key. */
  named(name: string): ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> {
    return this.with({ name });
  }
  notNull(): ColumnBuilder<T, true, THasDefault, TPrimaryKey> {
    return this.with({ notNull: true });
  }
  /** Part of the primary key (implies NOT NULL). For a composite key mark every member. */
  primaryKey(): ColumnBuilder<T, true, THasDefault, true> {
    return this.with<true, THasDefault, true>({ primaryKey: true, notNull: true });
  }
  /** Generated by the database on insert (IDENTITY / AUTO_INCREMENT / SQLite rowid). */
  autoIncrement(): ColumnBuilder<T, true, true, TPrimaryKey> {
    return this.with({ autoIncrement: true, notNull: true });
  }
  /** A value the client supplies on insert when none is given (a constant or a function). */
  default(value: ClientDefault<T>): ColumnBuilder<T, TNotNull, true, TPrimaryKey> {
    return this.with({ clientDefault: value as ClientDefault<unknown> });
  }
  /** A DDL `DEFAULT`, evaluated by the database (`sql\`CURRENT_TIMESTAMP\``). */
  serverDefault(value: HasNode | string | number | boolean): ColumnBuilder<T, TNotNull, true, TPrimaryKey> {
    const node: ExprNode =
      typeof value === 'object'
        ? value.node
        : { kind: 'param', value, type: this.declaration.type };
    return this.with({ serverDefault: node });
  }
  /**
   * What an UPDATE of the row sets this column to when the change does not set it: a value or a function evaluated
   * by the client for each row (`() => new Date()`), or an SQL expression the database evaluates
   * (`sql\`CURRENT_TIMESTAMP\``). Core's `update(table).set(...)` applies it to the columns its SET leaves out; the
   * ORM applies it to every row a flush updates and to bulk updates. Not a DDL clause: the database is not told.
   *
   * ```ts
   * const post = table('post', { id: identity(), body: text(), updatedAt: timestamp('updated_at').default(() => new Date()).onUpdate(() => new Date()) });
   * update(post).set({ body: 'x' }).where(post.c.id.eq(1));
   * // UPDATE "post" SET "body" = ?, "updated_at" = ? WHERE "post"."id" = ?
   * ```
   */
  onUpdate(value: ClientDefault<T> | Expression<unknown>): ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> {
    const onUpdate: OnUpdateValue = value instanceof Expression ? { kind: 'sql', node: value.node } : { kind: 'value', value: value as ClientDefault<unknown> };
    return this.with({ onUpdate });
  }
  /**
   * A check every non-null value of the column must pass, beyond its type: `check` returns `true` when the value
   * is fine, else `false` (reported with `message`) or the message itself. Core's insert and update builders run it
   * as they take values (an `InvalidValueError`); the ORM runs it at flush, before any SQL, reporting every failure
   * of the flush together (a `ValidationError`). Several `validate()` calls add several checks.
   *
   * ```ts
   * const user = table('user', { id: identity(), email: text().notNull().validate((v) => v.includes('@') || 'must contain @') });
   * insert(user).values({ email: 'nobody' });
   * // InvalidValueError: user.email must contain @, got "nobody"
   * ```
   */
  validate(check: ValueCheck<T>, message?: string): ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> {
    const validator: ColumnValidator = { check: check as ValueCheck<unknown>, message };
    return this.with({ validators: [...(this.declaration.validators ?? []), validator] });
  }
  unique(): ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> {
    return this.with({ unique: true });
  }
  /**
   * A foreign key to another column: a thunk, so tables can reference tables
   * declared later. A self-reference uses the thunk's argument, the table's own
   * columns (`references((self) => self.id)`), since the table is not declared yet.
   */
  references<R extends Column<unknown>>(
    target: (self: SelfColumns) => R,
    options: ReferenceOptions = {},
  ): ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> & References<R> {
    return this.with({ references: target, referenceOptions: options }) as ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> & References<R>;
  }
  /**
   * A comment stored with the column in the database (PostgreSQL and MySQL; SQLite keeps none).
   *
   * ```ts
   * table('track', { bytes: integer().comment('file size in bytes') });
   * // PostgreSQL: COMMENT ON COLUMN "track"."bytes" IS 'file size in bytes'
   * ```
   */
  comment(text: string): ColumnBuilder<T, TNotNull, THasDefault, TPrimaryKey> {
    return this.with({ comment: text });
  }
  /** Marks the optimistic-concurrency version counter (the ORM checks and increments it). */
  version(): ColumnBuilder<T, true, true, TPrimaryKey> {
    return this.with({ version: true, notNull: true, clientDefault: 1 });
  }
}

function builder<T>(type: SqlType<T>, name?: string): ColumnBuilder<T, false, false, false> {
  return new ColumnBuilder<T, false, false, false>({
    name,
    type,
    notNull: false,
    primaryKey: false,
    autoIncrement: false,
    clientDefault: undefined,
    serverDefault: undefined,
    unique: false,
    references: undefined,
    referenceOptions: {},
    version: false,
  });
}

export const integer = (name?: string) => builder(types.integer(), name);
export const smallint = (name?: string) => builder(types.smallint(), name);
export function bigint(name?: string): ColumnBuilder<number, false, false, false>;
export function bigint(name: string | undefined, mode: 'bigint'): ColumnBuilder<bigint, false, false, false>;
export function bigint(name?: string, mode?: 'number' | 'bigint'): ColumnBuilder<number, false, false, false> | ColumnBuilder<bigint, false, false, false> {
  return mode === 'bigint' ? builder(types.bigint('bigint'), name) : builder(types.bigint('number'), name);
}
/** An auto-incrementing integer primary key (`GENERATED BY DEFAULT AS IDENTITY`, `AUTO_INCREMENT`, SQLite rowid). */
export const identity = (name?: string) => builder(types.integer(), name).primaryKey().autoIncrement();
export const text = (name?: string) => builder(types.text(), name);
export const varchar = (length: number, name?: string) => builder(types.varchar(length), name);
export const boolean = (name?: string) => builder(types.boolean(), name);
export const real = (name?: string) => builder(types.real(), name);
export const double = (name?: string) => builder(types.double(), name);
export const numeric = (precision?: number, scale?: number, name?: string) =>
  builder(types.numeric(precision, scale), name);
export const date = (name?: string) => builder(types.date(), name);
export const timestamp = (name?: string) => builder(types.timestamp(), name);
export const timestamptz = (name?: string) => builder(types.timestamptz(), name);
export const json = <T = JsonValue>(name?: string) => builder(types.json<T>(), name);
export const uuid = (name?: string) => builder(types.uuid(), name);
export const blob = (name?: string) => builder(types.blob(), name);
export const enumeration = <const V extends readonly string[]>(values: V, name?: string, enumName?: string) =>
  builder(types.enum(values, enumName), name);

/**
 * A column of a type the database names itself, written into DDL as given; values pass through unchecked.
 * `pull` writes these for types Athanor has no kind for.
 *
 * ```ts
 * table('film', { fulltext: customType<string>('tsvector').notNull(), code: customType<string>('CHAR(5)', 'film_code') });
 * // PostgreSQL: CREATE TABLE "film" ("fulltext" tsvector NOT NULL, "film_code" CHAR(5))
 * ```
 */
export const customType = <T = unknown>(sqlName: string, name?: string) => builder(types.custom<T>(sqlName), name);

/** The value type of a column built by `B`: nullable columns add `null`. */
export type BuilderValue<B> =
  B extends ColumnBuilder<infer T, infer NN, infer _D> ? (NN extends true ? T : T | null) : never;

/**
 * A column bound to its table. It is an expression (`artist.c.name.eq('AC/DC')`)
 * and carries its whole declaration for DDL, inserts and the ORM.
 */
export class Column<
  T,
  K extends string = string,
  TNotNull extends boolean = boolean,
  THasDefault extends boolean = boolean,
  TPrimaryKey extends boolean = boolean,
  TTable extends string = string,
>
  extends Expression<T>
  implements ColumnMeta
{
  /** @internal phantom carriers */
  declare readonly __notNull?: TNotNull;
  declare readonly __hasDefault?: THasDefault;
  declare readonly __primaryKey?: TPrimaryKey;
  /** The name of the column's table, where the types know it: lets the ORM tell which table a foreign key points at. */
  declare readonly __table?: TTable;

  readonly name: string;
  readonly type: SqlType;

  constructor(
    readonly table: TableMeta,
    readonly key: K,
    readonly declaration: ColumnDeclaration,
    /** The name this column is qualified with in SQL: the table's name or an alias. */
    readonly qualifier: string,
  ) {
    const name = declaration.name ?? key;
    super(
      { kind: 'column', column: undefined as unknown as ColumnMeta, qualifier },
      declaration.type,
    );
    this.name = name;
    this.type = declaration.type;
    // The node points back at this column; set after construction so it is the bound column.
    (this as { node: ExprNode }).node = Object.freeze({ kind: 'column', column: this, qualifier });
  }

  get notNull(): boolean {
    return this.declaration.notNull;
  }
  get primaryKey(): boolean {
    return this.declaration.primaryKey;
  }
  get autoIncrement(): boolean {
    return this.declaration.autoIncrement;
  }
  /** The comment stored with the column, if it was declared with one. */
  get comment(): string | undefined {
    return this.declaration.comment;
  }
  get hasDefault(): boolean {
    return (
      this.declaration.autoIncrement ||
      this.declaration.clientDefault !== undefined ||
      this.declaration.serverDefault !== undefined
    );
  }

  /** @internal This column as seen through an alias of its table. */
  withQualifier(qualifier: string): Column<T, K, TNotNull, THasDefault, TPrimaryKey, TTable> {
    return new Column<T, K, TNotNull, THasDefault, TPrimaryKey, TTable>(this.table, this.key, this.declaration, qualifier);
  }

  override toString(): string {
    return `${this.table.name}.${this.name}`;
  }
}

/**
 * What a column's `onUpdate()` declaration sets now: its value (a function is called, once per call of this), or its
 * SQL as an expression; undefined for a column declared without one.
 *
 * ```ts
 * onUpdateValue(postTable.c.updatedAt); // a Date, from () => new Date()
 * ```
 * @internal
 */
export function onUpdateValue(column: Column<unknown>): unknown {
  const onUpdate = column.declaration.onUpdate;
  if (onUpdate === undefined) return undefined;
  if (onUpdate.kind === 'sql') return new Expression(onUpdate.node, column.type);
  return typeof onUpdate.value === 'function' ? (onUpdate.value as () => unknown)() : onUpdate.value;
}
