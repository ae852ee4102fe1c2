/**
 * The statement-running surface shared by an engine, a held connection and a
 * transaction: `execute`, `all`, `first`, `one`, `scalar`, `stream`,
 * `copyFrom`. Subclasses only say how they get a {@link Runner} (check one out
 * of the pool, or use the one they hold) and what happens after.
 */

import type { Dialect, TransactionOptions } from '../dialects/dialect.js';
import type { CompiledStatement } from '../compiler/compiled.js';
import type { DriverResult } from './driver.js';
import { AthanorError, ConnectionReleasedError, UnsupportedError } from '../errors.js';
import type { AnyColumns, Table } from '../schema/table.js';
import type { CreateOptions, DropOptions } from '../compiler/ddl.js';
import { copyRows, type CopyOptions, type CopyRows } from './copy.js';
import type { Result, Executable, RowOfStatement } from './result.js';
import { PreparedStatement, type PlaceholderValues } from './prepared.js';
import type { StatementNode } from '../sql/nodes.js';
import type { EngineCore, Runner } from './runner.js';
import type { CheckoutPurpose } from './checkouts.js';
import { retryPolicy, runRetried, type RetrySetting } from './retry.js';
import type { ReadConsistency } from './replicas/consistency.js';

export interface StreamOptions {
  /** Rows per batch; memory held is about one batch. Default 1000. */
  readonly batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 1000;

/**
 * Options of a transaction that begins on a connection (not a savepoint): the isolation level, read-only mode, and
 * whether to run it again after a conflict (see {@link RetryOptions}).
 *
 * ```ts
 * await engine.transaction(work, { isolation: 'serializable', retry: { attempts: 5, onRetry: (e) => log.warn(e.error.message) } });
 * ```
 */
export interface EngineTransactionOptions extends TransactionOptions {
  readonly retry?: RetrySetting;
  /**
   * On an engine with read replicas: after the commit, record the primary's position in this consistency, so the
   * reads that carry it (`engine.consistent(consistency)`, a session given its token) see the transaction.
   *
   * ```ts
   * const consistency = new ReadConsistency();
   * await engine.transaction(work, { consistency });
   * const token = consistency.token(); // for the next request
   * ```
   */
  readonly consistency?: ReadConsistency;
}

export abstract class Executor {
  /**
   * @internal A runner for one call; pair every call with {@link unlease}.
   * `purpose` tells an engine's pool what holds the connection (for leak reports).
   */
  protected abstract lease(purpose?: CheckoutPurpose): Promise<Runner>;
  /** @internal */
  protected abstract unlease(runner: Runner): Promise<void>;

  /**
   * Run a statement and return its {@link Result}. A multi-row INSERT larger
   * than the dialect's bound-parameter limit runs as several statements in
   * one transaction.
   *
   * ```ts
   * const result = await engine.execute(update(artist).set({ country: 'DE' }).where(artist.c.id.eq(7)));
   * result.rowCount; // 1
   * // PostgreSQL: UPDATE "artist" SET "country" = $1 WHERE "artist"."id" = $2   -- ['DE', 7]
   * ```
   */
  async execute<S extends Executable>(statement: S): Promise<Result<RowOfStatement<S>>> {
    const runner = await this.lease();
    try {
      return await runner.execute<RowOfStatement<S>>(statement);
    } finally {
      await this.unlease(runner);
    }
  }

  /**
   * Compile a statement once and run it many times with named values
   * (`placeholder('id')` in the statement): no building or compiling per call.
   *
   * ```ts
   * const byId = engine.prepare(select(artist.c.id, artist.c.name).from(artist).where(artist.c.id.eq(placeholder('id'))));
   * await byId.one({ id: 7 }); // PostgreSQL: SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."id" = $1
   * ```
   */
  prepare<S extends { readonly node: StatementNode } | { readonly statementNode: StatementNode }>(statement: S): PreparedStatement<RowOfStatement<S>> {
    const node = 'statementNode' in statement ? statement.statementNode : statement.node;
    return new PreparedStatement<RowOfStatement<S>>(this, node);
  }

  /** @internal */
  async runPrepared<Row>(prepared: PreparedStatement<Row>, values: PlaceholderValues): Promise<Result<Row>> {
    const runner = await this.lease();
    try {
      return await runner.run<Row>(prepared.bind(values, runner.core.dialect));
    } finally {
      await this.unlease(runner);
    }
  }

  /** All rows: `await engine.all(select(artist.c.name).from(artist))` → `{ name: string }[]`. */
  async all<S extends Executable>(statement: S): Promise<RowOfStatement<S>[]> {
    return (await this.execute(statement)).rows;
  }

  /** The first row, or undefined. Add `.limit(1)` to the query to fetch only one. */
  async first<S extends Executable>(statement: S): Promise<RowOfStatement<S> | undefined> {
    return (await this.execute(statement)).first();
  }

  /** Exactly one row, else `NoResultError` / `MultipleResultsError`. */
  async one<S extends Executable>(statement: S): Promise<RowOfStatement<S>> {
    return (await this.execute(statement)).one();
  }

  /**
   * The first column of the first row, or undefined when there are no rows.
   *
   * ```ts
   * const n = await engine.scalar(select({ n: count() }).from(artist)); // number | undefined
   * // SELECT count(*) AS "n" FROM "artist"
   * ```
   */
  async scalar<S extends Executable>(statement: S): Promise<RowOfStatement<S>[keyof RowOfStatement<S>] | undefined> {
    return (await this.execute(statement)).scalar();
  }

  /**
   * Rows in batches, holding about one batch in memory: a server-side cursor
   * on PostgreSQL, a paused socket on MySQL, a stepping statement on SQLite.
   *
   * ```ts
   * for await (const batch of engine.stream(select(song).from(song), { batchSize: 5000 })) {
   *   for (const row of batch) write(row);
   * }
   * ```
   * The connection is held until the loop ends; breaking out early frees it
   * (on MySQL only after the server has sent the rest, which is read and
   * dropped: the protocol cannot cancel a result).
   *
   * While the loop runs, its connection is busy: the loop body must not run
   * statements on the same transaction or held connection (MySQL would wait
   * for the stream, which waits for the loop), nor, on SQLite, on the same
   * engine (it has one connection). Statements on the engine itself are fine
   * with PostgreSQL and MySQL: they take another pooled connection.
   */
  async *stream<S extends Executable>(statement: S, options: StreamOptions = {}): AsyncGenerator<RowOfStatement<S>[], void, undefined> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
    const runner = await this.lease('stream');
    try {
      yield* runner.stream<RowOfStatement<S>>(statement, batchSize);
    } finally {
      await this.unlease(runner);
    }
  }

  /**
   * Create tables (in foreign-key order), their indexes and constraints.
   *
   * ```ts
   * await engine.createAll([artist, album, song], { ifNotExists: true });
   * // CREATE TABLE IF NOT EXISTS "artist" (...); CREATE TABLE IF NOT EXISTS "album" (...); ...
   * ```
   */
  async createAll(tables: readonly Table[], options: CreateOptions = {}): Promise<void> {
    const runner = await this.lease();
    try {
      for (const sql of runner.core.dialect.ddl.createAll(tables, options)) await runner.control(sql);
    } finally {
      await this.unlease(runner);
    }
  }

  /** Drop tables, dependents first (`ifExists` to ignore missing ones). */
  async dropAll(tables: readonly Table[], options: DropOptions = {}): Promise<void> {
    const runner = await this.lease();
    try {
      for (const sql of runner.core.dialect.ddl.dropAll(tables, options)) await runner.control(sql);
    } finally {
      await this.unlease(runner);
    }
  }

  /**
   * Put the generators of `table`'s identity columns back in step with the
   * rows, after rows were inserted with explicit ids behind Athanor's back
   * (raw SQL, another tool, a restore). PostgreSQL's sequences do not follow
   * explicit values, so the next insert without an id would meet a duplicate
   * key; MySQL's AUTO_INCREMENT and SQLite's rowid do, and there this sends
   * nothing. Core inserts and `copyFrom` that give ids sync by themselves.
   * A sequence only ever moves forward, so this is safe while others insert.
   *
   * ```ts
   * await engine.execute(sql`INSERT INTO artist (id, name) VALUES (1, 'Dio'), (2, 'Accept')`);
   * await engine.syncIdentity(artist);
   * // PostgreSQL: SELECT s.seq::text AS sequence, CASE ... WHEN m.v > nextval(s.seq) THEN setval(s.seq, m.v) END ...
   * //   FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) AS s, (SELECT max("id") AS v FROM "artist") AS m
   * ```
   * Fails with a SchemaError when the database has no sequence for a column declared `identity()`.
   */
  async syncIdentity(table: Table): Promise<void> {
    const columns = table.columns.filter((column) => column.autoIncrement);
    if (columns.length === 0) return;
    const runner = await this.lease();
    try {
      await runner.syncIdentity(table, columns, false);
    } finally {
      await this.unlease(runner);
    }
  }

  /**
   * Bulk-load rows: `COPY ... FROM STDIN` on PostgreSQL, batched INSERTs in
   * one transaction elsewhere. Resolves to the number of rows loaded. COPY
   * needs the optional package `pg-copy-streams` (`npm install pg-copy-streams`);
   * without it the call fails with a `MissingPackageError` and writes nothing.
   *
   * ```ts
   * await engine.copyFrom(song, readSongs(file), { columns: ['title', 'artistId'] });
   * // PostgreSQL: COPY "song" ("title", "artist_id") FROM STDIN
   * ```
   */
  async copyFrom<C extends AnyColumns>(table: Table<string, C>, rows: CopyRows<C>, options: CopyOptions<C> = {}): Promise<number> {
    const runner = await this.lease('copy');
    try {
      return await copyRows(runner, table, rows, options);
    } finally {
      await this.unlease(runner);
    }
  }
}

/**
 * A transaction (or, nested, a savepoint) on one connection. Obtained from
 * `engine.transaction(fn)`; valid only until `fn` settles.
 */
export class Transaction extends Executor {
  private state: 'active' | 'committed' | 'rolled back' = 'active';
  private childActive = false;

  /** @internal */
  constructor(
    /** @internal */
    readonly core: EngineCore,
    /** @internal The connection the transaction runs on (sessions joined to it share it). */
    readonly runner: Runner,
    /** 0 for the transaction, 1 and more for savepoints inside it. */
    readonly depth: number,
  ) {
    super();
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  /** @internal */
  protected async lease(): Promise<Runner> {
    if (this.state !== 'active') {
      throw new AthanorError(
        `this transaction is already ${this.state}: a statement ran after its callback settled (a missing await?)`,
      );
    }
    return this.runner;
  }

  /** @internal */
  protected async unlease(): Promise<void> {}

  /** @internal */
  finish(state: 'committed' | 'rolled back'): void {
    this.state = state;
  }

  /**
   * A nested transaction: a SAVEPOINT, released when `fn` resolves and rolled
   * back to (leaving the outer transaction alive) when it throws.
   *
   * ```ts
   * await engine.transaction(async (tx) => {
   *   await tx.execute(insert(artist).values({ name: 'A' }));
   *   await tx.transaction(async (sp) => { ... }).catch(() => {}); // SAVEPOINT athanor_sp_1 ... ROLLBACK TO SAVEPOINT
   * });
   * ```
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (options && (options.isolation !== undefined || options.readOnly !== undefined)) {
      throw new UnsupportedError('a nested transaction (savepoint) cannot change isolation or read-only mode');
    }
    if (options && (options as EngineTransactionOptions).retry) {
      // The snapshot, or the lock cycle, belongs to the whole transaction: only running it all again can help.
      throw new UnsupportedError('a nested transaction (savepoint) cannot be retried on its own: pass retry to the outermost transaction');
    }
    const runner = await this.lease();
    if (this.childActive) {
      throw new AthanorError('a savepoint is already open on this transaction: await it before opening another');
    }
    this.childActive = true;
    const child = new Transaction(this.core, runner, this.depth + 1);
    try {
      return await runner.savepoint(async () => {
        try {
          const value = await fn(child);
          child.finish('committed');
          return value;
        } catch (error) {
          child.finish('rolled back');
          throw error;
        }
      });
    } finally {
      this.childActive = false;
    }
  }
}

/**
 * A transaction that outlives a callback: opened by `engine.openTransaction()`
 * and ended by its own {@link commit} or {@link rollback}, which give the
 * connection back. For code that cannot put its work inside one callback, as a
 * test's `beforeEach` (open) and `afterEach` (roll back). Everything else is a
 * {@link Transaction}: statements, `tx.transaction()` savepoints, and
 * `database(tx)` for ORM sessions inside it.
 *
 * ```ts
 * const tx = await engine.openTransaction(); // BEGIN
 * await tx.execute(insert(artist).values({ name: 'Accept' }));
 * await tx.rollback();                       // ROLLBACK; the connection goes back to the pool
 * ```
 * One that is dropped without commit or rollback holds its connection until it
 * is garbage collected, then is reported like any leaked connection
 * (`ATH_CONNECTION_LEAK`) and rolled back.
 */
export class OpenTransaction extends Transaction {
  /** @internal */
  constructor(
    core: EngineCore,
    runner: Runner,
    /** Gives the connection back to the engine. */
    private readonly giveBack: (runner: Runner) => Promise<void>,
  ) {
    super(core, runner, 0);
  }

  /** COMMIT and give the connection back. A failed COMMIT is rolled back, the connection given back, and the error thrown. */
  async commit(): Promise<void> {
    if (!this.isActive) throw new AthanorError('commit(): this transaction is already over (committed or rolled back)');
    let committed = false;
    try {
      await this.runner.commit();
      committed = true;
    } finally {
      this.finish(committed ? 'committed' : 'rolled back');
      await this.giveBack(this.runner);
    }
  }

  /**
   * ROLLBACK and give the connection back; nothing of the transaction (or of the
   * sessions joined to it) remains. Calling it again, or after a commit, does nothing.
   */
  async rollback(): Promise<void> {
    if (!this.isActive) return;
    try {
      // A lost connection took its transaction with it: there is nothing to send, and it is discarded on release.
      if (!this.runner.broken) await this.runner.rollback();
    } finally {
      this.finish('rolled back');
      await this.giveBack(this.runner);
    }
  }
}

/** Run `fn` in a transaction on `runner`; the {@link Transaction} it gets dies with the callback. */
export async function runTransaction<T>(
  core: EngineCore,
  runner: Runner,
  fn: (tx: Transaction) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  return runner.transactionally(options, async () => {
    const tx = new Transaction(core, runner, 0);
    try {
      const value = await fn(tx);
      tx.finish('committed');
      return value;
    } catch (error) {
      tx.finish('rolled back');
      throw error;
    }
  });
}

/**
 * One connection held out of the pool until {@link release}: for session
 * state (temporary tables, `SET` variables) that must outlive one statement.
 * On SQLite, the engine's only connection: release it before using the engine.
 * Open transactions with {@link transaction}, not raw `BEGIN`, so the engine
 * knows a transaction is open.
 *
 * ```ts
 * const conn = await engine.connect();
 * try { ... } finally { await conn.release(); }
 * ```
 */
export class Connection extends Executor {
  private released = false;

  /** @internal */
  constructor(
    private readonly core: EngineCore,
    private readonly runner: Runner,
  ) {
    super();
  }

  /** The server's id for this connection (PostgreSQL backend pid, MySQL thread id). */
  get id(): number {
    return this.runner.connection.id;
  }

  get inTransaction(): boolean {
    return this.runner.inTransaction;
  }

  /**
   * True once this connection was lost or left in an unknown state (a statement failed with a
   * `ConnectionError`, a rollback failed): it can run nothing more and is discarded on release.
   *
   * ```ts
   * let conn = await engine.connect();
   * ...
   * if (conn.broken) { await conn.release(); conn = await engine.connect(); }
   * ```
   */
  get broken(): boolean {
    return this.runner.broken;
  }

  /** @internal */
  protected async lease(): Promise<Runner> {
    if (this.released) throw new ConnectionReleasedError('this connection was released');
    return this.runner;
  }

  /** @internal */
  protected async unlease(): Promise<void> {}

  /**
   * A transaction on this connection, committed when `fn` resolves, rolled back when it throws; with `retry`, run
   * again on this same connection after a conflict (see `Engine.transaction`).
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: EngineTransactionOptions = {}): Promise<T> {
    // A held connection's commits record no position: `consistency` applies to engine.transaction().
    const { retry, consistency: _consistency, ...transactionOptions } = options;
    const policy = retryPolicy(retry);
    const once = async (): Promise<T> => {
      const runner = await this.lease();
      if (runner.inTransaction) throw new AthanorError('this connection is already in a transaction: use tx.transaction() for a savepoint');
      return runTransaction(this.core, runner, fn, transactionOptions);
    };
    return policy ? runRetried(policy, once) : once();
  }

  // --- explicit transaction control, for callers that keep a transaction open across calls (ORM sessions) ---

  /** @internal BEGIN; pair with {@link commit} or {@link rollback}. Prefer {@link transaction}. */
  async begin(options: TransactionOptions = {}): Promise<void> {
    const runner = await this.lease();
    await runner.begin(options);
  }
  /** @internal */
  async commit(): Promise<void> {
    const runner = await this.lease();
    await runner.commit();
  }
  /** @internal */
  async rollback(): Promise<void> {
    const runner = await this.lease();
    await runner.rollback();
  }
  /** @internal */
  async savepoint(name: string): Promise<void> {
    const runner = await this.lease();
    await runner.control(this.core.dialect.savepointStatement(name));
  }
  /** @internal */
  async releaseSavepoint(name: string): Promise<void> {
    const runner = await this.lease();
    await runner.control(this.core.dialect.releaseSavepointStatement(name));
  }
  /** @internal */
  async rollbackToSavepoint(name: string): Promise<void> {
    const runner = await this.lease();
    await runner.control(this.core.dialect.rollbackToSavepointStatement(name));
  }
  /** @internal Rows as undecoded positional arrays, for the ORM's hydrators. */
  async runRaw(compiled: CompiledStatement): Promise<DriverResult> {
    const runner = await this.lease();
    return runner.runRaw(compiled);
  }
  /** @internal */
  async *streamRaw(compiled: CompiledStatement, batchSize: number): AsyncGenerator<unknown[][], void, undefined> {
    const runner = await this.lease();
    yield* runner.streamRaw(compiled, batchSize);
  }
  get dialect(): Dialect {
    return this.core.dialect;
  }

  /** Give the connection back to the engine. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.runner.release();
  }
}
