/**
 * The `athanor/drivers/mysql2` entry point: the mysql2 driver (MySQL and
 * MariaDB), for an engine over a pool the application builds itself (custom
 * TLS, IAM authentication tokens). Needs `mysql2` installed; importing this
 * module loads it.
 *
 * ```ts
 * import mysql from 'mysql2';
 * import { createEngine } from 'athanor';
 * import { createMysqlDriver } from 'athanor/drivers/mysql2';
 *
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, ssl: { ca }, jsonStrings: true });
 * const engine = createEngine({ driver: createMysqlDriver({ pool }), dialect: 'mysql' });   // MySQL or MariaDB: asked
 * await engine.close();   // leaves the pool open: it is the application's
 * ```
 */
export { createDriverFromUrl, createMysqlDriver, MysqlDriver, type MysqlDriverOptions } from './driver.js';
