/**
 * Reading a MariaDB / MySQL database from `information_schema`.
 *
 * The two differ here in small ways: MariaDB quotes string defaults in
 * COLUMN_DEFAULT and MySQL 8 does not (it marks expressions with
 * DEFAULT_GENERATED instead); MariaDB's JSON is LONGTEXT with a
 * `json_valid()` CHECK named after the column, which is read back as a json
 * column. A unique index and a unique constraint are one thing here, so every
 * unique index is read as a unique constraint.
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
  type CatalogIndex,
  type CatalogQuery,
  type CatalogReadOptions,
  type CatalogTable,
  type SkippedObject,
} from '../../introspect/catalog.js';

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v));

/** `ENUM('a','it''s')` → `['a', "it's"]`. */
function enumValues(columnType: string): string[] {
  const inner = columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'));
  return [...inner.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)].map((m) => m[1]!.replace(/''/g, "'").replace(/\\(.)/g, '$1'));
}

/** A COLUMN_TYPE as the kind Athanor writes it with (see MysqlDialect.typeName). */
function mysqlType(columnType: string): SqlType {
  const t = columnType.toLowerCase();
  const base = t.replace(/\(.*$/, '').replace(/\s+(unsigned|signed|zerofill)\b.*$/, '').trim();
  const args = /\((\d+)(?:,\s*(\d+))?\)/.exec(t);
  switch (base) {
    case 'tinyint':
      return args?.[1] === '1' ? types.boolean() : types.smallint();
    case 'bool':
    case 'boolean':
      return types.boolean();
    case 'smallint':
      return types.smallint();
    case 'mediumint':
    case 'int':
    case 'integer':
      return types.integer();
    case 'bigint':
      return types.bigint();
    case 'decimal':
    case 'numeric':
      return args ? types.numeric(Number(args[1]), Number(args[2] ?? 0)) : types.numeric();
    case 'float':
      return types.real();
    case 'double':
      return types.double();
    case 'varchar':
      return args ? types.varchar(Number(args[1])) : types.text();
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return types.text();
    case 'json':
      return types.json();
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'varbinary':
      return types.blob();
    case 'date':
      return types.date();
    case 'datetime':
      return types.timestamp();
    case 'timestamp':
      return types.timestamptz();
    case 'uuid':
      return types.uuid();
    case 'enum':
      return types.enum(enumValues(columnType));
    default:
      return types.custom(columnType.toUpperCase());
  }
}

/** InnoDB reports an action left unsaid as RESTRICT, which it treats exactly as NO ACTION: both are the default. */
const innodbAction = (rule: string) => (rule === 'RESTRICT' ? undefined : referentialAction(rule));

function mysqlDefault(row: Row, flavor: 'mariadb' | 'mysql', type: SqlType): CatalogDefault | undefined {
  const raw = row['COLUMN_DEFAULT'];
  if (raw === null || raw === undefined) return undefined;
  const text = str(raw);
  if (flavor === 'mariadb') return parseDefault(text);
  // MySQL 8: expressions are marked in EXTRA; everything else is the constant itself, unquoted.
  if (str(row['EXTRA']).includes('DEFAULT_GENERATED')) return { kind: 'expression', sql: text };
  const numeric = ['integer', 'smallint', 'bigint', 'real', 'double'].includes(type.kind);
  return numeric && /^-?\d+(\.\d+)?$/.test(text) ? { kind: 'literal', value: Number(text) } : { kind: 'literal', value: text };
}

/** @internal The MySQL dialect's {@link Dialect.readCatalog}. */
export async function readMysqlCatalog(query: CatalogQuery, options: CatalogReadOptions, flavor: 'mariadb' | 'mysql'): Promise<Catalog> {
  const current = str((await query(sql`SELECT DATABASE() AS db`))[0]?.['db']);
  const schema = options.schema ?? current;
  const tableSchema = options.schema === undefined || options.schema === current ? undefined : schema;
  const skipped: SkippedObject[] = [];
  const at = (name: string): string => `${schema}.${name}`;

  const tableRows = await query(sql`SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${schema} ORDER BY TABLE_NAME`);
  const names: string[] = [];
  const comments = new Map<string, string>();
  for (const r of tableRows) {
    const name = str(r['TABLE_NAME']);
    const kind = str(r['TABLE_TYPE']);
    if (kind === 'VIEW') skipped.push({ name: at(name), kind: 'view', reason: 'views are not tables; declare a query instead' });
    else if (kind === 'SEQUENCE') continue;
    else if (wanted(name, options)) {
      names.push(name);
      comments.set(name, str(r['TABLE_COMMENT']));
    }
  }
  const mine = new Set(names);

  const checkRows =
    flavor === 'mariadb'
      ? await query(sql`SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ${schema} ORDER BY TABLE_NAME, CONSTRAINT_NAME`)
      : await query(sql`
          SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc
          JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
          WHERE tc.TABLE_SCHEMA = ${schema} AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME`);
  // MariaDB's JSON columns: LONGTEXT with CHECK (json_valid(`column`)) named after the column.
  const jsonChecks = new Set(
    checkRows
      .filter((c) => str(c['CHECK_CLAUSE']).replace(/\s/g, '') === `json_valid(\`${str(c['CONSTRAINT_NAME']).replace(/`/g, '``')}\`)`)
      .map((c) => `${str(c['TABLE_NAME'])}.${str(c['CONSTRAINT_NAME'])}`),
  );

  const columns = new Map<string, CatalogColumn[]>();
  for (const c of await query(sql`
    SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${schema} ORDER BY TABLE_NAME, ORDINAL_POSITION`)) {
    const table = str(c['TABLE_NAME']);
    if (!mine.has(table)) continue;
    const name = str(c['COLUMN_NAME']);
    const extra = str(c['EXTRA']).toUpperCase();
    if (extra.includes('VIRTUAL') || extra.includes('STORED') || extra.includes('PERSISTENT')) {
      skipped.push({ name: `${at(table)}.${name}`, kind: 'generatedColumn', reason: 'generated columns are computed by the database; the column is left out' });
      continue;
    }
    const type = jsonChecks.has(`${table}.${name}`) ? types.json() : mysqlType(str(c['COLUMN_TYPE']));
    const comment = str(c['COLUMN_COMMENT']);
    const list = columns.get(table) ?? [];
    list.push({
      name,
      type,
      nullable: str(c['IS_NULLABLE']) === 'YES',
      default: mysqlDefault(c, flavor, type),
      autoIncrement: extra.includes('AUTO_INCREMENT'),
      comment: comment === '' ? undefined : comment,
    });
    columns.set(table, list);
  }

  const keyRows = await query(sql`
    SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
      rc.UPDATE_RULE, rc.DELETE_RULE
    FROM information_schema.TABLE_CONSTRAINTS tc
      JOIN information_schema.KEY_COLUMN_USAGE k
        ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
      LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
        ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.TABLE_NAME = tc.TABLE_NAME AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
    WHERE tc.TABLE_SCHEMA = ${schema} AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
    ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION`);

  const indexRows = await query(sql`
    SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, INDEX_TYPE
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ${schema} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`);

  const tables: CatalogTable[] = [];
  for (const name of names) {
    const keys = keyRows.filter((k) => str(k['TABLE_NAME']) === name);
    const grouped = (type: string): Map<string, Row[]> => {
      const out = new Map<string, Row[]>();
      for (const k of keys.filter((k) => str(k['CONSTRAINT_TYPE']) === type)) {
        const n = str(k['CONSTRAINT_NAME']);
        out.set(n, [...(out.get(n) ?? []), k]);
      }
      return out;
    };
    const foreignKeys = [...grouped('FOREIGN KEY')].map(([fkName, rows]) => {
      const first = rows[0]!;
      const targetSchema = str(first['REFERENCED_TABLE_SCHEMA']);
      return {
        name: fkName,
        columns: rows.map((r) => str(r['COLUMN_NAME'])),
        targetSchema: targetSchema === schema ? undefined : targetSchema,
        targetTable: str(first['REFERENCED_TABLE_NAME']),
        targetColumns: rows.map((r) => str(r['REFERENCED_COLUMN_NAME'])),
        onDelete: innodbAction(str(first['DELETE_RULE'])),
        onUpdate: innodbAction(str(first['UPDATE_RULE'])),
      };
    });
    const uniques = [...grouped('UNIQUE')].map(([n, rows]) => ({ name: n, columns: rows.map((r) => str(r['COLUMN_NAME'])) }));
    const uniqueNames = new Set(uniques.map((u) => u.name));
    const indexMap = new Map<string, Row[]>();
    for (const ix of indexRows.filter((r) => str(r['TABLE_NAME']) === name)) {
      const n = str(ix['INDEX_NAME']);
      if (n === 'PRIMARY' || uniqueNames.has(n)) continue;
      indexMap.set(n, [...(indexMap.get(n) ?? []), ix]);
    }
    const indexes: CatalogIndex[] = [];
    for (const [n, rows] of indexMap) {
      const cols = rows.map((r) => str(r['COLUMN_NAME']));
      const type = str(rows[0]!['INDEX_TYPE']);
      if (type === 'FULLTEXT' || type === 'SPATIAL') {
        skipped.push({ name: `${at(name)}.${n}`, kind: 'index', reason: `${type} indexes are not declared by table()` });
        continue;
      }
      // InnoDB creates an index for a foreign key that has none, named after it: the database makes it again by itself.
      if (foreignKeys.some((fk) => fk.name === n && fk.columns.join() === cols.join())) continue;
      indexes.push({ name: n, unique: Number(rows[0]!['NON_UNIQUE']) === 0, elements: cols.map((column) => ({ column })), where: undefined, method: undefined });
    }
    tables.push({
      schema: tableSchema,
      name,
      comment: comments.get(name) ? comments.get(name) : undefined,
      columns: columns.get(name) ?? [],
      primaryKey: (grouped('PRIMARY KEY').get('PRIMARY') ?? []).map((r) => str(r['COLUMN_NAME'])),
      uniques,
      checks: checkRows
        .filter((c) => str(c['TABLE_NAME']) === name && !jsonChecks.has(`${name}.${str(c['CONSTRAINT_NAME'])}`))
        .map((c) => ({ name: str(c['CONSTRAINT_NAME']), expression: str(c['CHECK_CLAUSE']) })),
      indexes,
      foreignKeys,
    });
  }
  return { tables, enums: [], skipped };
}
