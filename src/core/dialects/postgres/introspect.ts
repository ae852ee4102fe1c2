/**
 * Reading a PostgreSQL schema from `pg_catalog`.
 *
 * `pg_catalog` rather than `information_schema`: only it has index
 * expressions and predicates, access methods, identity columns, enum labels
 * in order and partitions. Each query reads one kind of object for the whole
 * schema (not one query per table), so a schema of 500 tables costs the same
 * seven round trips as one of 5.
 */

import { sql } from '../../sql/raw.js';
import { types, type SqlType } from '../../schema/types.js';
import {
  parseDefault,
  referentialAction,
  wanted,
  type Catalog,
  type CatalogColumn,
  type CatalogDefault,
  type CatalogEnum,
  type CatalogQuery,
  type CatalogReadOptions,
  type CatalogTable,
  type SkippedObject,
} from '../../introspect/catalog.js';

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const optional = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (x === null ? '' : String(x))) : []);

/** pg_constraint's one-letter referential actions; `a` (NO ACTION) is the default and left unsaid. */
const ACTIONS: Readonly<Record<string, string>> = { c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT', r: 'RESTRICT', a: 'NO ACTION' };

/** @internal `(expr)` → `expr`, when the parentheses enclose the whole text. */
export function unwrap(text: string): string {
  let t = text.trim();
  for (;;) {
    if (!t.startsWith('(') || !t.endsWith(')')) return t;
    let depth = 0;
    let inString = false;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i];
      if (ch === "'") inString = !inString;
      if (inString) continue;
      if (ch === '(') depth++;
      if (ch === ')' && --depth === 0 && i < t.length - 1) return t;
    }
    t = t.slice(1, -1).trim();
  }
}

/** A column type as `format_type` spells it, as the kind Athanor writes it with (see PostgresDialect.typeName). */
function postgresType(formatted: string, enumValues: readonly string[] | undefined, enumName: string): SqlType {
  if (enumValues !== undefined) return types.enum(enumValues, enumName);
  const args = /\((\d+)(?:,\s*(\d+))?\)/.exec(formatted);
  const base = formatted.replace(/\(.*?\)/, '').trim();
  switch (base) {
    case 'integer':
      return types.integer();
    case 'smallint':
      return types.smallint();
    case 'bigint':
      return types.bigint();
    case 'text':
    case 'character varying':
      return args ? types.varchar(Number(args[1])) : types.text();
    case 'boolean':
      return types.boolean();
    case 'real':
      return types.real();
    case 'double precision':
      return types.double();
    case 'numeric':
      return args ? types.numeric(Number(args[1]), Number(args[2] ?? 0)) : types.numeric();
    case 'date':
      return types.date();
    case 'timestamp without time zone':
      return types.timestamp();
    case 'timestamp with time zone':
      return types.timestamptz();
    case 'json':
    case 'jsonb':
      return types.json();
    case 'uuid':
      return types.uuid();
    case 'bytea':
      return types.blob();
    default:
      return types.custom(formatted);
  }
}

/** A default as `pg_get_expr` writes it: `'x'::character varying` is the constant 'x'; `(-1)::integer` is -1. */
function postgresDefault(text: string | undefined): CatalogDefault | undefined {
  if (text === undefined) return undefined;
  const cast = /^('(?:[^']|'')*')::[\w\s."[\]()]+$/.exec(text);
  if (cast) return parseDefault(cast[1]);
  const number = /^\(?(-?\d+(?:\.\d+)?)\)?(?:::[\w\s]+)?$/.exec(text);
  if (number) return parseDefault(number[1]);
  return parseDefault(text);
}

/** @internal The PostgreSQL dialect's {@link Dialect.readCatalog}. */
export async function readPostgresCatalog(query: CatalogQuery, options: CatalogReadOptions): Promise<Catalog> {
  const current = str((await query(sql`SELECT current_schema() AS s`))[0]?.['s']);
  const schema = options.schema ?? current;
  // Tables in the default schema stay unqualified, as they would be declared.
  const tableSchema = schema === 'public' || options.schema === undefined ? undefined : schema;
  const skipped: SkippedObject[] = [];
  const at = (name: string): string => `${schema}.${name}`;

  const relations = await query(sql`
    SELECT c.relname AS name, c.relkind::text AS kind, c.relispartition AS partition, obj_description(c.oid, 'pg_class') AS comment,
      (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid LIMIT 1) AS parent
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    ORDER BY c.relname`);
  const tableNames = new Set<string>();
  const comments = new Map<string, string | undefined>();
  for (const r of relations) {
    const name = str(r['name']);
    const kind = str(r['kind']);
    if (kind === 'v') skipped.push({ name: at(name), kind: 'view', reason: 'views are not tables; declare a query instead' });
    else if (kind === 'm') skipped.push({ name: at(name), kind: 'materializedView', reason: 'materialized views are not tables' });
    else if (kind === 'f') skipped.push({ name: at(name), kind: 'foreignTable', reason: 'foreign tables live in another server' });
    else if (r['partition'] === true) {
      skipped.push({ name: at(name), kind: 'partition', reason: `partition of ${str(r['parent'])}: its rows are read and written through the parent table` });
    } else if (wanted(name, options)) {
      if (kind === 'p') {
        skipped.push({ name: at(name), kind: 'partition', reason: 'partitioned table: read as a plain table (its PARTITION BY and partitions are not declared)' });
      }
      tableNames.add(name);
      comments.set(name, optional(r['comment']));
    }
  }

  const enumRows = await query(sql`
    SELECT n.nspname AS schema, t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text[] AS labels
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    GROUP BY n.nspname, t.typname ORDER BY t.typname`);
  const enumValues = new Map<string, string[]>(enumRows.map((r) => [`${str(r['schema'])}.${str(r['name'])}`, list(r['labels'])]));
  const enums: CatalogEnum[] = enumRows
    .filter((r) => str(r['schema']) === schema)
    .map((r) => ({ schema: tableSchema, name: str(r['name']), values: list(r['labels']) }));

  for (const d of await query(sql`
    SELECT t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS base
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'd' AND n.nspname = ${schema} ORDER BY t.typname`)) {
    skipped.push({
      name: at(str(d['name'])),
      kind: 'domain',
      reason: `columns of this domain are read as its base type ${str(d['base'])}; its constraints are not kept`,
    });
  }

  const columns = new Map<string, CatalogColumn[]>();
  for (const c of await query(sql`
    SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
      pg_get_expr(d.adbin, d.adrelid) AS default_sql, a.attidentity::text AS identity, a.attgenerated::text AS generated,
      col_description(c.oid, a.attnum) AS comment, t.typtype::text AS typtype, tn.nspname AS type_schema, t.typname AS type_name,
      CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS domain_base
    FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`)) {
    const table = str(c['table_name']);
    if (!tableNames.has(table)) continue;
    const name = str(c['name']);
    if (str(c['generated']) !== '') {
      skipped.push({ name: `${at(table)}.${name}`, kind: 'generatedColumn', reason: `generated column (${str(c['default_sql'])}); the column is left out` });
      continue;
    }
    const formatted = str(c['domain_base']) || str(c['type']);
    const enumKey = str(c['typtype']) === 'e' ? `${str(c['type_schema'])}.${str(c['type_name'])}` : '';
    const defaultSql = optional(c['default_sql']);
    const serial = defaultSql !== undefined && /^nextval\('.*'::regclass\)$/.test(defaultSql);
    const list_ = columns.get(table) ?? [];
    list_.push({
      name,
      type: postgresType(formatted, enumValues.get(enumKey), str(c['type_name'])),
      nullable: c['notnull'] !== true,
      default: serial ? undefined : postgresDefault(defaultSql),
      autoIncrement: serial || str(c['identity']) !== '',
      comment: optional(c['comment']),
    });
    columns.set(table, list_);
  }

  const constraints = await query(sql`
    SELECT c.relname AS table_name, k.conname AS name, k.contype::text AS type,
      ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(n, o) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o)::text[] AS columns,
      fn.nspname AS target_schema, fc.relname AS target_table,
      ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS u(n, o) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o)::text[] AS target_columns,
      k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update, pg_get_constraintdef(k.oid, true) AS definition
    FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p')
    ORDER BY c.relname, k.conname`);

  const indexes = await query(sql`
    SELECT c.relname AS table_name, i.relname AS name, x.indisunique AS is_unique, am.amname AS method,
      pg_get_expr(x.indpred, x.indrelid) AS predicate,
      ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k)::text[] AS elements,
      ARRAY(SELECT a.attname::text FROM generate_series(1, x.indnkeyatts) AS k
        LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k - 1] AND x.indkey[k - 1] > 0 ORDER BY k)::text[] AS columns
    FROM pg_index x
      JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
    ORDER BY c.relname, i.relname`);

  for (const t of await query(sql`
    SELECT c.relname AS table_name, g.tgname AS name FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND NOT g.tgisinternal AND NOT c.relispartition ORDER BY c.relname, g.tgname`)) {
    skipped.push({ name: `${at(str(t['table_name']))}.${str(t['name'])}`, kind: 'trigger', reason: 'triggers are not part of a table declaration' });
  }

  const tables: CatalogTable[] = [];
  for (const name of tableNames) {
    const mine = constraints.filter((k) => str(k['table_name']) === name);
    const of = (type: string): Row[] => mine.filter((k) => str(k['type']) === type);
    for (const x of of('x')) {
      skipped.push({ name: `${at(name)}.${str(x['name'])}`, kind: 'exclusionConstraint', reason: `${str(x['definition'])}: exclusion constraints are not declared by table()` });
    }
    tables.push({
      schema: tableSchema,
      name,
      comment: comments.get(name),
      columns: columns.get(name) ?? [],
      primaryKey: list(of('p')[0]?.['columns']),
      uniques: of('u').map((u) => ({ name: str(u['name']), columns: list(u['columns']) })),
      checks: of('c').map((ch) => ({ name: str(ch['name']), expression: unwrap(str(ch['definition']).replace(/^CHECK\s*/, '').replace(/\s+NOT VALID$/, '')) })),
      indexes: indexes
        .filter((ix) => str(ix['table_name']) === name)
        .map((ix) => {
          const cols = list(ix['columns']);
          const method = str(ix['method']);
          return {
            name: str(ix['name']),
            unique: ix['is_unique'] === true,
            elements: list(ix['elements']).map((e, k) => (cols[k] ? { column: cols[k] } : { expression: unwrap(e) })),
            where: optional(ix['predicate']) === undefined ? undefined : unwrap(str(ix['predicate'])),
            method: method === 'btree' ? undefined : method,
          };
        }),
      foreignKeys: of('f').map((fk) => {
        const targetSchema = str(fk['target_schema']);
        return {
          name: str(fk['name']),
          columns: list(fk['columns']),
          targetSchema: targetSchema === schema ? undefined : targetSchema,
          targetTable: str(fk['target_table']),
          targetColumns: list(fk['target_columns']),
          onDelete: referentialAction(ACTIONS[str(fk['on_delete'])] ?? ''),
          onUpdate: referentialAction(ACTIONS[str(fk['on_update'])] ?? ''),
        };
      }),
    });
  }
  return { tables, enums, skipped };
}
