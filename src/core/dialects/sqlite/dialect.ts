/**
 * SQLite (3.35+ for RETURNING; better-sqlite3 12 bundles 3.5x).
 *
 * SQLite has no boolean, date or decimal storage classes: booleans are 0/1,
 * timestamps are ISO-8601 UTC text, dates `YYYY-MM-DD` text, JSON text.
 * Numerics of up to 15 digits keep NUMERIC affinity (so they sort and sum as
 * numbers: SQLite keeps 15 significant digits, so such values round-trip);
 * wider ones are stored as TEXT, because NUMERIC affinity would round them to
 * a double. Both come back as strings formatted to the declared scale.
 */

import type { Column } from '../../schema/column.js';
import type { Table } from '../../schema/table.js';
import type { SqlType } from '../../schema/types.js';
import { SqlCompiler, type InListValues, type SqlWriter } from '../../compiler/compiler.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ExprNode, SelectItemNode, SelectNode } from '../../sql/nodes.js';
import type { MigrationCompiler } from '../../compiler/migration.js';
import { SqliteMigrationCompiler } from './migration.js';
import { DdlCompiler } from '../../compiler/ddl.js';
import type { Catalog, CatalogQuery, CatalogReadOptions } from '../../introspect/catalog.js';
import { readSqliteCatalog } from './introspect.js';
import { Dialect, type Decoder, type DialectCapabilities, type ErrorClassification, type TransactionOptions } from '../dialect.js';
import { decodeBigint, decodeBooleanNumber, decodeHex, decodeJsonText, decodeNumber, formatDateUtc, jsonNumber, parseTimestampUtc, toBuffer, wireString } from '../values.js';

const CAPABILITIES: DialectCapabilities = Object.freeze({
  returning: Object.freeze({ insert: true, update: true, delete: true }),
  maxBindParameters: 32766,
  placeholder: 'question',
  ilike: false,
  textComparison: { equality: 'exact', like: 'asciiCaseInsensitive' },
  nullsOrdering: true,
  rightJoin: true,
  fullJoin: true,
  lockingReads: false,
  forShare: false,
  upsertConflictTarget: true,
  deleteUsing: 'none',
  defaultInValues: false,
  concatOperator: true,
  rowValueIn: false,
  rowValueComparison: true,
  parenthesizedCompoundMembers: false,
  bulkUpdate: 'cteValues',
  arrayParameters: false,
  partialIndexes: true,
  createIndexIfNotExists: true,
  transactionalDdl: true,
  alterAddForeignKey: false,
  identityFollowsExplicitValues: true,
  transactionPooling: false,
  jsonAggregateOrderBy: true,
} as const);

/** Significant digits SQLite keeps when it turns decimal text into a REAL. */
const EXACT_DIGITS = 15;

/** `'5'` -> `'5.0000'` for scale 4, as the other databases return it; longer fractions are left alone. */
function padScale(text: string, scale: number): string {
  const m = /^([+-]?\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return text;
  const fraction = m[2] ?? '';
  if (fraction.length >= scale) return text;
  return scale === 0 ? m[1]! : `${m[1]}.${fraction.padEnd(scale, '0')}`;
}

/**
 * Row-value lists from this long are one JSON document: SQLite has no
 * `(a, b) IN ((..), (..))`, and the `(a = ? AND b = ?) OR ...` written instead
 * passes its expression depth limit (1000) at about a thousand rows.
 */
const ROW_VALUES_AS_JSON_MIN = 100;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** SQLITE_MAX_LIKE_PATTERN_LENGTH: a longer pattern fails on the server ("LIKE or GLOB pattern too complex"). */
const MAX_LIKE_PATTERN_BYTES = 50_000;

class SqliteCompiler extends SqlCompiler {
  /** `json_group_array(json_array(...) ORDER BY ...)` (SQLite 3.44+ for the ORDER BY): `[]` for no rows. */
  protected override jsonAggregate(query: SelectNode, w: SqlWriter): void {
    w.write('json_group_array(json_array(');
    this.jsonCells(query.items, w);
    w.write(')');
    this.orderBy(query.orderBy, w);
    w.write(')');
  }

  /**
   * Values keep their storage class (an INTEGER as a JSON number, decimal text as a string, a REAL written with
   * every digit it needs); 64-bit integers go as text (JSON.parse stops at 2^53) and blobs as hex (JSON has no
   * bytes; hex(NULL) is '', so NULL is kept apart).
   */
  protected override jsonCell(item: SelectItemNode, w: SqlWriter): void {
    switch (item.type?.kind) {
      case 'bigint':
        w.write('CAST(');
        this.expr(item.expr, w, 0);
        w.write(' AS TEXT)');
        return;
      case 'blob':
        w.write('CASE WHEN ');
        this.expr(item.expr, w, 5);
        w.write(' IS NULL THEN NULL ELSE hex(');
        this.expr(item.expr, w, 0);
        w.write(') END');
        return;
      default:
        this.expr(item.expr, w, 0);
    }
  }

  protected override like(op: 'LIKE' | 'NOT LIKE' | 'ILIKE' | 'NOT ILIKE', left: ExprNode, right: ExprNode, escape: string, w: SqlWriter, outer: number): void {
    const p = right.kind === 'param' ? right.value : undefined;
    // A string of at most 16,666 UTF-16 units is at most 50,000 UTF-8 bytes: only longer ones are measured.
    if (typeof p === 'string' && p.length > MAX_LIKE_PATTERN_BYTES / 3 && Buffer.byteLength(p, 'utf8') > MAX_LIKE_PATTERN_BYTES) {
      throw new InvalidArgumentError(
        `SQLite refuses LIKE patterns longer than ${MAX_LIKE_PATTERN_BYTES} bytes (this one has ${Buffer.byteLength(p, 'utf8')}); compare with eq(), or match a shorter part`,
        'like',
        p,
      );
    }
    super.like(op, left, right, escape, w, outer);
  }

  /** SQLite needs a LIMIT before OFFSET; -1 means no limit. */
  protected override limitForOffsetOnly(w: SqlWriter): void {
    w.write(' LIMIT -1');
  }

  protected override valueListMin(width: number): number {
    return width > 1 ? ROW_VALUES_AS_JSON_MIN : Infinity;
  }

  /**
   * `x IN (SELECT value FROM json_each(?))`, and for row values
   * `(a, b) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`, all values
   * in one bound JSON array. json_each hands back SQL values without affinity
   * or collation, as bound parameters are: the column's affinity converts them
   * and its collation compares them, as in an IN list. JSON has no bytes:
   * they travel as hex and `unhex()` (SQLite 3.41+) turns them back.
   */
  protected override valueList(operand: ExprNode, values: InListValues, negated: boolean, w: SqlWriter): boolean {
    const document = jsonRows(values);
    if (document === undefined) return false;
    const bytes = values.types.map((t) => t?.kind === 'blob');
    const picks =
      operand.kind === 'tuple'
        ? bytes.map((b, j) => (b ? `unhex(value ->> ${j})` : `value ->> ${j}`))
        : [bytes[0] ? 'unhex(value)' : 'value'];
    this.expr(operand, w, 5);
    w.write(`${negated ? ' NOT IN' : ' IN'} (SELECT ${picks.join(', ')} FROM json_each(${this.bindWhole(document, w)}))`);
    return true;
  }
}

/** The values as a JSON array (of arrays, for row values), or undefined where one has no faithful JSON form. */
function jsonRows(values: InListValues): string | undefined {
  const { columns, types, length } = values;
  const tuple = columns.length > 1;
  const parts = new Array<string>(length);
  for (let i = 0; i < length; i++) {
    let row = '';
    for (let j = 0; j < columns.length; j++) {
      const json = jsonValue(columns[j]![i], types[j]?.kind === 'blob');
      if (json === undefined) return undefined;
      row += j > 0 ? `,${json}` : json;
    }
    parts[i] = tuple ? `[${row}]` : row;
  }
  return `[${parts.join(',')}]`;
}

/** One value as SQLite's bindValue left it, in JSON that json_each reads back as the same SQL value. */
function jsonValue(v: unknown, bytes: boolean): string | undefined {
  if (v === null) return 'null';
  if (bytes) return v instanceof Uint8Array ? `"${toBuffer(v).toString('hex')}"` : undefined;
  switch (typeof v) {
    case 'number':
      return jsonNumber(v);
    case 'bigint':
      // json_each reads integers within 64 bits exactly; bound, a wider one fails too.
      return v >= INT64_MIN && v <= INT64_MAX ? v.toString() : undefined;
    case 'string':
      return JSON.stringify(wireString(v));
    default:
      return undefined;
  }
}

class SqliteDdlCompiler extends DdlCompiler {
  /** A single auto-increment integer key becomes the rowid alias: `"id" INTEGER PRIMARY KEY`. */
  protected override inlinePrimaryKey(table: Table): boolean {
    return table.primaryKey.length === 1 && table.primaryKey[0]!.autoIncrement;
  }
  protected override columnType(table: Table, c: Column<unknown>): string {
    if (c.autoIncrement && this.inlinePrimaryKey(table)) return 'INTEGER PRIMARY KEY';
    return super.columnType(table, c);
  }
  protected override notNullImplied(table: Table, c: Column<unknown>): boolean {
    return c.autoIncrement && this.inlinePrimaryKey(table);
  }
}

export class SqliteDialect extends Dialect {
  readonly name = 'sqlite' as const;
  readonly capabilities = CAPABILITIES;
  readonly compiler: SqlCompiler = new SqliteCompiler(this);
  readonly ddl: DdlCompiler = new SqliteDdlCompiler(this);
  readonly migration: MigrationCompiler = new SqliteMigrationCompiler(this);

  quoteIdentifier(name: string): string {
    // The common case (no quote inside) skips the regular expression: this runs for every identifier compiled.
    return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
  }

  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (value instanceof Uint8Array) return `X'${toBuffer(value).toString('hex')}'`;
    return `'${String(value).replace(/'/g, "''")}'`;
  }

  bindValue(type: SqlType | undefined, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (type?.kind) {
      case 'json':
        return JSON.stringify(value);
      case 'date':
        return value instanceof Date ? formatDateUtc(value) : value;
      case 'timestamp':
      case 'timestamptz':
        return value instanceof Date ? value.toISOString() : value;
      case 'numeric':
        // Text, so a TEXT-affinity column keeps every digit (a NUMERIC one converts it back to a number).
        return typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
      default:
        break;
    }
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Uint8Array) return toBuffer(value);
    return value;
  }

  decoder(type: SqlType): Decoder | undefined {
    switch (type.kind) {
      case 'boolean':
        return decodeBooleanNumber;
      case 'timestamp':
      case 'timestamptz':
        return parseTimestampUtc;
      case 'json':
        return decodeJsonText;
      case 'numeric': {
        const scale = type.scale;
        return (raw) => {
          if (typeof raw === 'number') return scale !== undefined ? raw.toFixed(scale) : String(raw);
          if (typeof raw === 'bigint') return raw.toString();
          return typeof raw === 'string' && scale !== undefined ? padScale(raw, scale) : raw;
        };
      }
      case 'bigint':
        return type.bigintMode === 'bigint' ? decodeBigint : (raw) => (typeof raw === 'bigint' ? Number(raw) : raw);
      case 'integer':
      case 'smallint':
      case 'real':
      case 'double':
      case 'text':
      case 'varchar':
      case 'date':
      case 'uuid':
      case 'blob':
      case 'enum':
      case 'custom':
        return undefined;
    }
  }

  /** What the compiler's `jsonCell` wrote as text (64-bit integers, blobs) back to the column's value. */
  override jsonDecoder(type: SqlType): Decoder | undefined {
    switch (type.kind) {
      case 'bigint':
        return type.bigintMode === 'bigint' ? decodeBigint : decodeNumber;
      case 'blob':
        return decodeHex;
      default:
        return this.storedDecoder(type);
    }
  }

  typeName(type: SqlType, context: 'ddl' | 'cast'): string {
    switch (type.kind) {
      case 'integer':
        return 'INTEGER';
      case 'smallint':
        return context === 'cast' ? 'INTEGER' : 'SMALLINT';
      case 'bigint':
        return context === 'cast' ? 'INTEGER' : 'BIGINT';
      case 'text':
      case 'uuid':
      case 'json':
      case 'enum':
        return 'TEXT';
      case 'varchar':
        return context === 'cast' ? 'TEXT' : `VARCHAR(${type.length})`;
      case 'boolean':
        return context === 'cast' ? 'INTEGER' : 'BOOLEAN';
      case 'real':
      case 'double':
        return 'REAL';
      case 'numeric':
        if (context === 'cast' || type.precision === undefined) return 'NUMERIC';
        // TEXT affinity keeps every digit; it compares and sorts as text.
        return type.precision > EXACT_DIGITS ? 'TEXT' : `NUMERIC(${type.precision}, ${type.scale ?? 0})`;
      case 'date':
        return context === 'cast' ? 'TEXT' : 'DATE';
      case 'timestamp':
      case 'timestamptz':
        return context === 'cast' ? 'TEXT' : 'TIMESTAMP';
      case 'blob':
        return 'BLOB';
      case 'custom':
        return type.sqlName!;
    }
  }

  override readCatalog(query: CatalogQuery, options: CatalogReadOptions): Promise<Catalog> {
    return readSqliteCatalog(query, options);
  }

  beginStatements(options: TransactionOptions): string[] {
    // IMMEDIATE takes the write lock up front, so two writers queue instead of
    // deadlocking on the read-to-write upgrade. SQLite is always serializable.
    return [options.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE'];
  }

  classifyError(error: unknown): ErrorClassification {
    const e = error as { code?: unknown; message?: unknown; waitedMs?: unknown; databaseFile?: unknown };
    const code = typeof e?.code === 'string' ? e.code : '';
    const message = typeof e?.message === 'string' ? e.message : '';
    // "UNIQUE constraint failed: artist.name, artist.x" / "NOT NULL constraint failed: t.c" / "CHECK constraint failed: name"
    const target = /constraint failed: (.+)$/.exec(message)?.[1];
    const firstColumn = target?.split(',')[0]?.trim();
    const [table, column] = firstColumn?.includes('.') ? firstColumn.split('.') : [undefined, undefined];
    switch (code) {
      case 'SQLITE_CONSTRAINT_UNIQUE':
      case 'SQLITE_CONSTRAINT_PRIMARYKEY': {
        // The columns, not the values.
        const columns = target?.split(',').map((p) => p.trim().split('.').pop()!);
        return { kind: 'unique', table, column, constraint: target, key: columns ? { columns } : undefined };
      }
      case 'SQLITE_CONSTRAINT_FOREIGNKEY':
        return { kind: 'foreignKey' };
      case 'SQLITE_CONSTRAINT_NOTNULL':
        return { kind: 'notNull', table, column };
      case 'SQLITE_CONSTRAINT_CHECK':
        return { kind: 'check', constraint: target };
      case 'SQLITE_BUSY':
      case 'SQLITE_BUSY_RECOVERY':
        // The driver waited for the lock (busyTimeoutMs) and says how long; else it could not wait (inside a transaction).
        if (typeof e.waitedMs === 'number') {
          const file = typeof e.databaseFile === 'string' ? e.databaseFile : undefined;
          return {
            kind: 'lockTimeout',
            resource: file,
            waitedMs: e.waitedMs,
            hint:
              `the database file${file ? ` "${file}"` : ''} stayed locked by another connection for ${e.waitedMs} ms (the engine's busyTimeoutMs): ` +
              `another engine or process holds a write transaction; keep write transactions short, or raise busyTimeoutMs`,
          };
        }
        return { kind: 'serialization', conflict: 'busy' };
      case 'SQLITE_BUSY_SNAPSHOT':
        return { kind: 'serialization', conflict: 'serialization' };
      case 'SQLITE_LOCKED':
        return { kind: 'serialization', conflict: 'busy' };
      case 'SQLITE_CANTOPEN':
      case 'SQLITE_NOTADB':
        return { kind: 'connection' };
      default:
        return { kind: 'other' };
    }
  }

  explainPrefix(_options: { analyze?: boolean; format?: 'text' | 'json' }): string {
    return 'EXPLAIN QUERY PLAN ';
  }
}
