/**
 * mysql2 for MySQL and MariaDB: a pool (built from a URL or handed in).
 *
 * Statements go through `execute()`, the binary protocol with server-side
 * prepared statements: values are bound, never interpolated, and mysql2 keeps
 * a per-connection LRU of prepared statements. The few statements the server
 * refuses to prepare (ER_UNSUPPORTED_PS) fall back to the text protocol.
 *
 * Result-shaping options (rows as arrays, big numbers as strings, DATE as
 * text, DATETIME read as UTC) are passed with every statement, not only set on
 * the pool, so a pool the application configured differently still yields the
 * values the dialect expects.
 */

import { Readable } from 'node:stream';
import mysql from 'mysql2';
import type { Driver, DriverBatch, DriverConnection, DriverObjectResult, DriverResult, DriverUrlOptions } from '../../core/engine/driver.js';
import { ConnectionReleasedError, InvalidArgumentError } from '../../core/errors.js';

/** Per-statement options; see the module comment. */
const STATEMENT_OPTIONS = Object.freeze({
  rowsAsArray: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: ['DATE'] as ('DATE' | 'DATETIME' | 'TIMESTAMP')[],
  timezone: 'Z',
});

/** Pool settings for pools this driver builds. */
const POOL_DEFAULTS = Object.freeze({
  ...STATEMENT_OPTIONS,
  multipleStatements: false,
  // MySQL 8's JSON columns arrive parsed unless this is set, and the dialect's decoder parses JSON text: a JSON
  // string value ("abc") would be parsed twice. mysql2 reads this from the connection config only, not per statement.
  // (MariaDB's JSON is LONGTEXT and always arrives as text.)
  jsonStrings: true,
  // mysql2 keeps up to 16000 prepared statements per connection by default; the server's
  // max_prepared_stmt_count (16382) is shared by every connection, so keep well under it.
  maxPreparedStatements: 256,
});

/** The server cannot prepare this statement: run it through the text protocol instead. */
const ER_UNSUPPORTED_PS = 1295;

interface FieldLike {
  readonly name: string;
}

interface ResultHeader {
  readonly affectedRows: number;
  readonly insertId: number | string;
}

type Callback = (error: Error | null, result: unknown, fields: FieldLike[] | undefined) => void;

/** A command object; with no callback it can be streamed. */
interface Command {
  stream(options: { highWaterMark: number }): Readable;
  once(event: 'end', listener: () => void): unknown;
}

/** The parts of a core (callback-API) mysql2 connection the driver uses. */
interface CoreConnection {
  readonly threadId: number | null;
  execute(options: object, callback: Callback): unknown;
  execute(options: object): Command;
  query(options: object, callback: Callback): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  release(): void;
  destroy(): void;
}

/** The parts of a core pool the driver uses. */
interface CorePool {
  getConnection(callback: (error: Error | null, connection: CoreConnection) => void): void;
  end(callback: (error?: Error | null) => void): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly config: { readonly connectionLimit?: number };
}

/** mysql2 throws on `undefined`; bigint support in the binary protocol varies by version. */
function normalizeParams(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    let q: unknown = p;
    if (p === undefined) q = null;
    else if (typeof p === 'bigint') q = p.toString();
    else if (p instanceof Uint8Array && !Buffer.isBuffer(p)) q = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    if (q !== p) {
      out ??= params.slice();
      out[i] = q;
    }
  }
  return out ?? (params as unknown[]);
}

/** A statement's result; rows are arrays or objects, as the statement's `rowsAsArray` asked. */
interface SentResult<Row> {
  readonly columns: readonly string[];
  readonly rows: Row[];
  readonly rowCount: number;
  readonly lastInsertId?: number | bigint | undefined;
}

function toResult<Row>(result: unknown, fields: FieldLike[] | undefined): SentResult<Row> {
  if (Array.isArray(result)) {
    const columns = fields ? fields.map((f) => f.name) : [];
    return { columns, rows: result as Row[], rowCount: result.length };
  }
  const header = result as ResultHeader;
  const id = header.insertId;
  // insertId is 0 when nothing was generated; a string when it exceeds 2^53 (bigNumberStrings).
  const lastInsertId = typeof id === 'string' ? BigInt(id) : id === 0 ? undefined : id;
  return { columns: [], rows: [], rowCount: header.affectedRows ?? 0, lastInsertId };
}

class MysqlLease implements DriverConnection {
  readonly id: number;
  private released = false;
  private broken = false;
  private readonly onError = (): void => {
    // A fatal error while checked out: the running command rejects on its own;
    // without a listener the error event would crash the process.
    this.broken = true;
  };

  constructor(
    private readonly connection: CoreConnection,
    private readonly unpreparable: Set<string>,
  ) {
    this.id = connection.threadId ?? 0;
    connection.on('error', this.onError);
  }

  get lost(): boolean {
    return this.broken;
  }

  private check(): CoreConnection {
    if (this.released) throw new ConnectionReleasedError('MySQL connection used after it was released');
    return this.connection;
  }

  query(sql: string, params: readonly unknown[], _wantRows: boolean): Promise<DriverResult> {
    return this.send<unknown[]>(sql, { ...STATEMENT_OPTIONS, sql, values: normalizeParams(params) });
  }

  queryObjects(sql: string, params: readonly unknown[]): Promise<DriverObjectResult> {
    return this.send<Record<string, unknown>>(sql, { ...STATEMENT_OPTIONS, rowsAsArray: false, sql, values: normalizeParams(params) });
  }

  private send<Row>(sql: string, options: object): Promise<SentResult<Row>> {
    const connection = this.check();
    const viaTextProtocol = (resolve: (r: SentResult<Row>) => void, reject: (e: unknown) => void): void => {
      connection.query(options, (error, result, fields) => (error ? reject(error) : resolve(toResult<Row>(result, fields))));
    };
    return new Promise<SentResult<Row>>((resolve, reject) => {
      if (this.unpreparable.has(sql)) return viaTextProtocol(resolve, reject);
      connection.execute(options, (error, result, fields) => {
        if (!error) return resolve(toResult<Row>(result, fields));
        if ((error as { errno?: number }).errno === ER_UNSUPPORTED_PS) {
          this.unpreparable.add(sql);
          return viaTextProtocol(resolve, reject);
        }
        reject(error);
      });
    });
  }

  /**
   * mysql2's row stream with backpressure: the socket is paused while a full
   * batch waits for the consumer, so memory stays bounded by the batch size.
   */
  async *stream(sql: string, params: readonly unknown[], batchSize: number): AsyncIterable<DriverBatch> {
    const connection = this.check();
    const size = Math.max(1, Math.floor(batchSize));
    const command = connection.execute({ ...STATEMENT_OPTIONS, sql, values: normalizeParams(params) });
    const rows = command.stream({ highWaterMark: size });
    // A command without a callback never hears of a fatal error (mysql2 tells only the
    // connection): end the row stream with it, or the loop below would wait forever.
    let lostWith: Error | undefined;
    let settle = (): void => undefined;
    // Resolves once the server has sent the whole result, including rows nobody reads (or the connection is gone).
    const finished = new Promise<void>((resolve) => {
      settle = resolve;
      command.once('end', resolve);
    });
    const onLost = (error: Error): void => {
      lostWith = error;
      rows.destroy(error);
      settle();
    };
    connection.on('error', onLost);
    let columns: readonly string[] = [];
    rows.on('fields', (fields: FieldLike[]) => {
      columns = fields.map((f) => f.name);
    });
    let completed = false;
    try {
      let batch: unknown[][] = [];
      for await (const row of rows) {
        batch.push(row as unknown[]);
        if (batch.length >= size) {
          yield { columns, rows: batch };
          batch = [];
        }
      }
      if (batch.length > 0) yield { columns, rows: batch };
      completed = true;
    } finally {
      // Stopped early: the protocol has no way to cancel a result set, so the
      // rest is read and dropped before the connection can run anything else.
      if (!completed && !lostWith) {
        rows.destroy();
        await finished;
      }
      connection.removeListener('error', onLost);
    }
  }

  release(broken = false): void {
    if (this.released) return;
    this.released = true;
    this.connection.removeListener('error', this.onError);
    if (broken || this.broken) this.connection.destroy();
    else this.connection.release();
  }
}

/**
 * What a mysql2 driver connects through: `pool`, or `url` (with `poolConfig`).
 *
 * ```ts
 * import mysql from 'mysql2';
 * createMysqlDriver({ pool: mysql.createPool({ uri: url, ssl: { ca }, jsonStrings: true }) });
 * ```
 */
export interface MysqlDriverOptions {
  /** `mysql://user:password@host:port/database` (also `mariadb://`). */
  readonly url?: string;
  /**
   * An existing pool (callback API, or the `mysql2/promise` wrapper); the driver will not end it. On MySQL 8 create
   * it with `jsonStrings: true`, as pools built from `url` are, so JSON columns arrive as text and decode once.
   */
  readonly pool?: mysql.Pool | { readonly pool: mysql.Pool };
  /** Extra settings for a pool built from `url`. */
  readonly poolConfig?: mysql.PoolOptions;
}

/**
 * The mysql2 driver; made by {@link createMysqlDriver} (or by `createEngine()` from a `mysql://` or `mariadb://` URL).
 *
 * ```ts
 * import mysql from 'mysql2';
 * const pool = mysql.createPool({ uri: url });
 * const driver = new MysqlDriver({ pool });   // the same as createMysqlDriver({ pool })
 * ```
 */
export class MysqlDriver implements Driver {
  readonly library = 'mysql2';
  readonly poolSize: number;
  private readonly pool: CorePool;
  private readonly ownsPool: boolean;
  /** SQL texts the server refused to prepare, shared by all connections. */
  private readonly unpreparable = new Set<string>();
  private ended = false;

  constructor(options: MysqlDriverOptions) {
    if (options.pool) {
      const given = options.pool as unknown as { pool?: CorePool };
      this.pool = (given.pool ?? given) as CorePool;
      this.ownsPool = false;
    } else {
      if (!options.url) throw new InvalidArgumentError('the mysql2 driver needs a url or a pool', 'mysql2 driver', options);
      // mysql2 reads host, port, user, password and database from any scheme, mariadb:// included.
      this.pool = mysql.createPool({ ...POOL_DEFAULTS, ...options.poolConfig, uri: options.url }) as unknown as CorePool;
      this.pool.on('error', () => undefined);
      this.ownsPool = true;
    }
    this.poolSize = this.pool.config.connectionLimit ?? 10;
  }

  acquire(): Promise<DriverConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, connection) => {
        if (error) reject(error);
        else resolve(new MysqlLease(connection, this.unpreparable));
      });
    });
  }

  close(): Promise<void> {
    if (!this.ownsPool || this.ended) return Promise.resolve();
    this.ended = true;
    return new Promise((resolve, reject) => this.pool.end((error) => (error ? reject(error) : resolve())));
  }
}

/**
 * What `createEngine('mysql://…')` calls on first use (the `DriverModule` contract).
 *
 * ```ts
 * const driver = createDriverFromUrl('mysql://root@localhost/music', { poolSize: 5 });
 * ```
 */
export function createDriverFromUrl(url: string, options: DriverUrlOptions): Driver {
  return new MysqlDriver({ url, ...(options.poolSize !== undefined ? { poolConfig: { connectionLimit: options.poolSize } } : {}) });
}

/**
 * A driver around an existing pool (callback API, or the `mysql2/promise` wrapper), or a URL with pool settings.
 * A pool handed in is the application's: `engine.close()` leaves it open. Result shaping (rows as arrays, big
 * numbers as strings, DATE as text) is passed with every statement, so the pool's own settings do not matter, except
 * `jsonStrings: true` on MySQL 8 (see {@link MysqlDriverOptions.pool}).
 *
 * ```ts
 * import mysql from 'mysql2';
 * const pool = mysql.createPool({ uri: url, ssl: { ca }, jsonStrings: true });
 * const engine = createEngine({ driver: createMysqlDriver({ pool }), dialect: 'mysql' });   // or 'mysql' with flavor: 'mariadb'
 * ```
 */
export function createMysqlDriver(options: MysqlDriverOptions): Driver {
  return new MysqlDriver(options);
}
