/** Drizzle ORM 0.45. */

import type { SystemFactory } from '../../lib/system.js';
import { openMysql } from './mysql.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';

export const open: SystemFactory = async (env) => {
  if (env.dialect === 'sqlite') return openSqlite(env);
  if (env.dialect === 'postgres') return openPostgres(env);
  return openMysql(env);
};
