/** Raw drivers with hand-written SQL: the practical limit every other system is measured against. */

import type { SystemFactory } from '../../lib/system.js';
import { openMysql } from './mysql.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';

export const open: SystemFactory = async (env) => {
  switch (env.dialect) {
    case 'sqlite':
      return openSqlite(env);
    case 'postgres':
      return openPostgres(env);
    case 'mysql':
      return openMysql(env);
  }
};
