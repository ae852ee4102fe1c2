/**
 * Reading an SQLite database's schema.
 *
 * The pragmas give columns, keys and indexes, but not constraint names, CHECK
 * expressions nor index expressions: those live only in the CREATE statements
 * SQLite keeps in `sqlite_schema`, so a small tokenizer reads them from there.
 * SQLite has no schemas (other than attached databases), enums or comments.
 */

import { identifier, sql } from '../../sql/raw.js';
import { types, type SqlType } from '../../schema/types.js';
import {
  parseDefault,
  referentialAction,
  wanted,
  type Catalog,
  type CatalogColumn,
  type CatalogDefault,
  type CatalogForeignKey,
  type CatalogIndex,
  type CatalogIndexElement,
  type CatalogQuery,
  type CatalogReadOptions,
  type CatalogTable,
  type SkippedObject,
} from '../../introspect/catalog.js';

interface Token {
  readonly text: string;
  /** `name` for identifiers (bare or quoted, unquoted here), `string`, `punct` for one character, `word` otherwise. */
  readonly kind: 'name' | 'string' | 'punct';
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

/** @internal Tokens of an SQLite statement: identifiers in "", ``, [] or bare; strings; single punctuation. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    const close = ch === '"' ? '"' : ch === '`' ? '`' : ch === '[' ? ']' : ch === "'" ? "'" : undefined;
    if (close !== undefined) {
      let j = i + 1;
      let value = '';
      for (; j < text.length; j++) {
        if (text[j] === close) {
          if (close !== ']' && text[j + 1] === close) {
            value += close;
            j++;
            continue;
          }
          break;
        }
        value += text[j];
      }
      out.push({ text: value, kind: ch === "'" ? 'string' : 'name', start: i, end: j + 1, quoted: true });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z0-9_$\u0080-\uFFFF.]+/.exec(text.slice(i));
    if (word) {
      out.push({ text: word[0], kind: 'name', start: i, end: i + word[0].length, quoted: false });
      i += word[0].length;
      continue;
    }
    out.push({ text: ch, kind: 'punct', start: i, end: i + 1, quoted: false });
    i++;
  }
  return out;
}

/** The index just past the parenthesis that closes the one at `open`. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')' && --depth === 0) return i + 1;
  }
  return tokens.length;
}

/** Top-level comma-separated parts of the parenthesized list opening at `open`. */
function listParts(tokens: readonly Token[], open: number): Token[][] {
  const end = closing(tokens, open) - 1;
  const parts: Token[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < end; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts.filter((p) => p.length > 0);
}

const isWord = (t: Token | undefined, word: string): boolean => t !== undefined && !t.quoted && t.kind === 'name' && t.text.toUpperCase() === word;
const isOpen = (t: Token | undefined): boolean => t !== undefined && t.kind === 'punct' && t.text === '(';

/** Text of the statement between two tokens, without one pair of parentheses around the whole. */
function textOf(source: string, tokens: readonly Token[], from: number, to: number): string {
  if (from >= to) return '';
  let a = from;
  let b = to;
  while (isOpen(tokens[a]) && closing(tokens, a) === b) {
    a++;
    b--;
  }
  return source.slice(tokens[a]!.start, tokens[b - 1]!.end);
}

/** Names and expressions only the CREATE TABLE text holds. */
interface TableText {
  readonly checks: { name: string | undefined; column: string | undefined; expression: string }[];
  /** Constraint names by kind and column list (`u:a,b`, `f:a`). */
  readonly names: Map<string, string>;
}

function readTableText(source: string): TableText {
  const tokens = tokenize(source);
  const open = tokens.findIndex((t) => isOpen(t));
  const out: TableText = { checks: [], names: new Map() };
  if (open < 0) return out;
  for (const part of listParts(tokens, open)) {
    const first = part[0]!;
    const tableLevel = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'].some((w) => isWord(first, w));
    const column = tableLevel ? undefined : first.text;
    let pending: string | undefined;
    for (let i = tableLevel ? 0 : 1; i < part.length; i++) {
      const t = part[i]!;
      if (isOpen(t)) {
        i = closing(part, i) - 1;
        continue;
      }
      if (isWord(t, 'CONSTRAINT')) {
        pending = part[i + 1]?.text;
        i++;
      } else if (isWord(t, 'CHECK') && isOpen(part[i + 1])) {
        const end = closing(part, i + 1);
        out.checks.push({ name: pending, column, expression: textOf(source, part, i + 1, end) });
        pending = undefined;
        i = end - 1;
      } else if ((isWord(t, 'UNIQUE') || (isWord(t, 'FOREIGN') && isWord(part[i + 1], 'KEY'))) && tableLevel) {
        const at = isWord(t, 'UNIQUE') ? i + 1 : i + 2;
        if (!isOpen(part[at])) continue;
        const columns = listParts(part, at).map((p) => p[0]!.text);
        if (pending !== undefined) out.names.set(`${isWord(t, 'UNIQUE') ? 'u' : 'f'}:${columns.join(',')}`, pending);
        pending = undefined;
        i = closing(part, at) - 1;
      } else if (isWord(t, 'REFERENCES') && column !== undefined) {
        if (pending !== undefined) out.names.set(`f:${column}`, pending);
        pending = undefined;
      } else if ((isWord(t, 'UNIQUE') || isWord(t, 'PRIMARY') || isWord(t, 'NOT') || isWord(t, 'DEFAULT')) && !tableLevel) {
        if (isWord(t, 'UNIQUE') && pending !== undefined && column !== undefined) out.names.set(`u:${column}`, pending);
        pending = undefined;
      }
    }
  }
  return out;
}

/** Columns and expressions of a CREATE INDEX statement, and its WHERE. */
function readIndexText(source: string): { elements: CatalogIndexElement[]; where: string | undefined } {
  const tokens = tokenize(source);
  const on = tokens.findIndex((t) => isWord(t, 'ON'));
  const open = tokens.findIndex((t, i) => i > on && isOpen(t));
  const elements: CatalogIndexElement[] = [];
  for (const part of listParts(tokens, open)) {
    // A column may be followed by COLLATE, ASC or DESC; anything else makes it an expression.
    const plain = part[0]!.kind === 'name' && (part.length === 1 || isWord(part[1], 'ASC') || isWord(part[1], 'DESC') || isWord(part[1], 'COLLATE'));
    const start = tokens.indexOf(part[0]!);
    elements.push(plain ? { column: part[0]!.text } : { expression: textOf(source, tokens, start, start + part.length) });
  }
  const afterList = closing(tokens, open);
  const where = isWord(tokens[afterList], 'WHERE') ? source.slice(tokens[afterList + 1]!.start).trim() : undefined;
  return { elements, where };
}

/** @internal A declared SQLite type as the kind Athanor writes it with (see SqliteDialect.typeName). */
export function sqliteType(declared: string): SqlType {
  const t = declared.trim().toUpperCase();
  const args = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(t);
  const base = t.replace(/\(.*$/, '').trim();
  const n = args ? Number(args[1]) : undefined;
  switch (base) {
    case 'INTEGER':
    case 'INT':
    case 'MEDIUMINT':
      return types.integer();
    case 'SMALLINT':
    case 'TINYINT':
    case 'INT2':
      return types.smallint();
    case 'BIGINT':
    case 'INT8':
      return types.bigint();
    case 'BOOLEAN':
    case 'BOOL':
      return types.boolean();
    // SQLite's REAL is an 8-byte float, and Athanor writes both real() and double() as REAL.
    case 'REAL':
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'FLOAT':
      return types.double();
    case 'NUMERIC':
    case 'DECIMAL':
      return args ? types.numeric(n, args[2] !== undefined ? Number(args[2]) : 0) : types.numeric();
    case 'DATE':
      return types.date();
    case 'DATETIME':
    case 'TIMESTAMP':
      return types.timestamp();
    case 'JSON':
    case 'JSONB':
      return types.json();
    case 'UUID':
      return types.uuid();
    case 'BLOB':
    case '':
      return types.blob();
    case 'TEXT':
    case 'CLOB':
      return types.text();
    default:
      break;
  }
  if (/CHAR/.test(base)) return n !== undefined ? types.varchar(n) : types.text();
  return types.custom(declared.trim());
}

/** The values of `"column" IN ('a', 'b')`, or undefined when the expression is anything else. */
function enumCheckValues(expression: string, column: string): string[] | undefined {
  const tokens = tokenize(expression);
  if (tokens[0]?.text !== column || !isWord(tokens[1], 'IN') || !isOpen(tokens[2]) || closing(tokens, 2) !== tokens.length) return undefined;
  const parts = listParts(tokens, 2);
  return parts.every((p) => p.length === 1 && p[0]!.kind === 'string') ? parts.map((p) => p[0]!.text) : undefined;
}

/** A default as SQLite keeps it: the text as written, so `(CURRENT_TIMESTAMP)` loses its parentheses first. */
function sqliteDefault(text: string | null): CatalogDefault | undefined {
  if (text === null) return undefined;
  const tokens = tokenize(text);
  return parseDefault(tokens.length > 0 ? textOf(text, tokens, 0, tokens.length) : text);
}

interface ColumnRow {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

/** @internal The SQLite dialect's {@link Dialect.readCatalog}. */
export async function readSqliteCatalog(query: CatalogQuery, options: CatalogReadOptions): Promise<Catalog> {
  const schema = options.schema ?? 'main';
  const master = identifier(schema, 'sqlite_schema');
  const objects = (await query(sql`SELECT type, name, tbl_name, sql FROM ${master} WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)) as {
    type: string;
    name: string;
    tbl_name: string;
    sql: string | null;
  }[];
  const skipped: SkippedObject[] = [];
  const tables: CatalogTable[] = [];
  for (const object of objects) {
    if (object.type === 'view') skipped.push({ name: object.name, kind: 'view', reason: 'views are not tables; declare a query instead' });
    if (object.type === 'trigger') skipped.push({ name: object.name, kind: 'trigger', reason: `trigger on "${object.tbl_name}": triggers are not part of a table declaration` });
  }
  for (const object of objects) {
    if (object.type !== 'table' || !wanted(object.name, options)) continue;
    if (/^\s*CREATE\s+VIRTUAL\s/i.test(object.sql ?? '')) {
      skipped.push({ name: object.name, kind: 'foreignTable', reason: 'virtual tables (FTS, R-tree) are made by a module, not declared' });
      continue;
    }
    tables.push(await readTable(query, schema, object.name, object.sql ?? '', objects, skipped));
  }
  return { tables, enums: [], skipped };
}

async function readTable(
  query: CatalogQuery,
  schema: string,
  name: string,
  source: string,
  objects: readonly { type: string; name: string; tbl_name: string; sql: string | null }[],
  skipped: SkippedObject[],
): Promise<CatalogTable> {
  const text = readTableText(source);
  const columnRows = (await query(sql`SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(${name}, ${schema}) ORDER BY cid`)) as unknown as ColumnRow[];
  const pkRows = columnRows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  const primaryKey = pkRows.map((c) => c.name);
  // A lone INTEGER primary key is the rowid: SQLite numbers new rows itself.
  const rowid = pkRows.length === 1 && pkRows[0]!.type.toUpperCase() === 'INTEGER' ? pkRows[0]!.name : undefined;
  const columns: CatalogColumn[] = [];
  for (const c of columnRows) {
    if (c.hidden === 2 || c.hidden === 3) {
      skipped.push({ name: `${name}.${c.name}`, kind: 'generatedColumn', reason: 'generated columns are computed by the database; the column is left out' });
      continue;
    }
    if (c.hidden !== 0) continue;
    columns.push({
      name: c.name,
      type: sqliteType(c.type),
      nullable: c.notnull === 0 && c.pk === 0,
      default: sqliteDefault(c.dflt_value),
      autoIncrement: c.name === rowid,
      comment: undefined,
    });
  }

  const fkRows = (await query(sql`SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(${name}, ${schema}) ORDER BY id, seq`)) as {
    id: number;
    table: string;
    from: string;
    to: string | null;
    on_update: string;
    on_delete: string;
  }[];
  const byId = new Map<number, typeof fkRows>();
  for (const row of fkRows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  const foreignKeys: CatalogForeignKey[] = [];
  for (const rows of [...byId.values()].reverse()) {
    const cols = rows.map((r) => r.from);
    const first = rows[0]!;
    foreignKeys.push({
      name: text.names.get(`f:${cols.join(',')}`) ?? `${name}_${cols.join('_')}_fkey`,
      columns: cols,
      targetSchema: undefined,
      targetTable: first.table,
      // `REFERENCES t` without columns means t's primary key; resolved when the tables are assembled.
      targetColumns: rows.map((r) => r.to ?? ''),
      onDelete: referentialAction(first.on_delete),
      onUpdate: referentialAction(first.on_update),
    });
  }

  const indexRows = (await query(sql`SELECT name, "unique", origin, partial FROM pragma_index_list(${name}, ${schema}) ORDER BY seq DESC`)) as {
    name: string;
    unique: number;
    origin: string;
    partial: number;
  }[];
  const uniques: { name: string; columns: string[] }[] = [];
  const indexes: CatalogIndex[] = [];
  for (const ix of indexRows) {
    if (ix.origin === 'pk') continue;
    if (ix.origin === 'u') {
      const cols = ((await query(sql`SELECT name FROM pragma_index_info(${ix.name}, ${schema}) ORDER BY seqno`)) as { name: string }[]).map((r) => r.name);
      uniques.push({ name: text.names.get(`u:${cols.join(',')}`) ?? `${name}_${cols.join('_')}_key`, columns: cols });
      continue;
    }
    const statement = objects.find((o) => o.type === 'index' && o.name === ix.name)?.sql;
    if (!statement) continue;
    const parsed = readIndexText(statement);
    indexes.push({ name: ix.name, unique: ix.unique === 1, elements: parsed.elements, where: parsed.where, method: undefined });
  }

  // An enum column is TEXT with CHECK ("c" IN (...)) named "<table>_<column>_check" (how Athanor writes it): read back as an enum.
  const checks: { name: string; expression: string }[] = [];
  text.checks.forEach((ch, i) => {
    const checkName = ch.name ?? (ch.column !== undefined ? `${name}_${ch.column}_check` : `${name}_check${i === 0 ? '' : i}`);
    const column = columns.findIndex((c) => checkName === `${name}_${c.name}_check` && c.type.kind === 'text');
    const values = column < 0 ? undefined : enumCheckValues(ch.expression, columns[column]!.name);
    if (values) columns[column] = { ...columns[column]!, type: types.enum(values) };
    else checks.push({ name: checkName, expression: ch.expression });
  });

  return {
    schema: schema === 'main' ? undefined : schema,
    name,
    comment: undefined,
    columns,
    primaryKey,
    uniques,
    checks,
    indexes,
    foreignKeys,
  };
}
