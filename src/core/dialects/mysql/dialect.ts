/**
 * MySQL 8 and MariaDB 10.5+.
 *
 * Differences handled here: backtick quoting (and backslash escapes in
 * literals), no `||` concatenation, no NULLS FIRST/LAST (emulated), no FULL
 * JOIN, `ON DUPLICATE KEY UPDATE` for upserts, multi-table UPDATE/DELETE, and
 * RETURNING only on MariaDB's INSERT and DELETE. Booleans are TINYINT(1);
 * timestamps are DATETIME(3) holding UTC.
 */

import { mariadbReplication } from './replication.js';
import type { ReplicationPositions } from '../replication.js';
import type { Column } from '../../schema/column.js';
import { show } from '../../schema/strings.js';
import type { Table } from '../../schema/table.js';
import type { SqlType } from '../../schema/types.js';
import type { ColumnMeta, DeleteNode, ExprNode, InsertNode, InsertRowsNode, SelectItemNode, SelectNode, TableRefNode, UpdateFromRowsNode, UpdateNode } from '../../sql/nodes.js';
import { rowColumnNames, withRows } from '../../compiler/write-rows.js';
import { SqlCompiler, type InListValues, type SqlWriter } from '../../compiler/compiler.js';
import type { MigrationCompiler } from '../../compiler/migration.js';
import { MysqlMigrationCompiler } from './migration.js';
import { DdlCompiler, type CreateOptions, type DropOptions } from '../../compiler/ddl.js';
import type { Catalog, CatalogQuery, CatalogReadOptions } from '../../introspect/catalog.js';
import { readMysqlCatalog } from './introspect.js';
import type { ForeignKeyDef, IndexDef } from '../../schema/table.js';
import { Dialect, type Decoder, type DialectCapabilities, type ErrorClassification, type TransactionOptions } from '../dialect.js';
import { InvalidArgumentError } from '../../errors.js';
import {
  JSON_LONE_SURROGATE,
  decodeBigint,
  decodeBooleanNumber,
  decodeDate,
  decodeHex,
  decodeJsonText,
  decodeNumber,
  formatDateUtc,
  formatTimestampUtc,
  jsonNumber,
  numericText,
  parseTimestampUtc,
  toBuffer,
  wireString,
} from '../values.js';

export type MysqlFlavor = 'mariadb' | 'mysql';

/** Any surrogate code unit: in a well-formed string, a character outside the BMP. */
const ASTRAL = /[\uD800-\uDFFF]/;

function mysqlIdentifierProblem(name: string, kind: 'name' | 'alias' | 'any'): string | undefined {
  if (ASTRAL.test(name)) {
    return `MySQL/MariaDB identifiers cannot hold characters outside the Basic Multilingual Plane, such as emoji (${show(name)})`;
  }
  if (kind !== 'name') {
    if (name.length > 256) return `MySQL/MariaDB aliases are at most 256 characters (this one has ${name.length})`;
    if (kind === 'alias' && name.charCodeAt(0) === 32) return `MySQL/MariaDB drop the leading spaces of a column alias (${show(name)}); remove them`;
    return undefined;
  }
  if (name.length > 64) return `MySQL/MariaDB names are at most 64 characters (this one has ${name.length})`;
  if (name.charCodeAt(name.length - 1) === 32) return `MySQL/MariaDB names cannot end with a space (${show(name)})`;
  return undefined;
}

function capabilities(flavor: MysqlFlavor): DialectCapabilities {
  const mariadb = flavor === 'mariadb';
  return Object.freeze({
    returning: Object.freeze({ insert: mariadb, update: false, delete: mariadb }),
    maxBindParameters: 65535,
    placeholder: 'question',
    ilike: false,
    textComparison: { equality: 'collation', like: 'collation' },
    nullsOrdering: false,
    rightJoin: true,
    fullJoin: false,
    lockingReads: true,
    forShare: !mariadb,
    upsertConflictTarget: false,
    deleteUsing: 'multiTable',
    defaultInValues: true,
    concatOperator: false,
    rowValueIn: true,
    rowValueComparison: true,
    parenthesizedCompoundMembers: true,
    bulkUpdate: 'jsonTable',
    arrayParameters: false,
    partialIndexes: false,
    createIndexIfNotExists: mariadb,
    transactionalDdl: false,
    alterAddForeignKey: true,
    identityFollowsExplicitValues: true,
    transactionPooling: false,
    jsonAggregateOrderBy: mariadb,
  } as const);
}

/** How one column of a JSON_TABLE reads a value of an IN list, and how the value is written into the document. */
interface JsonTableColumn {
  /** The column's type in JSON_TABLE's COLUMNS clause, given the longest text it reads. */
  readonly type: (longest: number) => string;
  /** The SQL that reads the column (given its quoted name) back as the value. */
  readonly read: (ref: string) => string;
  /** The text JSON_TABLE reads for the value (as bindValue left it), or undefined where JSON cannot carry it faithfully. */
  readonly text: (v: unknown) => string | undefined;
  /** The text goes into the document as a JSON string (else as a JSON number). */
  readonly quoted: boolean;
}

const INTEGER_TEXT = /^-?\d{1,19}$/;
/** What DECIMAL(65, 30) holds exactly. */
const DECIMAL_TEXT = /^[+-]?(\d{1,35}(\.\d{0,30})?|\.\d{1,30})$/;
/** Longer texts are read as LONGTEXT, which MariaDB cannot materialize into a keyed temporary table. */
const VARCHAR_MAX = 1024;

const fixed = (type: string) => (): string => type;

/** An integer column's bound value as JSON_TABLE text: booleans as 1/0, safe numbers and digit strings as they are. */
function integerText(v: unknown): string | undefined {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  return typeof v === 'string' && INTEGER_TEXT.test(v) ? v : undefined;
}
const plain = (ref: string): string => ref;
const string = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Text short enough reads as VARCHAR (a power of two wide, so few statement
 * texts): a subquery of VARCHARs is materialized into a keyed temporary table
 * and probed once per row, where LONGTEXT makes MariaDB compare every row with
 * every value (70,000 values against 400 rows: 0.2 s against 2.5 s for IN,
 * 8.5 s for NOT IN). Binary collation, so DISTINCT keeps every distinct value
 * whatever the database's default collation.
 */
function sized(longest: number): string {
  const binary = ' CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';
  if (longest > VARCHAR_MAX) return `LONGTEXT${binary}`;
  let width = 16;
  while (width < longest) width *= 2;
  return `VARCHAR(${width})${binary}`;
}

/**
 * Integers as BIGINT (bigints arrive as digit strings and stay exact past
 * 2^53), decimals as DECIMAL(65, 30) (a list value with more digits than the
 * column's scale is not rounded into a match), dates and timestamps as such.
 * Text is read through JSON_UNQUOTE: a JSON_TABLE column has its own collation,
 * which would win over the compared column's, while JSON_UNQUOTE's result is
 * coercible like a bound string, so the column's collation decides. The value
 * goes in as JSON text inside the JSON string, so JSON_UNQUOTE cannot mistake a
 * value that looks quoted for JSON, and JSON null stays SQL NULL. Bytes travel
 * as hex.
 */
function jsonTableColumn(type: SqlType | undefined): JsonTableColumn | undefined {
  switch (type?.kind) {
    case 'integer':
    case 'smallint':
    case 'bigint':
    case 'boolean':
      return {
        type: fixed('BIGINT'),
        read: plain,
        text: integerText,
        quoted: false,
      };
    case 'real':
    case 'double':
      return { type: fixed('DOUBLE'), read: plain, text: (v) => (typeof v === 'number' ? jsonNumber(v) : undefined), quoted: false };
    case 'numeric':
      return { type: fixed('DECIMAL(65, 30)'), read: plain, text: (v) => (typeof v === 'string' && DECIMAL_TEXT.test(v) ? v : undefined), quoted: true };
    case 'date':
      return { type: fixed('DATE'), read: plain, text: string, quoted: true };
    case 'timestamp':
    case 'timestamptz':
      return { type: fixed('DATETIME(3)'), read: plain, text: string, quoted: true };
    case 'text':
    case 'varchar':
    case 'uuid':
    case 'enum':
    case 'json':
      return {
        type: sized,
        read: (ref) => `JSON_UNQUOTE(${ref})`,
        text: (v) => (typeof v === 'string' ? JSON.stringify(wireString(v)) : undefined),
        quoted: true,
      };
    case 'blob':
      return { type: sized, read: (ref) => `UNHEX(${ref})`, text: (v) => (v instanceof Uint8Array ? toBuffer(v).toString('hex') : undefined), quoted: true };
    case 'custom':
    case undefined:
      return undefined;
  }
}

/**
 * One row of the JSON document an `updateFromRows` reads through JSON_TABLE:
 * its values as the dialect binds them, bytes as hex (UNHEX()ed in SQL),
 * 64-bit integers as digit strings.
 */
function jsonTableRow(dialect: Dialect, node: UpdateFromRowsNode, row: readonly unknown[]): string {
  const keys = node.keys.length;
  const cells = new Array<unknown>(row.length);
  for (let j = 0; j < row.length; j++) {
    const bound = dialect.bindValue((j < keys ? node.keys[j] : node.set[j - keys])!.type, row[j]);
    cells[j] =
      bound instanceof Uint8Array ? toBuffer(bound).toString('hex') : typeof bound === 'bigint' ? bound.toString() : typeof bound === 'boolean' ? Number(bound) : bound;
  }
  return JSON.stringify(cells);
}

/** The type a JSON_TABLE column reads an `updateFromRows` value as: text of any length as LONGTEXT, bytes as their hex text. */
function jsonTableColumnType(dialect: Dialect, type: SqlType): string {
  switch (type.kind) {
    case 'blob':
    case 'json':
    case 'text':
      return 'LONGTEXT';
    case 'enum':
    case 'uuid':
      return 'VARCHAR(255)';
    default:
      return dialect.typeName(type, 'ddl');
  }
}

/** The most JSON text one `updateFromRows` statement binds (max_allowed_packet is 16 MB by default on MariaDB, 64 MB on MySQL 8). */
const JSON_TABLE_DOCUMENT_BYTES = 4_000_000;

class MysqlCompiler extends SqlCompiler {
  /**
   * `JSON_ARRAYAGG(JSON_ARRAY(...) ORDER BY ...)` (the ORDER BY on MariaDB only: MySQL 8 has none, and the base
   * compiler refuses an ordered one there); NULL for no rows.
   */
  protected override jsonAggregate(query: SelectNode, w: SqlWriter): void {
    w.write('JSON_ARRAYAGG(JSON_ARRAY(');
    this.jsonCells(query.items, w);
    w.write(')');
    this.orderBy(query.orderBy, w);
    w.write(')');
  }

  /**
   * BIGINT and DECIMAL as text (JSON.parse stops at 2^53 and rounds decimals), FLOAT widened to the DOUBLE the
   * driver reads it as (JSON would write its shortest decimal form), blobs as hex; a JSON column goes in as JSON.
   */
  protected override jsonCell(item: SelectItemNode, w: SqlWriter): void {
    const wrap = (open: string, close: string): void => {
      w.write(open);
      this.expr(item.expr, w, 0);
      w.write(close);
    };
    switch (item.type?.kind) {
      case 'bigint':
      case 'numeric':
        return wrap('CAST(', ' AS CHAR)');
      case 'real':
        return wrap('CAST(', ' AS DOUBLE)');
      case 'blob':
        return wrap('HEX(', ')');
      default:
        this.expr(item.expr, w, 0);
    }
  }

  /**
   * A backslash escape as `CHAR(92 USING utf8mb4)`: the literal `'\\'` means one
   * backslash only without NO_BACKSLASH_ESCAPES (and two with it, which ESCAPE
   * refuses); the function call means one backslash in every SQL mode.
   */
  protected override likeEscape(escape: string): string {
    return escape === '\\' ? 'CHAR(92 USING utf8mb4)' : super.likeEscape(escape);
  }

  /**
   * Past the parameter limit, every value in one bound JSON document:
   * `x IN (SELECT d.c0 FROM (SELECT DISTINCT v.c0 AS c0 FROM JSON_TABLE(?,
   * '$[*]' COLUMNS (c0 BIGINT PATH '$' ERROR ON ERROR)) AS v) AS d)` (a row
   * value reads `$[0]`, `$[1]`, ...). A subquery gives IN's meaning, NULLs
   * included. The DISTINCT derived table is what MariaDB materializes with a key
   * inside UPDATE and DELETE too, where it runs the JSON_TABLE subquery once per
   * row otherwise (70,000 values, 2,000 rows: 50 ms against 21 s). ERROR ON
   * ERROR: a value the column type cannot hold fails the statement instead of
   * turning into NULL.
   */
  protected override valueList(operand: ExprNode, values: InListValues, negated: boolean, w: SqlWriter): boolean {
    const specs: JsonTableColumn[] = [];
    for (const type of values.types) {
      const spec = jsonTableColumn(type);
      if (!spec) return false;
      specs.push(spec);
    }
    const tuple = operand.kind === 'tuple';
    const longest = specs.map(() => 0);
    const parts = new Array<string>(values.length);
    for (let i = 0; i < values.length; i++) {
      let row = '';
      for (let j = 0; j < specs.length; j++) {
        const v = values.columns[j]![i];
        let json = 'null';
        if (v !== null) {
          const spec = specs[j]!;
          const text = spec.text(v);
          if (text === undefined) return false;
          if (text.length > longest[j]!) longest[j] = text.length;
          json = spec.quoted ? JSON.stringify(text) : text;
        }
        row += j > 0 ? `,${json}` : json;
      }
      parts[i] = tuple ? `[${row}]` : row;
    }
    const v = this.quote('v');
    const d = this.quote('d');
    const names = specs.map((_, j) => this.quote(`c${j}`));
    const reads = specs.map((spec, j) => `${spec.read(`${v}.${names[j]}`)} AS ${names[j]}`);
    const columns = specs.map((spec, j) => `${names[j]} ${spec.type(longest[j]!)} PATH '$${tuple ? `[${j}]` : ''}' ERROR ON ERROR`);
    this.expr(operand, w, 5);
    const document = this.bindWhole(`[${parts.join(',')}]`, w);
    const table = `JSON_TABLE(${document}, '$[*]' COLUMNS (${columns.join(', ')})) AS ${v}`;
    w.write(`${negated ? ' NOT IN' : ' IN'} (SELECT ${names.map((n) => `${d}.${n}`).join(', ')} FROM (SELECT DISTINCT ${reads.join(', ')} FROM ${table}) AS ${d})`);
    return true;
  }

  /** MySQL needs a LIMIT before OFFSET: the documented "no limit" is 2^64-1. */
  protected override limitForOffsetOnly(w: SqlWriter): void {
    w.write(' LIMIT 18446744073709551615');
  }

  protected override insertDefaultValues(_table: TableRefNode, rows: number, w: SqlWriter): void {
    w.write(' () VALUES ');
    w.write(new Array<string>(Math.max(1, rows)).fill('()').join(', '));
  }

  /**
   * `UPDATE t JOIN JSON_TABLE(?, '$[*]' COLUMNS (k0 INT PATH '$[0]', ...)) AS v
   * ON t.k = v.k0 SET t.c = v.c1`, every row in one bound JSON document (see
   * {@link jsonTableRow}): no parameter limit, and several times faster than
   * CASE at 10,000 rows.
   */
  protected override updateFromRows(node: UpdateFromRowsNode, w: SqlWriter): void {
    const names = rowColumnNames(node).map((n) => this.quote(n));
    const columns = [...node.keys, ...node.set];
    const document = new Array<string>(node.rows.length);
    for (let r = 0; r < node.rows.length; r++) document[r] = jsonTableRow(this.dialect, node, node.rows[r]!);
    const t = this.quote(node.table.table.name);
    const v = this.quote('v');
    const columnsClause = columns.map((c, j) => `${names[j]} ${jsonTableColumnType(this.dialect, c.type)} PATH '$[${j}]'`).join(', ');
    w.write('UPDATE ');
    this.tableName(node.table.table, w);
    w.write(` JOIN JSON_TABLE(${this.bindWhole(`[${document.join(',')}]`, w)}, '$[*]' COLUMNS (${columnsClause})) AS ${v} ON `);
    w.write(node.keys.map((k, j) => `${t}.${this.quote(k.name)} = ${v}.${names[j]}`).join(' AND '));
    const sets = node.set.map((c, j) => {
      const ref = `${v}.${names[node.keys.length + j]}`;
      return `${t}.${this.quote(c.name)} = ${c.type.kind === 'blob' ? `UNHEX(${ref})` : ref}`;
    });
    for (const c of node.increment) sets.push(`${t}.${this.quote(c.name)} = ${t}.${this.quote(c.name)} + 1`);
    w.write(` SET ${sets.join(', ')}`);
    for (const a of node.assign) {
      w.write(`${sets.length > 0 || a !== node.assign[0] ? ', ' : ''}${t}.${this.quote(a.column.name)} = `);
      this.expr(a.value, w, 0);
    }
  }

  protected override onConflict(node: InsertNode, w: SqlWriter): void {
    const oc = node.onConflict!;
    w.write(' ON DUPLICATE KEY UPDATE ');
    if (oc.action === 'nothing') {
      // A no-op assignment: unlike INSERT IGNORE it does not swallow other errors.
      const col = node.table.table.columns.find((c) => (c as Column<unknown>).primaryKey) ?? node.columns[0]!;
      w.write(`${this.quote(col.name)} = ${this.quote(col.name)}`);
      return;
    }
    oc.set.forEach((s, i) => {
      if (i > 0) w.write(', ');
      w.write(`${this.quote(s.column.name)} = `);
      this.expr(s.value, w, 0);
    });
  }

  protected override excluded(column: ColumnMeta, w: SqlWriter): void {
    w.write(`VALUES(${this.quote(column.name)})`);
  }

  /** `UPDATE t, other SET t.c = ... WHERE ...` for UPDATE with FROM. */
  protected override update(node: UpdateNode, w: SqlWriter): void {
    if (node.from.length === 0) return super.update(node, w);
    this.ctes(node.ctes, w);
    w.write('UPDATE ');
    this.tableName(node.table.table, w);
    for (const f of node.from) {
      w.write(', ');
      this.fromItem(f, w);
    }
    w.write(' SET ');
    node.set.forEach((s, i) => {
      if (i > 0) w.write(', ');
      w.write(`${this.quote(node.table.table.name)}.${this.quote(s.column.name)} = `);
      this.expr(s.value, w, 0);
    });
    if (node.where) {
      w.write(' WHERE ');
      this.expr(node.where, w, 0);
    }
    this.returning('update', node.returning, w);
  }

  /** `DELETE t FROM t, other WHERE ...` for DELETE with USING. */
  protected override delete(node: DeleteNode, w: SqlWriter): void {
    if (node.using.length === 0) return super.delete(node, w);
    this.ctes(node.ctes, w);
    w.write(`DELETE ${this.quote(node.table.table.name)} FROM `);
    this.tableName(node.table.table, w);
    for (const f of node.using) {
      w.write(', ');
      this.fromItem(f, w);
    }
    if (node.where) {
      w.write(' WHERE ');
      this.expr(node.where, w, 0);
    }
    this.returning('delete', node.returning, w);
  }
}

/** Characters of a TEXT column a plain index covers (255 * 4 bytes stays under InnoDB's 3072-byte key limit). */
const INDEX_PREFIX_LENGTH = 255;

class MysqlDdlCompiler extends DdlCompiler {
  protected override autoIncrementClause(_table: Table, _c: Column<unknown>): string {
    return ' AUTO_INCREMENT';
  }
  protected override nativeEnum(type: SqlType): boolean {
    return type.kind === 'enum';
  }
  protected override tableSuffix(table?: Table): string {
    const comment = table?.comment === undefined ? '' : ` COMMENT=${this.dialect.literal(table.comment)}`;
    return ` ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin${comment}`;
  }
  protected override columnComment(c: Column<unknown>): string {
    return c.comment === undefined ? '' : ` COMMENT ${this.dialect.literal(c.comment)}`;
  }
  /**
   * TEXT and BLOB columns can only be indexed by a prefix. A plain index on a
   * prefix finds the same rows; a unique one keeps the whole value (MariaDB
   * enforces long unique keys with a hidden hash).
   */
  protected override indexColumn(ix: IndexDef, c: Column<unknown>): string {
    const long = c.type.kind === 'text' || c.type.kind === 'blob' || c.type.kind === 'json';
    return long && !ix.unique ? `${this.q(c.name)}(${INDEX_PREFIX_LENGTH})` : this.q(c.name);
  }
  /** MariaDB: `FOREIGN KEY IF NOT EXISTS`; MySQL 8 has no such guard. */
  protected override addForeignKey(fk: ForeignKeyDef, options: CreateOptions): string {
    const t = fk.columns[0]!.table as Table;
    const guard = options.ifNotExists && (this.dialect as MysqlDialect).flavor === 'mariadb' ? 'IF NOT EXISTS ' : '';
    return `ALTER TABLE ${this.tableName(t)} ADD ${this.foreignKey(fk, guard)}`;
  }
  protected override dropForeignKey(fk: ForeignKeyDef, options: DropOptions): string {
    const t = fk.columns[0]!.table as Table;
    const ie = options.ifExists ? 'IF EXISTS ' : '';
    // MariaDB 10.5+: both IF EXISTS forms, so dropping a schema that is half there works.
    return `ALTER TABLE ${ie}${this.tableName(t)} DROP FOREIGN KEY ${ie}${this.q(fk.name)}`;
  }
  protected override defaultExpression(node: import('../../sql/nodes.js').ExprNode): string {
    // TEXT/JSON defaults must be expressions in parentheses on MySQL; literals are fine bare elsewhere.
    return super.defaultExpression(node);
  }
}

/** mysql2 and socket error codes of a connection that is gone. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

export class MysqlDialect extends Dialect {
  readonly name = 'mysql' as const;
  readonly capabilities: DialectCapabilities;
  readonly compiler: SqlCompiler = new MysqlCompiler(this);
  readonly ddl: DdlCompiler = new MysqlDdlCompiler(this);
  readonly migration: MigrationCompiler = new MysqlMigrationCompiler(this);
  readonly flavor: MysqlFlavor;
  override readonly replication: ReplicationPositions | undefined;

  /** @internal The statement whose answer tells MySQL from MariaDB ({@link flavorOfVersion}). */
  static readonly versionQuery = 'SELECT VERSION()';

  /** @internal The flavor a server's `VERSION()` names: `10.11.6-MariaDB-...` is MariaDB, anything else MySQL. */
  static flavorOfVersion(version: string): MysqlFlavor {
    return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  }

  constructor(options: { flavor?: MysqlFlavor } = {}) {
    super();
    this.flavor = options.flavor ?? 'mariadb';
    this.capabilities = capabilities(this.flavor);
    this.replication = this.flavor === 'mariadb' ? mariadbReplication : undefined;
  }

  /** An `updateFromRows` is split by the size of its JSON document (it binds one parameter whatever its rows). */
  override splitRows<N extends InsertRowsNode | UpdateFromRowsNode>(node: N): N[] {
    if (node.kind !== 'updateFromRows' || this.capabilities.bulkUpdate !== 'jsonTable') return super.splitRows(node);
    const parts: N[] = [];
    let start = 0;
    let size = 2;
    for (let r = 0; r < node.rows.length; r++) {
      const bytes = jsonTableRow(this, node, node.rows[r]!).length + 1;
      if (r > start && size + bytes > JSON_TABLE_DOCUMENT_BYTES) {
        parts.push(withRows(node, node.rows.slice(start, r)));
        start = r;
        size = 2;
      }
      size += bytes;
    }
    parts.push(start === 0 ? node : withRows(node, node.rows.slice(start)));
    return parts;
  }

  quoteIdentifier(name: string): string {
    // The common case (no backtick inside) skips the regular expression: this runs for every identifier compiled.
    return name.includes('`') ? `\`${name.replace(/`/g, '``')}\`` : `\`${name}\``;
  }

  /**
   * MySQL and MariaDB refuse characters outside the Basic Multilingual Plane
   * (emoji) in identifiers, names longer than 64 characters or ending in a
   * space, and aliases longer than 256; they silently drop the leading spaces
   * of a column alias. Names found fine are remembered: aliases are checked
   * each time a statement is compiled.
   */
  override identifierProblem(name: string, kind: 'name' | 'alias' | 'any'): string | undefined {
    const fine = kind === 'name' ? this.fineNames : kind === 'alias' ? this.fineAliases : this.fineAny;
    if (fine.has(name)) return undefined;
    const problem = mysqlIdentifierProblem(name, kind);
    if (problem === undefined) {
      // Bounded: aliases may be made up per statement.
      if (fine.size >= 4096) fine.clear();
      fine.add(name);
    }
    return problem;
  }
  private readonly fineNames = new Set<string>();
  private readonly fineAliases = new Set<string>();
  private readonly fineAny = new Set<string>();

  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (value instanceof Uint8Array) return `X'${toBuffer(value).toString('hex')}'`;
    const text = String(value);
    // A backslash is an escape character in string literals unless the server's sql_mode has NO_BACKSLASH_ESCAPES,
    // which the compiler cannot know: such text goes as a hex literal, read the same under either mode.
    if (text.includes('\\')) return `_utf8mb4 X'${Buffer.from(text, 'utf8').toString('hex')}'`;
    return `'${text.replace(/'/g, "''")}'`;
  }

  bindValue(type: SqlType | undefined, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (type?.kind) {
      case 'json': {
        const text = JSON.stringify(value);
        if (text.includes('\\u') && JSON_LONE_SURROGATE.test(text)) {
          // The JSON column's JSON_VALID check would refuse it on the server.
          throw new InvalidArgumentError(
            `MySQL/MariaDB JSON cannot hold a lone surrogate (${show(value)}): fix the strings (for example with String.prototype.toWellFormed())`,
            'bind',
            value,
          );
        }
        return text;
      }
      case 'date':
        return value instanceof Date ? formatDateUtc(value) : value;
      case 'timestamp':
      case 'timestamptz':
        return value instanceof Date ? formatTimestampUtc(value) : value;
      case 'numeric':
        return numericText(value);
      default:
        break;
    }
    // A boolean stays one: mysql2 binds it as TINY, an integer, where a JS number goes as DOUBLE, and MariaDB compares
    // an integer column with a DOUBLE by converting every row's value (a count over a boolean column of 100,000 rows:
    // 7.3 ms against 12-16 ms).
    if (typeof value === 'boolean') return value;
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Date) return formatTimestampUtc(value);
    if (value instanceof Uint8Array) return toBuffer(value);
    return value;
  }

  decoder(type: SqlType): Decoder | undefined {
    switch (type.kind) {
      case 'boolean':
        return decodeBooleanNumber;
      case 'integer':
      case 'smallint':
      case 'real':
      case 'double':
        // COUNT(*) and SUM() are BIGINT/DECIMAL, which the driver hands over as strings.
        return decodeNumber;
      case 'bigint':
        return type.bigintMode === 'bigint' ? decodeBigint : decodeNumber;
      case 'date':
        return decodeDate;
      case 'timestamp':
      case 'timestamptz':
        return parseTimestampUtc;
      case 'json':
        // MySQL's JSON type arrives parsed; MariaDB's JSON is LONGTEXT and arrives as text.
        return decodeJsonText;
      case 'numeric':
        return (raw) => (typeof raw === 'number' ? String(raw) : raw);
      case 'text':
      case 'varchar':
      case 'enum':
      case 'uuid':
        return (raw) => (raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : raw);
      case 'blob':
      case 'custom':
        return undefined;
    }
  }

  // Only computed results (count(*) as int8, sums as numeric) arrive as strings and need decoding.
  protected override readonly storedNumbersArrive = true;

  /**
   * What the compiler's `jsonCell` wrote back to the column's value: 64-bit integers and decimals came as
   * text, blobs as hex; a JSON column came as itself, already parsed.
   */
  override jsonDecoder(type: SqlType): Decoder | undefined {
    switch (type.kind) {
      case 'blob':
        return decodeHex;
      case 'json':
        return undefined;
      default:
        return this.storedDecoder(type);
    }
  }

  /** JSON_ARRAYAGG is GROUP_CONCAT underneath: past `group_concat_max_len` bytes its text is cut (with a warning). */
  protected override jsonRowsHint(): string {
    return '; the text may have been cut at group_concat_max_len bytes: raise it (SET SESSION group_concat_max_len = ...) or load this relationship with selectinLoad';
  }

  typeName(type: SqlType, context: 'ddl' | 'cast'): string {
    if (context === 'cast') {
      switch (type.kind) {
        case 'integer':
        case 'smallint':
        case 'bigint':
        case 'boolean':
          return 'SIGNED';
        case 'real':
        case 'double':
          return 'DOUBLE';
        case 'numeric':
          return type.precision !== undefined ? `DECIMAL(${type.precision}, ${type.scale ?? 0})` : 'DECIMAL(65, 30)';
        case 'date':
          return 'DATE';
        case 'timestamp':
        case 'timestamptz':
          return 'DATETIME(3)';
        case 'blob':
          return 'BINARY';
        case 'json':
          return this.flavor === 'mysql' ? 'JSON' : 'CHAR';
        case 'text':
        case 'varchar':
        case 'uuid':
        case 'enum':
          return 'CHAR';
        case 'custom':
          return type.sqlName!;
      }
    }
    switch (type.kind) {
      case 'integer':
        return 'INT';
      case 'smallint':
        return 'SMALLINT';
      case 'bigint':
        return 'BIGINT';
      case 'text':
        // TEXT holds 65,535 bytes; text() is unbounded elsewhere, so LONGTEXT (4 GB) rather than an error past 64 KB.
        return 'LONGTEXT';
      case 'varchar':
        return `VARCHAR(${type.length})`;
      case 'boolean':
        return 'TINYINT(1)';
      case 'real':
        return 'FLOAT';
      case 'double':
        return 'DOUBLE';
      case 'numeric':
        return type.precision !== undefined ? `DECIMAL(${type.precision}, ${type.scale ?? 0})` : 'DECIMAL(65, 30)';
      case 'date':
        return 'DATE';
      case 'timestamp':
      case 'timestamptz':
        return 'DATETIME(3)';
      case 'json':
        return 'JSON';
      case 'uuid':
        return 'CHAR(36)';
      case 'blob':
        return 'LONGBLOB';
      case 'enum':
        // ENUM takes plain quoted strings only (no hex literal): backslashes are escaped for the default sql_mode.
        return `ENUM(${(type.values ?? []).map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(', ')})`;
      case 'custom':
        return type.sqlName!;
    }
  }

  override readCatalog(query: CatalogQuery, options: CatalogReadOptions): Promise<Catalog> {
    return readMysqlCatalog(query, options, this.flavor);
  }

  beginStatements(options: TransactionOptions): string[] {
    const out: string[] = [];
    // SET TRANSACTION applies to the next transaction only.
    if (options.isolation) out.push(`SET TRANSACTION ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
    out.push(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    return out;
  }

  classifyError(error: unknown): ErrorClassification {
    const e = error as { errno?: unknown; code?: unknown; message?: unknown };
    const errno = typeof e?.errno === 'number' ? e.errno : 0;
    const code = typeof e?.code === 'string' ? e.code : '';
    const message = typeof e?.message === 'string' ? e.message : '';
    switch (errno) {
      case 1062: {
        // Duplicate entry 'x' for key 'artist.name_unique'  (MySQL 8 prefixes the table)
        const key = /for key '([^']+)'/.exec(message)?.[1];
        const [table, constraint] = key?.includes('.') ? key.split('.') : [undefined, key];
        // The whole key's value, its columns joined by '-' and unnamed.
        const entry = /Duplicate entry '(.*)' for key/.exec(message)?.[1];
        return { kind: 'unique', constraint, table, key: entry !== undefined ? { values: [entry] } : undefined };
      }
      case 1451:
      case 1452:
      case 1216:
      case 1217: {
        // ... (`db`.`song`, CONSTRAINT `song_artist_fkey` FOREIGN KEY ...
        const m = /`([^`]+)`\.`([^`]+)`, CONSTRAINT `([^`]+)`/.exec(message);
        // ... FOREIGN KEY (`artist_id`) REFERENCES ...: the column, not the value.
        const column = /FOREIGN KEY \(`([^`]+)`\)/.exec(message)?.[1];
        return { kind: 'foreignKey', table: m?.[2], constraint: m?.[3], key: column !== undefined ? { columns: [column] } : undefined };
      }
      case 1048:
      case 1364: {
        const column = /(?:Column|Field) '([^']+)'/.exec(message)?.[1];
        return { kind: 'notNull', column };
      }
      case 3819:
      case 4025: {
        // MariaDB: CONSTRAINT `name` failed for `db`.`table`; MySQL: Check constraint 'name' is violated.
        const m = /CONSTRAINT `([^`]+)` failed for `[^`]+`\.`([^`]+)`/.exec(message);
        const constraint = m?.[1] ?? /constraint '([^']+)'/i.exec(message)?.[1];
        return { kind: 'check', constraint, table: m?.[2] };
      }
      // A deadlock, or on Galera a write set that lost certification to another node's (the message says WSREP).
      case 1213:
        return { kind: 'serialization', conflict: /\bWSREP\b/i.test(message) ? 'certification' : 'deadlock' };
      // ER_CHECKREAD: under innodb_snapshot_isolation a row changed since this transaction's snapshot.
      case 1020:
        return { kind: 'serialization', conflict: 'serialization' };
      // The row lock's holder kept it for all of innodb_lock_wait_timeout and is likely still there: no retry by default.
      case 1205:
        return {
          kind: 'lockTimeout',
          retryable: false,
          hint: 'a row lock stayed held by another transaction past innodb_lock_wait_timeout; find the holder in information_schema.innodb_trx',
        };
      // Retrying cannot help: access denied, unknown database.
      case 1044:
      case 1045:
      case 1049:
        return { kind: 'connection', retryable: false };
      // The session ended: server shutdown, killed (ER_CONNECTION_KILLED on MariaDB), gone away, lost, timed out.
      case 1053:
      case 1927:
      case 2002:
      case 2003:
      case 2006:
      case 2013:
      case 4031:
        return { kind: 'connection' };
      default:
        if (CONNECTION_CODES.has(code)) return { kind: 'connection' };
        return { kind: 'other' };
    }
  }

  explainPrefix(options: { analyze?: boolean; format?: 'text' | 'json' }): string {
    if (options.analyze) return this.flavor === 'mariadb' ? (options.format === 'json' ? 'ANALYZE FORMAT=JSON ' : 'ANALYZE ') : 'EXPLAIN ANALYZE ';
    return options.format === 'json' ? 'EXPLAIN FORMAT=JSON ' : 'EXPLAIN ';
  }
}
