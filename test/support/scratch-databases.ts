/**
 * Databases of a test's own beside the suite's one, named after it
 * (`athanor_test` → `athanor_test_pagila`), made empty or loaded from a SQL
 * file. For tests that need a whole database: a sample schema loaded with
 * its own script, or an empty one to create tables in.
 */

import { readFileSync } from 'node:fs';
import pg from 'pg';
import mysql from 'mysql2/promise';

/** The URL of the database `${suite database}_${suffix}` on the same server. */
export function siblingUrl(url: string, suffix: string): string {
  const u = new URL(url);
  u.pathname = `/${u.pathname.slice(1)}_${suffix}`;
  return u.toString();
}

const dbName = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

/** Drop and create the database at `url`, then run `sqlFile` in it (all statements of it, as one script). */
export async function freshDatabase(url: string, sqlFile?: string): Promise<void> {
  const script = sqlFile === undefined ? undefined : readFileSync(sqlFile, 'utf8');
  const name = dbName(url);
  if (url.startsWith('postgres')) {
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    if (script !== undefined) {
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        await db.query(script);
      } finally {
        await db.end();
      }
    }
    return;
  }
  const u = new URL(url);
  const connection = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
    multipleStatements: true,
  });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    if (script !== undefined) {
      await connection.query(`USE \`${name}\``);
      await connection.query(script);
    }
  } finally {
    await connection.end();
  }
}

/** Drop the database at `url`. */
export async function dropDatabase(url: string): Promise<void> {
  const name = dbName(url);
  if (url.startsWith('postgres')) {
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
    return;
  }
  const u = new URL(url);
  const connection = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password || '') });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
