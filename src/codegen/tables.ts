/**
 * @internal TypeScript source for tables: one `table()` call each, written as
 * a person would write it (factory per column, the SQL name only where it
 * differs from the key, constraints in the extras callback).
 */

import { Column, type ColumnDeclaration } from '../core/schema/column.js';
import type { ForeignKeyDef, IndexDef, Table } from '../core/schema/table.js';
import type { SqlType } from '../core/schema/types.js';
import type { ExprNode } from '../core/sql/nodes.js';
import { camelCase } from '../core/introspect/names.js';

/** Names the generated file imports, collected while writing. */
export class Imports {
  readonly values = new Set<string>();
  readonly types = new Set<string>();
  use(name: string): string {
    this.values.add(name);
    return name;
  }
}

export const str = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
/** Property names may be reserved words (`c.class`); only other characters need quotes. */
const isPropertyName = (key: string): boolean => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
export const prop = (key: string): string => (isPropertyName(key) ? key : str(key));
const access = (key: string): string => (isPropertyName(key) ? `.${key}` : `[${str(key)}]`);

/** An `sql` template holding `text` verbatim. */
function sqlTemplate(text: string, imports: Imports, typed?: string): string {
  imports.use('sql');
  return `sql${typed ? `<${typed}>` : ''}\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
}

function expression(node: ExprNode, imports: Imports, typed?: string): string {
  if (node.kind === 'raw' && node.values.length === 0) return sqlTemplate(node.parts.join(''), imports, typed);
  if (node.kind === 'param') return literal(node.value);
  // Declared tables may hold expressions built with Athanor: written as the SQL they stand for is out of reach here.
  throw new Error(`internal: cannot write a ${node.kind} expression as source`);
}

function literal(value: unknown): string {
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The TypeScript value type of a custom column, where the type's name tells it. */
function customValueType(sqlName: string): string {
  const t = sqlName.toLowerCase();
  if (/\[\]$/.test(t)) return /^(int|smallint|bigint|integer|real|double|numeric)/.test(t) ? 'number[]' : 'string[]';
  if (/^(char|character|bpchar|nchar|citext|tsvector|tsquery|inet|cidr|macaddr|interval|time|money|xml|set|year|ltree)/.test(t)) return 'string';
  return 'unknown';
}

/**
 * `integer('artist_id')`, `varchar(120)`, `numeric(10, 2, 'unit_price')`: the factory call for a column's type,
 * `use` recording each factory the code names (for the file's import line). Generated models and migration files
 * both write types through it.
 * @internal
 */
export function columnTypeSource(type: SqlType, name: string | undefined, use: (factory: string) => string): string {
  const n = name === undefined ? [] : [str(name)];
  const call = (fn: string, ...args: string[]): string => {
    while (args.length > 0 && args[args.length - 1] === 'undefined') args.pop();
    return `${use(fn)}(${args.join(', ')})`;
  };
  switch (type.kind) {
    case 'integer':
    case 'smallint':
    case 'text':
    case 'boolean':
    case 'real':
    case 'double':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'uuid':
    case 'blob':
    case 'json':
      return call(type.kind, ...n);
    case 'bigint':
      return type.bigintMode === 'bigint' ? call('bigint', name === undefined ? 'undefined' : str(name), "'bigint'") : call('bigint', ...n);
    case 'varchar':
      return call('varchar', String(type.length), ...n);
    case 'numeric':
      return call(
        'numeric',
        type.precision === undefined ? 'undefined' : String(type.precision),
        type.scale === undefined ? 'undefined' : String(type.scale),
        name === undefined ? 'undefined' : str(name),
      );
    case 'enum':
      return call(
        'enumeration',
        `[${(type.values ?? []).map(str).join(', ')}]`,
        name === undefined ? 'undefined' : str(name),
        type.enumName === undefined ? 'undefined' : str(type.enumName),
      );
    case 'custom':
      use('customType');
      return `customType<${customValueType(type.sqlName ?? '')}>(${[str(type.sqlName ?? ''), ...n].join(', ')})`;
  }
}

/** How generated code names the things it refers to. */
export interface SourceNames {
  /** The variable a table is exported as. */
  variable(table: Table): string;
  /** Tables declared before `table` in the file (a reference to a later one needs a type annotation). */
  declaredBefore(table: Table, target: Table): boolean;
}

function defaultFkName(table: Table, columns: readonly Column<unknown>[]): string {
  return `${table.name}_${columns.map((c) => c.name).join('_')}_fkey`;
}

function fkOptions(table: Table, fk: ForeignKeyDef, includeName: boolean): string {
  const parts: string[] = [];
  if (includeName && fk.name !== defaultFkName(table, fk.columns)) parts.push(`name: ${str(fk.name)}`);
  if (fk.onDelete) parts.push(`onDelete: ${str(fk.onDelete)}`);
  if (fk.onUpdate) parts.push(`onUpdate: ${str(fk.onUpdate)}`);
  return parts.length > 0 ? `{ ${parts.join(', ')} }` : '';
}

function columnSource(table: Table, c: Column<unknown>, fk: ForeignKeyDef | undefined, names: SourceNames, imports: Imports): string {
  const d: ColumnDeclaration = c.declaration;
  const name = c.name === c.key ? undefined : c.name;
  const singlePk = table.primaryKey.length === 1 && c.primaryKey;
  let s: string;
  let notNullSaid = false;
  if (singlePk && c.autoIncrement && c.type.kind === 'integer') {
    s = `${imports.use('identity')}(${name === undefined ? '' : str(name)})`;
    notNullSaid = true;
  } else {
    s = columnTypeSource(c.type, name, (f) => imports.use(f));
    if (singlePk) {
      s += '.primaryKey()';
      notNullSaid = true;
    }
    if (c.autoIncrement) {
      s += '.autoIncrement()';
      notNullSaid = true;
    }
  }
  // Members of a composite primary key are NOT NULL through primaryKey(...) in the extras.
  if (c.notNull && !notNullSaid && !c.primaryKey) s += '.notNull()';
  if (d.serverDefault) s += `.serverDefault(${expression(d.serverDefault, imports)})`;
  if (d.unique) s += '.unique()';
  if (d.comment !== undefined) s += `.comment(${str(d.comment)})`;
  if (fk) {
    const target = fk.targetColumns()[0]!;
    const targetTable = target.table as Table;
    const options = fkOptions(table, fk, true);
    const before = names.declaredBefore(table, targetTable);
    const thunk =
      targetTable === table
        ? `(self) => self${access(target.key)}`
        : `${before ? '()' : `(): ${useType(imports, 'AnyColumn')}`} => ${names.variable(targetTable)}.c${access(target.key)}`;
    s += `.references(${thunk}${options ? `, ${options}` : ''})`;
  }
  return s;
}

function useType(imports: Imports, name: string): string {
  imports.types.add(name);
  return name;
}

function indexSource(ix: IndexDef, imports: Imports): string {
  const parts = ix.parts.map((p) => (p instanceof Column ? `c${access(p.key)}` : expression(p, imports)));
  let s = `${imports.use(ix.unique ? 'uniqueIndex' : 'index')}(${[str(ix.name), ...parts].join(', ')})`;
  if (ix.condition) s += `.where(${expression(ix.condition, imports, 'boolean')})`;
  if (ix.method) s += `.using(${str(ix.method)})`;
  return s;
}

/**
 * `export const artistTable = table('artist', { ... });` for one table.
 */
export function tableSource(table: Table, names: SourceNames, imports: Imports): string {
  // A single-column foreign key is written on its column, unless that column has several.
  const columnFks = new Map<Column<unknown>, ForeignKeyDef>();
  const tableFks: ForeignKeyDef[] = [];
  for (const fk of table.foreignKeys) {
    const only = fk.columns.length === 1 ? fk.columns[0]! : undefined;
    if (only && !columnFks.has(only) && table.foreignKeys.filter((f) => f.columns.includes(only) && f.columns.length === 1).length === 1) {
      columnFks.set(only, fk);
    } else {
      tableFks.push(fk);
    }
  }
  const columns = table.columns.map((c) => `  ${prop(c.key)}: ${columnSource(table, c, columnFks.get(c), names, imports)},`);
  const extras: string[] = [];
  if (table.primaryKey.length > 1) extras.push(`${imports.use('primaryKey')}(${table.primaryKey.map((c) => `c${access(c.key)}`).join(', ')})`);
  for (const u of table.uniques) extras.push(`${imports.use('unique')}(${[str(u.name), ...u.columns.map((c) => `c${access(c.key)}`)].join(', ')})`);
  for (const ch of table.checks) extras.push(`${imports.use('check')}(${str(ch.name)}, ${expression(ch.condition, imports, 'boolean')})`);
  for (const ix of table.indexes) extras.push(indexSource(ix, imports));
  for (const fk of tableFks) {
    const targets = fk.targetColumns();
    const targetTable = targets[0]!.table as Table;
    const ref = targetTable === table ? 'c' : names.variable(targetTable) + '.c';
    const options = fkOptions(table, fk, false);
    extras.push(
      `${imports.use('foreignKey')}(${str(fk.name)}, [${fk.columns.map((c) => `c${access(c.key)}`).join(', ')}], () => [${targets.map((t) => `${ref}${access(t.key)}`).join(', ')}]${options ? `, ${options}` : ''})`,
    );
  }
  const options: string[] = [];
  if (table.schema !== undefined) options.push(`schema: ${str(table.schema)}`);
  if (table.comment !== undefined) options.push(`comment: ${str(table.comment)}`);
  const args = [str(table.name), `{\n${columns.join('\n')}\n}`];
  if (extras.length > 0) args.push(`(c) => [\n  ${extras.join(',\n  ')},\n]`);
  if (options.length > 0) {
    if (extras.length === 0) args.push('undefined');
    args.push(`{ ${options.join(', ')} }`);
  }
  return `export const ${names.variable(table)} = ${imports.use('table')}(${args.join(', ')});`;
}

/** The variable name for a table: `invoice_line` → `invoiceLineTable`. */
export function tableVariable(table: Table): string {
  return `${camelCase(table.name)}Table`;
}
