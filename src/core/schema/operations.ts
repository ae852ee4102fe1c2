/**
 * Schema-changing operations: the nodes a migration is made of.
 *
 * Each operation is a small frozen record naming tables, columns and
 * constraints by their database names, so a migration file stays valid after
 * the application's tables change. A dialect compiles each kind to its own SQL
 * (`dialect.migration`); {@link inverseOf} gives the operations that undo one,
 * where the operation carries enough to do so.
 *
 * ```ts
 * const steps = [
 *   op.addColumn('artist', 'country', varchar(2)),
 *   op.createIndex('artist', 'artist_country_idx', ['country'], { concurrently: true }),
 * ];
 * // PostgreSQL: ALTER TABLE "artist" ADD COLUMN "country" VARCHAR(2)
 * //             CREATE INDEX CONCURRENTLY "artist_country_idx" ON "artist" ("country")
 * ```
 * Operations that SQLite can only do by rebuilding the table (changing a
 * column, adding or dropping a constraint) carry the whole table before and
 * after (`rebuild`); `diffSchemas` fills it in, a hand-written one passes it.
 */

import type { ColumnBuilder, HasNode, ReferentialAction } from './column.js';
import type { Table } from './table.js';
import type { SqlType } from './types.js';
import type { ExprNode } from '../sql/nodes.js';
import { InvalidArgumentError } from '../errors.js';

/** A column builder of any type and flags, as `addColumn` takes it. */
export type AnyColumnBuilder = ColumnBuilder<unknown, boolean, boolean>;

/** The table as it is before and after an operation, for databases that rebuild the table to change it (SQLite). */
export interface TableRebuild {
  readonly before: Table;
  readonly after: Table;
}

/** What an `alterColumn` changes, one field: `from` undefined when not known (the inverse then cannot be built). */
export interface Change<T> {
  readonly from?: T | undefined;
  readonly to: T;
}

/** `op.createTable(song)`: CREATE TABLE with the table's constraints, then its indexes. */
export interface CreateTableOp {
  readonly kind: 'createTable';
  readonly table: Table;
}
/** `op.dropTable('song', song)`: DROP TABLE (the definition lets `down` create it again). */
export interface DropTableOp {
  readonly kind: 'dropTable';
  readonly table: string;
  /** The table being dropped, so the drop can be undone (structure only: rows are gone). */
  readonly definition: Table | undefined;
}
/** `op.renameTable('disc', 'record')`. */
export interface RenameTableOp {
  readonly kind: 'renameTable';
  readonly from: string;
  readonly to: string;
}
/** `op.addColumn('artist', 'country', varchar(2))`: ALTER TABLE ... ADD COLUMN. */
export interface AddColumnOp {
  readonly kind: 'addColumn';
  readonly table: string;
  readonly column: string;
  readonly definition: AnyColumnBuilder;
}
/** `op.dropColumn('song', 'year', { definition: integer() })`: ALTER TABLE ... DROP COLUMN. */
export interface DropColumnOp {
  readonly kind: 'dropColumn';
  readonly table: string;
  readonly column: string;
  readonly definition: AnyColumnBuilder | undefined;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.renameColumn('song', 'title', 'name')`. */
export interface RenameColumnOp {
  readonly kind: 'renameColumn';
  readonly table: string;
  readonly from: string;
  readonly to: string;
}
/** `op.alterColumn('song', 'plays', { type: { from: types.integer(), to: types.bigint() } })`: type, nullability, default. */
export interface AlterColumnOp {
  readonly kind: 'alterColumn';
  readonly table: string;
  readonly column: string;
  readonly type: Change<SqlType> | undefined;
  readonly notNull: Change<boolean> | undefined;
  /** The server default: an expression, or null for none. */
  readonly default: Change<ExprNode | null> | undefined;
  /** PostgreSQL: how old values become the new type (`USING` expression, raw SQL). */
  readonly using: string | undefined;
  /** The whole column after the change (MySQL restates it in MODIFY COLUMN) and before (for the inverse). */
  readonly definition: { readonly before?: AnyColumnBuilder | undefined; readonly after: AnyColumnBuilder } | undefined;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.createIndex('song', 'song_name_idx', ['name'], { concurrently: true })`. */
export interface CreateIndexOp {
  readonly kind: 'createIndex';
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** Partial index predicate. */
  readonly where: ExprNode | undefined;
  /** PostgreSQL: build without blocking writes (outside a transaction). */
  readonly concurrently: boolean;
  /** The indexed columns' types where known: MySQL indexes only a prefix of long text. */
  readonly types: Readonly<Record<string, SqlType>> | undefined;
}
/** `op.dropIndex('song', 'song_name_idx')`. */
export interface DropIndexOp {
  readonly kind: 'dropIndex';
  readonly table: string;
  readonly name: string;
  readonly concurrently: boolean;
  /** The index being dropped, for the inverse. */
  readonly definition: CreateIndexOp | undefined;
}
/** `op.addUnique('user', 'user_email_key', ['email'])`: ADD CONSTRAINT ... UNIQUE. */
export interface AddUniqueOp {
  readonly kind: 'addUnique';
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  /** PostgreSQL: turn an existing unique index (built concurrently) into the constraint. */
  readonly usingIndex: string | undefined;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.dropUnique('user', 'user_email_key')`. */
export interface DropUniqueOp {
  readonly kind: 'dropUnique';
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[] | undefined;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.addCheck('song', 'song_plays_check', sql\`plays >= 0\`, { notValid: true })`. */
export interface AddCheckOp {
  readonly kind: 'addCheck';
  readonly table: string;
  readonly name: string;
  readonly condition: ExprNode;
  /** PostgreSQL: skip checking existing rows now (VALIDATE CONSTRAINT later, without blocking writes). */
  readonly notValid: boolean;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.dropCheck('song', 'song_plays_check')`. */
export interface DropCheckOp {
  readonly kind: 'dropCheck';
  readonly table: string;
  readonly name: string;
  readonly condition: ExprNode | undefined;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.validateConstraint('song', 'song_plays_check')`: PostgreSQL VALIDATE CONSTRAINT. */
export interface ValidateConstraintOp {
  readonly kind: 'validateConstraint';
  readonly table: string;
  readonly name: string;
}
/** `op.addForeignKey('song', 'song_artist_fkey', ['artist_id'], { table: 'artist', columns: ['id'] })`. */
export interface AddForeignKeyOp {
  readonly kind: 'addForeignKey';
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly target: { readonly table: string; readonly columns: readonly string[] };
  readonly onDelete: ReferentialAction | undefined;
  readonly onUpdate: ReferentialAction | undefined;
  readonly notValid: boolean;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.dropForeignKey('song', 'song_artist_fkey')`. */
export interface DropForeignKeyOp {
  readonly kind: 'dropForeignKey';
  readonly table: string;
  readonly name: string;
  readonly definition: AddForeignKeyOp | undefined;
  readonly rebuild: TableRebuild | undefined;
}
/** `op.createEnum('mood', ['calm', 'angry'])`: PostgreSQL CREATE TYPE ... AS ENUM. */
export interface CreateEnumOp {
  readonly kind: 'createEnum';
  readonly name: string;
  readonly values: readonly string[];
}
/** `op.addEnumValue('mood', 'sad')`: PostgreSQL ALTER TYPE ... ADD VALUE (cannot be undone). */
export interface AddEnumValueOp {
  readonly kind: 'addEnumValue';
  readonly name: string;
  readonly value: string;
  /** Place the new value before or after an existing one (PostgreSQL); else it goes last. */
  readonly position: { readonly before: string } | { readonly after: string } | undefined;
}
/** `op.dropEnum('mood')`: PostgreSQL DROP TYPE. */
export interface DropEnumOp {
  readonly kind: 'dropEnum';
  readonly name: string;
  readonly values: readonly string[] | undefined;
}
/** `op.sql('UPDATE song SET plays = 0', 'UPDATE song SET plays = NULL')`: statements as written, with their down. */
export interface RawSqlOp {
  readonly kind: 'sql';
  readonly up: readonly string[];
  readonly down: readonly string[] | undefined;
}

/**
 * `op.backfill('account', 'plan', 'free', { key: 'id', batchSize: 1000 })`: set `column` to `value` where it is
 * NULL, in batches of `batchSize` rows taken in order of the one-column primary key `key`, until none is left.
 * Outside a transaction (a migration marked `transactional: false`) each batch commits on its own, so no lock
 * is held on more than one batch's rows. The expand/contract form of `safe: true` writes it for a new NOT NULL
 * column. Undoing it is doing nothing (the column's drop undoes the values).
 */
export interface BackfillOp {
  readonly kind: 'backfill';
  readonly table: string;
  readonly column: string;
  readonly value: ExprNode;
  readonly key: string;
  readonly batchSize: number;
}

/** Every schema-changing operation. Code that handles operations switches over `kind` exhaustively. */
export type Operation =
  | CreateTableOp
  | DropTableOp
  | RenameTableOp
  | AddColumnOp
  | DropColumnOp
  | RenameColumnOp
  | AlterColumnOp
  | CreateIndexOp
  | DropIndexOp
  | AddUniqueOp
  | DropUniqueOp
  | AddCheckOp
  | DropCheckOp
  | ValidateConstraintOp
  | AddForeignKeyOp
  | DropForeignKeyOp
  | CreateEnumOp
  | AddEnumValueOp
  | DropEnumOp
  | BackfillOp
  | RawSqlOp;

export type OperationKind = Operation['kind'];

/** @internal Exhaustiveness guard. */
export function assertNeverOperation(x: never): never {
  throw new Error(`internal: unhandled operation ${JSON.stringify((x as { kind?: unknown }).kind)}`);
}

/** A default as a node: an expression or `sql` fragment as is, a plain value bound as a literal, null for none. */
function defaultNode(value: HasNode | string | number | boolean | null): ExprNode | null {
  if (value === null) return null;
  return typeof value === 'object' ? value.node : { kind: 'param', value, type: undefined };
}

type DefaultValue = HasNode | string | number | boolean | null;

const freeze = <T extends Operation>(o: T): T => Object.freeze(o);

/**
 * Factories for every {@link Operation}: the API migration files are written in.
 *
 * ```ts
 * export const up = [
 *   op.addColumn('artist', 'country', varchar(2)),
 *   op.renameColumn('song', 'name', 'title'),
 *   op.createIndex('song', 'song_title_idx', ['title']),
 * ];
 * ```
 */
export const op = {
  /** `CREATE TABLE` with the table's columns and constraints, then its indexes. */
  createTable: (table: Table): CreateTableOp => freeze({ kind: 'createTable', table }),
  /** `DROP TABLE`; give the table's definition so `down` can create it again. */
  dropTable: (table: string, definition?: Table): DropTableOp => freeze({ kind: 'dropTable', table, definition }),
  renameTable: (from: string, to: string): RenameTableOp => freeze({ kind: 'renameTable', from, to }),
  /** `ALTER TABLE ... ADD COLUMN`; the builder is the one `table()` takes (`text().notNull().serverDefault('')`). */
  addColumn: (table: string, column: string, definition: AnyColumnBuilder): AddColumnOp =>
    freeze({ kind: 'addColumn', table, column, definition }),
  /** `ALTER TABLE ... DROP COLUMN`; give the column's builder so `down` can add it again (rows' values are lost). */
  dropColumn: (table: string, column: string, options: { definition?: AnyColumnBuilder; rebuild?: TableRebuild } = {}): DropColumnOp =>
    freeze({ kind: 'dropColumn', table, column, definition: options.definition, rebuild: options.rebuild }),
  renameColumn: (table: string, from: string, to: string): RenameColumnOp => freeze({ kind: 'renameColumn', table, from, to }),
  /**
   * Change a column's type, nullability or server default, each a separate `{ from, to }`.
   *
   * ```ts
   * op.alterColumn('song', 'title', { notNull: { from: false, to: true } });
   * // PostgreSQL: ALTER TABLE "song" ALTER COLUMN "title" SET NOT NULL
   * ```
   */
  alterColumn: (
    table: string,
    column: string,
    change: {
      type?: Change<SqlType>;
      notNull?: Change<boolean>;
      default?: { from?: DefaultValue; to: DefaultValue };
      using?: string;
      definition?: { before?: AnyColumnBuilder; after: AnyColumnBuilder };
      rebuild?: TableRebuild;
    },
  ): AlterColumnOp =>
    freeze({
      kind: 'alterColumn',
      table,
      column,
      type: change.type,
      notNull: change.notNull,
      default:
        change.default === undefined
          ? undefined
          : {
              ...('from' in change.default && change.default.from !== undefined ? { from: defaultNode(change.default.from) } : {}),
              to: defaultNode(change.default.to),
            },
      using: change.using,
      definition: change.definition,
      rebuild: change.rebuild,
    }),
  /**
   * `CREATE [UNIQUE] INDEX`; `concurrently` on PostgreSQL builds it without blocking writes
   * (the migration must then be `transactional: false`).
   */
  createIndex: (
    table: string,
    name: string,
    columns: readonly string[],
    options: { unique?: boolean; where?: HasNode; concurrently?: boolean; types?: Readonly<Record<string, SqlType>> } = {},
  ): CreateIndexOp =>
    freeze({
      kind: 'createIndex',
      table,
      name,
      columns: Object.freeze([...columns]),
      unique: options.unique ?? false,
      where: options.where?.node,
      concurrently: options.concurrently ?? false,
      types: options.types,
    }),
  dropIndex: (table: string, name: string, options: { concurrently?: boolean; definition?: CreateIndexOp } = {}): DropIndexOp =>
    freeze({ kind: 'dropIndex', table, name, concurrently: options.concurrently ?? false, definition: options.definition }),
  addUnique: (table: string, name: string, columns: readonly string[], options: { usingIndex?: string; rebuild?: TableRebuild } = {}): AddUniqueOp =>
    freeze({ kind: 'addUnique', table, name, columns: Object.freeze([...columns]), usingIndex: options.usingIndex, rebuild: options.rebuild }),
  dropUnique: (table: string, name: string, options: { columns?: readonly string[]; rebuild?: TableRebuild } = {}): DropUniqueOp =>
    freeze({ kind: 'dropUnique', table, name, columns: options.columns, rebuild: options.rebuild }),
  /** `ADD CONSTRAINT ... CHECK`; `notValid` (PostgreSQL) leaves existing rows for `validateConstraint`. */
  addCheck: (table: string, name: string, condition: HasNode, options: { notValid?: boolean; rebuild?: TableRebuild } = {}): AddCheckOp =>
    freeze({ kind: 'addCheck', table, name, condition: condition.node, notValid: options.notValid ?? false, rebuild: options.rebuild }),
  dropCheck: (table: string, name: string, options: { condition?: HasNode; rebuild?: TableRebuild } = {}): DropCheckOp =>
    freeze({ kind: 'dropCheck', table, name, condition: options.condition?.node, rebuild: options.rebuild }),
  /** PostgreSQL: check the rows a `notValid` constraint skipped, without blocking writes. */
  validateConstraint: (table: string, name: string): ValidateConstraintOp => freeze({ kind: 'validateConstraint', table, name }),
  addForeignKey: (
    table: string,
    name: string,
    columns: readonly string[],
    target: { table: string; columns: readonly string[] },
    options: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction; notValid?: boolean; rebuild?: TableRebuild } = {},
  ): AddForeignKeyOp =>
    freeze({
      kind: 'addForeignKey',
      table,
      name,
      columns: Object.freeze([...columns]),
      target: Object.freeze({ table: target.table, columns: Object.freeze([...target.columns]) }),
      onDelete: options.onDelete,
      onUpdate: options.onUpdate,
      notValid: options.notValid ?? false,
      rebuild: options.rebuild,
    }),
  dropForeignKey: (table: string, name: string, options: { definition?: AddForeignKeyOp; rebuild?: TableRebuild } = {}): DropForeignKeyOp =>
    freeze({ kind: 'dropForeignKey', table, name, definition: options.definition, rebuild: options.rebuild }),
  /** PostgreSQL `CREATE TYPE ... AS ENUM`; nothing elsewhere (the values live in the column's type). */
  createEnum: (name: string, values: readonly string[]): CreateEnumOp => freeze({ kind: 'createEnum', name, values: Object.freeze([...values]) }),
  addEnumValue: (name: string, value: string, position?: { before: string } | { after: string }): AddEnumValueOp =>
    freeze({ kind: 'addEnumValue', name, value, position }),
  dropEnum: (name: string, values?: readonly string[]): DropEnumOp => freeze({ kind: 'dropEnum', name, values }),
  /**
   * Fill `column` where it is NULL, in batches of `batchSize` (default 1000) rows by the primary key `key`
   * ({@link BackfillOp}); `value` is a plain value or an expression (`sql\`lower(email)\``).
   */
  backfill: (table: string, column: string, value: HasNode | string | number | boolean, options: { key: string; batchSize?: number }): BackfillOp => {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError(`op.backfill("${table}", "${column}"): batchSize must be a whole number of rows, 1 or more (got ${batchSize})`, 'op.backfill', batchSize);
    return freeze({ kind: 'backfill', table, column, value: defaultNode(value)!, key: options.key, batchSize });
  },
  /** Statements run as written (for this migration's database), with the ones that undo them. */
  sql: (up: string | readonly string[], down?: string | readonly string[]): RawSqlOp =>
    freeze({
      kind: 'sql',
      up: Object.freeze(typeof up === 'string' ? [up] : [...up]),
      down: down === undefined ? undefined : Object.freeze(typeof down === 'string' ? [down] : [...down]),
    }),
} as const;

/** The rebuild of an inverse: before and after exchanged. */
function swapped(rebuild: TableRebuild | undefined): { rebuild?: TableRebuild } {
  return rebuild ? { rebuild: { before: rebuild.after, after: rebuild.before } } : {};
}

/** Why an operation cannot be undone. */
export interface Irreversible {
  readonly irreversible: string;
}

/**
 * The operations that undo `operation`, or why there are none.
 *
 * ```ts
 * inverseOf(op.renameColumn('song', 'name', 'title')); // [op.renameColumn('song', 'title', 'name')]
 * inverseOf(op.dropColumn('song', 'year'));            // { irreversible: 'dropColumn "song"."year" without its definition' }
 * ```
 */
export function inverseOf(o: Operation): readonly Operation[] | Irreversible {
  const no = (why: string): Irreversible => ({ irreversible: why });
  switch (o.kind) {
    case 'createTable':
      return [op.dropTable(o.table.name, o.table)];
    case 'dropTable':
      return o.definition ? [op.createTable(o.definition)] : no(`dropTable "${o.table}" without its definition`);
    case 'renameTable':
      return [op.renameTable(o.to, o.from)];
    case 'addColumn':
      return [op.dropColumn(o.table, o.column, { definition: o.definition })];
    case 'dropColumn':
      if (!o.definition) return no(`dropColumn "${o.table}"."${o.column}" without its definition`);
      return [op.addColumn(o.table, o.column, o.definition)];
    case 'renameColumn':
      return [op.renameColumn(o.table, o.to, o.from)];
    case 'alterColumn': {
      const unknown = (['type', 'notNull', 'default'] as const).filter((f) => o[f] !== undefined && !('from' in o[f]!));
      if (unknown.length > 0) return no(`alterColumn "${o.table}"."${o.column}": the previous ${unknown.join(', ')} is not known`);
      const back = <T>(c: Change<T> | undefined): Change<T> | undefined => (c === undefined ? undefined : { from: c.to, to: c.from as T });
      return [
        freeze<AlterColumnOp>({
          ...o,
          type: back(o.type),
          notNull: back(o.notNull),
          default: back(o.default),
          using: undefined,
          definition: o.definition?.before ? { before: o.definition.after, after: o.definition.before } : undefined,
          rebuild: swapped(o.rebuild).rebuild,
        }),
      ];
    }
    case 'createIndex':
      return [op.dropIndex(o.table, o.name, { concurrently: o.concurrently, definition: o })];
    case 'dropIndex':
      return o.definition ? [o.definition] : no(`dropIndex "${o.name}" without its definition`);
    case 'addUnique':
      return [op.dropUnique(o.table, o.name, { columns: o.columns, ...swapped(o.rebuild) })];
    case 'dropUnique':
      return o.columns
        ? [op.addUnique(o.table, o.name, o.columns, swapped(o.rebuild))]
        : no(`dropUnique "${o.name}" without its columns`);
    case 'addCheck':
      return [op.dropCheck(o.table, o.name, { condition: { node: o.condition }, ...swapped(o.rebuild) })];
    case 'dropCheck':
      return o.condition
        ? [op.addCheck(o.table, o.name, { node: o.condition }, swapped(o.rebuild))]
        : no(`dropCheck "${o.name}" without its condition`);
    case 'validateConstraint':
      // Validation changes no data and no definition: undoing it is doing nothing.
      return [];
    case 'backfill':
      // The values go with the column: the operation that added it drops it on the way down.
      return [];
    case 'addForeignKey':
      return [op.dropForeignKey(o.table, o.name, { definition: o, ...swapped(o.rebuild) })];
    case 'dropForeignKey':
      return o.definition
        ? [freeze<AddForeignKeyOp>({ ...o.definition, notValid: false, rebuild: swapped(o.rebuild).rebuild })]
        : no(`dropForeignKey "${o.name}" without its definition`);
    case 'createEnum':
      return [op.dropEnum(o.name, o.values)];
    case 'addEnumValue':
      return no(`addEnumValue "${o.name}".'${o.value}': PostgreSQL cannot remove a value from an enum type`);
    case 'dropEnum':
      return o.values ? [op.createEnum(o.name, o.values)] : no(`dropEnum "${o.name}" without its values`);
    case 'sql':
      return o.down ? [op.sql(o.down, o.up)] : no('raw sql without down statements');
    default:
      return assertNeverOperation(o);
  }
}

/** The table an operation changes, or undefined for schema-wide ones (enums, raw SQL). */
export function operationTable(o: Operation): string | undefined {
  switch (o.kind) {
    case 'createTable':
      return o.table.name;
    case 'renameTable':
      return o.from;
    case 'createEnum':
    case 'addEnumValue':
    case 'dropEnum':
    case 'sql':
      return undefined;
    default:
      return o.table;
  }
}
