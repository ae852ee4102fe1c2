/**
 * Migration operations to SQL: the part of each dialect that changes an
 * existing schema (ALTER TABLE and friends).
 *
 * The base class writes the SQL most databases share and reuses the DDL
 * compiler for columns, types and defaults, so a column added by a migration
 * reads exactly as `createAll` would have written it. Each dialect overrides
 * only what differs (`src/core/dialects/<db>/migration.ts`) and states the
 * facts the migration linter needs (what rewrites a table, what blocks writes)
 * as {@link MigrationFeatures} and {@link MigrationCompiler.algorithm}, so the
 * linter never branches on a dialect's name.
 */

import { ColumnBuilder } from '../schema/column.js';
import { IndexDef, Table, type ForeignKeyDef } from '../schema/table.js';
import {
  assertNeverOperation,
  type AddCheckOp,
  type AddColumnOp,
  type AddForeignKeyOp,
  type AddUniqueOp,
  type AlterColumnOp,
  type AnyColumnBuilder,
  type BackfillOp,
  type CreateIndexOp,
  type Operation,
} from '../schema/operations.js';
import type { Column } from '../schema/column.js';
import type { Dialect } from '../dialects/dialect.js';
import { UnsupportedError } from '../errors.js';

/**
 * One step of a compiled migration. Most are SQL to run; SQLite's table
 * rebuild also reads the table's triggers before dropping it (`capture`) and
 * recreates them afterwards (`replay`), and checks foreign keys with a
 * statement that returns the violations (`expectNoRows`).
 */
export type MigrationStatement =
  | { readonly kind: 'sql'; readonly sql: string }
  | BatchesStatement
  | { readonly kind: 'expectNoRows'; readonly sql: string; readonly problem: string }
  | { readonly kind: 'capture'; readonly sql: string }
  | { readonly kind: 'replay' };

/**
 * A backfill ({@link BackfillOp}): the runner reads the last key of the next batch (`bound`), updates the rows
 * up to it (`update`), and goes on from there until `bound` finds no row. Each text is split where a key is
 * bound: `first` for the first batch, `next` after the previous batch's last key.
 */
export interface BatchesStatement {
  readonly kind: 'batches';
  readonly table: string;
  readonly column: string;
  readonly batchSize: number;
  /** One row, one value: the last key of the next batch, NULL when no row is left to fill. */
  readonly bound: { readonly first: string; readonly next: readonly [string, string] };
  /** The batch's UPDATE, up to and including the bound (`first`), after the previous bound (`next`). */
  readonly update: { readonly first: readonly [string, string]; readonly next: readonly [string, string, string] };
}

/** A migration's operations as statements, and what the runner must arrange around them. */
export interface CompiledMigration {
  readonly statements: readonly MigrationStatement[];
  /** Some statement cannot run inside a transaction (PostgreSQL `CREATE INDEX CONCURRENTLY`). */
  readonly needsNoTransaction: boolean;
  /** Foreign-key enforcement must be off around the transaction (SQLite's table rebuild). */
  readonly foreignKeysOff: boolean;
}

/** How MySQL/MariaDB would carry out an ALTER: in place of metadata only, in place, or by copying the table. */
export type AlterAlgorithm = 'instant' | 'inplace' | 'copy';

/** What a database can do while changing a schema, for the runner and the linter. */
export interface MigrationFeatures {
  /** `CREATE INDEX CONCURRENTLY` (PostgreSQL). */
  readonly concurrentIndexes: boolean;
  /** `NOT VALID` constraints and `VALIDATE CONSTRAINT` (PostgreSQL). */
  readonly notValidConstraints: boolean;
  /** `ADD CONSTRAINT ... UNIQUE USING INDEX` (PostgreSQL). */
  readonly uniqueUsingIndex: boolean;
  /** ALTER TABLE says how it works (`ALGORITHM=`, MySQL/MariaDB): see `MigrationCompiler.algorithm`. */
  readonly alterAlgorithms: boolean;
  /** Taking a table lock waits behind every running query and blocks all that come after (PostgreSQL). */
  readonly lockQueue: boolean;
  /** Enum types exist apart from columns (PostgreSQL `CREATE TYPE ... AS ENUM`). */
  readonly enumTypes: boolean;
}

/** SQL that takes and frees the lock two deploys queue on, or undefined where the transaction itself locks (SQLite). */
export interface MigrationLock {
  readonly acquire: string;
  readonly release: string;
}

export abstract class MigrationCompiler {
  abstract readonly features: MigrationFeatures;

  constructor(protected readonly dialect: Dialect) {}

  protected q(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  /** The lock migrations of one database queue on; `name` is the history table's. */
  abstract lock(name: string): MigrationLock | undefined;

  /** A statement that bounds how long a DDL statement waits for its lock (undefined: the database has none). */
  lockTimeout(_milliseconds: number): string | undefined {
    return undefined;
  }

  /**
   * The migration lock taken inside a transaction and freed by its end, for a migrator behind a transaction
   * pooler, where a lock held by the session would stay on a server connection other clients get (undefined:
   * the database has none).
   */
  transactionLock(_name: string): string | undefined {
    return undefined;
  }

  /** {@link lockTimeout} for the current transaction only (undefined: the database has none). */
  transactionLockTimeout(_milliseconds: number): string | undefined {
    return undefined;
  }

  /** Statements that read, turn off and turn on foreign-key enforcement around a table rebuild (SQLite). */
  foreignKeyEnforcement(): { read: string; off: string; on: string } | undefined {
    return undefined;
  }

  /** How MySQL/MariaDB would carry `operation` out; undefined where the database has no such notion. */
  algorithm(_operation: Operation): AlterAlgorithm | undefined {
    return undefined;
  }

  /** True when a column type change rewrites the whole table under an exclusive lock (PostgreSQL). */
  typeChangeRewrites(_operation: AlterColumnOp): boolean {
    return false;
  }

  /** All statements of a migration, in order. */
  compileAll(operations: readonly Operation[]): CompiledMigration {
    const statements: MigrationStatement[] = [];
    let needsNoTransaction = false;
    for (const o of operations) {
      statements.push(...this.statementsOf(o));
      if ((o.kind === 'createIndex' || o.kind === 'dropIndex') && o.concurrently && this.features.concurrentIndexes) needsNoTransaction = true;
    }
    return { statements, needsNoTransaction, foreignKeysOff: false };
  }

  /** The statements of one operation: its SQL, or the batches of a backfill. */
  protected statementsOf(o: Operation): MigrationStatement[] {
    return o.kind === 'backfill' ? [this.backfill(o)] : this.compile(o).map((sql) => ({ kind: 'sql', sql }));
  }

  /**
   * A backfill's batches, by keyset on the primary key: the last key of the next `batchSize` rows still NULL,
   * then an UPDATE of the rows up to it, so each batch touches at most `batchSize` rows and never the same twice.
   * ```sql
   * SELECT MAX("id") FROM (SELECT "id" FROM "account" WHERE "plan" IS NULL AND "id" > $1 ORDER BY "id" LIMIT 1000) AS batch
   * UPDATE "account" SET "plan" = 'free' WHERE "plan" IS NULL AND "id" > $1 AND "id" <= $2
   * ```
   */
  protected backfill(o: BackfillOp): BatchesStatement {
    const [t, c, k] = [this.q(o.table), this.q(o.column), this.q(o.key)];
    const value = this.dialect.compiler.inlineExpression(o.value);
    const pick = (after: string) => `SELECT MAX(${k}) FROM (SELECT ${k} FROM ${t} WHERE ${c} IS NULL${after}`;
    const tail = ` ORDER BY ${k} LIMIT ${o.batchSize}) AS batch`;
    const update = `UPDATE ${t} SET ${c} = ${value} WHERE ${c} IS NULL AND ${k}`;
    return {
      kind: 'batches',
      table: o.table,
      column: o.column,
      batchSize: o.batchSize,
      bound: { first: `${pick('')}${tail}`, next: [`${pick(` AND ${k} > `)}`, tail] },
      update: { first: [`${update} <= `, ''], next: [`${update} > `, ` AND ${k} <= `, ''] },
    };
  }

  /** The SQL of one operation. */
  compile(o: Operation): string[] {
    switch (o.kind) {
      case 'createTable':
        return [this.dialect.ddl.createTable(o.table), ...o.table.indexes.map((ix) => this.dialect.ddl.createIndex(o.table, ix))];
      case 'dropTable':
        return [`DROP TABLE ${this.q(o.table)}`];
      case 'renameTable':
        return [this.renameTable(o.from, o.to)];
      case 'addColumn':
        return [this.addColumn(o)];
      case 'dropColumn':
        return [this.alter(o.table, `DROP COLUMN ${this.q(o.column)}`, o)];
      case 'renameColumn':
        return [this.alter(o.table, `RENAME COLUMN ${this.q(o.from)} TO ${this.q(o.to)}`, o)];
      case 'alterColumn':
        return this.alterColumn(o);
      case 'createIndex':
        return [this.createIndex(o)];
      case 'dropIndex':
        return [this.dropIndex(o.table, o.name, o.concurrently)];
      case 'addUnique':
        return [this.alter(o.table, this.addUnique(o), o)];
      case 'dropUnique':
        return [this.alter(o.table, this.dropUnique(o.name), o)];
      case 'addCheck':
        return [this.alter(o.table, this.addCheck(o), o)];
      case 'dropCheck':
        return [this.alter(o.table, `DROP CONSTRAINT ${this.q(o.name)}`, o)];
      case 'validateConstraint':
        return this.validateConstraint(o.table, o.name);
      case 'addForeignKey':
        return [this.alter(o.table, `ADD ${this.foreignKey(o)}`, o)];
      case 'dropForeignKey':
        return [this.alter(o.table, this.dropForeignKey(o.name), o)];
      case 'createEnum':
        return this.features.enumTypes
          ? [`CREATE TYPE ${this.q(o.name)} AS ENUM (${o.values.map((v) => this.dialect.literal(v)).join(', ')})`]
          : [];
      case 'addEnumValue':
        return this.features.enumTypes ? [this.addEnumValue(o.name, o.value, o.position)] : [];
      case 'dropEnum':
        return this.features.enumTypes ? [`DROP TYPE ${this.q(o.name)}`] : [];
      case 'sql':
        return [...o.up];
      case 'backfill':
        // Runs in batches the runner drives (statementsOf); as plain SQL, the first batch's shape only.
        return [this.backfill(o).update.first.join('?')];
      default:
        return assertNeverOperation(o);
    }
  }

  /** `ALTER TABLE t <action>`; MySQL appends how the server should do it. */
  protected alter(table: string, action: string, _o: Operation): string {
    return `ALTER TABLE ${this.q(table)} ${action}`;
  }

  protected renameTable(from: string, to: string): string {
    return `ALTER TABLE ${this.q(from)} RENAME TO ${this.q(to)}`;
  }

  /** The builder bound to a one-column table, so the DDL compiler can write it. */
  protected bind(table: string, column: string, definition: AnyColumnBuilder): { table: Table; column: Column<unknown> } {
    const builder = new ColumnBuilder<unknown, boolean, boolean>({ ...definition.declaration, name: column });
    const t = new Table(table, { [column]: builder }, () => [], undefined);
    return { table: t, column: t.columns[0]! };
  }

  /** A column's definition, with the CHECK an enum column needs where enums are not native. */
  protected columnDefinition(table: string, column: string, definition: AnyColumnBuilder): string {
    const bound = this.bind(table, column, definition);
    const check = this.dialect.ddl.enumCheckSql(bound.table, bound.column);
    return this.dialect.ddl.columnSql(bound.table, bound.column) + (check ? ` ${check}` : '');
  }

  protected addColumn(o: AddColumnOp): string {
    let action = `ADD COLUMN ${this.columnDefinition(o.table, o.column, o.definition)}`;
    if (o.definition.declaration.unique) {
      action += `, ADD CONSTRAINT ${this.q(`${o.table}_${o.column}_key`)} UNIQUE (${this.q(o.column)})`;
    }
    return this.alter(o.table, action, o);
  }

  /** PostgreSQL's form: one ALTER COLUMN action per changed field. */
  protected alterColumn(o: AlterColumnOp): string[] {
    const c = this.q(o.column);
    const actions: string[] = [];
    // A native enum's values change with ALTER TYPE (addEnumValue); the column keeps the same type.
    const sameEnumType = this.features.enumTypes && o.type?.from?.kind === 'enum' && o.type.to.kind === 'enum' && o.type.from.enumName !== undefined && o.type.from.enumName === o.type.to.enumName;
    if (o.type && !sameEnumType) {
      const type = this.typeSql(o);
      actions.push(`ALTER COLUMN ${c} TYPE ${type}${o.using ? ` USING ${o.using}` : ''}`);
    }
    if (o.notNull) actions.push(`ALTER COLUMN ${c} ${o.notNull.to ? 'SET' : 'DROP'} NOT NULL`);
    if (o.default) {
      actions.push(o.default.to === null ? `ALTER COLUMN ${c} DROP DEFAULT` : `ALTER COLUMN ${c} SET DEFAULT ${this.dialect.ddl.defaultSql(o.default.to)}`);
    }
    return actions.length === 0 ? [] : [this.alter(o.table, actions.join(', '), o)];
  }

  /** The new type of an altered column, as the DDL writes it. */
  protected typeSql(o: AlterColumnOp): string {
    const builder = o.definition?.after ?? new ColumnBuilder<unknown, boolean, boolean>({ ...emptyDeclaration, type: o.type!.to });
    const bound = this.bind(o.table, o.column, new ColumnBuilder<unknown, boolean, boolean>({ ...builder.declaration, type: o.type!.to }));
    return this.dialect.ddl.columnTypeSql(bound.table, bound.column);
  }

  /** The index as the DDL compiler writes it, on a stand-in table with the indexed columns. */
  protected createIndex(o: CreateIndexOp): string {
    const builders: Record<string, AnyColumnBuilder> = {};
    for (const name of o.columns) {
      const type = o.types?.[name];
      builders[name] = new ColumnBuilder<unknown, boolean, boolean>({ ...emptyDeclaration, ...(type ? { type } : {}) });
    }
    const t = new Table(o.table, builders, () => [], undefined);
    const ix = new IndexDef(o.name, o.columns.map((n) => t.column(n)), o.unique, o.where);
    const sql = this.dialect.ddl.createIndex(t, ix);
    return o.concurrently && this.features.concurrentIndexes ? sql.replace(/^CREATE (UNIQUE )?INDEX /, (m) => `${m}CONCURRENTLY `) : sql;
  }

  /** `_table` is for dialects whose DROP INDEX names the table (MySQL/MariaDB override this). */
  protected dropIndex(_table: string, name: string, concurrently: boolean): string {
    const how = concurrently && this.features.concurrentIndexes ? 'CONCURRENTLY ' : '';
    return `DROP INDEX ${how}${this.q(name)}`;
  }

  protected addUnique(o: AddUniqueOp): string {
    if (o.usingIndex !== undefined && this.features.uniqueUsingIndex) {
      return `ADD CONSTRAINT ${this.q(o.name)} UNIQUE USING INDEX ${this.q(o.usingIndex)}`;
    }
    return `ADD CONSTRAINT ${this.q(o.name)} UNIQUE (${o.columns.map((c) => this.q(c)).join(', ')})`;
  }

  protected dropUnique(name: string): string {
    return `DROP CONSTRAINT ${this.q(name)}`;
  }

  protected addCheck(o: AddCheckOp): string {
    const notValid = o.notValid && this.features.notValidConstraints ? ' NOT VALID' : '';
    return `ADD CONSTRAINT ${this.q(o.name)} CHECK (${this.dialect.compiler.inlineExpression(o.condition)})${notValid}`;
  }

  protected validateConstraint(table: string, name: string): string[] {
    return this.features.notValidConstraints ? [`ALTER TABLE ${this.q(table)} VALIDATE CONSTRAINT ${this.q(name)}`] : [];
  }

  protected foreignKey(o: AddForeignKeyOp): string {
    let s = `CONSTRAINT ${this.q(o.name)} FOREIGN KEY (${o.columns.map((c) => this.q(c)).join(', ')}) REFERENCES ${this.q(o.target.table)} (${o.target.columns.map((c) => this.q(c)).join(', ')})`;
    if (o.onDelete) s += ` ON DELETE ${o.onDelete}`;
    if (o.onUpdate) s += ` ON UPDATE ${o.onUpdate}`;
    if (o.notValid && this.features.notValidConstraints) s += ' NOT VALID';
    return s;
  }

  protected dropForeignKey(name: string): string {
    return `DROP CONSTRAINT ${this.q(name)}`;
  }

  protected addEnumValue(name: string, value: string, position: { before: string } | { after: string } | undefined): string {
    const where = position === undefined ? '' : 'before' in position ? ` BEFORE ${this.dialect.literal(position.before)}` : ` AFTER ${this.dialect.literal(position.after)}`;
    return `ALTER TYPE ${this.q(name)} ADD VALUE ${this.dialect.literal(value)}${where}`;
  }

  /** @internal A foreign key of a table, as an operation (for rebuilds and the diff). */
  static foreignKeyOp(fk: ForeignKeyDef): AddForeignKeyOp {
    const targets = fk.targetColumns();
    return Object.freeze({
      kind: 'addForeignKey',
      table: (fk.columns[0]!.table as Table).name,
      name: fk.name,
      columns: fk.columns.map((c) => c.name),
      target: { table: (targets[0]!.table as Table).name, columns: targets.map((c) => c.name) },
      onDelete: fk.onDelete,
      onUpdate: fk.onUpdate,
      notValid: false,
      rebuild: undefined,
    });
  }
}

/** A column declaration with nothing declared: a stand-in where only the type matters. */
const emptyDeclaration = Object.freeze({
  name: undefined,
  type: Object.freeze({ kind: 'text' as const }),
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

/** @internal A migration's statements as SQL text, one per line, for review (`--sql`). */
export function migrationSqlText(compiled: CompiledMigration): string {
  return compiled.statements
    .map((s) => {
      switch (s.kind) {
        case 'sql':
          return `${s.sql};`;
        case 'expectNoRows':
          return `${s.sql}; -- must return no rows: ${s.problem}`;
        case 'capture':
          return `-- the statements this returns are run again after the rebuild:\n-- ${s.sql};`;
        case 'replay':
          return '-- (the triggers read above are created again here)';
        case 'batches':
          return (
            `-- in batches of ${s.batchSize} rows, each committed on its own outside a transaction, until none is left:\n` +
            `${s.bound.next.join('?')}; -- the last key of the next batch\n${s.update.next.join('?')};`
          );
        default:
          return assertNeverStatement(s);
      }
    })
    .join('\n');
}

function assertNeverStatement(x: never): never {
  throw new UnsupportedError(`internal: unhandled migration statement ${JSON.stringify(x)}`);
}
