export { createDriverFromUrl, createPgDriver, PgDriver, type PgDriverOptions } from './driver.js';
