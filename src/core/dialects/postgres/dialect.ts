/**
 * PostgreSQL (12+).
 *
 * The richest dialect: RETURNING everywhere, ILIKE, NULLS FIRST/LAST, UPDATE
 * ... FROM (VALUES ...), native enums, transactional DDL. The driver hands
 * int8 and numeric values over as strings; decoders turn int8 into numbers
 * (or bigints) and leave numerics as exact strings.
 */

import { postgresReplication } from './replication.js';
import type { ForeignKeyDef, IndexDef, Table } from '../../schema/table.js';
import type { CompiledStatement } from '../../compiler/compiled.js';
import type { ColumnMeta, TableMeta } from '../../sql/nodes.js';
import type { Column } from '../../schema/column.js';
import type { SqlType } from '../../schema/types.js';
import { SqlCompiler, type InListValues, type SqlWriter } from '../../compiler/compiler.js';
import type { ExprNode, InsertRowsNode, SelectItemNode, SelectNode } from '../../sql/nodes.js';
import { InvalidArgumentError, type IntegrityKey } from '../../errors.js';
import { show } from '../../schema/strings.js';
import type { MigrationCompiler } from '../../compiler/migration.js';
import { PostgresMigrationCompiler } from './migration.js';
import { DdlCompiler, type CreateOptions, type DropOptions } from '../../compiler/ddl.js';
import type { Catalog, CatalogQuery, CatalogReadOptions } from '../../introspect/catalog.js';
import { readPostgresCatalog } from './introspect.js';
import { Dialect, type Decoder, type DialectCapabilities, type ErrorClassification, type SessionState, type TransactionOptions } from '../dialect.js';
import { postgresSessionState } from './session-state.js';
import { JSON_NUL_OR_LONE_SURROGATE, decodeBigint, decodeDate, decodeHex, decodeNumber, formatDateUtc, numericText, toBuffer } from '../values.js';

const CAPABILITIES: DialectCapabilities = Object.freeze({
  returning: Object.freeze({ insert: true, update: true, delete: true }),
  maxBindParameters: 65535,
  placeholder: 'dollar',
  ilike: true,
  textComparison: { equality: 'exact', like: 'caseSensitive' },
  nullsOrdering: true,
  rightJoin: true,
  fullJoin: true,
  lockingReads: true,
  forShare: true,
  upsertConflictTarget: true,
  deleteUsing: 'using',
  defaultInValues: true,
  concatOperator: true,
  rowValueIn: true,
  rowValueComparison: true,
  parenthesizedCompoundMembers: true,
  bulkUpdate: 'fromValues',
  arrayParameters: true,
  partialIndexes: true,
  createIndexIfNotExists: true,
  transactionalDdl: true,
  alterAddForeignKey: true,
  identityFollowsExplicitValues: false,
  transactionPooling: true,
  jsonAggregateOrderBy: true,
} as const);

/** IN lists at least this long become arrays: one statement text whatever their length, and quicker to parse. */
const ARRAY_IN_MIN = 10;
/**
 * Row-value lists from this long become arrays too: PostgreSQL expands
 * `(a, b) IN ((..), ...)` into ORs and fails ("stack depth limit exceeded")
 * from about 10,000 rows, well under the parameter limit.
 */
const ROW_ARRAYS_IN_MIN = 1000;

class PostgresCompiler extends SqlCompiler {
  protected override valueListMin(width: number): number {
    return width === 1 ? ARRAY_IN_MIN : ROW_ARRAYS_IN_MIN;
  }

  /**
   * `x = ANY($1::T[])` / `x <> ALL($1::T[])`, and for row values
   * `(a, b) IN (SELECT * FROM unnest($1::A[], $2::B[]))`: one array per
   * column. Both mean exactly what IN and NOT IN do, NULL elements included
   * (`2 <> ALL('{1,NULL}')` is NULL, as `2 NOT IN (1, NULL)` is).
   */
  protected override valueList(operand: ExprNode, values: InListValues, negated: boolean, w: SqlWriter): boolean {
    const elementTypes: string[] = [];
    for (const type of values.types) {
      if (type === undefined) return false;
      elementTypes.push(this.arrayElementType(type));
    }
    this.expr(operand, w, 5);
    const arrays = values.columns.map((column, j) => `${this.bindWhole(column, w)}::${elementTypes[j]}[]`);
    if (operand.kind !== 'tuple') {
      w.write(`${negated ? ' <> ALL(' : ' = ANY('}${arrays[0]})`);
    } else {
      w.write(`${negated ? ' NOT IN' : ' IN'} (SELECT * FROM unnest(${arrays.join(', ')}))`);
    }
    return true;
  }

  /** `SELECT * FROM unnest($1::TEXT[], $2::INTEGER[])`: one array per column, the same text for any number of rows. */
  protected override columnArrays(node: InsertRowsNode, arrays: readonly (readonly unknown[])[], w: SqlWriter): void {
    const typed = arrays.map((values, j) => `${this.bindWhole(values, w)}::${this.dialect.typeName(node.columns[j]!.type, 'cast')}[]`);
    w.write(`SELECT * FROM unnest(${typed.join(', ')})`);
  }

  /** `coalesce(json_agg(json_build_array(...) ORDER BY ...), '[]')`: an empty array rather than NULL for no rows. */
  protected override jsonAggregate(query: SelectNode, w: SqlWriter): void {
    w.write('coalesce(json_agg(json_build_array(');
    this.jsonCells(query.items, w);
    w.write(')');
    this.orderBy(query.orderBy, w);
    w.write("), '[]')");
  }

  /**
   * int8 and numeric as text (a JSON number would lose digits in JSON.parse), bytea as hex; the rest as to_json
   * writes them: timestamps in ISO 8601 whatever DateStyle says, json as itself.
   */
  protected override jsonCell(item: SelectItemNode, w: SqlWriter): void {
    switch (item.type?.kind) {
      case 'bigint':
      case 'numeric':
      case 'custom':
        w.write('CAST(');
        this.expr(item.expr, w, 0);
        w.write(' AS TEXT)');
        return;
      case 'blob':
        w.write('encode(');
        this.expr(item.expr, w, 0);
        w.write(", 'hex')");
        return;
      default:
        this.expr(item.expr, w, 0);
    }
  }

  /** The array's element type: unbounded where a cast would truncate or round a value (`'abc'::VARCHAR(2)` is `'ab'`). */
  private arrayElementType(type: SqlType): string {
    if (type.kind === 'varchar') return 'TEXT';
    if (type.kind === 'numeric') return 'NUMERIC';
    return this.dialect.typeName(type, 'cast');
  }
}

/**
 * `Key (label, x)=(dup, 1) already exists.` / `Key (artist_id)=(999) is not
 * present in table "artist".`: the key's columns and values as the detail
 * quotes them.
 */
function detailKey(detail: unknown): IntegrityKey | undefined {
  if (typeof detail !== 'string') return undefined;
  const m = /Key \((.+?)\)=\((.*?)\)/.exec(detail);
  return m ? { columns: m[1]!.split(', '), values: m[2]!.split(', ') } : undefined;
}

/** `Key (id)=(3) already exists.`: the key's one column, unquoted; undefined for a composite key. */
function duplicateKeyColumn(detail: unknown): string | undefined {
  if (typeof detail !== 'string') return undefined;
  const key = /^Key \((.+?)\)=\(/.exec(detail)?.[1];
  if (!key) return undefined;
  const quoted = /^"((?:[^"]|"")+)"$/.exec(key);
  if (quoted) return quoted[1]!.replace(/""/g, '"');
  return /^[^",\s]+$/.test(key) ? key : undefined;
}

/** One identifier at `i` of `sql` (quoted or bare), and where it ends. */
function identifierAt(sql: string, i: number): { name: string; end: number } | undefined {
  if (sql[i] === '"') {
    const quoted = /^"((?:[^"]|"")*)"/.exec(sql.slice(i));
    return quoted ? { name: quoted[1]!.replace(/""/g, '"'), end: i + quoted[0].length } : undefined;
  }
  const bare = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i));
  return bare ? { name: bare[0].toLowerCase(), end: i + bare[0].length } : undefined;
}

/**
 * The columns an `INSERT INTO t (a, b) ...` names, with its table; undefined
 * for anything else (a CTE first, no column list, which gives every column).
 * `DEFAULT VALUES` gives none.
 */
function insertColumns(sql: string): { table: string; columns: string[] } | undefined {
  const head = /^\s*INSERT\s+INTO\s+/i.exec(sql);
  if (!head) return undefined;
  let i = head[0].length;
  let table: string | undefined;
  for (;;) {
    const part = identifierAt(sql, i);
    if (!part) return undefined;
    table = part.name;
    i = part.end;
    if (sql[i] !== '.') break;
    i++;
  }
  const skipSpace = (): void => {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
  };
  skipSpace();
  if (/^DEFAULT\s+VALUES/i.test(sql.slice(i))) return { table, columns: [] };
  if (sql[i] !== '(') return undefined;
  const columns: string[] = [];
  for (i++; ; i++) {
    skipSpace();
    const column = identifierAt(sql, i);
    if (!column) return undefined;
    columns.push(column.name);
    i = column.end;
    skipSpace();
    if (sql[i] === ')') return { table, columns };
    if (sql[i] !== ',') return undefined;
  }
}

/**
 * A duplicate key on a column the INSERT did not give: the value came from
 * the column's default, and when that is an identity or serial sequence,
 * the sequence is behind rows inserted with explicit values.
 */
function sequenceBehindHint(e: { table?: unknown; schema?: unknown; detail?: unknown }, sql: string | undefined): string | undefined {
  const column = duplicateKeyColumn(e.detail);
  const table = typeof e.table === 'string' ? e.table : undefined;
  if (!column || !table || sql === undefined) return undefined;
  const insert = insertColumns(sql);
  if (!insert || insert.table !== table || insert.columns.includes(column)) return undefined;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const qualified = typeof e.schema === 'string' ? `${quote(e.schema)}.${quote(table)}` : quote(table);
  return (
    `${quote(table)}.${quote(column)} was not given, so it took its value from its default: when that is an identity or ` +
    `serial sequence (pg_get_serial_sequence('${qualified.replace(/'/g, "''")}', '${column.replace(/'/g, "''")}'), by default ` +
    `named "${table}_${column}_seq"), the sequence is behind the rows already there, which were inserted with explicit ` +
    `values (raw SQL, another tool). Put it back in step with await engine.syncIdentity(${table}); Core inserts and ` +
    `copyFrom that give the values do this themselves`
  );
}

class PostgresDdlCompiler extends DdlCompiler {
  override commentStatements(table: Table): string[] {
    const out: string[] = [];
    const name = this.tableName(table);
    if (table.comment !== undefined) out.push(`COMMENT ON TABLE ${name} IS ${this.dialect.literal(table.comment)}`);
    for (const c of table.columns) {
      if (c.comment !== undefined) out.push(`COMMENT ON COLUMN ${name}.${this.q(c.name)} IS ${this.dialect.literal(c.comment)}`);
    }
    return out;
  }
  protected override indexMethod(ix: IndexDef): string {
    return ix.method === undefined ? '' : ` USING ${ix.method}`;
  }
  protected override autoIncrementClause(_table: Table, _c: Column<unknown>): string {
    return ' GENERATED BY DEFAULT AS IDENTITY';
  }
  protected override nativeEnum(type: SqlType): boolean {
    return type.kind === 'enum' && type.enumName !== undefined;
  }
  protected override columnType(table: Table, c: Column<unknown>): string {
    if (this.nativeEnum(c.type)) return this.q(c.type.enumName!);
    return super.columnType(table, c);
  }
  protected override createTypes(table: Table, options: CreateOptions): string[] {
    return table.columns
      .filter((c) => this.nativeEnum(c.type))
      .map((c) => {
        const values = (c.type.values ?? []).map((v) => this.dialect.literal(v)).join(', ');
        const create = `CREATE TYPE ${this.q(c.type.enumName!)} AS ENUM (${values})`;
        // CREATE TYPE has no IF NOT EXISTS: guard it in a DO block.
        return options.ifNotExists
          ? `DO $$ BEGIN ${create}; EXCEPTION WHEN duplicate_object THEN NULL; END $$`
          : create;
      });
  }
  /** ALTER TABLE has no ADD CONSTRAINT IF NOT EXISTS: guard it like CREATE TYPE. */
  protected override addForeignKey(fk: ForeignKeyDef, options: CreateOptions): string {
    const add = super.addForeignKey(fk, options);
    return options.ifNotExists ? `DO $$ BEGIN ${add}; EXCEPTION WHEN duplicate_object THEN NULL; END $$` : add;
  }
  protected override dropTypes(table: Table, options: DropOptions): string[] {
    return table.columns
      .filter((c) => this.nativeEnum(c.type))
      .map((c) => `DROP TYPE ${options.ifExists ? 'IF EXISTS ' : ''}${this.q(c.type.enumName!)}`);
  }
}

const MAX_IDENTIFIER_BYTES = 63;


/**
 * PostgreSQL cannot store NUL in text (nor `\u0000` or a lone surrogate in
 * jsonb): refused before the statement is sent, rather than failing on the
 * server with an encoding error.
 */
function unstorable(value: unknown, what: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `PostgreSQL cannot store NUL (\\u0000) in text, nor NUL or a lone surrogate in JSON: ${what} one (${show(value)}); remove those characters, or store the bytes in a blob column`,
    'bind',
    value,
  );
}

export class PostgresDialect extends Dialect {
  readonly name = 'postgres' as const;
  readonly capabilities = CAPABILITIES;
  override readonly replication = postgresReplication;
  readonly compiler: SqlCompiler = new PostgresCompiler(this);
  readonly ddl: DdlCompiler = new PostgresDdlCompiler(this);
  readonly migration: MigrationCompiler = new PostgresMigrationCompiler(this);

  quoteIdentifier(name: string): string {
    // The common case (no quote inside) skips the regular expression: this runs for every identifier compiled.
    return name.includes('"') ? `"${name.replace(/"/g, '""')}"` : `"${name}"`;
  }

  /** PostgreSQL keeps the first 63 bytes of a longer identifier (NAMEDATALEN - 1), with only a NOTICE. */
  override identifierProblem(name: string, _kind: 'name' | 'alias' | 'any'): string | undefined {
    // 21 UTF-16 units are at most 63 UTF-8 bytes: the common case needs no byte count.
    if (name.length <= 21) return undefined;
    const bytes = Buffer.byteLength(name, 'utf8');
    return bytes > MAX_IDENTIFIER_BYTES
      ? `PostgreSQL would cut this identifier of ${bytes} bytes to its first ${MAX_IDENTIFIER_BYTES} (${show(name)}); use a shorter name`
      : undefined;
  }

  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (value instanceof Uint8Array) return `'\\x${toBuffer(value).toString('hex')}'::bytea`;
    if (value instanceof Date) return `'${value.toISOString()}'`;
    return `'${String(value).replace(/'/g, "''")}'`;
  }

  bindValue(type: SqlType | undefined, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (type?.kind) {
      case 'json': {
        // Stringify ourselves: pg would send a JS array as a PostgreSQL array literal.
        const text = JSON.stringify(value);
        if (text.includes('\\u') && JSON_NUL_OR_LONE_SURROGATE.test(text)) throw unstorable(value, 'a JSON value holds');
        return text;
      }
      case 'date':
        return value instanceof Date ? formatDateUtc(value) : value;
      case 'timestamp':
        // timestamp without time zone holds UTC wall time, whatever the client's zone.
        return value instanceof Date ? value.toISOString().replace('Z', '') : value;
      case 'numeric':
        return numericText(value);
      case 'bigint':
        return typeof value === 'bigint' ? value.toString() : value;
      default:
        break;
    }
    if (typeof value === 'string') {
      if (value.includes('\0')) throw unstorable(value, 'a string holds');
      return value;
    }
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array) return toBuffer(value);
    return value;
  }

  decoder(type: SqlType): Decoder | undefined {
    switch (type.kind) {
      case 'integer':
      case 'smallint':
      case 'real':
      case 'double':
        // count(*) and sum() of integers are int8/numeric, which the driver hands over as strings.
        return decodeNumber;
      case 'bigint':
        return type.bigintMode === 'bigint' ? decodeBigint : decodeNumber;
      case 'date':
        return decodeDate;
      case 'numeric':
      case 'text':
      case 'varchar':
      case 'boolean':
      case 'timestamp':
      case 'timestamptz':
      case 'json':
      case 'uuid':
      case 'blob':
      case 'enum':
      case 'custom':
        return undefined;
    }
  }

  // Only computed results (count(*) as int8, sums as numeric) arrive as strings and need decoding.
  protected override readonly storedNumbersArrive = true;

  /** What the compiler's `jsonCell` wrote, back to what the driver hands over for the column (see the driver's parsers). */
  override jsonDecoder(type: SqlType): Decoder | undefined {
    switch (type.kind) {
      case 'timestamp':
        // to_json writes 2026-01-02T03:04:05.123456: UTC wall time, as the driver reads timestamp without time zone.
        return (raw) => (typeof raw === 'string' && /^\d{4}-/.test(raw) ? new Date(`${raw}Z`) : raw);
      case 'timestamptz':
        return (raw) => (typeof raw === 'string' && /^\d{4}-/.test(raw) ? new Date(raw) : raw);
      case 'blob':
        return decodeHex;
      case 'integer':
      case 'smallint':
      case 'real':
      case 'double':
        // to_json writes NaN and the infinities as strings.
        return decodeNumber;
      default:
        return this.storedDecoder(type);
    }
  }

  typeName(type: SqlType, _context: 'ddl' | 'cast'): string {
    switch (type.kind) {
      case 'integer':
        return 'INTEGER';
      case 'smallint':
        return 'SMALLINT';
      case 'bigint':
        return 'BIGINT';
      case 'text':
      case 'enum':
        return type.kind === 'enum' && type.enumName ? this.quoteIdentifier(type.enumName) : 'TEXT';
      case 'varchar':
        return `VARCHAR(${type.length})`;
      case 'boolean':
        return 'BOOLEAN';
      case 'real':
        return 'REAL';
      case 'double':
        return 'DOUBLE PRECISION';
      case 'numeric':
        return type.precision !== undefined ? `NUMERIC(${type.precision}, ${type.scale ?? 0})` : 'NUMERIC';
      case 'date':
        return 'DATE';
      case 'timestamp':
        return 'TIMESTAMP';
      case 'timestamptz':
        return 'TIMESTAMPTZ';
      case 'json':
        return 'JSONB';
      case 'uuid':
        return 'UUID';
      case 'blob':
        return 'BYTEA';
      case 'custom':
        return type.sqlName!;
    }
  }

  override readCatalog(query: CatalogQuery, options: CatalogReadOptions): Promise<Catalog> {
    return readPostgresCatalog(query, options);
  }

  beginStatements(options: TransactionOptions): string[] {
    let begin = 'BEGIN';
    if (options.isolation) begin += ` ISOLATION LEVEL ${options.isolation.toUpperCase()}`;
    if (options.readOnly) begin += ' READ ONLY';
    return [begin];
  }

  /**
   * One statement per column: `setval` only when the largest value is past
   * what `nextval` hands out, so the sequence never moves back. Reading the
   * sequence with `nextval` rather than `last_value` makes it safe beside
   * concurrent inserts: the value it takes is nobody else's, and every
   * value others take meanwhile is past it. (It spends one value per call.)
   * CASE, not AND, orders the checks: PostgreSQL may evaluate AND's
   * operands in any order, and `nextval` must not run without the privilege.
   */
  override identitySyncStatements(table: TableMeta, columns: readonly ColumnMeta[], guarded: boolean): CompiledStatement[] {
    const q = (name: string): string => this.quoteIdentifier(name);
    const qualified = table.schema ? `${q(table.schema)}.${q(table.name)}` : q(table.name);
    const privilege = guarded ? ` WHEN NOT has_sequence_privilege(s.seq, 'UPDATE') THEN NULL` : '';
    return columns.map((column) => ({
      sql:
        `SELECT s.seq::text AS sequence, CASE WHEN s.seq IS NULL OR m.v IS NULL THEN NULL${privilege} ` +
        `WHEN m.v > nextval(s.seq) THEN setval(s.seq, m.v) END AS restarted_after ` +
        `FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) AS s, (SELECT max(${q(column.name)}) AS v FROM ${qualified}) AS m`,
      parameters: [qualified, column.name],
      columns: [],
      kind: 'rawStatement',
      returnsRows: true,
    }));
  }

  classifyError(error: unknown, sql?: string): ErrorClassification {
    const e = error as { code?: unknown; constraint?: unknown; table?: unknown; column?: unknown; detail?: unknown; schema?: unknown };
    const code = typeof e?.code === 'string' ? e.code : '';
    const named = {
      constraint: typeof e.constraint === 'string' ? e.constraint : undefined,
      table: typeof e.table === 'string' ? e.table : undefined,
      column: typeof e.column === 'string' ? e.column : undefined,
    };
    switch (code) {
      case '23505':
        return { kind: 'unique', ...named, key: detailKey(e.detail), hint: sequenceBehindHint(e, sql) };
      case '23503':
        return { kind: 'foreignKey', ...named, key: detailKey(e.detail) };
      case '23502':
        return { kind: 'notNull', ...named };
      case '23514':
        return { kind: 'check', ...named };
      // Also raised by COMMIT under SERIALIZABLE: the transaction is what to run again.
      case '40001':
        return { kind: 'serialization', conflict: 'serialization' };
      case '40P01':
        return { kind: 'serialization', conflict: 'deadlock' };
      // lock_timeout ran out, or NOWAIT met a lock: the holder is likely still there, so no retry by default.
      case '55P03':
        return {
          kind: 'lockTimeout',
          retryable: false,
          hint: 'a lock stayed held by another transaction past lock_timeout (or NOWAIT met it); find the holder in pg_locks',
        };
      // The session ended: shut down, terminated (pg_terminate_backend), idle timeouts; or the socket went.
      case 'ECONNREFUSED':
      case 'ECONNRESET':
      case 'ENOTFOUND':
      case 'EPIPE':
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case '57P01':
      case '57P02':
      case '57P03':
      case '57P05':
      case '25P03':
        return { kind: 'connection' };
      // Retrying cannot help: the database does not exist, the login is refused.
      case '3D000':
      case '28000':
      case '28P01':
        return { kind: 'connection', retryable: false };
      default:
        return code.startsWith('08') ? { kind: 'connection' } : { kind: 'other' };
    }
  }

  override sessionStateOf(sql: string): SessionState | undefined {
    return postgresSessionState(sql);
  }

  explainPrefix(options: { analyze?: boolean; format?: 'text' | 'json' }): string {
    const opts: string[] = [];
    if (options.analyze) opts.push('ANALYZE');
    if (options.format === 'json') opts.push('FORMAT JSON');
    return opts.length > 0 ? `EXPLAIN (${opts.join(', ')}) ` : 'EXPLAIN ';
  }
}
