/**
 * MySQL 8 and MariaDB 10.5+.
 *
 * Differences handled here: backtick quoting (and backslash escapes in
 * literals), no `||` concatenation, no NULLS FIRST/LAST (emulated), no FULL
 * JOIN, `ON DUPLICATE KEY UPDATE` for upserts, multi-table UPDATE/DELETE, and
 * RETURNING only on MariaDB's INSERT and DELETE. Booleans are TINYINT(1);
 * timestamps are DATETIME(3) holding UTC.
 */

import type { Column } from '../../schema/column.js';
import type { Table } from '../../schema/table.js';
import type { SqlType } from '../../schema/types.js';
import type { ColumnMeta, DeleteNode, InsertNode, UpdateNode } from '../../sql/nodes.js';
import { SqlCompiler, type SqlWriter } from '../../compiler/compiler.js';
import { DdlCompiler, type CreateOptions, type DropOptions } from '../../compiler/ddl.js';
import type { ForeignKeyDef, IndexDef } from '../../schema/table.js';
import { Dialect, type Decoder, type DialectCapabilities, type ErrorClassification, type TransactionOptions } from '../dialect.js';
import {
  decodeBigint,
  decodeBooleanNumber,
  decodeDate,
  decodeJsonText,
  decodeNumber,
  formatDateUtc,
  formatTimestampUtc,
  numericText,
  parseTimestampUtc,
  toBuffer,
} from '../values.js';

export type MysqlFlavor = 'mariadb' | 'mysql';

function capabilities(flavor: MysqlFlavor): DialectCapabilities {
  const mariadb = flavor === 'mariadb';
  return Object.freeze({
    returning: Object.freeze({ insert: mariadb, update: false, delete: mariadb }),
    maxBindParameters: 65535,
    placeholder: 'question',
    ilike: false,
    nullsOrdering: false,
    rightJoin: true,
    fullJoin: false,
    lockingReads: true,
    forShare: !mariadb,
    updateFrom: 'multiTable',
    deleteUsing: 'multiTable',
    defaultInValues: true,
    concatOperator: false,
    rowValueIn: true,
    parenthesizedCompoundMembers: true,
    bulkUpdate: 'jsonTable',
    arrayParameters: false,
    partialIndexes: false,
    createIndexIfNotExists: mariadb,
    dropIndexNeedsTable: true,
    nativeEnums: true,
    nativeBoolean: false,
    transactionalDdl: false,
    alterAddForeignKey: true,
    onConflict: false,
    returningPreservesOrder: true,
    identityFollowsExplicitValues: true,
  } as const);
}

class MysqlCompiler extends SqlCompiler {
  /** MySQL needs a LIMIT before OFFSET: the documented "no limit" is 2^64-1. */
  protected override limitForOffsetOnly(w: SqlWriter): void {
    w.write(' LIMIT 18446744073709551615');
  }

  protected override insertDefaultValues(node: InsertNode, w: SqlWriter): void {
    w.write(' () VALUES ');
    w.write(node.rows.map(() => '()').join(', ') || '()');
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
  protected override tableSuffix(): string {
    return ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
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
  readonly flavor: MysqlFlavor;

  constructor(options: { flavor?: MysqlFlavor } = {}) {
    super();
    this.flavor = options.flavor ?? 'mariadb';
    this.capabilities = capabilities(this.flavor);
  }

  quoteIdentifier(name: string): string {
    // The common case (no backtick inside) skips the regular expression: this runs for every identifier compiled.
    return name.includes('`') ? `\`${name.replace(/`/g, '``')}\`` : `\`${name}\``;
  }

  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (value instanceof Uint8Array) return `X'${toBuffer(value).toString('hex')}'`;
    // Backslash is an escape character in MySQL string literals (unless NO_BACKSLASH_ESCAPES).
    return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
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
        return value instanceof Date ? formatTimestampUtc(value) : value;
      case 'numeric':
        return numericText(value);
      default:
        break;
    }
    if (typeof value === 'boolean') return value ? 1 : 0;
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
        return undefined;
    }
  }

  // Only computed results (count(*) as int8, sums as numeric) arrive as strings and need decoding.
  protected override readonly storedNumbersArrive = true;

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
        return 'TEXT';
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
        return `ENUM(${(type.values ?? []).map((v) => this.literal(v)).join(', ')})`;
    }
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
        return { kind: 'unique', constraint, table };
      }
      case 1451:
      case 1452:
      case 1216:
      case 1217: {
        // ... (`db`.`song`, CONSTRAINT `song_artist_fkey` FOREIGN KEY ...
        const m = /`([^`]+)`\.`([^`]+)`, CONSTRAINT `([^`]+)`/.exec(message);
        return { kind: 'foreignKey', table: m?.[2], constraint: m?.[3] };
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
      case 1213:
      case 1205:
        return { kind: 'serialization' };
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
