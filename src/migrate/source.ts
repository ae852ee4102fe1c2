/**
 * Operations as TypeScript: the text of a migration file a person reads and
 * reviews. Tables the operations carry (created, dropped, rebuilt) become
 * `table()` declarations at the top of the file, frozen as they are now, so
 * the file keeps meaning the same thing after the application's models
 * change. Expressions (defaults, checks, partial-index predicates) are
 * written as `sql` fragments in the SQL of the dialect the file was
 * generated for.
 */

import type { ColumnBuilder } from '../core/schema/column.js';
import type { Column } from '../core/schema/column.js';
import type { Table } from '../core/schema/table.js';
import type { SqlType } from '../core/schema/types.js';
import type { ExprNode } from '../core/sql/nodes.js';
import type { Dialect } from '../core/dialects/dialect.js';
import { assertNeverOperation, type Operation, type TableRebuild } from '../core/schema/operations.js';
import { MigrationCompiler } from '../core/compiler/migration.js';
import { columnTypeSource } from '../codegen/tables.js';

export interface SourceOptions {
  readonly dialect: Dialect;
  /** The module the file imports from (default `athanor`). */
  readonly importFrom?: string;
  /** A comment for the top of the file (the findings of the linter, say). */
  readonly header?: string;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const str = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const strs = (list: readonly string[]) => `[${list.map(str).join(', ')}]`;
const key = (k: string) => (IDENT.test(k) ? k : str(k));
const member = (obj: string, k: string) => (IDENT.test(k) ? `${obj}.${k}` : `${obj}[${str(k)}]`);

/** Collects the `table()` declarations a file needs, each once. */
class Declarations {
  private readonly names = new Map<Table, string>();
  private readonly stubs = new Map<string, { name: string; columns: Set<string> }>();
  private readonly used = new Set<string>();
  readonly lines: string[] = [];
  readonly imports = new Set<string>(['op']);

  constructor(private readonly dialect: Dialect) {}

  private fresh(base: string): string {
    const clean = base.replace(/[^\w$]/g, '_').replace(/^(\d)/, '_$1');
    let n = 1;
    while (this.used.has(`${clean}_${n}`)) n++;
    this.used.add(`${clean}_${n}`);
    return `${clean}_${n}`;
  }

  sql(node: ExprNode): string {
    this.imports.add('sql');
    const text = this.dialect.compiler.inlineExpression(node);
    return `sql\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
  }

  defaultValue(node: ExprNode): string {
    if (node.kind === 'param' && (typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean')) {
      return typeof node.value === 'string' ? str(node.value) : String(node.value);
    }
    return this.sql(node);
  }

  type(t: SqlType): string {
    return columnTypeSource(t, undefined, (factory) => {
      this.imports.add(factory);
      return factory;
    });
  }

  /** A column builder's code; `inTable`: inside a table() whose primary key is composite (declared apart). */
  builder(b: ColumnBuilder<unknown, boolean, boolean>, compositeKey = false): string {
    const d = b.declaration;
    if (d.primaryKey && d.autoIncrement && d.type.kind === 'integer' && !compositeKey) {
      this.imports.add('identity');
      return 'identity()';
    }
    let s = this.type(d.type);
    if (d.primaryKey && !compositeKey) s += '.primaryKey()';
    else if (d.notNull && !d.autoIncrement) s += '.notNull()';
    if (d.autoIncrement) s += '.autoIncrement()';
    if (d.serverDefault) s += `.serverDefault(${this.defaultValue(d.serverDefault)})`;
    if (d.unique) s += '.unique()';
    return s;
  }

  /** The variable holding `t`, declared on first use. */
  table(t: Table): string {
    const known = this.names.get(t);
    if (known) return known;
    const name = this.fresh(t.name);
    this.names.set(t, name);
    this.imports.add('table');
    const composite = t.primaryKey.length > 1;
    const columns = t.columns.map((c) => `  ${key(c.name)}: ${this.builder(plain(c), composite)},`);
    const extras: string[] = [];
    if (composite) {
      this.imports.add('primaryKey');
      extras.push(`primaryKey(${t.primaryKey.map((c) => member('c', c.name)).join(', ')})`);
    }
    for (const ix of t.indexes) {
      const fn = ix.unique ? 'uniqueIndex' : 'index';
      this.imports.add(fn);
      extras.push(`${fn}(${str(ix.name)}, ${ix.columns.map((c) => member('c', c.name)).join(', ')})${ix.condition ? `.where(${this.sql(ix.condition)})` : ''}`);
    }
    for (const u of t.uniques) {
      this.imports.add('unique');
      extras.push(`unique(${str(u.name)}, ${u.columns.map((c) => member('c', c.name)).join(', ')})`);
    }
    for (const ch of t.checks) {
      this.imports.add('check');
      extras.push(`check(${str(ch.name)}, ${this.sql(ch.condition).replace(/^sql`/, 'sql<boolean>`')})`);
    }
    for (const fk of t.foreignKeys) {
      this.imports.add('foreignKey');
      const o = MigrationCompiler.foreignKeyOp(fk);
      const target = fk.targetColumns()[0]!.table as Table;
      const ref = target === t ? undefined : this.reference(target, o.target.columns);
      const targets = o.target.columns.map((c) => member(ref ?? 'c', c)).join(', ');
      const opts = [o.onDelete ? `onDelete: ${str(o.onDelete)}` : '', o.onUpdate ? `onUpdate: ${str(o.onUpdate)}` : ''].filter(Boolean).join(', ');
      // A self-reference reaches the table's own columns through the extras' argument.
      const thunk = ref === undefined ? `() => [${o.target.columns.map((c) => member('c', c)).join(', ')}]` : `() => [${targets.split(', ').map((x) => `${x}`).join(', ')}]`;
      extras.push(`foreignKey(${str(fk.name)}, [${o.columns.map((c) => member('c', c)).join(', ')}], ${thunk}${opts ? `, { ${opts} }` : ''})`);
    }
    const ext = extras.length === 0 ? '' : `, (c) => [\n  ${extras.join(',\n  ')},\n]`;
    this.lines.push(`const ${name} = table(${str(t.name)}, {\n${columns.join('\n')}\n}${ext});`);
    return name;
  }

  /** A stand-in for a referenced table: only its name and the referenced columns matter to the DDL. */
  private reference(t: Table, columns: readonly string[]): string {
    const declared = this.names.get(t);
    if (declared) return `${declared}.c`;
    let stub = this.stubs.get(t.name);
    if (!stub) {
      stub = { name: this.fresh(`${t.name}_ref`), columns: new Set() };
      this.stubs.set(t.name, stub);
    }
    for (const c of columns) stub.columns.add(c);
    return `${stub.name}.c`;
  }

  /** Stub declarations, which must come before the tables that use them. */
  stubLines(): string[] {
    return [...this.stubs.entries()].map(([tableName, s]) => {
      this.imports.add('integer');
      this.imports.add('table');
      return `/** Stands in for "${tableName}" where a foreign key names it. */\nconst ${s.name} = table(${str(tableName)}, { ${[...s.columns].map((c) => `${key(c)}: integer()`).join(', ')} });`;
    });
  }
}

/** The declaration of a bound column, as a builder. */
function plain(c: Column<unknown>): ColumnBuilder<unknown, boolean, boolean> {
  return { declaration: { ...c.declaration, references: undefined } } as ColumnBuilder<unknown, boolean, boolean>;
}

/** The code of one operation. */
function operationCode(o: Operation, d: Declarations): string {
  const rebuild = (r: TableRebuild | undefined) => (r ? `rebuild: { before: ${d.table(r.before)}, after: ${d.table(r.after)} }` : '');
  const opts = (...parts: string[]) => {
    const kept = parts.filter(Boolean);
    return kept.length === 0 ? '' : `, { ${kept.join(', ')} }`;
  };
  switch (o.kind) {
    case 'createTable':
      return `op.createTable(${d.table(o.table)})`;
    case 'dropTable':
      return `op.dropTable(${str(o.table)}${o.definition ? `, ${d.table(o.definition)}` : ''})`;
    case 'renameTable':
      return `op.renameTable(${str(o.from)}, ${str(o.to)})`;
    case 'addColumn':
      return `op.addColumn(${str(o.table)}, ${str(o.column)}, ${d.builder(o.definition)})`;
    case 'dropColumn':
      return `op.dropColumn(${str(o.table)}, ${str(o.column)}${opts(o.definition ? `definition: ${d.builder(o.definition)}` : '', rebuild(o.rebuild))})`;
    case 'renameColumn':
      return `op.renameColumn(${str(o.table)}, ${str(o.from)}, ${str(o.to)})`;
    case 'alterColumn': {
      const parts: string[] = [];
      if (o.type) {
        d.imports.add('types');
        const t = (x: SqlType) => `types.${typeCall(x)}`;
        parts.push(`type: { ${o.type.from ? `from: ${t(o.type.from)}, ` : ''}to: ${t(o.type.to)} }`);
      }
      if (o.notNull) parts.push(`notNull: { ${o.notNull.from !== undefined ? `from: ${o.notNull.from}, ` : ''}to: ${o.notNull.to} }`);
      if (o.default) {
        const v = (x: ExprNode | null) => (x === null ? 'null' : d.defaultValue(x));
        parts.push(`default: { ${'from' in o.default && o.default.from !== undefined ? `from: ${v(o.default.from)}, ` : ''}to: ${v(o.default.to)} }`);
      }
      if (o.using) parts.push(`using: ${str(o.using)}`);
      if (o.definition) {
        parts.push(`definition: { ${o.definition.before ? `before: ${d.builder(o.definition.before)}, ` : ''}after: ${d.builder(o.definition.after)} }`);
      }
      const r = rebuild(o.rebuild);
      if (r) parts.push(r);
      return `op.alterColumn(${str(o.table)}, ${str(o.column)}, {\n    ${parts.join(',\n    ')},\n  })`;
    }
    case 'createIndex': {
      const types = o.types ? `types: { ${Object.entries(o.types).map(([k, t]) => `${key(k)}: types.${typeCall(t)}`).join(', ')} }` : '';
      if (types) d.imports.add('types');
      return `op.createIndex(${str(o.table)}, ${str(o.name)}, ${strs(o.columns)}${opts(o.unique ? 'unique: true' : '', o.where ? `where: ${d.sql(o.where)}` : '', o.concurrently ? 'concurrently: true' : '', types)})`;
    }
    case 'dropIndex':
      return `op.dropIndex(${str(o.table)}, ${str(o.name)}${opts(o.concurrently ? 'concurrently: true' : '', o.definition ? `definition: ${operationCode(o.definition, d)}` : '')})`;
    case 'addUnique':
      return `op.addUnique(${str(o.table)}, ${str(o.name)}, ${strs(o.columns)}${opts(o.usingIndex ? `usingIndex: ${str(o.usingIndex)}` : '', rebuild(o.rebuild))})`;
    case 'dropUnique':
      return `op.dropUnique(${str(o.table)}, ${str(o.name)}${opts(o.columns ? `columns: ${strs(o.columns)}` : '', rebuild(o.rebuild))})`;
    case 'addCheck':
      return `op.addCheck(${str(o.table)}, ${str(o.name)}, ${d.sql(o.condition)}${opts(o.notValid ? 'notValid: true' : '', rebuild(o.rebuild))})`;
    case 'dropCheck':
      return `op.dropCheck(${str(o.table)}, ${str(o.name)}${opts(o.condition ? `condition: ${d.sql(o.condition)}` : '', rebuild(o.rebuild))})`;
    case 'validateConstraint':
      return `op.validateConstraint(${str(o.table)}, ${str(o.name)})`;
    case 'addForeignKey':
      return `op.addForeignKey(${str(o.table)}, ${str(o.name)}, ${strs(o.columns)}, { table: ${str(o.target.table)}, columns: ${strs(o.target.columns)} }${opts(
        o.onDelete ? `onDelete: ${str(o.onDelete)}` : '',
        o.onUpdate ? `onUpdate: ${str(o.onUpdate)}` : '',
        o.notValid ? 'notValid: true' : '',
        rebuild(o.rebuild),
      )})`;
    case 'dropForeignKey':
      return `op.dropForeignKey(${str(o.table)}, ${str(o.name)}${opts(o.definition ? `definition: ${operationCode(o.definition, d)}` : '', rebuild(o.rebuild))})`;
    case 'createEnum':
      return `op.createEnum(${str(o.name)}, ${strs(o.values)})`;
    case 'addEnumValue':
      return `op.addEnumValue(${str(o.name)}, ${str(o.value)}${o.position ? `, ${'before' in o.position ? `{ before: ${str(o.position.before)} }` : `{ after: ${str(o.position.after)} }`}` : ''})`;
    case 'dropEnum':
      return `op.dropEnum(${str(o.name)}${o.values ? `, ${strs(o.values)}` : ''})`;
    case 'backfill':
      return `op.backfill(${str(o.table)}, ${str(o.column)}, ${d.defaultValue(o.value)}, { key: ${str(o.key)}, batchSize: ${o.batchSize} })`;
    case 'sql':
      return `op.sql(${strs(o.up)}${o.down ? `, ${strs(o.down)}` : ''})`;
    default:
      return assertNeverOperation(o);
  }
}

/** `types.varchar(100)` and friends, for alterColumn's `type`. */
function typeCall(t: SqlType): string {
  switch (t.kind) {
    case 'varchar':
      return `varchar(${t.length})`;
    case 'numeric':
      return t.precision === undefined ? 'numeric()' : `numeric(${t.precision}, ${t.scale ?? 0})`;
    case 'bigint':
      return t.bigintMode === 'bigint' ? "bigint('bigint')" : 'bigint()';
    case 'enum':
      return `enum(${strs(t.values ?? [])}${t.enumName ? `, ${str(t.enumName)}` : ''})`;
    default:
      return `${t.kind}()`;
  }
}

/**
 * The source of a migration file.
 *
 * ```ts
 * migrationSource({ id: '20260102_add_country', up: [op.addColumn('artist', 'country', varchar(2))] }, { dialect });
 * // export const id = '20260102_add_country';
 * // export const up = [
 * //   op.addColumn('artist', 'country', varchar(2)),
 * // ];
 * ```
 */
export function migrationSource(
  migration: { readonly id: string; readonly up: readonly Operation[]; readonly down?: readonly Operation[] | undefined; readonly transactional?: boolean | undefined },
  options: SourceOptions,
): string {
  const d = new Declarations(options.dialect);
  const up = migration.up.map((o) => `  ${operationCode(o, d)},`);
  const down = migration.down?.map((o) => `  ${operationCode(o, d)},`);
  const stubs = d.stubLines();
  const imports = [...d.imports].sort();
  const lines = [
    ...(options.header ? [options.header.trimEnd(), ''] : []),
    `import { ${imports.join(', ')} } from ${str(options.importFrom ?? 'athanor')};`,
    '',
    `export const id = ${str(migration.id)};`,
    ...(migration.transactional === false ? ['/** Runs outside a transaction: CONCURRENTLY cannot run inside one. */', 'export const transactional = false;'] : []),
    '',
    ...(stubs.length + d.lines.length > 0 ? [...stubs, ...d.lines, ''] : []),
    'export const up = [',
    ...up,
    '];',
    ...(down ? ['', 'export const down = [', ...down, '];'] : []),
    '',
  ];
  return lines.join('\n');
}
