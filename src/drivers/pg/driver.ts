/**
 * node-postgres: a `pg.Pool` (built from a URL or handed in), or one `pg.Client`.
 *
 * Type parsing is fixed per query through a private `TypeOverrides`, never by
 * changing the global `pg.types`, so Athanor neither depends on nor disturbs
 * how the rest of the application parses values:
 * - date (1082) stays `YYYY-MM-DD` text: a calendar date has no time zone;
 * - timestamp without time zone (1114) is read as UTC wall time;
 * - int8 (20) and numeric (1700) stay strings: the dialect decides.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import type { CopySource, Driver, DriverBatch, DriverConnection, DriverObjectResult, DriverResult, DriverUrlOptions } from '../../core/engine/driver.js';
import { Mutex } from '../../core/engine/mutex.js';
import { importOptionalPackage } from '../../core/engine/optional-package.js';
import { ConnectionReleasedError, InvalidArgumentError } from '../../core/errors.js';
import { needsReprepare, StatementCache } from './statement-cache.js';

const identity = (value: string): string => value;

/** @internal The parsers every Athanor query uses. */
export const athanorTypes = new pg.TypeOverrides();
athanorTypes.setTypeParser(pg.types.builtins.DATE, identity);
athanorTypes.setTypeParser(pg.types.builtins.TIMESTAMP, (value: string) =>
  // 'infinity' and BC dates have no Date; keep the text rather than an Invalid Date.
  /^\d{4}-/.test(value) ? new Date(`${value.replace(' ', 'T')}Z`) : value,
);
athanorTypes.setTypeParser(pg.types.builtins.INT8, identity);
athanorTypes.setTypeParser(pg.types.builtins.NUMERIC, identity);

/**
 * What a pg driver connects through: exactly one of `pool`, `client` or `url` (with `poolConfig`).
 *
 * ```ts
 * import pg from 'pg';
 * createPgDriver({ pool: new pg.Pool({ connectionString: url, ssl: { rejectUnauthorized: true, ca } }) });
 * ```
 */
export interface PgDriverOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url?: string;
  /** An existing pool; the driver will not end it. */
  readonly pool?: pg.Pool;
  /** A single existing, connected client; callers queue for it. The driver will not end it. */
  readonly client?: pg.Client;
  /** Extra settings for a pool built from `url` (size, timeouts, ssl). */
  readonly poolConfig?: pg.PoolConfig;
  /**
   * How many statement texts each connection keeps prepared (named prepared statements, least recently used out;
   * a text is prepared the second time the connection runs it). 0 runs every statement unnamed, as a transaction
   * pooler needs. Default {@link DEFAULT_PREPARED_STATEMENTS}.
   */
  readonly preparedStatements?: number;
}

/** Statement texts each connection keeps prepared unless told otherwise. */
export const DEFAULT_PREPARED_STATEMENTS = 100;

/** The pieces of `pg.PoolClient` / `pg.Client` a lease needs. */
interface PgClientLike {
  query: pg.ClientBase['query'];
  on(event: 'error' | 'end', listener: (err?: Error) => void): unknown;
  removeListener(event: 'error' | 'end', listener: (err?: Error) => void): unknown;
}

/** A statement as node-postgres takes it here, and what it gives back. */
interface PgQuery {
  readonly text: string;
  readonly values: unknown[];
  readonly rowMode?: 'array';
  readonly types: pg.CustomTypesConfig;
}
interface PgQueryResult {
  readonly fields: readonly pg.FieldDef[];
  readonly rows: unknown[];
  readonly rowCount: number | null;
}

function columnsOf(fields: readonly pg.FieldDef[]): string[] {
  const columns = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) columns[i] = fields[i]!.name;
  return columns;
}

let cursorSequence = 0;

class PgLease implements DriverConnection {
  readonly id: number;
  private released = false;
  /** Set when the connection failed while checked out; it must not go back to the pool. */
  private broken = false;
  private readonly onError = (): void => {
    // Without a listener an error on a checked-out client would crash the process;
    // the failing query rejects on its own, so only remember not to reuse the client.
    this.broken = true;
  };

  constructor(
    private readonly client: PgClientLike,
    private readonly giveBack: (broken: boolean) => void,
    /** This connection's named statements; undefined: every statement unnamed. */
    private readonly statements: StatementCache | undefined,
  ) {
    this.id = (client as { processID?: number | null }).processID ?? 0;
    client.on('error', this.onError);
    client.on('end', this.onError);
  }

  get lost(): boolean {
    return this.broken;
  }

  private check(): PgClientLike {
    if (this.released) throw new ConnectionReleasedError('PostgreSQL connection used after it was released');
    return this.client;
  }

  async query(sql: string, params: readonly unknown[], _wantRows: boolean): Promise<DriverResult> {
    const result = await this.run({ text: sql, values: params as unknown[], rowMode: 'array', types: athanorTypes });
    return { columns: columnsOf(result.fields), rows: result.rows as unknown[][], rowCount: result.rowCount ?? result.rows.length };
  }

  async queryObjects(sql: string, params: readonly unknown[]): Promise<DriverObjectResult> {
    const result = await this.run({ text: sql, values: params as unknown[], types: athanorTypes });
    return { columns: columnsOf(result.fields), rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? result.rows.length };
  }

  /** Run a statement, named when the connection's statement cache says so (see statement-cache.ts). */
  private async run(config: PgQuery): Promise<PgQueryResult> {
    const client = this.check() as unknown as { query(config: PgQuery & { name?: string }): Promise<PgQueryResult> };
    const name = this.statements?.nameFor(config.text);
    if (name === undefined) return await client.query(config);
    try {
      // Written out: a spread with a field after it is V8's slow object-clone path, once per statement here.
      return await client.query({ text: config.text, values: config.values, rowMode: config.rowMode, types: config.types, name });
    } catch (error) {
      if (!needsReprepare(error)) throw error;
      // The statement failed before it ran: once more, unnamed.
      this.statements!.forget(config.text);
      try {
        return await client.query(config);
      } catch (again) {
        // In a transaction the first failure aborted it; that failure is the one to report.
        throw (again as { code?: unknown }).code === '25P02' ? error : again;
      }
    }
  }

  /**
   * A server-side cursor: `DECLARE ... NO SCROLL CURSOR` and `FETCH n` until
   * exhausted. Cursors live in transactions, so one is opened (and committed)
   * around the cursor when the caller is not already inside one.
   */
  async *stream(sql: string, params: readonly unknown[], batchSize: number, inTransaction: boolean): AsyncIterable<DriverBatch> {
    const client = this.check();
    const cursor = `athanor_cursor_${++cursorSequence}`;
    const size = Math.max(1, Math.floor(batchSize));
    let began = false;
    let declared = false;
    let failed = false;
    try {
      if (!inTransaction) {
        await client.query('BEGIN');
        began = true;
      }
      await client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, values: params as unknown[] });
      declared = true;
      let columns: string[] | undefined;
      for (;;) {
        const result = await client.query({ text: `FETCH ${size} FROM ${cursor}`, rowMode: 'array', types: athanorTypes });
        columns ??= result.fields.map((f) => f.name);
        if (result.rows.length > 0) yield { columns, rows: result.rows };
        if (result.rows.length < size) break;
      }
    } catch (error) {
      failed = true;
      // An error aborts the transaction; ours is rolled back here, the caller's by the caller.
      if (began) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // Also reached when the consumer breaks out early: free the cursor and end our transaction.
      if (!failed) {
        if (declared) await client.query(`CLOSE ${cursor}`);
        if (began) await client.query('COMMIT');
      }
    }
  }

  async copyFrom(copySql: string, source: CopySource): Promise<number> {
    const client = this.check();
    // Loaded on first use: pg-copy-streams is an optional peer dependency, needed for COPY only.
    const copyStreams = await importOptionalPackage('PostgreSQL COPY (engine.copyFrom)', () => import('pg-copy-streams'));
    const from = copyStreams.from ?? (copyStreams as unknown as { default: typeof copyStreams }).default.from;
    const sink = client.query(from(copySql));
    await pipeline(Readable.from(source), sink);
    return sink.rowCount;
  }

  release(broken = false): void {
    if (this.released) return;
    this.released = true;
    this.client.removeListener('error', this.onError);
    this.client.removeListener('end', this.onError);
    this.giveBack(broken || this.broken);
  }
}

/**
 * The node-postgres driver; made by {@link createPgDriver} (or by `createEngine()` from a `postgres://` URL).
 *
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: url });
 * const driver = new PgDriver({ pool });   // the same as createPgDriver({ pool })
 * ```
 */
export class PgDriver implements Driver {
  readonly library = 'pg';
  readonly poolSize: number;
  private readonly pool: pg.Pool | undefined;
  private readonly client: pg.Client | undefined;
  private readonly clientMutex = new Mutex();
  private readonly ownsPool: boolean;
  private preparedStatements: number;
  /** Each client's named statements (a pooled client keeps them across checkouts, as the server does). */
  private readonly statementCaches = new WeakMap<PgClientLike, StatementCache>();

  constructor(options: PgDriverOptions) {
    const prepared = options.preparedStatements ?? DEFAULT_PREPARED_STATEMENTS;
    if (!Number.isInteger(prepared) || prepared < 0) {
      throw new InvalidArgumentError(`preparedStatements must be a whole number, 0 or more, got ${String(options.preparedStatements)}`, 'preparedStatements', options.preparedStatements);
    }
    this.preparedStatements = prepared;
    if (options.client) {
      this.client = options.client;
      this.poolSize = 1;
      this.ownsPool = false;
      return;
    }
    this.ownsPool = options.pool === undefined;
    if (options.pool) {
      this.pool = options.pool;
    } else {
      if (!options.url && !options.poolConfig) throw new InvalidArgumentError('the pg driver needs a url, a pool or a client', 'pg driver', options);
      this.pool = new pg.Pool({ ...(options.url ? { connectionString: options.url } : {}), ...options.poolConfig });
      // An idle client whose connection drops emits 'error' on the pool; pg-pool
      // already discards that client, and an unhandled 'error' would crash the process.
      this.pool.on('error', () => undefined);
    }
    this.poolSize = (this.pool.options as { max?: number }).max ?? 10;
  }

  async acquire(): Promise<DriverConnection> {
    if (this.client) {
      const client = this.client;
      const unlock = await this.clientMutex.lock();
      return new PgLease(
        client,
        (broken) => {
          if (!broken) return unlock();
          // The application's own client cannot be discarded: end whatever transaction its holder left open.
          client.query('ROLLBACK').then(unlock, unlock);
        },
        this.statementsOf(client),
      );
    }
    const client = await this.pool!.connect();
    return new PgLease(client, (broken) => client.release(broken), this.statementsOf(client));
  }

  /** Behind a transaction pooler: no more named statements (connections prepared so far keep theirs unused). */
  unnamedStatementsOnly(): void {
    this.preparedStatements = 0;
  }

  private statementsOf(client: pg.ClientBase): StatementCache | undefined {
    if (this.preparedStatements === 0) return undefined;
    let cache = this.statementCaches.get(client);
    if (cache === undefined) {
      cache = new StatementCache(client, this.preparedStatements);
      this.statementCaches.set(client, cache);
    }
    return cache;
  }

  async close(): Promise<void> {
    if (this.pool && this.ownsPool && !this.pool.ended && !this.pool.ending) await this.pool.end();
  }
}

/**
 * What `createEngine('postgres://…')` calls on first use (the `DriverModule` contract).
 *
 * ```ts
 * const driver = createDriverFromUrl('postgres://app@localhost/music', { poolSize: 5 });
 * ```
 */
export function createDriverFromUrl(url: string, options: DriverUrlOptions): Driver {
  return new PgDriver({
    url,
    ...(options.poolSize !== undefined ? { poolConfig: { max: options.poolSize } } : {}),
    ...(options.preparedStatements !== undefined ? { preparedStatements: options.preparedStatements } : {}),
  });
}

/**
 * A driver around an existing pool or client, or a URL with pool settings. A pool or client handed in is the
 * application's: `engine.close()` leaves it open. Athanor parses result values per query (its own type parsers),
 * so a pool whose `pg.types` the application changed still gives the dialect what it expects.
 *
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: url, ssl: { ca }, password: async () => iamToken() });
 * const engine = createEngine({ driver: createPgDriver({ pool }), dialect: 'postgres' });
 * createPgDriver({ url, poolConfig: { max: 20, idleTimeoutMillis: 10_000 } });
 * ```
 */
export function createPgDriver(options: PgDriverOptions): Driver {
  return new PgDriver(options);
}
