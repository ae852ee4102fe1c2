/**
 * better-sqlite3: SQLite in-process, one connection per engine.
 *
 * better-sqlite3 is synchronous, so "a pool" would only add locking; instead
 * one connection is shared and checked out under a mutex, so two async
 * transactions on one engine queue rather than interleave their statements.
 * Prepared statements are kept in a per-connection LRU cache: preparing is the
 * dominant cost of a small query.
 */

import Database from 'better-sqlite3';
import type { Driver, DriverBatch, DriverConnection, DriverObjectResult, DriverResult, DriverUrlOptions } from '../../core/engine/driver.js';
import { Mutex } from '../../core/engine/mutex.js';
import { retryWhileBusy } from './busy.js';
import { ConnectionReleasedError, InvalidArgumentError } from '../../core/errors.js';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * What a SQLite driver opens: a `filename`, or an already open `database`, and how it sets it up.
 *
 * ```ts
 * createSqliteDriver({ filename: 'data/app.db', busyTimeoutMs: 2000, statementCacheSize: 1000 });
 * ```
 */
export interface SqliteDriverOptions {
  /** A file path or `':memory:'`. Ignored when `database` is given. */
  readonly filename?: string;
  /** An already open database; the driver will not close it. */
  readonly database?: Database.Database;
  /** `PRAGMA foreign_keys = ON`, enforcing foreign keys. Default true. */
  readonly foreignKeys?: boolean;
  /** Write-ahead logging for file databases: readers in other processes do not block the writer. Default true. */
  readonly wal?: boolean;
  /**
   * How long a statement waits for a lock another connection holds (another
   * process, or another engine on the same file) before failing, in
   * milliseconds. The wait does not block the event loop (see busy.ts). Default 5000.
   */
  readonly busyTimeoutMs?: number;
  /** Prepared statements kept per connection. Default 500. */
  readonly statementCacheSize?: number;
  readonly readonly?: boolean;
}

interface CachedStatement {
  readonly stmt: Statement;
  /** Column names, read once: `stmt.columns()` allocates. */
  readonly columns: readonly string[];
}

const NO_COLUMNS: readonly string[] = Object.freeze([]);
const EMPTY_ROWS: unknown[][] = [];

/** Schema changes can alter what a cached `SELECT *` returns: drop the cache after them. */
const SCHEMA_CHANGE = /^\s*(CREATE|ALTER|DROP)\b/i;

/** better-sqlite3 binds Buffers but not other Uint8Array views. */
function normalizeParams(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p instanceof Uint8Array && !Buffer.isBuffer(p)) {
      out ??= params.slice();
      out[i] = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    }
  }
  return out ?? (params as unknown[]);
}

/** The one physical connection and its statement cache. */
class SqliteConnectionState {
  private readonly cache = new Map<string, CachedStatement>();

  constructor(
    readonly db: Database.Database,
    private readonly cacheSize: number,
  ) {}

  prepare(sql: string): CachedStatement {
    const hit = this.cache.get(sql);
    if (hit) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.cache.delete(sql);
      this.cache.set(sql, hit);
      return hit;
    }
    const entry = this.prepareUncached(sql);
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(sql, entry);
    return entry;
  }

  prepareUncached(sql: string): CachedStatement {
    const stmt = this.db.prepare(sql) as Statement;
    if (!stmt.reader) return { stmt, columns: NO_COLUMNS };
    stmt.raw(true);
    return { stmt, columns: stmt.columns().map((c) => c.name) };
  }

  clearCache(): void {
    this.cache.clear();
  }
}

/** One checkout of the shared connection; unusable once released. */
class SqliteLease implements DriverConnection {
  readonly id = 1;
  private released = false;
  /** Streams not yet finished: an open iterator keeps the connection busy for everyone. */
  private readonly iterators = new Set<IterableIterator<unknown[]>>();

  constructor(
    private readonly state: SqliteConnectionState,
    private readonly unlock: () => void,
    private readonly busyTimeoutMs: number,
  ) {}

  private check(): SqliteConnectionState {
    if (this.released) throw new ConnectionReleasedError('SQLite connection used after it was released');
    return this.state;
  }

  /** Run `attempt` (prepare and step, synchronously); on SQLITE_BUSY, wait for the lock without blocking. */
  private whenUnlocked<T>(sql: string, attempt: () => T): T | Promise<T> {
    const db = this.state.db;
    const wasInTransaction = db.inTransaction;
    try {
      return attempt();
    } catch (error) {
      return retryWhileBusy(error, db, sql, wasInTransaction, this.busyTimeoutMs, attempt);
    }
  }

  async query(sql: string, params: readonly unknown[], _wantRows: boolean): Promise<DriverResult> {
    const state = this.check();
    const args = normalizeParams(params);
    return this.whenUnlocked(sql, () => this.queryNow(state, sql, args));
  }

  private queryNow(state: SqliteConnectionState, sql: string, args: unknown[]): DriverResult {
    const { stmt, columns } = state.prepare(sql);
    // `.reader` (the statement has result columns) decides, not the caller's hint:
    // better-sqlite3 refuses run() on a statement that returns rows and all() on one that does not.
    if (stmt.reader) {
      const rows = stmt.all(args) as unknown[][];
      return { columns, rows, rowCount: rows.length };
    }
    const info = stmt.run(args);
    if (SCHEMA_CHANGE.test(sql)) state.clearCache();
    return { columns: NO_COLUMNS, rows: EMPTY_ROWS, rowCount: info.changes, lastInsertId: info.lastInsertRowid };
  }

  async queryObjects(sql: string, params: readonly unknown[]): Promise<DriverObjectResult> {
    const state = this.check();
    const args = normalizeParams(params);
    return this.whenUnlocked(sql, () => this.queryObjectsNow(state, sql, args));
  }

  private queryObjectsNow(state: SqliteConnectionState, sql: string, args: unknown[]): DriverObjectResult {
    const { stmt, columns } = state.prepare(sql);
    if (stmt.reader) {
      // Cached statements read arrays; this one call reads objects, and the mode is put back at once.
      stmt.raw(false);
      try {
        const rows = stmt.all(args) as Record<string, unknown>[];
        return { columns, rows, rowCount: rows.length };
      } finally {
        stmt.raw(true);
      }
    }
    const info = stmt.run(args);
    if (SCHEMA_CHANGE.test(sql)) state.clearCache();
    return { columns: NO_COLUMNS, rows: [], rowCount: info.changes, lastInsertId: info.lastInsertRowid };
  }

  async *stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<DriverBatch> {
    const state = this.check();
    const args = normalizeParams(params);
    // The first step is where a lock is met; until it succeeds nothing was read, so it may wait like a query.
    const begun = await this.whenUnlocked(sql, () => {
      // A fresh statement: an iterating statement is busy, and a cached one may be wanted meanwhile.
      const { stmt, columns } = state.prepareUncached(sql);
      if (!stmt.reader) {
        stmt.run(args);
        return undefined;
      }
      const iterator = stmt.iterate(args) as IterableIterator<unknown[]>;
      try {
        return { columns, iterator, first: iterator.next() };
      } catch (error) {
        iterator.return?.();
        throw error;
      }
    });
    if (!begun) return;
    const { columns, iterator } = begun;
    this.iterators.add(iterator);
    try {
      let batch: unknown[][] = [];
      for (let next = begun.first; !next.done; next = iterator.next()) {
        batch.push(next.value);
        if (batch.length >= batchSize) {
          yield { columns, rows: batch };
          batch = [];
        }
      }
      if (batch.length > 0) yield { columns, rows: batch };
    } finally {
      // Resets the statement so the connection is no longer busy when the consumer stops early.
      iterator.return?.();
      this.iterators.delete(iterator);
    }
  }

  /**
   * `broken`: the holder's state is unknown (it was dropped mid-transaction,
   * or a rollback failed). The one connection is shared, so rather than
   * discarding it, end what it holds before the next holder gets it.
   */
  release(broken = false): void {
    if (this.released) return;
    this.released = true;
    try {
      if (broken) {
        for (const iterator of this.iterators) iterator.return?.();
        this.iterators.clear();
        if (this.state.db.open && this.state.db.inTransaction) this.state.db.exec('ROLLBACK');
      }
    } catch {
      // Nothing more can be done here; the next statement reports the database's state.
    } finally {
      this.unlock();
    }
  }
}

/**
 * The better-sqlite3 driver; made by {@link createSqliteDriver} (or by `createEngine()` from a `sqlite:` URL).
 *
 * ```ts
 * const driver = new SqliteDriver({ filename: ':memory:' });   // the same as createSqliteDriver({ filename: ':memory:' })
 * ```
 */
export class SqliteDriver implements Driver {
  readonly library = 'better-sqlite3';
  readonly poolSize = 1;
  private readonly mutex = new Mutex();
  private state: SqliteConnectionState | undefined;
  private readonly ownsDatabase: boolean;
  private closed = false;

  constructor(private readonly options: SqliteDriverOptions) {
    this.ownsDatabase = options.database === undefined;
  }

  private get busyTimeoutMs(): number {
    return Math.max(0, this.options.busyTimeoutMs ?? 5000);
  }

  /** Opens the database on first use, so creating an engine never touches the file system. */
  private async open(): Promise<SqliteConnectionState> {
    if (this.state) return this.state;
    const o = this.options;
    const db = o.database ?? new Database(o.filename ?? ':memory:', { readonly: o.readonly ?? false });
    try {
      // SQLite's busy handler would sleep the thread; the driver waits for locks itself (busy.ts).
      db.pragma('busy_timeout = 0');
      // Set both ways: SQLite's default is off, but better-sqlite3's build turns it on.
      db.pragma(`foreign_keys = ${(o.foreignKeys ?? true) ? 'ON' : 'OFF'}`);
      if ((o.wal ?? true) && !db.memory && !db.readonly) {
        const wal = (): unknown => db.pragma('journal_mode = WAL');
        try {
          wal();
        } catch (error) {
          // Switching to WAL takes a lock another connection may hold for a moment.
          await retryWhileBusy(error, db, 'PRAGMA journal_mode = WAL', false, this.busyTimeoutMs, wal);
        }
      }
    } catch (error) {
      if (this.ownsDatabase) db.close();
      throw error;
    }
    this.state = new SqliteConnectionState(db, Math.max(1, o.statementCacheSize ?? 500));
    return this.state;
  }

  async acquire(): Promise<DriverConnection> {
    if (this.closed) throw Object.assign(new Error('the SQLite database is closed'), { code: 'SQLITE_MISUSE' });
    const unlock = await this.mutex.lock();
    try {
      return new SqliteLease(await this.open(), unlock, this.busyTimeoutMs);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  /** The connection at once when no one holds it and it is open (the first acquire opens it). */
  tryAcquire(): DriverConnection | undefined {
    if (this.closed || !this.state) return undefined;
    const unlock = this.mutex.tryLock();
    return unlock ? new SqliteLease(this.state, unlock, this.busyTimeoutMs) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Wait for the current holder: closing mid-transaction would lose its work silently.
    const unlock = await this.mutex.lock();
    try {
      if (this.state && this.ownsDatabase) this.state.db.close();
      this.state = undefined;
    } finally {
      unlock();
    }
  }
}

/**
 * The file a SQLite URL names: `sqlite::memory:`, `sqlite:relative/path.db`, `sqlite:///absolute/path.db`.
 *
 * ```ts
 * parseSqliteUrl('sqlite:///srv/app.db');   // '/srv/app.db'
 * ```
 */
export function parseSqliteUrl(url: string): string {
  if (!url.startsWith('sqlite:')) throw new InvalidArgumentError(`not a SQLite URL: ${url}`, 'createEngine', url);
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2); // sqlite:///abs -> /abs, sqlite://rel -> rel
  if (rest === '') throw new InvalidArgumentError(`SQLite URL names no database: ${url} (use sqlite::memory: or sqlite:path/to/file.db)`, 'createEngine', url);
  return decodeURIComponent(rest);
}

/**
 * What `createEngine('sqlite:…')` calls on first use (the `DriverModule` contract).
 *
 * ```ts
 * const driver = createDriverFromUrl('sqlite:data/app.db', { foreignKeys: true });
 * ```
 */
export function createDriverFromUrl(url: string, options: DriverUrlOptions): Driver {
  return new SqliteDriver({
    filename: parseSqliteUrl(url),
    ...(options.foreignKeys !== undefined ? { foreignKeys: options.foreignKeys } : {}),
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
  });
}

/**
 * A driver for an existing better-sqlite3 database, or for options beyond what a URL says. A database handed in is
 * the application's: `engine.close()` leaves it open. The driver still sets its pragmas on it (`busy_timeout = 0`,
 * as it waits for locks itself, `foreign_keys` as `foreignKeys` says, and WAL for a writable file unless `wal: false`).
 *
 * ```ts
 * import Database from 'better-sqlite3';
 * const database = new Database('app.db');
 * const engine = createEngine({ driver: createSqliteDriver({ database }), dialect: 'sqlite' });
 * ```
 */
export function createSqliteDriver(options: SqliteDriverOptions): Driver {
  return new SqliteDriver(options);
}
