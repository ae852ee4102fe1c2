/**
 * Structural comparison of two sets of tables: what differs between the
 * tables a program declares and the tables a database holds (or between two
 * reads of one database).
 *
 * Tables match by schema-qualified name, columns and constraints by name;
 * order does not matter. Given a dialect, types and defaults compare as that
 * database stores them (`uuid()` and `CHAR(36)` are the same on MySQL,
 * `real()` and `double()` the same on SQLite), which is what a migration
 * could change; without one they compare as declared.
 *
 * Expressions (defaults, checks, index expressions and predicates) compare
 * as SQL text, spaces squashed. Databases rewrite what they are given
 * (PostgreSQL stores `lower(title)` on a varchar as `lower(title::text)`,
 * MariaDB `CURRENT_TIMESTAMP` as `current_timestamp()`), so text declared by
 * hand can differ from what is read back for the same meaning; two reads of
 * databases made from one declaration compare equal.
 */

import { uniqueConstraintName } from '../compiler/ddl.js';
import type { Dialect } from '../dialects/dialect.js';
import { Column } from '../schema/column.js';
import type { Table } from '../schema/table.js';
import { describeType, type SqlType } from '../schema/types.js';
import type { ExprNode } from '../sql/nodes.js';

/** What is compared: tables, columns and their properties, constraints and indexes. */
export type SchemaObjectKind = 'table' | 'column' | 'primaryKey' | 'unique' | 'check' | 'index' | 'foreignKey';

/**
 * One difference: an object `missing` from the actual tables, `extra` in them, or `changed` in one property.
 *
 * ```ts
 * const difference: SchemaDifference = { change: 'changed', object: 'column', table: 'track', name: 'name', property: 'type',
 *   expected: 'VARCHAR(200)', actual: 'TEXT', message: 'column track.name: type is TEXT, expected VARCHAR(200)' };
 * ```
 */
export interface SchemaDifference {
  readonly change: 'missing' | 'extra' | 'changed';
  readonly object: SchemaObjectKind;
  /** Schema-qualified table name. */
  readonly table: string;
  /** The column, constraint or index name (absent for a table or its primary key). */
  readonly name?: string | undefined;
  /** For `changed`: `type`, `notNull`, `default`, `autoIncrement`, `comment`, `columns`, `definition`. */
  readonly property?: string | undefined;
  readonly expected?: string | undefined;
  readonly actual?: string | undefined;
  readonly message: string;
}

export interface CompareOptions {
  /** Compare types, defaults and expressions as this database writes them. */
  readonly dialect?: Dialect;
  /** Leave these out of the comparison (e.g. `['comment']` against SQLite, which keeps none). */
  readonly ignore?: readonly ('comment' | 'check' | 'index' | 'default')[];
}

interface Shape {
  readonly name: string;
  readonly comment: string | undefined;
  readonly columns: ReadonlyMap<string, Readonly<Record<'type' | 'notNull' | 'default' | 'autoIncrement' | 'comment', string>>>;
  readonly primaryKey: string;
  readonly uniques: ReadonlyMap<string, string>;
  readonly checks: ReadonlyMap<string, string>;
  readonly indexes: ReadonlyMap<string, string>;
  readonly foreignKeys: ReadonlyMap<string, string>;
}

const qualifiedName = (t: Table): string => (t.schema ? `${t.schema}.${t.name}` : t.name);
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

function shapeOf(t: Table, options: CompareOptions): Shape {
  const dialect = options.dialect;
  const expr = (node: ExprNode): string => {
    if (dialect) return squash(dialect.compiler.inlineExpression(node));
    if (node.kind === 'param') return JSON.stringify(node.value);
    if (node.kind === 'raw') return squash(node.parts.join('?'));
    if (node.kind === 'column') return node.column.name;
    return node.kind;
  };
  const type = (s: SqlType): string => {
    const name = dialect ? dialect.typeName(s, 'ddl') : describeType(s);
    return s.kind === 'enum' && dialect ? `${name} (${(s.values ?? []).join(', ')})` : name;
  };
  const cols = (list: readonly Column<unknown>[]): string => list.map((c) => c.name).join(', ');
  const uniques = new Map(t.uniques.map((u) => [u.name, cols(u.columns)] as const));
  for (const c of t.columns) if (c.declaration.unique) uniques.set(uniqueConstraintName(t, c), c.name);
  return {
    name: qualifiedName(t),
    comment: t.comment,
    columns: new Map(
      t.columns.map((c) => [
        c.name,
        {
          type: type(c.type),
          notNull: String(c.notNull),
          default: c.declaration.serverDefault ? expr(c.declaration.serverDefault) : '(none)',
          autoIncrement: String(c.autoIncrement),
          comment: c.comment ?? '(none)',
        },
      ]),
    ),
    primaryKey: cols(t.primaryKey),
    uniques,
    checks: new Map(t.checks.map((ch) => [ch.name, expr(ch.condition)] as const)),
    indexes: new Map(
      t.indexes.map((ix) => {
        const parts = ix.parts.map((p) => (p instanceof Column ? p.name : `(${expr(p)})`)).join(', ');
        const where = ix.condition ? ` WHERE ${expr(ix.condition)}` : '';
        return [ix.name, `${ix.unique ? 'UNIQUE ' : ''}${ix.method ? `USING ${ix.method} ` : ''}(${parts})${where}`] as const;
      }),
    ),
    foreignKeys: new Map(
      t.foreignKeys.map((fk) => {
        const targets = fk.targetColumns();
        const to = targets[0]?.table as Table | undefined;
        const actions = `${fk.onDelete ? ` ON DELETE ${fk.onDelete}` : ''}${fk.onUpdate ? ` ON UPDATE ${fk.onUpdate}` : ''}`;
        return [fk.name, `(${cols(fk.columns)}) REFERENCES ${to ? qualifiedName(to) : '?'} (${cols(targets)})${actions}`] as const;
      }),
    ),
  };
}

/**
 * The differences between the `expected` tables and the `actual` ones; empty when they match.
 *
 * ```ts
 * const live = await introspect(engine);
 * const drift = compareSchemas([artist, album], live.tables, { dialect: engine.dialect });
 * for (const d of drift) console.log(d.message); // "column album.title: notNull is false, expected true"
 * ```
 */
export function compareSchemas(expected: readonly Table[], actual: readonly Table[], options: CompareOptions = {}): SchemaDifference[] {
  const ignore = new Set(options.ignore ?? []);
  const out: SchemaDifference[] = [];
  const actualByName = new Map(actual.map((t) => [qualifiedName(t), t] as const));
  const expectedNames = new Set(expected.map(qualifiedName));
  for (const t of expected) {
    const other = actualByName.get(qualifiedName(t));
    if (!other) {
      out.push({ change: 'missing', object: 'table', table: qualifiedName(t), message: `table ${qualifiedName(t)} is missing` });
      continue;
    }
    compareTables(shapeOf(t, options), shapeOf(other, options), ignore, out);
  }
  for (const t of actual) {
    if (!expectedNames.has(qualifiedName(t))) {
      out.push({ change: 'extra', object: 'table', table: qualifiedName(t), message: `table ${qualifiedName(t)} is not expected` });
    }
  }
  return out;
}

function compareTables(e: Shape, a: Shape, ignore: ReadonlySet<string>, out: SchemaDifference[]): void {
  const table = e.name;
  if (!ignore.has('comment') && e.comment !== a.comment) {
    out.push({ change: 'changed', object: 'table', table, property: 'comment', expected: e.comment, actual: a.comment, message: `table ${table}: comment is ${JSON.stringify(a.comment)}, expected ${JSON.stringify(e.comment)}` });
  }
  for (const [name, col] of e.columns) {
    const other = a.columns.get(name);
    if (!other) {
      out.push({ change: 'missing', object: 'column', table, name, message: `column ${table}.${name} is missing` });
      continue;
    }
    for (const property of ['type', 'notNull', 'default', 'autoIncrement', 'comment'] as const) {
      if (ignore.has(property)) continue;
      if (col[property] !== other[property]) {
        out.push({
          change: 'changed',
          object: 'column',
          table,
          name,
          property,
          expected: col[property],
          actual: other[property],
          message: `column ${table}.${name}: ${property} is ${other[property]}, expected ${col[property]}`,
        });
      }
    }
  }
  for (const name of a.columns.keys()) {
    if (!e.columns.has(name)) out.push({ change: 'extra', object: 'column', table, name, message: `column ${table}.${name} is not expected` });
  }
  if (e.primaryKey !== a.primaryKey) {
    out.push({ change: 'changed', object: 'primaryKey', table, property: 'columns', expected: e.primaryKey, actual: a.primaryKey, message: `table ${table}: primary key is (${a.primaryKey}), expected (${e.primaryKey})` });
  }
  const named: [SchemaObjectKind, ReadonlyMap<string, string>, ReadonlyMap<string, string>][] = [
    ['unique', e.uniques, a.uniques],
    ['foreignKey', e.foreignKeys, a.foreignKeys],
  ];
  if (!ignore.has('check')) named.push(['check', e.checks, a.checks]);
  if (!ignore.has('index')) named.push(['index', e.indexes, a.indexes]);
  for (const [object, mine, theirs] of named) {
    for (const [name, definition] of mine) {
      const other = theirs.get(name);
      if (other === undefined) out.push({ change: 'missing', object, table, name, expected: definition, message: `${object} ${name} on ${table} is missing: ${definition}` });
      else if (other !== definition) {
        out.push({ change: 'changed', object, table, name, property: 'definition', expected: definition, actual: other, message: `${object} ${name} on ${table} is ${other}, expected ${definition}` });
      }
    }
    for (const [name, definition] of theirs) {
      if (!mine.has(name)) out.push({ change: 'extra', object, table, name, actual: definition, message: `${object} ${name} on ${table} is not expected: ${definition}` });
    }
  }
}
