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
  | 'ATH_RETRIES_EXHAUSTED'
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
  | 'ATH_VALIDATION'
  | 'ATH_HOOK'
  | 'ATH_DETACHED'
  | 'ATH_FILTER_PARAMETERS'
  | 'ATH_INVALID_CURSOR'
  | 'ATH_PAGINATION'
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
  | 'ATH_REPLICATION_CONFIG'
  | 'ATH_CONSISTENCY_TOKEN'
  | 'ATH_MODULE_FORMAT'
  | 'ATH_MISSING_PACKAGE'
  | 'ATH_USAGE';

/**
 * The base of every error Athanor raises: `code` says which, the message names what was wrong, `docs` links
 * to the code's explanation.
 *
 * ```ts
 * new ConfigError('no URL').docs; // 'docs/errors.md#ath_config'
 * ```
 */
export class AthanorError extends Error {
  readonly code: AthanorErrorCode = 'ATH_ERROR';
  override name = 'AthanorError';

  /** Where the code is explained: its anchor in docs/errors.md (the "Errors and their codes" section of the README). */
  get docs(): string {
    return errorDocs(this.code);
  }
}

/**
 * The anchor of `code` in docs/errors.md.
 *
 * ```ts
 * errorDocs('ATH_INTEGRITY'); // 'docs/errors.md#ath_integrity'
 * ```
 */
export function errorDocs(code: AthanorErrorCode): string {
  return `docs/errors.md#${code.toLowerCase()}`;
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

/**
 * Why a transaction lost to another one, as the database says:
 * - `serialization`: it could not be serialized with a concurrent one (PostgreSQL 40001, MariaDB's 1020 under
 *   `innodb_snapshot_isolation`, SQLite's stale WAL snapshot);
 * - `deadlock`: the server broke a lock cycle by aborting it (PostgreSQL 40P01, MySQL/MariaDB 1213);
 * - `certification`: a Galera cluster rejected it at commit for a conflicting write on another node (1213 with a
 *   WSREP message);
 * - `busy`: SQLite could not take the write lock inside a transaction, where waiting could deadlock;
 * - `lockTimeout`: a lock wait ran out ({@link LockTimeoutError}).
 *
 * ```ts
 * try { await engine.transaction(work); }
 * catch (e) { if (e instanceof SerializationError && e.conflict === 'deadlock') metrics.deadlocks++; }
 * ```
 */
export type TransactionConflict = 'serialization' | 'deadlock' | 'certification' | 'busy' | 'lockTimeout';

export interface SerializationErrorOptions {
  readonly cause?: unknown;
  /** See {@link SerializationError.conflict}. Default `serialization`. */
  readonly conflict?: TransactionConflict;
  /** See {@link SerializationError.retryable}. Default true. */
  readonly retryable?: boolean;
}

/**
 * The transaction lost to a concurrent one: a serialization failure, a deadlock, a Galera certification conflict,
 * SQLite's busy lock. Nothing of it was kept (the engine rolls it back); running it again as a whole is the fix.
 *
 * `retryable` says whether `engine.transaction(fn, { retry })` and `db.session(fn, { retry })` run it again: true
 * for every conflict the database resolved by aborting this transaction so the other could go on; false for a
 * lock wait that ran out on PostgreSQL or MySQL/MariaDB, where the holder is likely still there (see
 * {@link LockTimeoutError}).
 *
 * ```ts
 * await engine.transaction(async (tx) => { ... }, { isolation: 'serializable', retry: { attempts: 5 } });
 * // a 40001 or a deadlock runs the callback again, up to 5 times in all
 * ```
 */
export class SerializationError extends StatementError {
  override readonly code: AthanorErrorCode = 'ATH_SERIALIZATION';
  override name = 'SerializationError';
  /** What kind of conflict it was. */
  readonly conflict: TransactionConflict;
  /** Whether a transaction retry runs the transaction again on it. */
  readonly retryable: boolean;
  constructor(message: string, sql: string, parameters: readonly unknown[], options: SerializationErrorOptions = {}) {
    super(message, sql, parameters, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.conflict = options.conflict ?? 'serialization';
    this.retryable = options.retryable ?? true;
  }
}

/**
 * A lock another connection holds did not come free in time: SQLite's
 * database lock after the engine's `busyTimeoutMs`; a row lock after
 * MySQL/MariaDB's `innodb_lock_wait_timeout`; PostgreSQL's `lock_timeout`
 * or `NOWAIT`. Nothing of the statement was kept.
 *
 * Retryable (run again by a transaction retry) on SQLite only: there the
 * lock covers the whole file, every writer takes it for the length of a
 * write transaction, and `busyTimeoutMs` is the engine's own (5 s by
 * default), so a timeout is ordinary contention that a later attempt gets
 * through. A row lock held past `innodb_lock_wait_timeout` (50 s by default)
 * or `lock_timeout` names a long holder that is likely still there: running
 * again would wait as long once more per attempt and hide the holder. Opt in
 * with `retry: { retryOn }` where those timeouts are short.
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
    /** What stayed locked: the database file for SQLite; undefined where the server does not say. */
    readonly resource: string | undefined,
    /** How long the statement waited, in milliseconds, where the driver measured it (SQLite). */
    readonly waitedMs: number | undefined,
    sql: string,
    parameters: readonly unknown[],
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, sql, parameters, { ...options, conflict: 'lockTimeout' });
  }
}

/**
 * A transaction retried on conflicts lost every attempt: `attempts` says how
 * many ran, `cause` is the last attempt's {@link SerializationError} (its
 * `sql`, `parameters` and `conflict` are copied here). Not `retryable`: its
 * retries are spent, so an enclosing retry does not multiply them.
 *
 * ```ts
 * try { await engine.transaction(work, { retry: { attempts: 3 } }); }
 * catch (e) { if (e instanceof RetriesExhaustedError) log.warn(`gave up after ${e.attempts} attempts`, e.cause); }
 * ```
 */
export class RetriesExhaustedError extends SerializationError {
  override readonly code: AthanorErrorCode = 'ATH_RETRIES_EXHAUSTED';
  override name = 'RetriesExhaustedError';
  constructor(
    /** How many attempts ran, the first included. */
    readonly attempts: number,
    last: SerializationError,
  ) {
    super(`the transaction lost to concurrent ones on all ${attempts} attempts; the last: ${last.message}`, last.sql, last.parameters, {
      cause: last,
      conflict: last.conflict,
      retryable: false,
    });
  }
}

/**
 * Whether `error` is a conflict a transaction retry runs the transaction again on (see
 * {@link SerializationError.retryable}).
 *
 * ```ts
 * async function again(): Promise<void> {
 *   try { await engine.transaction(work); }
 *   catch (e) { if (isRetryableConflict(e)) return again(); throw e; }
 * }
 * ```
 */
export function isRetryableConflict(error: unknown): error is SerializationError {
  return error instanceof SerializationError && error.retryable;
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

/**
 * Configuration is missing or unusable: no database URL given and no `DATABASE_URL` in the environment, or a CLI
 * config file (`athanor.config.*`) that is missing, not an object, or TypeScript this Node cannot load.
 *
 * ```ts
 * createEngine();   // with DATABASE_URL unset
 * // ConfigError: createEngine() was given no database URL and DATABASE_URL is not set: ...
 * ```
 */
export class ConfigError extends AthanorError {
  override name = 'ConfigError';
  override readonly code = 'ATH_CONFIG';
}

/**
 * An optional package Athanor needs for what was asked is not installed: the driver library of a URL's database
 * (`pg`, `mysql2`, `better-sqlite3`, optional peer dependencies of which an application installs the one it uses),
 * or `pg-copy-streams` for PostgreSQL COPY. `packageName` names it; the message gives the command to install it.
 *
 * ```ts
 * await engine.copyFrom(artist, rows);   // on PostgreSQL, without pg-copy-streams installed
 * // MissingPackageError: PostgreSQL COPY (engine.copyFrom) needs the package "pg-copy-streams", which is not
 * // installed: npm install pg-copy-streams
 * ```
 */
export class MissingPackageError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_MISSING_PACKAGE';
  override name = 'MissingPackageError';
  constructor(
    /** The package to install, as `npm install` takes it. */
    readonly packageName: string,
    /** What needed it, for the message: `'PostgreSQL COPY (engine.copyFrom)'`, `'postgres:// URLs'`. */
    readonly neededFor: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${neededFor} needs the package "${packageName}", which is not installed: npm install ${packageName}`, options);
  }
}

/**
 * An engine with read replicas was set up in a way that cannot work: replicas without a primary, both `url` and
 * `primary`, a database whose replication positions Athanor cannot read (SQLite, MySQL), a replica option out of
 * range.
 *
 * ```ts
 * createEngine({ primary: 'sqlite:app.db', replicas: ['sqlite:copy.db'] });
 * // ReplicationConfigError: read replicas need PostgreSQL or MariaDB ...
 * ```
 */
export class ReplicationConfigError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_REPLICATION_CONFIG';
  override name = 'ReplicationConfigError';
}

/**
 * A consistency token (from `session.consistencyToken()`, carried in a cookie or a header) that is not one Athanor
 * wrote, or was written by an engine of another database. Treat it like a missing token, or drop the cookie.
 *
 * ```ts
 * db.openSession({ consistencyToken: 'garbage' });
 * // ConsistencyTokenError: "garbage" is not a consistency token ...
 * ```
 */
export class ConsistencyTokenError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_CONSISTENCY_TOKEN';
  override name = 'ConsistencyTokenError';
}
