export { createDriverFromUrl, createMysqlDriver, MysqlDriver, type MysqlDriverOptions } from './driver.js';
