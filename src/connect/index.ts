/**
 * Connecting: which driver and dialect a database URL means, and the
 * `createEngine()` that puts them together.
 *
 * This module sits above Core and the drivers, so neither knows the other:
 * the engine (`src/core/engine`) runs statements over any `Driver` with any
 * `Dialect`, drivers (`src/drivers`) know no SQL flavour, and the table from
 * URL scheme to driver module and dialect is here, open to more schemes
 * through {@link registerDriver}. Driver modules are loaded with `import()`
 * on an engine's first use, so an application on PostgreSQL never loads
 * better-sqlite3.
 */

import { Dialect, type DialectName } from '../core/dialects/dialect.js';
import { MysqlDialect, type MysqlFlavor } from '../core/dialects/mysql/dialect.js';
import { PostgresDialect } from '../core/dialects/postgres/dialect.js';
import { SqliteDialect } from '../core/dialects/sqlite/dialect.js';
import type { DriverModule } from '../core/engine/driver.js';
import type { Driver } from '../core/engine/driver.js';
import { Engine, type DialectProbe, type EngineOptions, type ReplicaSetup } from '../core/engine/engine.js';
import { redactUrl } from '../core/engine/translate-error.js';
import { importOptionalPackage } from '../core/engine/optional-package.js';
import { AthanorError, ConfigError, InvalidArgumentError, ReplicationConfigError } from '../core/errors.js';

/**
 * What a URL scheme stands for: the dialect its databases speak and the
 * module whose `createDriverFromUrl` connects to them.
 */
export interface DriverRegistration {
  /**
   * The dialect: a built-in one by name (`'mysql'` asks the server whether
   * it is MySQL or MariaDB, unless `flavor` says), or a function making a
   * dialect for each engine (dialects hold per-engine statement caches).
   */
  readonly dialect: DialectName | (() => Dialect);
  /** MySQL family only: the flavor, so the server need not be asked. */
  readonly flavor?: MysqlFlavor;
  /** Loads the driver module, on an engine's first use. */
  readonly load: () => Promise<DriverModule>;
}

/**
 * Drivers by URL scheme. Literal `import()` calls, so bundlers can see them,
 * and each runs only when its scheme is used.
 */
const schemes = new Map<string, DriverRegistration>([
  ['sqlite', { dialect: 'sqlite', load: () => import('../drivers/better-sqlite3/index.js') }],
  ['postgres', { dialect: 'postgres', load: () => import('../drivers/pg/index.js') }],
  ['postgresql', { dialect: 'postgres', load: () => import('../drivers/pg/index.js') }],
  ['mysql', { dialect: 'mysql', load: () => import('../drivers/mysql2/index.js') }],
  ['mariadb', { dialect: 'mysql', flavor: 'mariadb', load: () => import('../drivers/mysql2/index.js') }],
]);

const SCHEME = /^[a-z][a-z0-9+.-]*$/;

/**
 * Let `createEngine()` open URLs of another scheme (or route a known one to
 * another driver): `scheme` is the part before the colon, any case. The
 * module `load` resolves to must export `createDriverFromUrl(url, options)`
 * returning a `Driver`. Registering a scheme again replaces it.
 *
 * ```ts
 * registerDriver('cockroach', { dialect: 'postgres', load: () => import('./my-cockroach-driver.js') });
 * const engine = createEngine('cockroach://root@localhost:26257/app');
 * ```
 */
export function registerDriver(scheme: string, registration: DriverRegistration): void {
  const name = typeof scheme === 'string' ? scheme.toLowerCase() : '';
  if (!SCHEME.test(name)) throw new InvalidArgumentError(`registerDriver(): a URL scheme is a letter then letters, digits, "+", "-" or ".", got ${JSON.stringify(scheme)}`, 'registerDriver', scheme);
  if (typeof registration?.load !== 'function') throw new InvalidArgumentError(`registerDriver("${name}"): load must be a function importing the driver module`, 'registerDriver', registration);
  const dialect: unknown = registration.dialect;
  if (typeof dialect !== 'function' && dialect !== 'sqlite' && dialect !== 'postgres' && dialect !== 'mysql') {
    throw new InvalidArgumentError(`registerDriver("${name}"): dialect must be 'sqlite', 'postgres', 'mysql' or a function returning a Dialect, got ${JSON.stringify(dialect)}`, 'registerDriver', dialect);
  }
  schemes.set(name, registration);
}

function registrationFor(url: string): DriverRegistration {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const found = scheme ? schemes.get(scheme) : undefined;
  if (!found) {
    throw new InvalidArgumentError(`unsupported database URL "${redactUrl(url)}": expected one of ${[...schemes.keys()].map((s) => `${s}:`).join(', ')}`, 'createEngine', redactUrl(url));
  }
  return found;
}

/**
 * A built-in dialect by name; for the MySQL family without a flavor, the
 * question the server answers (MySQL's error codes, which MariaDB shares,
 * classify a failure to connect before it has).
 */
function builtInDialect(name: DialectName, flavor: MysqlFlavor | undefined): Dialect | DialectProbe {
  switch (name) {
    case 'sqlite':
      return new SqliteDialect();
    case 'postgres':
      return new PostgresDialect();
    case 'mysql':
      if (flavor) return new MysqlDialect({ flavor });
      return {
        provisional: new MysqlDialect({ flavor: 'mysql' }),
        sql: MysqlDialect.versionQuery,
        choose: (answer) => new MysqlDialect({ flavor: MysqlDialect.flavorOfVersion(String(answer ?? '')) }),
      };
  }
}

function resolveDialect(dialect: DialectName | Dialect | (() => Dialect), flavor: MysqlFlavor | undefined): Dialect | DialectProbe {
  if (dialect instanceof Dialect) return dialect;
  if (typeof dialect === 'function') return dialect();
  return builtInDialect(dialect, flavor);
}

/**
 * The URL an engine takes when it is given none: `DATABASE_URL`, the variable
 * twelve-factor hosts (Heroku, Render, Fly, Railway) and the `athanor` CLI set.
 * Read when the engine is created, not on its first use.
 */
function urlFromEnvironment(): string {
  const url = typeof process === 'undefined' ? undefined : process.env['DATABASE_URL'];
  if (url === undefined || url.trim() === '') {
    throw new ConfigError(
      `createEngine() was given no database URL and DATABASE_URL is ${url === undefined ? 'not set' : 'empty'}: ` +
        `pass one (createEngine('postgres://user@host/db')), set DATABASE_URL, or pass { driver, dialect }`,
    );
  }
  return url.trim();
}

/**
 * Create an engine from a URL, from `DATABASE_URL` when given none, or from a
 * driver and a dialect.
 *
 * ```ts
 * import { createPgDriver } from 'athanor/drivers/pg';
 * createEngine('sqlite::memory:');
 * createEngine('sqlite:data/app.db', { foreignKeys: true });
 * createEngine('postgres://postgres@127.0.0.1:5432/app', { poolSize: 20 });
 * createEngine('mysql://root@127.0.0.1:3306/app');          // MySQL or MariaDB, detected
 * createEngine();                                           // process.env.DATABASE_URL, else a ConfigError
 * createEngine({ poolSize: 20 });                           // the same, with options
 * createEngine({ driver: createPgDriver({ url, poolConfig: { max: 20 } }), dialect: 'postgres' });   // a driver you configure
 * createEngine({ primary: 'postgres://app@db1/music', replicas: ['postgres://app@db2/music'] });   // reads on db2
 * ```
 * Creating an engine is synchronous and touches nothing: the driver module is
 * loaded by URL scheme on first use (a `MissingPackageError` then if its
 * library, an optional peer dependency, is not installed), and a `mysql://`
 * engine asks the server whether it is MySQL or MariaDB before compiling
 * anything. Other schemes: {@link registerDriver}.
 */
export function createEngine(url?: string, options?: Omit<EngineOptions, 'url' | 'driver'>): Engine;
export function createEngine(options: EngineOptions): Engine;
export function createEngine(urlOrOptions?: string | EngineOptions, extra: Omit<EngineOptions, 'url' | 'driver'> = {}): Engine {
  let options: EngineOptions = typeof urlOrOptions === 'string' ? { ...extra, url: urlOrOptions } : (urlOrOptions ?? extra);
  if (options.primary !== undefined) {
    if (options.url !== undefined) throw new ReplicationConfigError('createEngine(): give the primary as url or as primary, not both');
    if (options.driver) throw new ReplicationConfigError('createEngine(): give the primary as a driver or as a primary URL, not both');
    if (typeof options.primary !== 'string') throw new ReplicationConfigError(`createEngine(): primary must be a database URL, got ${typeof options.primary}`);
    options = { ...options, url: options.primary };
  }
  if (options.replicas !== undefined && !Array.isArray(options.replicas)) {
    throw new ReplicationConfigError('createEngine(): replicas must be an array of database URLs (or drivers)');
  }
  if (options.driver) {
    const dialect = options.dialect;
    if (!dialect) throw new InvalidArgumentError('createEngine({ driver }) needs a dialect too (an instance or a name)', 'createEngine', options.dialect);
    const dialectName = typeof dialect === 'string' ? dialect : dialect.name;
    const resolved = resolveDialect(dialect, options.flavor);
    return new Engine({ ...options, dialectName, resolved, replicaSetups: replicaSetups(options.replicas, dialectName) });
  }
  if (options.replicas !== undefined && options.replicas.length > 0 && options.url === undefined) {
    throw new ReplicationConfigError('createEngine(): replicas need a primary: createEngine({ primary: url, replicas: [url, ...] })');
  }
  const fromEnvironment = options.url === undefined;
  const url = options.url ?? urlFromEnvironment();
  let scheme: DriverRegistration;
  try {
    scheme = registrationFor(url);
  } catch (error) {
    if (fromEnvironment && error instanceof AthanorError) throw new ConfigError(`DATABASE_URL: ${error.message}`, { cause: error });
    throw error;
  }
  const flavor = options.flavor ?? scheme.flavor;
  // A dialect instance given wins over the scheme's; a name does not.
  const resolved = resolveDialect(options.dialect instanceof Dialect ? options.dialect : scheme.dialect, flavor);
  const dialectName = resolved instanceof Dialect ? resolved.name : resolved.provisional.name;
  const load = (): Promise<DriverModule> => importOptionalPackage(`createEngine("${redactUrl(url)}")`, scheme.load);
  return new Engine({ ...options, url, dialectName, resolved, load, replicaSetups: replicaSetups(options.replicas, dialectName) });
}

/** Each replica's driver: by URL scheme, which must speak the primary's dialect, or a driver given. */
function replicaSetups(replicas: readonly (string | Driver)[] | undefined, dialectName: DialectName): ReplicaSetup[] {
  if (!replicas) return [];
  return replicas.map((replica, i) => {
    if (typeof replica !== 'string') {
      if (typeof replica?.acquire !== 'function') throw new ReplicationConfigError(`createEngine(): replicas[${i}] is neither a database URL nor a driver`);
      return { driver: replica };
    }
    const scheme = registrationFor(replica);
    const name = typeof scheme.dialect === 'string' ? scheme.dialect : scheme.dialect().name;
    if (name !== dialectName) {
      throw new ReplicationConfigError(`createEngine(): replicas[${i}] (${redactUrl(replica)}) is a ${name} database, the primary ${dialectName}: a replica speaks its primary's dialect`);
    }
    return { url: replica, load: () => importOptionalPackage(`createEngine("${redactUrl(replica)}")`, scheme.load) };
  });
}
