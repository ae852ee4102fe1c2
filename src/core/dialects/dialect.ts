/**
 * What differs between databases, in one place per database.
 *
 * A dialect bundles a statement compiler, a DDL compiler, value conversion
 * (bind and decode) and error mapping. The base classes branch on the
 * capability flags below, never on the dialect's name, so supporting another
 * database means filling in these flags and overriding the few methods whose
 * SQL truly differs. Dialects know nothing of drivers, engines or sessions.
 */

import type { SqlType } from '../schema/types.js';
import type { IntegrityKey, TransactionConflict } from '../errors.js';
import type { ColumnMeta, InsertRowsNode, StatementNode, TableMeta, UpdateFromRowsNode } from '../sql/nodes.js';
import { splitRowsByParameters } from '../compiler/write-rows.js';
import { splitInsert } from '../compiler/split-insert.js';
import type { CompiledStatement } from '../compiler/compiled.js';
import type { SqlCompiler } from '../compiler/compiler.js';
import type { DdlCompiler } from '../compiler/ddl.js';
import type { Catalog, CatalogQuery, CatalogReadOptions } from '../introspect/catalog.js';
import { AthanorError, UnsupportedError } from '../errors.js';
import type { MigrationCompiler } from '../compiler/migration.js';
import type { ReplicationPositions } from './replication.js';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export interface DialectCapabilities {
  /** Where RETURNING is available (MariaDB >= 10.5: INSERT and DELETE only). */
  readonly returning: { readonly insert: boolean; readonly update: boolean; readonly delete: boolean };
  /** The most bound parameters one statement may carry. */
  readonly maxBindParameters: number;
  readonly placeholder: 'dollar' | 'question';
  readonly ilike: boolean;
  /**
   * How the database compares text, for code that must predict a comparison without asking it (the ORM's in-memory
   * evaluation of bulk UPDATE/DELETE criteria). `equality`: `exact` compares code points (PostgreSQL's deterministic
   * collations, SQLite's BINARY), `collation` may ignore case, accents or trailing spaces (MySQL/MariaDB PAD SPACE
   * and `_ci` collations). `like`: `caseSensitive` (PostgreSQL), `asciiCaseInsensitive` (SQLite: `'Rock' LIKE
   * 'rock'` is true, `'É' LIKE 'é'` is not), `collation` (MySQL/MariaDB: as the column's collation compares).
   */
  readonly textComparison: { readonly equality: 'exact' | 'collation'; readonly like: 'caseSensitive' | 'asciiCaseInsensitive' | 'collation' };
  /** `NULLS FIRST` / `NULLS LAST` in ORDER BY (emulated where false). */
  readonly nullsOrdering: boolean;
  readonly rightJoin: boolean;
  readonly fullJoin: boolean;
  /** `SELECT ... FOR UPDATE` (SQLite locks the whole database on write instead). */
  readonly lockingReads: boolean;
  /** `FOR SHARE` (else `LOCK IN SHARE MODE`). */
  readonly forShare: boolean;
  /**
   * An upsert's conflict target is honoured (`ON CONFLICT (label)`): a conflict on another unique key fails the
   * statement instead of updating that row. False where the upsert takes any unique key (MySQL/MariaDB's
   * `ON DUPLICATE KEY UPDATE`), so the row written may not be the one asked for.
   */
  readonly upsertConflictTarget: boolean;
  /** DELETE with other tables: `USING` (PostgreSQL), multi-table (MySQL), or not at all (SQLite). */
  readonly deleteUsing: 'using' | 'multiTable' | 'none';
  /** `DEFAULT` as a value inside a multi-row VALUES list. */
  readonly defaultInValues: boolean;
  /** `a || b` concatenates (MySQL uses CONCAT()). */
  readonly concatOperator: boolean;
  /** `(a, b) IN ((1, 2), (3, 4))`. */
  readonly rowValueIn: boolean;
  /** `(a, b) > (1, 2)`: row values compared left to right (keyset pagination uses it where every key sorts one way). */
  readonly rowValueComparison: boolean;
  /** Compound members may be parenthesized (`(SELECT ...) UNION (SELECT ...)`). */
  readonly parenthesizedCompoundMembers: boolean;
  /**
   * How one statement updates many rows to different values:
   * `fromValues` — `UPDATE t SET ... FROM (VALUES ...) AS v (k, c)` (PostgreSQL);
   * `cteValues` — `WITH v (k, c) AS (VALUES ...) UPDATE t SET ... FROM v` (SQLite 3.33+; a CASE with
   * thousands of branches takes SQLite quadratic time to prepare);
   * `jsonTable` — `UPDATE t JOIN JSON_TABLE(?, ...) v ON ... SET ...`, all rows in one bound JSON document
   * (MariaDB 10.6+, MySQL 8: several times faster than CASE at 10,000 rows);
   * `case` — `SET c = CASE id WHEN ? THEN ? ... END` (anywhere).
   */
  readonly bulkUpdate: 'fromValues' | 'cteValues' | 'jsonTable' | 'case';
  /**
   * One bound parameter can carry an array of values (PostgreSQL). Used where
   * it keeps the statement text the same whatever the number of values (one
   * pg_stat_statements entry, no parameter limit) and is faster for the server
   * to parse than thousands of placeholders: a flush INSERT of many rows
   * (`INSERT INTO t (a, b) SELECT * FROM unnest($1::TEXT[], $2::INTEGER[])`)
   * and long IN lists (`x = ANY($1::INTEGER[])`).
   */
  readonly arrayParameters: boolean;
  readonly partialIndexes: boolean;
  readonly createIndexIfNotExists: boolean;
  /**
   * DDL runs inside transactions and rolls back with them (PostgreSQL, SQLite;
   * MySQL/MariaDB commit before each DDL statement). Nothing in Core reads it:
   * it is for migrations, which can run a whole revision in one transaction
   * only where it holds.
   */
  readonly transactionalDdl: boolean;
  /** Foreign keys can be added to an existing table with ALTER TABLE (not SQLite). */
  readonly alterAddForeignKey: boolean;
  /**
   * An auto-increment column's generator moves past explicit values on its
   * own (MySQL's AUTO_INCREMENT, SQLite's rowid); where false (PostgreSQL's
   * identity sequences) the engine puts it back in step after inserts that
   * give values ({@link Dialect.identitySyncStatements}).
   */
  readonly identityFollowsExplicitValues: boolean;
  /**
   * The engine can run behind a transaction pooler (pgbouncer's `pool_mode = transaction`, the engine's
   * `pooler: 'transaction'`), where each transaction may get another server connection: BEGIN carries the
   * transaction's options in itself, and {@link Dialect.sessionStateOf} knows the statements that would leave state
   * on a server connection. False on MySQL/MariaDB, whose isolation level goes out as a separate
   * `SET TRANSACTION` before `START TRANSACTION`.
   */
  readonly transactionPooling: boolean;
  /**
   * A JSON array aggregate takes an ORDER BY of its own (`json_agg(x ORDER BY y)`, SQLite 3.44+
   * `json_group_array(x ORDER BY y)`, MariaDB `JSON_ARRAYAGG(x ORDER BY y)`); MySQL 8's JSON_ARRAYAGG has none.
   */
  readonly jsonAggregateOrderBy: boolean;
}

/**
 * What a statement would leave behind on the server connection after its transaction ends, and what to write
 * instead; see {@link Dialect.sessionStateOf}.
 */
export interface SessionState {
  /** What stays: `a session setting (SET)`, `a session-level advisory lock`, ... */
  readonly state: string;
  /** The form that ends with the transaction, or where to run the statement instead. */
  readonly instead: string;
}

/** What a driver error means, as far as the dialect can tell. */
export interface ErrorClassification {
  readonly kind: 'unique' | 'foreignKey' | 'notNull' | 'check' | 'serialization' | 'lockTimeout' | 'connection' | 'other';
  readonly constraint?: string | undefined;
  readonly table?: string | undefined;
  readonly column?: string | undefined;
  /** Integrity failures: the columns and values of the failing key, where the message names them (see {@link IntegrityKey}). */
  readonly key?: IntegrityKey | undefined;
  /** A sentence for the message: the likely cause and the fix, where the dialect can tell. */
  readonly hint?: string | undefined;
  /**
   * `connection`: false when retrying cannot help (a wrong password, a database that does not exist).
   * `serialization`, `lockTimeout`: whether a transaction retry runs the transaction again (default true).
   */
  readonly retryable?: boolean | undefined;
  /** `serialization`: what kind of conflict (default `serialization`; see {@link TransactionConflict}). */
  readonly conflict?: TransactionConflict | undefined;
  /** `lockTimeout`: what stayed locked (the SQLite database file) and how long the statement waited. */
  readonly resource?: string | undefined;
  readonly waitedMs?: number | undefined;
}

export type IsolationLevel = 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
}

/** Converts a raw driver value to the JavaScript value of a column type. */
export type Decoder = (raw: unknown) => unknown;

export abstract class Dialect {
  abstract readonly name: DialectName;
  abstract readonly capabilities: DialectCapabilities;
  /** @internal */
  abstract readonly compiler: SqlCompiler;
  /** @internal */
  abstract readonly ddl: DdlCompiler;
  /** @internal Schema changes: migration operations to SQL, and the facts the migration linter needs. */
  abstract readonly migration: MigrationCompiler;
  /**
   * Replication positions, for an engine with read replicas (`createEngine({ primary, replicas })`): how to read
   * the primary's position after a commit and a replica's replayed one, and compare them. Undefined where Athanor
   * cannot route reads to replicas (SQLite; MySQL, whose GTID sets are another format than MariaDB's).
   *
   * ```ts
   * engine.dialect.replication?.primaryPositionSql; // PostgreSQL: 'SELECT pg_current_wal_lsn()::text'
   * ```
   */
  readonly replication: ReplicationPositions | undefined = undefined;

  /** Quote an identifier, doubling the quote character inside it. */
  abstract quoteIdentifier(name: string): string;

  /**
   * Why this database would refuse `name` as an identifier, or keep it
   * altered, or undefined when it keeps it as given. `name` is a table,
   * column, index or constraint name; `alias` a column alias; `any` a name in
   * `identifier()` used otherwise. Names are already non-empty, well-formed
   * and free of NUL.
   */
  identifierProblem(_name: string, _kind: 'name' | 'alias' | 'any'): string | undefined {
    return undefined;
  }

  /** The value to send to the driver for `value` bound as `type` (undefined type: raw `sql` values). */
  abstract bindValue(type: SqlType | undefined, value: unknown): unknown;

  /** A decoder for values of `type` coming back from the driver, or undefined when they need none. */
  abstract decoder(type: SqlType): Decoder | undefined;

  /**
   * A decoder for values read straight from a table column of `type` (entity
   * hydration), where the stored type is known: drivers hand INTEGER and
   * DOUBLE columns over as numbers already, unlike computed int8 / numeric
   * results such as `count(*)`. Defaults to {@link decoder}.
   */
  storedDecoder(type: SqlType): Decoder | undefined {
    if (this.storedNumbersArrive) {
      switch (type.kind) {
        case 'integer':
        case 'smallint':
        case 'real':
        case 'double':
          return undefined;
        default:
          break;
      }
    }
    return this.decoder(type);
  }

  /**
   * A decoder for one cell of a JSON rows array (a `jsonRows` subquery) that held a table column of `type`, as the
   * dialect's compiler put it into JSON: it ends in the value {@link storedDecoder} makes of the column read
   * directly (exact numerics as strings, 64-bit integers as numbers or bigints, Dates, Buffers, booleans).
   * Defaults to {@link storedDecoder}; a dialect overrides the types it encodes as text.
   *
   * ```ts
   * dialect.jsonDecoder(types.blob())?.('0102'); // Buffer <01 02> (blobs travel as hex)
   * ```
   */
  jsonDecoder(type: SqlType): Decoder | undefined {
    return this.storedDecoder(type);
  }

  /**
   * The rows of a `jsonRows` subquery as the driver returned them (JSON text, already parsed JSON, or NULL for
   * none) as arrays of cells.
   *
   * ```ts
   * dialect.parseJsonRows('[[1,"Help!"]]'); // [[1, 'Help!']]
   * ```
   */
  parseJsonRows(raw: unknown): readonly (readonly unknown[])[] {
    if (raw === null || raw === undefined) return [];
    if (typeof raw !== 'string') return raw as readonly (readonly unknown[])[];
    try {
      return JSON.parse(raw) as readonly (readonly unknown[])[];
    } catch (error) {
      throw new AthanorError(`${this.name}: the rows of a JSON aggregate could not be read (${(error as Error).message})${this.jsonRowsHint()}`);
    }
  }

  /** Why a JSON aggregate's text may be cut short on this database, for {@link parseJsonRows}'s error. */
  protected jsonRowsHint(): string {
    return '';
  }

  /** True where the driver hands INTEGER, SMALLINT, REAL and DOUBLE columns over as numbers (pg, mysql2). */
  protected readonly storedNumbersArrive: boolean = false;

  /** The SQL type name used in DDL and in CAST. */
  abstract typeName(type: SqlType, context: 'ddl' | 'cast'): string;

  /** Statements that open a transaction with these options. */
  abstract beginStatements(options: TransactionOptions): string[];

  /**
   * Read a driver error (SQLSTATE, SQLite result code, MySQL errno and message)
   * into a classification the engine turns into a typed error. `sql` is the
   * failed statement, when there is one, for hints that depend on it.
   */
  abstract classifyError(error: unknown, sql?: string): ErrorClassification;

  /**
   * What `sql` would leave on the server connection beyond its transaction — a session setting, a session-level
   * lock, a temporary table, a named prepared statement, a LISTEN — or undefined when nothing. Behind a transaction
   * pooler that state would reach whichever client gets the connection next, so the engine refuses such
   * statements there (`pooler: 'transaction'`).
   *
   * ```ts
   * dialect.sessionStateOf("SET statement_timeout = '5s'");
   * // { state: 'a session setting (SET)', instead: 'SET LOCAL inside a transaction' }
   * ```
   */
  sessionStateOf(_sql: string): SessionState | undefined {
    return undefined;
  }

  /** `EXPLAIN` text for a statement. */
  abstract explainPrefix(options: { analyze?: boolean; format?: 'text' | 'json' }): string;

  /** Compile a statement to SQL and bound parameters. */
  compile(node: StatementNode): CompiledStatement {
    return this.compiler.compile(node);
  }

  /**
   * Compile a statement that may need several round trips: a multi-row INSERT
   * is split under the bound-parameter limit (and, where `DEFAULT` cannot
   * appear in VALUES, by which columns each row leaves to the database), an
   * `insertRows` or `updateFromRows` as {@link splitRows} says.
   */
  compileAll(node: StatementNode): CompiledStatement[] {
    if (node.kind === 'insertRows' || node.kind === 'updateFromRows') return this.splitRows(node).map((part) => this.compile(part));
    if (node.kind !== 'insert' || node.rows.length <= 1) return [this.compile(node)];
    return splitInsert(node, this.capabilities).map((part) => this.compile(part));
  }

  /**
   * Statements that move the generator of each auto-increment column in
   * `columns` past the largest value `table` holds, where generators do not
   * follow explicit values by themselves (none where they do). Each returns
   * one row: the generator's name (NULL when the column has none in the
   * database) and the value it now follows (NULL when it was ahead already).
   * A generator only ever moves forward, so running them while others insert
   * is safe. `guarded`: do nothing, rather than fail, without the privilege
   * to move it (the engine's own sync after an insert must not break the
   * insert's transaction).
   *
   * ```ts
   * dialect.identitySyncStatements(artist, [artist.c.id], false);
   * // PostgreSQL: SELECT s.seq::text AS sequence, CASE ... WHEN m.v > nextval(s.seq) THEN setval(s.seq, m.v) END ...
   * //             FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) AS s, (SELECT max("id") AS v FROM "artist") AS m
   * ```
   */
  identitySyncStatements(_table: TableMeta, _columns: readonly ColumnMeta[], _guarded: boolean): CompiledStatement[] {
    return [];
  }

  /**
   * The statements an `insertRows` or `updateFromRows` goes out in: runs of
   * its rows, in order, each under the bound-parameter limit (or, for a
   * dialect binding all rows as one document, under a size).
   *
   * ```ts
   * for (const part of dialect.splitRows(updateFromRows(artist, [artist.c.id], [artist.c.name], [[1, 'AC/DC'], [2, 'Accept']]))) {
   *   await engine.execute(dialect.compile(part)); // part.rows: the next run of rows
   * }
   * ```
   */
  splitRows<N extends InsertRowsNode | UpdateFromRowsNode>(node: N): N[] {
    return splitRowsByParameters(node, this.capabilities);
  }

  /** An SQL literal for DDL, where parameters cannot be bound. */
  abstract literal(value: unknown): string;

  /**
   * Read tables, columns, keys, indexes and enums from the database's catalog, running each catalog query through
   * `query`. The one place a database's catalog SQL lives; `introspect()` turns what it answers into tables.
   *
   * ```ts
   * const catalog = await dialect.readCatalog((q) => engine.all(q), { schema: 'public' });
   * catalog.tables.map((t) => t.name); // ['actor', 'address', ...]
   * ```
   */
  readCatalog(_query: CatalogQuery, _options: CatalogReadOptions): Promise<Catalog> {
    return Promise.reject(new UnsupportedError(`${this.name}: reading the schema of an existing database is not supported`));
  }

  savepointStatement(name: string): string {
    return `SAVEPOINT ${this.quoteIdentifier(name)}`;
  }
  releaseSavepointStatement(name: string): string {
    return `RELEASE SAVEPOINT ${this.quoteIdentifier(name)}`;
  }
  rollbackToSavepointStatement(name: string): string {
    return `ROLLBACK TO SAVEPOINT ${this.quoteIdentifier(name)}`;
  }
}
