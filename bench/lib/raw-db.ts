/**
 * A minimal client over the three wire libraries, for the harness's own
 * work: creating schemas, seeding, resetting between runs, verifying results
 * and reading statement counters. Never timed.
 */

import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { type DialectId, sqlitePath, urlFor } from './targets.js';

export type Row = Record<string, unknown>;

export interface RawDb {
  readonly dialect: DialectId;
  exec(sql: string): Promise<void>;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Load rows fast: COPY on PostgreSQL, batched INSERTs in a transaction elsewhere. */
  load(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  close(): Promise<void>;
}

export async function openRawDb(dialect: DialectId, scale: number): Promise<RawDb> {
  switch (dialect) {
    case 'sqlite':
      return sqliteDb(scale);
    case 'postgres':
      return pgDb(urlFor('postgres', scale));
    case 'mysql':
      return mysqlDb(urlFor('mysql', scale));
  }
}

function sqliteDb(scale: number): RawDb {
  const path = sqlitePath(scale);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  return {
    dialect: 'sqlite',
    exec: async (sql) => void db.exec(sql),
    query: async (sql, params = []) => db.prepare(sql).all(...params) as Row[],
    load: async (table, columns, rows) => {
      const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      db.transaction(() => {
        for (const row of rows) insert.run(...row.map(sqliteValue));
      })();
    },
    close: async () => void db.close(),
  };
}

function sqliteValue(v: unknown): unknown {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

async function pgDb(url: string): Promise<RawDb> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    dialect: 'postgres',
    exec: async (sql) => void (await client.query(sql)),
    query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as Row[],
    load: async (table, columns, rows) => {
      const sink = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
      await pipeline(Readable.from(copyLines(rows)), sink);
    },
    close: () => client.end(),
  };
}

function* copyLines(rows: readonly (readonly unknown[])[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += row.map((v) => (v === null || v === undefined ? '\\N' : String(v))).join('\t') + '\n';
    if (chunk.length > 64_000) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

async function mysqlDb(url: string): Promise<RawDb> {
  const conn = await mysql.createConnection({ uri: url, multipleStatements: true });
  return {
    dialect: 'mysql',
    exec: async (sql) => void (await conn.query(sql)),
    query: async (sql, params = []) => (await conn.query(sql, params as unknown[]))[0] as Row[],
    load: async (table, columns, rows) => {
      await conn.beginTransaction();
      for (let i = 0; i < rows.length; i += 2000) {
        await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [rows.slice(i, i + 2000)]);
      }
      await conn.commit();
    },
    close: () => conn.end(),
  };
}
