/**
 * Statement counting, the same way for every system on a dialect:
 * PostgreSQL from pg_stat_statements deltas (the server's own view, whatever
 * library sent the statement) where the server has it loaded and the bench
 * database has the extension, else by wrapping node-postgres's Client#query;
 * SQLite and MySQL-family by wrapping the wire libraries' execute methods, in
 * every copy of them installed (a peer may bring its own copy of a driver).
 */

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { RawDb } from './raw-db.js';
import { BENCH_ROOT, REPO_ROOT } from './targets.js';

/** How a dialect's statements were counted: the server's statistics, or the wire library's calls. */
export type CountingMethod = 'pg_stat_statements' | 'driver';

export interface StatementCounter {
  readonly method: CountingMethod;
  /** Statements executed since the previous call. */
  take(): Promise<number>;
}

let executed = 0;

/** Directories whose node_modules may hold a copy of a driver. */
const HOLDERS = [
  REPO_ROOT,
  BENCH_ROOT,
  `${BENCH_ROOT}node_modules/@mikro-orm/better-sqlite/`,
  `${BENCH_ROOT}node_modules/@prisma/adapter-better-sqlite3/`,
  `${BENCH_ROOT}node_modules/@prisma/adapter-mariadb/`,
  `${BENCH_ROOT}node_modules/@mikro-orm/mariadb/`,
  `${BENCH_ROOT}node_modules/@mikro-orm/postgresql/`,
  `${BENCH_ROOT}node_modules/@prisma/adapter-pg/`,
];

function copiesOf(pkg: string): unknown[] {
  const seen = new Set<unknown>();
  for (const dir of HOLDERS) {
    if (!existsSync(`${dir}package.json`)) continue;
    try {
      seen.add(createRequire(`${dir}package.json`)(pkg));
    } catch {
      // not installed there
    }
  }
  return [...seen];
}

type Proto = Record<string, unknown>;

function wrap(proto: Proto | undefined, methods: readonly string[]): void {
  if (!proto) return;
  for (const name of methods) {
    const original = proto[name];
    if (typeof original !== 'function' || (original as { counted?: boolean }).counted) continue;
    const counted = function (this: unknown, ...args: unknown[]): unknown {
      executed++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    (counted as { counted?: boolean }).counted = true;
    proto[name] = counted;
  }
}

function wrapSqlite(): void {
  for (const mod of copiesOf('better-sqlite3')) {
    const Db = mod as new (path: string) => { prepare(sql: string): object; close(): void };
    let probe;
    try {
      probe = new Db(':memory:');
    } catch {
      continue; // a copy whose native addon is not built: nothing can run statements through it
    }
    const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Proto;
    probe.close();
    wrap(statementProto, ['run', 'get', 'all', 'iterate']);
    wrap(Db.prototype as unknown as Proto, ['exec']);
  }
  for (const mod of copiesOf('sqlite3')) {
    const m = mod as { Database?: { prototype: Proto }; Statement?: { prototype: Proto } };
    // Database#run/get/all/each go through a Statement: count them there only, once.
    wrap(m.Database?.prototype, ['exec']);
    wrap(m.Statement?.prototype, ['run', 'get', 'all', 'each']);
  }
}

function wrapMysql(): void {
  // The mariadb connector (Prisma's and MikroORM's MariaDB drivers) has several front doors (promise,
  // callback, pool) that all start one command object per statement: count the commands that start.
  // Its package exports hide lib/: load the files by path.
  for (const dir of new Set(HOLDERS.map((h) => `${h}node_modules/mariadb/lib/cmd/`).filter((d) => existsSync(d)))) {
    for (const cmd of ['query.js', 'execute.js', 'batch-bulk.js']) {
      const Command = createRequire(dir + cmd)(dir + cmd) as { prototype?: Proto };
      wrap(Command.prototype, ['start']);
    }
  }
  for (const mod of copiesOf('mysql2')) {
    const m = mod as { Connection?: { prototype: Proto } };
    let proto = m.Connection?.prototype;
    // query/execute live on a base class in recent mysql2: wrap where they are defined.
    while (proto && !Object.prototype.hasOwnProperty.call(proto, 'query')) proto = Object.getPrototypeOf(proto) as Proto;
    wrap(proto, ['query', 'execute']);
  }
}

function wrapPg(): void {
  // Every front door of node-postgres (Pool#query, prepared statements by name, COPY streams) ends in one
  // Client#query call per statement sent; a string holding several statements would count once, and no system
  // here sends one inside a timed run.
  for (const mod of copiesOf('pg')) {
    const m = mod as { Client?: { prototype: Proto } };
    wrap(m.Client?.prototype, ['query']);
  }
}

/**
 * Whether pg_stat_statements can be read in this database: the server must preload it
 * (shared_preload_libraries) and the database must have the extension. ATHANOR_BENCH_PG_COUNT=driver counts
 * at the driver even where it could be read.
 */
async function pgStatStatementsReadable(db: RawDb): Promise<boolean> {
  if (process.env.ATHANOR_BENCH_PG_COUNT === 'driver') return false;
  try {
    await db.query('SELECT 1 FROM pg_stat_statements LIMIT 1');
    return true;
  } catch {
    return false;
  }
}

export async function statementCounter(db: RawDb): Promise<StatementCounter> {
  if (db.dialect === 'postgres' && (await pgStatStatementsReadable(db))) {
    const read = async (): Promise<number> => {
      const rows = await db.query(
        'SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())',
      );
      return Number(rows[0]!.n);
    };
    let last = await read();
    return {
      method: 'pg_stat_statements',
      take: async () => {
        const now = await read();
        // The previous reading is itself a statement in `now`.
        const delta = now - last - 1;
        last = now;
        return delta;
      },
    };
  }
  if (db.dialect === 'sqlite') wrapSqlite();
  else if (db.dialect === 'postgres') wrapPg();
  else wrapMysql();
  let last = executed;
  return {
    method: 'driver',
    take: async () => {
      const delta = executed - last;
      last = executed;
      return delta;
    },
  };
}
