export { createDriverFromUrl, createSqliteDriver, parseSqliteUrl, SqliteDriver, type SqliteDriverOptions } from './driver.js';
