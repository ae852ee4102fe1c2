/**
 * The `athanor/drivers/pg` entry point: the node-postgres driver, for an
 * engine over a pool or client the application builds itself (custom TLS,
 * IAM or other rotating passwords, a pg-compatible pool). Needs `pg`
 * installed; importing this module loads it.
 *
 * ```ts
 * import pg from 'pg';
 * import { createEngine } from 'athanor';
 * import { createPgDriver } from 'athanor/drivers/pg';
 *
 * const pool = new pg.Pool({ host: 'db.internal', ssl: { ca: readFileSync('ca.pem', 'utf8') }, password: fetchToken });
 * const engine = createEngine({ driver: createPgDriver({ pool }), dialect: 'postgres' });
 * await engine.close();   // leaves the pool open: it is the application's
 * ```
 */
export { createDriverFromUrl, createPgDriver, DEFAULT_PREPARED_STATEMENTS, PgDriver, type PgDriverOptions } from './driver.js';
