/**
 * DDL: CREATE / DROP for tables, indexes, constraints and enum types.
 *
 * `createAll` orders tables so each is created after the tables it references.
 * Foreign keys that close a cycle are added afterwards with ALTER TABLE where
 * the database can (SQLite cannot, and does not need to: it checks foreign
 * keys when rows are written, not when tables are created).
 */

import { Column } from '../schema/column.js';
import type { ForeignKeyDef, IndexDef, Table } from '../schema/table.js';
import type { SqlType } from '../schema/types.js';
import type { Dialect } from '../dialects/dialect.js';
import { UnsupportedError } from '../errors.js';
import { SchemaError } from '../schema/table.js';

export interface CreateOptions {
  /** `IF NOT EXISTS` where the database supports it. */
  ifNotExists?: boolean;
}
export interface DropOptions {
  ifExists?: boolean;
}

/** Tables in dependency order, and the foreign keys that must wait for ALTER TABLE. */
export interface CreationPlan {
  readonly tables: readonly Table[];
  readonly deferredForeignKeys: ReadonlySet<ForeignKeyDef>;
}

/** @internal Topological order by foreign keys; edges that close a cycle are deferred. */
export function planCreation(tables: readonly Table[]): CreationPlan {
  const inSet = new Set(tables);
  const ordered: Table[] = [];
  const state = new Map<Table, 'visiting' | 'done'>();
  const deferred = new Set<ForeignKeyDef>();
  const visit = (t: Table) => {
    state.set(t, 'visiting');
    for (const fk of t.foreignKeys) {
      const target = fk.targetColumns()[0]?.table as Table | undefined;
      if (!target || target === t || !inSet.has(target)) continue;
      const s = state.get(target);
      if (s === 'visiting') deferred.add(fk);
      else if (s === undefined) visit(target);
    }
    state.set(t, 'done');
    ordered.push(t);
  };
  for (const t of tables) if (!state.has(t)) visit(t);
  return { tables: ordered, deferredForeignKeys: deferred };
}

/** The name of the constraint a column's `.unique()` creates (PostgreSQL's own convention). */
export function uniqueConstraintName(table: Table, column: Column<unknown>): string {
  return `${table.name}_${column.name}_key`;
}

export class DdlCompiler {
  constructor(protected readonly dialect: Dialect) {}

  protected q(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  protected tableName(table: Table): string {
    this.checkName(table.name, `table "${table.name}"`);
    if (table.schema) this.checkName(table.schema, `schema "${table.schema}"`);
    return table.schema ? `${this.q(table.schema)}.${this.q(table.name)}` : this.q(table.name);
  }

  /**
   * A name the user gave (table, schema, column, index, constraint) that this
   * database would refuse or alter (PostgreSQL cuts identifiers to 63 bytes)
   * fails here, naming it, rather than on the server or silently. Generated
   * constraint names are left to the database.
   */
  protected checkName(name: string, what: string): void {
    const problem = this.dialect.identifierProblem(name, 'name');
    if (problem !== undefined) throw new SchemaError(`${what}: ${problem}`);
  }

  /** All statements to create `tables` (in dependency order, with their indexes). */
  createAll(tables: readonly Table[], options: CreateOptions = {}): string[] {
    const plan = planCreation(tables);
    const caps = this.dialect.capabilities;
    const deferred = caps.alterAddForeignKey ? plan.deferredForeignKeys : new Set<ForeignKeyDef>();
    const out: string[] = [];
    for (const t of plan.tables) out.push(...this.createTypes(t, options));
    for (const t of plan.tables) {
      out.push(this.createTable(t, options, deferred));
      out.push(...this.commentStatements(t));
      for (const ix of t.indexes) out.push(this.createIndex(t, ix, options));
    }
    for (const fk of deferred) out.push(this.addForeignKey(fk, options));
    return out;
  }

  /** All statements to drop `tables` (dependents first). */
  dropAll(tables: readonly Table[], options: DropOptions = {}): string[] {
    const plan = planCreation(tables);
    const out: string[] = [];
    if (this.dialect.capabilities.alterAddForeignKey) {
      for (const fk of plan.deferredForeignKeys) out.push(this.dropForeignKey(fk, options));
    }
    for (const t of [...plan.tables].reverse()) out.push(this.dropTable(t, options));
    for (const t of [...plan.tables].reverse()) out.push(...this.dropTypes(t, options));
    return out;
  }

  createTable(table: Table, options: CreateOptions = {}, deferred: ReadonlySet<ForeignKeyDef> = new Set()): string {
    const parts: string[] = table.columns.map((c) => this.columnDefinition(table, c));
    const pk = table.primaryKey;
    if (pk.length > 0 && !this.inlinePrimaryKey(table)) {
      parts.push(`PRIMARY KEY (${pk.map((c) => this.q(c.name)).join(', ')})`);
    }
    for (const c of table.columns) {
      // Named here rather than left to the database, so violations name the same constraint everywhere.
      if (c.declaration.unique) parts.push(`CONSTRAINT ${this.q(uniqueConstraintName(table, c))} UNIQUE (${this.q(c.name)})`);
    }
    for (const u of table.uniques) {
      this.checkName(u.name, `table "${table.name}", constraint "${u.name}"`);
      parts.push(`CONSTRAINT ${this.q(u.name)} UNIQUE (${u.columns.map((c) => this.q(c.name)).join(', ')})`);
    }
    for (const c of table.columns) {
      const check = this.enumCheck(table, c);
      if (check) parts.push(check);
    }
    for (const ch of table.checks) {
      this.checkName(ch.name, `table "${table.name}", constraint "${ch.name}"`);
      parts.push(`CONSTRAINT ${this.q(ch.name)} CHECK (${this.dialect.compiler.inlineExpression(ch.condition)})`);
    }
    for (const fk of table.foreignKeys) {
      if (!deferred.has(fk)) parts.push(this.foreignKey(fk));
    }
    const ine = options.ifNotExists ? 'IF NOT EXISTS ' : '';
    return `CREATE TABLE ${ine}${this.tableName(table)} (${parts.join(', ')})${this.tableSuffix(table)}`;
  }

  /** Text after the closing parenthesis of CREATE TABLE (MySQL: engine and charset). */
  protected tableSuffix(_table?: Table): string {
    return '';
  }

  /**
   * Statements that store the table's and its columns' comments, where comments are separate statements
   * (PostgreSQL's `COMMENT ON`); none where they are written inside CREATE TABLE (MySQL) or not kept (SQLite).
   */
  commentStatements(_table: Table): string[] {
    return [];
  }

  /** SQLite writes an auto-increment key inline (`INTEGER PRIMARY KEY`) to make it the rowid. */
  protected inlinePrimaryKey(_table: Table): boolean {
    return false;
  }

  protected columnDefinition(table: Table, c: Column<unknown>): string {
    this.checkName(c.name, `table "${table.name}", column "${c.name}"`);
    let def = `${this.q(c.name)} ${this.columnType(table, c)}`;
    if (c.autoIncrement) def += this.autoIncrementClause(table, c);
    if (c.notNull && !this.notNullImplied(table, c)) def += ' NOT NULL';
    const sd = c.declaration.serverDefault;
    if (sd) def += ` DEFAULT ${this.defaultExpression(sd)}`;
    return def + this.columnComment(c);
  }

  /** A comment written inside the column definition (MySQL's `COMMENT '...'`); empty elsewhere. */
  protected columnComment(_c: Column<unknown>): string {
    return '';
  }

  protected defaultExpression(node: import('../sql/nodes.js').ExprNode): string {
    const text = this.dialect.compiler.inlineExpression(node);
    return node.kind === 'param' || node.kind === 'keyword' ? text : `(${text})`;
  }

  protected notNullImplied(_table: Table, _c: Column<unknown>): boolean {
    return false;
  }

  protected columnType(_table: Table, c: Column<unknown>): string {
    return this.dialect.typeName(c.type, 'ddl');
  }

  protected autoIncrementClause(_table: Table, _c: Column<unknown>): string {
    return '';
  }

  /** Enum columns without a native type get a CHECK constraint listing the values. */
  protected enumCheck(table: Table, c: Column<unknown>): string | undefined {
    if (c.type.kind !== 'enum' || this.nativeEnum(c.type)) return undefined;
    const values = (c.type.values ?? []).map((v) => this.dialect.literal(v)).join(', ');
    return `CONSTRAINT ${this.q(`${table.name}_${c.name}_check`)} CHECK (${this.q(c.name)} IN (${values}))`;
  }

  /** True when this dialect renders the enum as a native type. */
  protected nativeEnum(_type: SqlType): boolean {
    return false;
  }

  protected createTypes(_table: Table, _options: CreateOptions): string[] {
    return [];
  }
  protected dropTypes(_table: Table, _options: DropOptions): string[] {
    return [];
  }

  /** `guard` goes between FOREIGN KEY and the columns (MariaDB's `IF NOT EXISTS`). */
  protected foreignKey(fk: ForeignKeyDef, guard = ''): string {
    const targets = fk.targetColumns();
    const target = targets[0]!.table as Table;
    let s = `CONSTRAINT ${this.q(fk.name)} FOREIGN KEY ${guard}(${fk.columns.map((c) => this.q(c.name)).join(', ')}) REFERENCES ${this.tableName(target)} (${targets.map((c) => this.q(c.name)).join(', ')})`;
    if (fk.onDelete) s += ` ON DELETE ${fk.onDelete}`;
    if (fk.onUpdate) s += ` ON UPDATE ${fk.onUpdate}`;
    return s;
  }

  /** `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`, for a key that closes a cycle. */
  protected addForeignKey(fk: ForeignKeyDef, _options: CreateOptions): string {
    const t = fk.columns[0]!.table as Table;
    return `ALTER TABLE ${this.tableName(t)} ADD ${this.foreignKey(fk)}`;
  }

  protected dropForeignKey(fk: ForeignKeyDef, options: DropOptions): string {
    const t = fk.columns[0]!.table as Table;
    const ie = options.ifExists ? 'IF EXISTS ' : '';
    return `ALTER TABLE ${ie}${this.tableName(t)} DROP CONSTRAINT ${ie}${this.q(fk.name)}`;
  }

  createIndex(table: Table, ix: IndexDef, options: CreateOptions = {}): string {
    const caps = this.dialect.capabilities;
    const ine = options.ifNotExists && caps.createIndexIfNotExists ? 'IF NOT EXISTS ' : '';
    this.checkName(ix.name, `table "${table.name}", index "${ix.name}"`);
    const parts = ix.parts.map((p) => (p instanceof Column ? this.indexColumn(ix, p) : `(${this.dialect.compiler.inlineExpression(p)})`));
    let s = `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${ine}${this.q(ix.name)} ON ${this.tableName(table)}${this.indexMethod(ix)} (${parts.join(', ')})`;
    if (ix.condition) {
      if (caps.partialIndexes) {
        s += ` WHERE ${this.dialect.compiler.inlineExpression(ix.condition)}`;
      } else if (ix.unique) {
        // Dropping the WHERE would make the uniqueness rule stricter than declared.
        throw new UnsupportedError(
          `unique index "${ix.name}" on "${table.name}": partial indexes (WHERE) are not supported by ${this.dialect.name}`,
        );
      }
      // A plain partial index becomes a full index: slower to maintain, same results.
    }
    return s;
  }

  /** ` USING gist` where the database chooses index methods by name (PostgreSQL); empty elsewhere. */
  protected indexMethod(_ix: IndexDef): string {
    return '';
  }

  /** One column of an index (MySQL indexes only a prefix of long text). */
  protected indexColumn(_ix: IndexDef, c: Column<unknown>): string {
    return this.q(c.name);
  }

  // --- the pieces migrations reuse (src/core/compiler/migration.ts), so ALTER writes columns as CREATE does ---

  /** @internal A column's definition, as CREATE TABLE and ADD COLUMN write it. */
  columnSql(table: Table, c: Column<unknown>): string {
    return this.columnDefinition(table, c);
  }
  /** @internal A column's type as DDL writes it (a native enum's name on PostgreSQL). */
  columnTypeSql(table: Table, c: Column<unknown>): string {
    return this.columnType(table, c);
  }
  /** @internal The CHECK an enum column gets where the enum has no native type. */
  enumCheckSql(table: Table, c: Column<unknown>): string | undefined {
    return this.enumCheck(table, c);
  }
  /** @internal A server default's text. */
  defaultSql(node: import('../sql/nodes.js').ExprNode): string {
    return this.defaultExpression(node);
  }
  /** @internal One indexed column. */
  indexColumnSql(ix: IndexDef, c: Column<unknown>): string {
    return this.indexColumn(ix, c);
  }

  dropTable(table: Table, options: DropOptions = {}): string {
    return `DROP TABLE ${options.ifExists ? 'IF EXISTS ' : ''}${this.tableName(table)}`;
  }
}
