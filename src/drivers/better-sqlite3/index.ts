/**
 * The `athanor/drivers/better-sqlite3` entry point: the SQLite driver, for an
 * engine over a database the application opened itself (an encryption key
 * set, extensions loaded) or with options a URL does not carry. Needs
 * `better-sqlite3` installed; importing this module loads it.
 *
 * ```ts
 * import Database from 'better-sqlite3';
 * import { createEngine } from 'athanor';
 * import { createSqliteDriver } from 'athanor/drivers/better-sqlite3';
 *
 * const database = new Database('app.db');
 * database.loadExtension('./mod_spatialite');
 * const engine = createEngine({ driver: createSqliteDriver({ database }), dialect: 'sqlite' });
 * await engine.close();   // leaves the database open: it is the application's
 * ```
 */
export { createDriverFromUrl, createSqliteDriver, parseSqliteUrl, SqliteDriver, type SqliteDriverOptions } from './driver.js';
