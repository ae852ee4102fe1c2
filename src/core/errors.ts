/**
 * Typed errors. Every error Athanor raises has a stable `code` and a message
 * that names what was wrong: the table, column, constraint or value.
 */

/**
 * Every code an Athanor error carries, across its layers (Core, ORM, diagnostics, migrations, the CLI); each is
 * described in docs/errors.md. Switch on it rather than on messages:
 *
 * ```ts
 * try { await s.commit(); } catch (e) {
 *   if (e instanceof AthanorError && e.code === 'ATH_INTEGRITY') ...
 * }
 * ```
 */
export type AthanorErrorCode =
  | 'ATH_ERROR'
  | 'ATH_STATEMENT'
  | 'ATH_INTEGRITY'
  | 'ATH_SERIALIZATION'
  | 'ATH_LOCK_TIMEOUT'
  | 'ATH_CONNECTION'
  | 'ATH_CONNECTION_RELEASED'
  | 'ATH_POOL_TIMEOUT'
  | 'ATH_NO_RESULT'
  | 'ATH_MULTIPLE_RESULTS'
  | 'ATH_UNSUPPORTED'
  | 'ATH_INVALID_ARGUMENT'
  | 'ATH_INVALID_VALUE'
  | 'ATH_SCHEMA'
  | 'ATH_INVALID_REQUEST'
  | 'ATH_NOT_LOADED'
  | 'ATH_RAISE_LOAD'
  | 'ATH_STALE_DATA'
  | 'ATH_FLUSH'
  | 'ATH_DETACHED'
  | 'ATH_PITFALL'
  | 'ATH_STATEMENT_COUNT'
  | 'ATH_PG_STAT_STATEMENTS'
  | 'ATH_MIGRATION'
  | 'ATH_MIGRATION_CHECKSUM'
  | 'ATH_MIGRATION_PARTIAL'
  | 'ATH_MIGRATION_FAILED'
  | 'ATH_MIGRATION_IRREVERSIBLE'
  | 'ATH_MIGRATION_LOCK'
  | 'ATH_MIGRATION_DROP'
  | 'ATH_CONFIG'
  | 'ATH_USAGE';

/** The base of every error Athanor raises: `code` says which, the message names what was wrong. */
export class AthanorError extends Error {
  readonly code: AthanorErrorCode = 'ATH_ERROR';
  override name = 'AthanorError';
}

/** A statement failed on the database. Carries the SQL and the parameters. */
export class StatementError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_STATEMENT';
  override name = 'StatementError';
  constructor(
    message: string,
    readonly sql: string,
    readonly parameters: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type IntegrityKind = 'unique' | 'foreignKey' | 'notNull' | 'check';

/**
 * The key a constraint failure is about, as far as the database says: the
 * columns it names and the values it quotes, one per column (PostgreSQL's
 * `Key (a, b)=(1, x)`), or the whole key as one text with no columns
 * (MySQL/MariaDB's `Duplicate entry '1-x'`). Either may be missing: SQLite
 * names a unique constraint's columns but no value, MariaDB a foreign key's
 * column but not the value. Enough to tell which of many rows failed.
 *
 * ```ts
 * try { await s.commit(); }
 * catch (e) { if (e instanceof IntegrityError) console.log(e.key?.columns, e.key?.values); }
 * ```
 */
export interface IntegrityKey {
  readonly columns?: readonly string[] | undefined;
  readonly values?: readonly string[] | undefined;
}

/** A constraint rejected the statement: unique, foreign key, not null or check. */
export class IntegrityError extends StatementError {
  override readonly code: AthanorErrorCode = 'ATH_INTEGRITY';
  override name = 'IntegrityError';
  constructor(
    message: string,
    readonly kind: IntegrityKind,
    readonly constraint: string | undefined,
    readonly table: string | undefined,
    readonly column: string | undefined,
    sql: string,
    parameters: readonly unknown[],
    options?: { cause?: unknown; key?: IntegrityKey | undefined },
  ) {
    super(message, sql, parameters, options);
    this.key = options?.key;
  }
  /** The failing key's columns and values, where the database names them. */
  readonly key: IntegrityKey | undefined;
}

/** A serialization failure or deadlock: the transaction may be retried as a whole. */
export class SerializationError extends StatementError {
  override readonly code: AthanorErrorCode = 'ATH_SERIALIZATION';
  override name = 'SerializationError';
  readonly retryable = true;
}

/**
 * A lock another connection holds did not come free in time (SQLite's
 * database lock, after the engine's `busyTimeoutMs`). Nothing of the
 * statement was kept: retry the transaction as a whole, later.
 *
 * ```ts
 * try { await engine.execute(insert(song).values({ title: 'Intro' })); }
 * catch (e) { if (e instanceof LockTimeoutError) console.log(e.resource, e.waitedMs); }
 * ```
 */
export class LockTimeoutError extends SerializationError {
  override readonly code: AthanorErrorCode = 'ATH_LOCK_TIMEOUT';
  override name = 'LockTimeoutError';
  constructor(
    message: string,
    /** What stayed locked: the database file for SQLite. */
    readonly resource: string | undefined,
    /** How long the statement waited, in milliseconds. */
    readonly waitedMs: number,
    sql: string,
    parameters: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, sql, parameters, options);
  }
}

export interface ConnectionErrorOptions {
  readonly cause?: unknown;
  /** See {@link ConnectionError.retryable}. Default false. */
  readonly retryable?: boolean;
}

/**
 * The database could not be reached, or the connection broke. The engine
 * discards a broken connection; the pool opens a new one for the next call.
 *
 * `retryable` says whether running the work again is safe: true when the
 * connection was lost before anything could have been kept (inside a
 * transaction, which the server rolls back; a read; BEGIN) or the server
 * could not be reached; false when the lost statement may have been applied
 * (a COMMIT, or a write outside a transaction) or retrying cannot help (a
 * wrong password, a database that does not exist).
 *
 * ```ts
 * try { await engine.transaction(work); }
 * catch (e) { if (e instanceof ConnectionError && e.retryable) await engine.transaction(work); else throw e; }
 * ```
 */
export class ConnectionError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_CONNECTION';
  override name = 'ConnectionError';
  readonly retryable: boolean;
  constructor(message: string, options: ConnectionErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.retryable = options.retryable ?? false;
  }
}

/**
 * No connection came free within the engine's `acquireTimeoutMs`: every one
 * is checked out, usually by sessions, `engine.connect()` connections or
 * transactions that were never closed.
 *
 * ```ts
 * const engine = createEngine(url, { poolSize: 10, acquireTimeoutMs: 5000 });
 * // PoolTimeoutError: no connection came free within 5000 ms: the pool of ... has 10 connections, 10 checked out ...
 * ```
 */
export class PoolTimeoutError extends ConnectionError {
  override readonly code: AthanorErrorCode = 'ATH_POOL_TIMEOUT';
  override name = 'PoolTimeoutError';
  constructor(
    message: string,
    /** The most connections the pool holds. */
    readonly poolSize: number,
    /** Connections this engine had checked out when the wait ended. */
    readonly checkedOut: number,
    /** How long the caller waited, in milliseconds. */
    readonly waitedMs: number,
  ) {
    super(message, { retryable: true });
  }
}

/** `one()` found no row, or more than one. */
export class NoResultError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_NO_RESULT';
  override name = 'NoResultError';
}
export class MultipleResultsError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_MULTIPLE_RESULTS';
  override name = 'MultipleResultsError';
}

/**
 * A connection (or a statement or stream on it) used after it was released back to the pool.
 *
 * ```ts
 * const conn = await engine.connect();
 * await conn.release();
 * await conn.execute(select(artist.c.id).from(artist)); // ConnectionReleasedError
 * ```
 */
export class ConnectionReleasedError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_CONNECTION_RELEASED';
  override name = 'ConnectionReleasedError';
}

/** A construct the dialect cannot express (e.g. FULL JOIN on MySQL). */
export class UnsupportedError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_UNSUPPORTED';
  override name = 'UnsupportedError';
}

/**
 * A builder method got an argument it cannot use: a string where a column or an
 * expression belongs, a limit that is not a non-negative integer, a string that
 * is not well-formed Unicode. Thrown while the statement is built, before any
 * SQL is sent; `method` names the method and `value` is what it got.
 *
 * ```ts
 * select(artist.c.id).from(artist).limit('10');
 * // InvalidArgumentError: limit() takes a non-negative integer or an SQL expression, got "10" (a string)
 * ```
 */
export class InvalidArgumentError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_INVALID_ARGUMENT';
  override name = 'InvalidArgumentError';
  constructor(
    message: string,
    readonly method: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}
