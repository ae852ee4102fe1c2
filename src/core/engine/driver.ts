/**
 * The contract between the engine and a wire library (better-sqlite3, pg, mysql2).
 *
 * A driver moves SQL text and bound values to the database and rows back, and
 * nothing more: it knows no dialect, compiles nothing and decodes no column
 * types beyond what its library does on its own. Rows travel as positional
 * arrays, both because that is the fastest shape every library can produce and
 * because a join may return two columns with the same name.
 */

/** What one statement returned. */
export interface DriverResult {
  /** Column names as the database reported them (empty for statements without rows). */
  readonly columns: readonly string[];
  /** Rows as positional arrays, in `columns` order. */
  readonly rows: unknown[][];
  /** Rows returned, or rows affected for INSERT / UPDATE / DELETE without RETURNING. */
  readonly rowCount: number;
  /**
   * The generated key the database reports for an INSERT: SQLite gives the
   * last inserted rowid, MySQL the key of the first row of a multi-row INSERT.
   * PostgreSQL reports none: use RETURNING.
   */
  readonly lastInsertId?: number | bigint | undefined;
}

/** What one statement returned, its rows as objects keyed by column label. */
export interface DriverObjectResult {
  readonly columns: readonly string[];
  readonly rows: Record<string, unknown>[];
  readonly rowCount: number;
  readonly lastInsertId?: number | bigint | undefined;
}

/** One batch of a streamed result. */
export interface DriverBatch {
  readonly columns: readonly string[];
  readonly rows: unknown[][];
}

/** Lines of PostgreSQL `COPY ... FROM STDIN` text format, already escaped. */
export type CopySource = AsyncIterable<string> | Iterable<string>;

/** One physical connection, checked out of a driver until released. */
export interface DriverConnection {
  /**
   * An id for events and logs: the server's own id where it has one (the
   * PostgreSQL backend pid, the MySQL thread id), so it matches server logs.
   */
  readonly id: number;

  /**
   * True once the wire library has reported this connection broken (the
   * socket closed, the server ended the session). The engine then treats
   * any failure on it as a lost connection, whatever the library's message,
   * and discards it on release.
   */
  readonly lost?: boolean;

  /**
   * Run one statement. `wantRows` is a hint (true for SELECT and RETURNING);
   * drivers that can tell on their own, like better-sqlite3, may ignore it.
   */
  query(sql: string, params: readonly unknown[], wantRows: boolean): Promise<DriverResult>;

  /**
   * Run a query and yield its rows in batches of at most `batchSize`, holding no
   * more than about one batch in memory. `inTransaction` tells drivers that
   * need a transaction for a server-side cursor (PostgreSQL) whether one is open.
   * Breaking out of the loop early stops the query and frees the connection.
   */
  stream(sql: string, params: readonly unknown[], batchSize: number, inTransaction: boolean): AsyncIterable<DriverBatch>;

  /**
   * Optional: run one statement and return its rows as objects keyed by column
   * label, built by the wire library as it reads them. The engine asks for this
   * only when the statement's labels are known and distinct and every one is a
   * plain property name, so Core results need no second object per row.
   */
  queryObjects?(sql: string, params: readonly unknown[]): Promise<DriverObjectResult>;

  /** Bulk load through `COPY ... FROM STDIN` (PostgreSQL only). Resolves to the number of rows copied. */
  copyFrom?(copySql: string, source: CopySource): Promise<number>;

  /**
   * Give the connection back. `broken` asks the driver to discard it instead of
   * pooling it (after a connection error, or when a transaction could not be
   * rolled back).
   */
  release(broken?: boolean): void | Promise<void>;
}

/** A source of connections: a pool, or a single in-process database. */
export interface Driver {
  /** The wire library, for messages: `'better-sqlite3'`, `'pg'`, `'mysql2'`. */
  readonly library: string;
  /**
   * The most connections that can be checked out at once. A driver with one
   * connection (SQLite, a single pg Client) queues `acquire()` calls until the
   * holder releases it.
   */
  readonly poolSize: number;
  /** Check a connection out; waits when all are in use. */
  acquire(): Promise<DriverConnection>;
  /**
   * Optional: a connection that is free right now, checked out without
   * waiting, or undefined. Lets the engine skip the bookkeeping of a bounded
   * wait when none is needed (a SQLite statement takes microseconds).
   */
  tryAcquire?(): DriverConnection | undefined;
  /**
   * Optional: run every statement unnamed from now on. The engine calls it behind a transaction pooler, where a
   * statement prepared on one server connection is unknown to the next.
   */
  unnamedStatementsOnly?(): void;
  /** Close every connection. Connections the user handed in are left open. */
  close(): Promise<void>;
}

/** Options the engine passes to a driver built from a URL. */
export interface DriverUrlOptions {
  /** SQLite: enforce foreign keys on every connection (`PRAGMA foreign_keys = ON`). */
  readonly foreignKeys?: boolean;
  /** Pool size for client-server databases. */
  readonly poolSize?: number;
  /** SQLite: how long a statement waits for another connection's lock, in milliseconds. */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: statement texts each connection keeps prepared (0: none). */
  readonly preparedStatements?: number;
}

/** What each module under `src/drivers/<lib>/` exports for URL-based construction. */
export interface DriverModule {
  createDriverFromUrl(url: string, options: DriverUrlOptions): Driver;
}
