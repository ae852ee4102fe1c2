/**
 * The engine: a dialect plus a source of connections, and the front door for
 * running statements.
 *
 * ```ts
 * const engine = createEngine('postgres://app@localhost/music');
 * const rows = await engine.all(select(artist.c.id, artist.c.name).from(artist));
 * await engine.transaction(async (tx) => {
 *   await tx.execute(insert(artist).values({ name: 'Accept' }));
 * });
 * await engine.close();
 * ```
 * Engines are made by `createEngine()` (src/connect), which knows the URL
 * schemes, drivers and dialects; the engine itself runs statements over any
 * driver with any dialect, and loads nothing by name.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { Dialect, type DialectName, type TransactionOptions } from '../dialects/dialect.js';
import type { MysqlFlavor } from '../dialects/mysql/dialect.js';
import { AthanorError, ConnectionError, InvalidArgumentError } from '../errors.js';
import type { Driver, DriverConnection, DriverModule, DriverResult, DriverUrlOptions } from './driver.js';
import { Checkouts, type CheckoutPurpose } from './checkouts.js';
import { captureStack, ExecutionEvents, executionHooks, ReplicaFallback } from './events.js';
import { Connection, Executor, OpenTransaction, runTransaction, type EngineTransactionOptions, type Transaction } from './executor.js';
import { retryPolicy, runRetried } from './retry.js';
import { RowShaper } from './rows.js';
import { compileExecutable, Runner, type EngineCore } from './runner.js';
import { connectionError, redactUrl, translateError } from './translate-error.js';
import type { CompiledStatement } from '../compiler/compiled.js';
import type { PlaceholderValues, PreparedStatement } from './prepared.js';
import type { Executable, Result, RowOfStatement } from './result.js';
import type { ReadConsistency } from './replicas/consistency.js';
import { ReplicaSet, type ReplicaStats, type ReplicaStatus, type ReplicationOptions } from './replicas/replica-set.js';
import { recordPosition, RoutedConnection } from './replicas/routed-connection.js';

export interface EngineOptions {
  /** `sqlite::memory:`, `sqlite:path.db`, `postgres://...`, `mysql://...`, `mariadb://...`. */
  readonly url?: string;
  /** A driver built by hand (`createPgDriver({ pool })`); needs `dialect`. */
  readonly driver?: Driver;
  /** The dialect, as an instance or a name; a name of `'mysql'` detects MySQL vs MariaDB on connect. */
  readonly dialect?: Dialect | DialectName;
  /** MySQL family only: skip detection. */
  readonly flavor?: MysqlFlavor;
  /** SQLite: `PRAGMA foreign_keys = ON` on every connection. Default true. */
  readonly foreignKeys?: boolean;
  /** Most connections open at once (PostgreSQL, MySQL). */
  readonly poolSize?: number;
  /**
   * How long a call waits for a free connection before failing with a
   * `PoolTimeoutError`, in milliseconds; `Infinity` waits forever. Default
   * 30000. Applies to every dialect: SQLite's one connection is waited for too.
   *
   * ```ts
   * createEngine('postgres://app@localhost/music', { poolSize: 10, acquireTimeoutMs: 5000 });
   * ```
   */
  readonly acquireTimeoutMs?: number;
  /**
   * Record where each connection is checked out (a stack capture per
   * checkout, some microseconds), so a pool timeout lists the holders and a
   * leaked connection's warning names the line that took it. Default false;
   * the first leak turns it on for the engine.
   */
  readonly trackCheckouts?: boolean;
  /**
   * SQLite: how long a statement waits for a lock another connection holds
   * (another process, or another engine on the same file) before failing
   * with a `LockTimeoutError`, in milliseconds. The wait is asynchronous:
   * the event loop keeps running. Default 5000.
   *
   * ```ts
   * createEngine('sqlite:data/app.db', { busyTimeoutMs: 2000 });
   * ```
   */
  readonly busyTimeoutMs?: number;
  /**
   * PostgreSQL behind a transaction pooler (pgbouncer with `pool_mode = transaction`), where each transaction,
   * and each statement outside one, may run on another server connection, shared with other clients. The engine
   * then refuses statements that would leave state on a server connection after their transaction (a `SET`, a
   * session advisory lock, a temporary table without `ON COMMIT DROP`, `PREPARE`, `LISTEN`: see
   * `Dialect.sessionStateOf`), naming the form that ends with the transaction, and the migrator takes its lock per
   * transaction (`pg_advisory_xact_lock`, `SET LOCAL lock_timeout`), and every statement goes out unnamed (no
   * {@link EngineOptions.preparedStatements}; `engine.prepare()` included). Everything else works unchanged: Athanor
   * streams through cursors inside a transaction and sets nothing on its connections.
   *
   * ```ts
   * createEngine('postgres://app@pgbouncer:6432/music', { pooler: 'transaction' });
   * ```
   */
  readonly pooler?: 'transaction';
  /**
   * PostgreSQL: how many statement texts each connection keeps prepared on the server (named prepared statements,
   * least recently used out). A text is prepared the second time a connection runs it, so its later runs skip
   * parsing and planning. Default 100; 0 runs everything unnamed; always 0 behind `pooler: 'transaction'`. Other
   * databases ignore it (better-sqlite3 and mysql2 keep their own statement caches).
   *
   * ```ts
   * createEngine('postgres://app@db/music', { preparedStatements: 500 });
   * ```
   */
  readonly preparedStatements?: number;
  /**
   * The primary's URL, for an engine with read replicas (`url` by another name: give one or the other).
   *
   * ```ts
   * createEngine({ primary: 'postgres://app@db-primary/music', replicas: ['postgres://app@db-replica-1/music'] });
   * ```
   */
  readonly primary?: string;
  /**
   * Read replicas of the primary, as URLs (or, with `driver` for the primary, drivers built by hand): reads
   * outside a write transaction go to one that has replayed the reader's last commit, everything else to the
   * primary (see docs/scaling.md, "Read replicas"). PostgreSQL streaming replicas and MariaDB GTID replicas.
   *
   * ```ts
   * const engine = createEngine({
   *   primary: 'postgres://app@db1/music',
   *   replicas: ['postgres://app@db2/music', 'postgres://app@db3/music'],
   *   replication: { maxLagMs: 5000 },
   * });
   * await engine.all(select(artist.c.name).from(artist));   // on a replica
   * await engine.execute(insert(artist).values({ name: 'Accept' }));   // on the primary
   * ```
   */
  readonly replicas?: readonly (string | Driver)[];
  /** How replicas are judged: lag bound, retry delay, position cache (see {@link ReplicationOptions}). */
  readonly replication?: ReplicationOptions;
}

/**
 * How a session's connection is routed on an engine with replicas.
 *
 * ```ts
 * await engine.connectForSession({ primary: true });   // every statement on the primary
 * ```
 * @internal
 */
export interface SessionConnectOptions {
  /** Every statement on the primary. */
  readonly primary?: boolean;
  /** The position the session's reads must see; moved forward by its commits. */
  readonly consistency?: ReadConsistency;
}

/** The default wait for a free connection (SQLAlchemy's `pool_timeout`). */
const DEFAULT_ACQUIRE_TIMEOUT_MS = 30_000;

function checkedTimeout(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive number of milliseconds (or Infinity), got ${String(value)}`, name, value);
  }
  return value;
}

/**
 * @internal A dialect the server decides (MySQL or MariaDB behind one
 * `mysql://` URL): the engine runs `sql` on its first connection and takes
 * the dialect `choose` makes of the first value.
 */
export interface DialectProbe {
  /** Classifies a failure to connect before the server has answered. */
  readonly provisional: Dialect;
  readonly sql: string;
  choose(answer: unknown): Dialect;
}

/** @internal What `createEngine()` hands an engine: the options, with the dialect settled or to be asked for. */
export interface EngineSetup extends EngineOptions {
  /** For messages, before the dialect is known. */
  readonly dialectName: DialectName;
  readonly resolved: Dialect | DialectProbe;
  /** Loads the driver module for `url` (none when a driver was given). */
  readonly load?: () => Promise<DriverModule>;
  /** Read replicas: each a URL with its driver module, or a driver. */
  readonly replicaSetups?: readonly ReplicaSetup[];
  /** A replica's engine shares its primary's listeners and id. */
  readonly events?: ExecutionEvents;
  readonly sharedId?: number;
  /** Where its statements run, for events: `'primary'` (the default) or `'replica:<n>'`. */
  readonly statementTarget?: string;
}

/** @internal One replica as `createEngine()` hands it over. */
export interface ReplicaSetup {
  readonly url?: string;
  readonly driver?: Driver;
  readonly load?: () => Promise<DriverModule>;
}

/** Engines whose only connection the current async context holds (single-connection drivers). */
const holding = new AsyncLocalStorage<ReadonlySet<Engine>>();

let nextEngineId = 1;

export class Engine extends Executor implements EngineCore {
  /** Tells engines apart in events. */
  readonly id: number;
  /** Statement listeners for this engine (its replicas' statements included); see also `executionHooks` for all engines. */
  readonly events: ExecutionEvents;
  /** @internal Where this engine's statements run, for events: `'primary'`, or `'replica:<n>'` for a replica's. */
  readonly statementTarget: string;
  private readonly replicaSet: ReplicaSet<Engine> | undefined;
  private pinnedView: PrimaryExecutor | undefined;
  private currentDialect: Dialect | undefined;
  private currentShaper: RowShaper | undefined;
  private driver: Driver | undefined;
  private readying: Promise<void> | undefined;
  private isReady = false;
  private closed = false;
  private readonly target: string;
  /** How long a call waits for a free connection, in milliseconds (see {@link EngineOptions.acquireTimeoutMs}). */
  readonly acquireTimeoutMs: number;
  private readonly checkouts: Checkouts;
  private readonly probe: DialectProbe | undefined;
  /** The pooler between this engine and the server (see {@link EngineOptions.pooler}); undefined: none. */
  readonly pooler: 'transaction' | undefined;

  /** @internal Use `createEngine()`. */
  constructor(private readonly options: EngineSetup) {
    super();
    this.id = options.sharedId ?? nextEngineId++;
    this.events = options.events ?? new ExecutionEvents();
    this.statementTarget = options.statementTarget ?? 'primary';
    this.driver = options.driver;
    this.target = options.url ? redactUrl(options.url) : `a ${options.dialectName} database`;
    this.acquireTimeoutMs = checkedTimeout('acquireTimeoutMs', options.acquireTimeoutMs, DEFAULT_ACQUIRE_TIMEOUT_MS);
    if (options.busyTimeoutMs !== undefined && !(options.busyTimeoutMs >= 0)) {
      throw new InvalidArgumentError(`busyTimeoutMs must be a number of milliseconds, 0 or more, got ${String(options.busyTimeoutMs)}`, 'busyTimeoutMs', options.busyTimeoutMs);
    }
    if (options.pooler !== undefined && options.pooler !== 'transaction') {
      throw new InvalidArgumentError(`pooler must be 'transaction' (or left out), got ${String(options.pooler)}`, 'pooler', options.pooler);
    }
    this.pooler = options.pooler;
    const prepared = options.preparedStatements;
    if (prepared !== undefined && !(Number.isInteger(prepared) && prepared >= 0)) {
      throw new InvalidArgumentError(`preparedStatements must be a whole number, 0 or more, got ${String(prepared)}`, 'preparedStatements', prepared);
    }
    if (options.pooler !== undefined && prepared !== undefined && prepared > 0) {
      throw new InvalidArgumentError(
        `preparedStatements cannot be used with pooler: 'transaction' (a statement prepared on one server connection is unknown to the next); leave it out`,
        'preparedStatements',
        options.preparedStatements,
      );
    }
    if (options.pooler !== undefined) this.driver?.unnamedStatementsOnly?.();
    this.checkouts = new Checkouts({
      acquireTimeoutMs: this.acquireTimeoutMs,
      trackCheckouts: options.trackCheckouts ?? false,
      target: this.target,
    });
    if (options.resolved instanceof Dialect) this.setDialect(options.resolved);
    else this.probe = options.resolved;
    this.replicaSet = this.replicasOf(options);
    if (this.replicaSet && this.currentDialect) this.settleReplicas(this.currentDialect);
    this.isReady = this.driver !== undefined && this.currentDialect !== undefined;
  }

  private replicasOf(options: EngineSetup): ReplicaSet<Engine> | undefined {
    const setups = options.replicaSetups;
    if (!setups || setups.length === 0) return undefined;
    const engines = setups.map(
      (replica, i) =>
        new Engine({
          ...(replica.url !== undefined ? { url: replica.url } : {}),
          ...(replica.driver ? { driver: replica.driver } : {}),
          ...(replica.load ? { load: replica.load } : {}),
          ...(options.foreignKeys !== undefined ? { foreignKeys: options.foreignKeys } : {}),
          ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
          ...(options.acquireTimeoutMs !== undefined ? { acquireTimeoutMs: options.acquireTimeoutMs } : {}),
          ...(options.trackCheckouts !== undefined ? { trackCheckouts: options.trackCheckouts } : {}),
          ...(options.pooler !== undefined ? { pooler: options.pooler } : {}),
          ...(options.flavor !== undefined ? { flavor: options.flavor } : {}),
          dialectName: options.dialectName,
          resolved: options.resolved,
          events: this.events,
          sharedId: this.id,
          statementTarget: `replica:${i}`,
        }),
    );
    return new ReplicaSet(engines, options.replication);
  }

  private settleReplicas(dialect: Dialect): void {
    const flavor = dialect.name === 'mysql' ? `MySQL (its GTID sets are not MariaDB's; MariaDB is supported)` : dialect.name;
    this.replicaSet!.settle(dialect.name, dialect.replication, flavor);
    this.replicaSet!.onFallback = (required, lagMs) => {
      if (!this.events.active && !executionHooks.active) return;
      const event = new ReplicaFallback(this.id, dialect.name, required, lagMs, captureStack());
      this.events.emit('replicaFallback', event);
      executionHooks.emit('replicaFallback', event);
    };
  }

  private setDialect(dialect: Dialect | undefined): void {
    if (dialect && this.pooler && !dialect.capabilities.transactionPooling) {
      throw new InvalidArgumentError(
        `pooler: 'transaction' is for PostgreSQL behind a transaction pooler (pgbouncer); ${dialect.name} cannot run its transactions there ` +
          `(its transaction options go out as a statement of their own, which may reach another server connection)`,
        'pooler',
        this.pooler,
      );
    }
    this.currentDialect = dialect;
    this.currentShaper = dialect ? new RowShaper(dialect) : undefined;
  }

  /**
   * The dialect. Known at once except for a `mysql://` URL, where the server
   * decides between MySQL and MariaDB: `await engine.ready()` first (or use
   * `mariadb://`, or the `flavor` option).
   */
  get dialect(): Dialect {
    if (!this.currentDialect) {
      throw new AthanorError(`the dialect of ${this.target} is not known until it connects: await engine.ready() first`);
    }
    return this.currentDialect;
  }

  /** @internal */
  get shaper(): RowShaper {
    return this.currentShaper!;
  }

  /**
   * Load the driver, connect once, and settle the dialect. Every call runs it
   * implicitly; call it at startup to fail fast on a wrong URL or a server
   * that is down. A failure is not cached: the next call tries again.
   */
  ready(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    if (this.closed) return Promise.reject(new ConnectionError(`the engine for ${this.target} is closed`));
    this.readying ??= this.connectFirst().then(
      () => {
        this.isReady = true;
      },
      (error: unknown) => {
        this.readying = undefined;
        throw error;
      },
    );
    return this.readying;
  }

  private async connectFirst(): Promise<void> {
    if (!this.driver) {
      const module = await this.options.load!();
      const urlOptions: DriverUrlOptions = {
        ...(this.options.foreignKeys !== undefined ? { foreignKeys: this.options.foreignKeys } : {}),
        ...(this.options.poolSize !== undefined ? { poolSize: this.options.poolSize } : {}),
        ...(this.options.busyTimeoutMs !== undefined ? { busyTimeoutMs: this.options.busyTimeoutMs } : {}),
        ...(this.pooler !== undefined ? { preparedStatements: 0 } : this.options.preparedStatements !== undefined ? { preparedStatements: this.options.preparedStatements } : {}),
      };
      this.driver = module.createDriverFromUrl(this.options.url!, urlOptions);
    }
    const connection = await this.connectDriver(this.driver);
    try {
      if (!this.currentDialect && this.probe) {
        // The server says which dialect it speaks (MySQL or MariaDB).
        const sql = this.probe.sql;
        let answer: unknown;
        try {
          const result = await connection.query(sql, [], true);
          answer = result.rows[0]?.[0];
        } catch (error) {
          throw translateError(undefined, error, sql, []);
        }
        this.setDialect(this.probe.choose(answer));
        if (this.replicaSet) this.settleReplicas(this.currentDialect!);
      }
    } finally {
      await connection.release();
    }
  }

  private async connectDriver(driver: Driver): Promise<DriverConnection> {
    this.checkouts.poolSize = driver.poolSize;
    try {
      return this.checkouts.tryAcquire(driver) ?? (await this.checkouts.acquire(driver));
    } catch (error) {
      // Before the server has said which dialect it speaks, the provisional one classifies the failure.
      throw connectionError(driver.library, this.target, error, this.currentDialect ?? this.probe?.provisional);
    }
  }

  /** @internal */
  protected async lease(purpose: CheckoutPurpose = 'statement'): Promise<Runner> {
    const origin = this.checkouts.origin(purpose);
    if (!this.isReady) await this.ready();
    if (this.closed) throw new ConnectionError(`the engine for ${this.target} is closed`);
    const driver = this.driver!;
    if (driver.poolSize === 1 && holding.getStore()?.has(this)) {
      throw new AthanorError(
        `this engine has a single connection, held by the transaction around this call; ` +
          `waiting for it would never end. Run the statement on the transaction (tx.execute(...)) instead of the engine.`,
      );
    }
    const runner = new Runner(this, await this.connectDriver(driver));
    this.checkouts.checkedOutBy(runner, purpose, origin);
    return runner;
  }

  /** @internal */
  protected async unlease(runner: Runner): Promise<void> {
    await runner.release();
  }

  /** @internal A runner on this engine's own server (the primary's, or a replica's for a replica's engine); release it. */
  leaseRunner(purpose: CheckoutPurpose): Promise<Runner> {
    return this.lease(purpose);
  }

  /** @internal One statement on a connection of its own, rows undecoded (replica status probes). */
  async runRawOnce(compiled: CompiledStatement): Promise<DriverResult> {
    const runner = await this.lease();
    try {
      return await runner.runRaw(compiled);
    } finally {
      await runner.release();
    }
  }

  /** True when `statement` only reads, so a replica may run it. */
  private routable(statement: Executable): boolean {
    const chunks = compileExecutable(this.dialect, statement);
    return chunks.length === 1 && chunks[0]!.readOnly === true;
  }

  /**
   * Run a statement. On an engine with read replicas a read (a SELECT that locks nothing) goes to a replica in
   * rotation and everything else to the primary; see `Executor.execute`.
   *
   * ```ts
   * await engine.execute(select(artist.c.name).from(artist));   // target 'replica:0'
   * await engine.primary.execute(select(artist.c.name).from(artist));   // target 'primary'
   * ```
   */
  override execute<S extends Executable>(statement: S): Promise<Result<RowOfStatement<S>>> {
    return this.executeWith(statement, undefined);
  }

  /** @internal {@link execute}, its reads seeing `consistency` and its writes moving it forward. */
  async executeWith<S extends Executable>(statement: S, consistency: ReadConsistency | undefined): Promise<Result<RowOfStatement<S>>> {
    const set = this.replicaSet;
    if (set === undefined) return super.execute(statement);
    if (!this.isReady) await this.ready();
    const routable = this.routable(statement);
    if (!routable || consistency?.primaryOnly === true) {
      if (!consistency || routable) return super.execute(statement);
      const runner = await this.lease();
      try {
        const result = await runner.execute<RowOfStatement<S>>(statement);
        await recordPosition(runner, set, consistency);
        return result;
      } finally {
        await runner.release();
      }
    }
    consistency?.check(this.dialect.name, set.positions!);
    return set.read(consistency?.position, (node) => node.engine.execute(statement), () => super.execute(statement));
  }

  /** @internal */
  override runPrepared<Row>(prepared: PreparedStatement<Row>, values: PlaceholderValues): Promise<Result<Row>> {
    return this.runPreparedWith(prepared, values, undefined);
  }

  /** @internal {@link runPrepared}, its reads seeing `consistency`. */
  async runPreparedWith<Row>(prepared: PreparedStatement<Row>, values: PlaceholderValues, consistency: ReadConsistency | undefined): Promise<Result<Row>> {
    const set = this.replicaSet;
    if (set === undefined) return super.runPrepared(prepared, values);
    if (!this.isReady) await this.ready();
    if (prepared.bind(values, this.dialect).readOnly !== true || consistency?.primaryOnly === true) {
      // A prepared write with a consistency: run it through executeWith so its position is kept.
      if (consistency) return this.executeWith(prepared.bind(values, this.dialect), consistency) as Promise<Result<Row>>;
      return super.runPrepared(prepared, values);
    }
    consistency?.check(this.dialect.name, set.positions!);
    return set.read(consistency?.position, (node) => node.engine.runPrepared(prepared, values), () => super.runPrepared(prepared, values));
  }

  /**
   * Statements whose reads see `consistency` (the commits it has recorded, or a token from an earlier request):
   * reads go to a replica that has replayed that far, else to the primary; writes and transactions go to the
   * primary and move it forward. The Core counterpart of an ORM session's read-your-writes. The engine itself
   * when it has no replicas (the consistency is then never needed).
   *
   * ```ts
   * const reads = engine.consistent(new ReadConsistency(cookies['athanor-rw']));
   * await reads.execute(insert(artist).values({ name: 'Accept' }));      // primary; the position is kept
   * await reads.all(select(artist.c.name).from(artist));                  // sees the insert
   * setCookie('athanor-rw', reads.consistency.token() ?? '');
   * ```
   */
  consistent(consistency: ReadConsistency): ConsistentExecutor {
    return new ConsistentExecutor(this, consistency);
  }

  /**
   * This engine's primary: statements on it never go to a replica. The engine itself when it has no replicas.
   *
   * ```ts
   * const plays = await engine.primary.scalar(select(song.c.plays).from(song).where(song.c.id.eq(7)));
   * ```
   */
  get primary(): PrimaryExecutor {
    this.pinnedView ??= new PrimaryExecutor(this);
    return this.pinnedView;
  }

  /**
   * Where reads went (replica or primary, and the primary fallbacks of read-your-writes), or undefined for an
   * engine without replicas.
   *
   * ```ts
   * engine.replicaStats; // { replicaReads: 950, primaryReads: 50, fallbacks: 12, probes: 40, failures: 0 }
   * ```
   */
  get replicaStats(): ReplicaStats | undefined {
    return this.replicaSet?.stats;
  }

  /**
   * Each replica's health as last seen: in rotation or not, its replayed position and lag, and the error that took
   * it out. Empty for an engine without replicas.
   *
   * ```ts
   * engine.replicaStatus(); // [{ target: 'replica:0', healthy: false, lastError: ConnectionError(...), ... }]
   * ```
   */
  replicaStatus(): ReplicaStatus[] {
    return this.replicaSet?.status() ?? [];
  }

  /** @internal */
  checkedIn(runner: Runner): void {
    this.checkouts.checkedIn(runner);
  }

  /**
   * Run `fn` in a transaction: COMMIT when it resolves, ROLLBACK (and rethrow)
   * when it throws. Nest with `tx.transaction()` for savepoints.
   *
   * ```ts
   * await engine.transaction(async (tx) => {
   *   const { id } = await tx.one(insert(artist).values({ name: 'Accept' }).returning(artist.c.id));
   *   await tx.execute(insert(song).values({ title: 'Balls to the Wall', artistId: id }));
   * }, { isolation: 'serializable' });
   * // PostgreSQL: BEGIN ISOLATION LEVEL SERIALIZABLE; INSERT ...; INSERT ...; COMMIT
   * ```
   *
   * With `retry`, a transaction that loses to a concurrent one (a serialization failure, also at COMMIT; a
   * deadlock; SQLite's busy lock) is rolled back and `fn` runs again from the start, on a connection taken anew,
   * after a jittered backoff; see {@link RetryOptions}. `fn` must then be safe to run more than once: keep side
   * effects outside the database (emails, queues) out of it.
   *
   * ```ts
   * await engine.transaction(work, { isolation: 'serializable', retry: { attempts: 5 } });
   * // BEGIN ISOLATION LEVEL SERIALIZABLE; ...; COMMIT  -- 40001: ROLLBACK, wait 0-10 ms, BEGIN ...; COMMIT
   * ```
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: EngineTransactionOptions = {}): Promise<T> {
    const { retry, consistency, ...transactionOptions } = options;
    const policy = retryPolicy(retry);
    if (policy) return runRetried(policy, () => this.transactionOnce(fn, transactionOptions, consistency));
    return this.transactionOnce(fn, transactionOptions, consistency);
  }

  private async transactionOnce<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions, consistency: ReadConsistency | undefined): Promise<T> {
    const runner = await this.lease('transaction');
    try {
      let value: T;
      if (this.driver!.poolSize !== 1) {
        value = await runTransaction(this, runner, fn, options);
      } else {
        // Remember that this async context holds the only connection, to turn a deadlock into an error.
        const held = new Set(holding.getStore() ?? []).add(this);
        value = await holding.run(held, () => runTransaction(this, runner, fn, options));
      }
      if (consistency && this.replicaSet) await recordPosition(runner, this.replicaSet, consistency);
      return value;
    } finally {
      await this.unlease(runner);
    }
  }

  /**
   * BEGIN a transaction that stays open until its `commit()` or `rollback()`:
   * for work that cannot sit inside one callback, as a test that opens it in
   * `beforeEach` and rolls it back in `afterEach`. ORM sessions join it with
   * `database(tx)` (their commits become savepoint releases). It holds one
   * connection until it ends; on SQLite that is the engine's only one, so run
   * statements on `tx`, not on the engine, meanwhile.
   *
   * ```ts
   * const tx = await engine.openTransaction();     // BEGIN
   * await database(tx).session(async (s) => s.add(new Artist({ name: 'Accept' })));
   * // SAVEPOINT athanor_session_1; INSERT INTO "artist" ...; RELEASE SAVEPOINT athanor_session_1
   * await tx.rollback();                            // ROLLBACK: the artist is gone
   * ```
   */
  async openTransaction(options: TransactionOptions = {}): Promise<OpenTransaction> {
    const runner = await this.lease('openTransaction');
    try {
      await runner.begin(options);
    } catch (error) {
      await this.unlease(runner);
      throw error;
    }
    return new OpenTransaction(this, runner, (r) => this.unlease(r));
  }

  /**
   * How many connections this engine has checked out right now (held by
   * sessions, transactions, streams, `engine.connect()`, or running a
   * statement): 0 once everything is released. A test's check that a request,
   * a job or a session left nothing held.
   *
   * ```ts
   * await fetch(`${base}/users`);
   * assert.equal(engine.connectionsCheckedOut, 0);
   * ```
   */
  get connectionsCheckedOut(): number {
    let out = this.checkouts.checkedOut;
    for (const node of this.replicaSet?.nodes ?? []) out += node.engine.connectionsCheckedOut;
    return out;
  }

  /**
   * @internal A held connection for an ORM session (which opens and ends its own transaction). With replicas, a
   * routed one: reads on a replica that has replayed `options.consistency`, the rest on the primary.
   */
  async connectForSession(options: SessionConnectOptions = {}): Promise<Connection | RoutedConnection> {
    const set = this.replicaSet;
    if (set) {
      if (!this.isReady) await this.ready();
      options.consistency?.check(this.dialect.name, set.positions!);
      return new RoutedConnection(this, set, options.consistency, options.primary === true);
    }
    return new Connection(this, await this.lease('session'));
  }

  /**
   * Check a connection out and hold it until `release()`. A connection
   * dropped without release is reported (an `ATH_CONNECTION_LEAK` warning)
   * when it is garbage collected, and goes back to the pool rolled back.
   */
  async connect(): Promise<Connection> {
    return new Connection(this, await this.lease('connect'));
  }

  /** Close every connection. Pools and databases handed in by the application stay open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.checkouts.close();
    if (this.readying) await this.readying.catch(() => undefined);
    await Promise.all([this.driver?.close(), ...(this.replicaSet?.nodes ?? []).map((node) => node.engine.close())]);
  }
}

/**
 * Statements of an engine whose reads see a {@link ReadConsistency}: `engine.consistent(consistency)`. Reads go to
 * a replica that has replayed the consistency's position, else to the primary; writes and transactions go to the
 * primary and move the position forward.
 *
 * ```ts
 * const reads = engine.consistent(new ReadConsistency());
 * await reads.transaction(async (tx) => { await tx.execute(insert(artist).values({ name: 'Accept' })); });
 * await reads.all(select(artist.c.name).from(artist)); // includes 'Accept', from a replica once it has replayed it
 * ```
 */
export class ConsistentExecutor extends Executor {
  /** @internal */
  constructor(
    private readonly engine: Engine,
    /** The position its reads must see; moved forward by its writes. */
    readonly consistency: ReadConsistency,
  ) {
    super();
  }

  /** @internal */
  protected lease(purpose: CheckoutPurpose = 'statement'): Promise<Runner> {
    return this.engine.leaseRunner(purpose);
  }

  /** @internal */
  protected async unlease(runner: Runner): Promise<void> {
    await runner.release();
  }

  /** Run a statement: a read where the consistency allows, a write on the primary (its position then kept). */
  override execute<S extends Executable>(statement: S): Promise<Result<RowOfStatement<S>>> {
    return this.engine.executeWith(statement, this.consistency);
  }

  /** @internal */
  override runPrepared<Row>(prepared: PreparedStatement<Row>, values: PlaceholderValues): Promise<Result<Row>> {
    return this.engine.runPreparedWith(prepared, values, this.consistency);
  }

  /** A transaction on the primary; its commit moves the consistency forward. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options: EngineTransactionOptions = {}): Promise<T> {
    return this.engine.transaction(fn, { ...options, consistency: this.consistency });
  }
}

/**
 * An engine's primary, as `engine.primary`: the statements of {@link Executor} and transactions, never routed to
 * a replica. For a read that must see the latest data whatever the replicas have replayed.
 *
 * ```ts
 * await engine.primary.transaction(async (tx) => { ... });   // as engine.transaction()
 * const n = await engine.primary.scalar(select({ n: count() }).from(artist));
 * ```
 */
export class PrimaryExecutor extends Executor {
  /** @internal */
  constructor(private readonly engine: Engine) {
    super();
  }

  /** @internal */
  protected lease(purpose: CheckoutPurpose = 'statement'): Promise<Runner> {
    return this.engine.leaseRunner(purpose);
  }

  /** @internal */
  protected async unlease(runner: Runner): Promise<void> {
    await runner.release();
  }

  /** A transaction on the primary: `engine.transaction()`. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options: EngineTransactionOptions = {}): Promise<T> {
    return this.engine.transaction(fn, options);
  }
}
