/**
 * Drizzle on mysql2 against MariaDB, as its docs advise for MySQL: prepared
 * statements for hot lookups, chunked multi-row inserts in a transaction, and
 * `$returningId()` for keys (MySQL has no RETURNING).
 */

import { createPool } from 'mysql2';
import { asc, count, eq, getTableColumns, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as schema from './mysql-schema.js';

const { users, address, person, delParent, importRow, uowParent, uowChild } = schema;
/** Rows per INSERT: a packet of a few hundred KB. */
const CHUNK = 5_000;

export async function openMysql(env: SystemEnv): Promise<SystemInstance> {
  const pool = createPool({ uri: env.url, connectionLimit: 1 });
  const db = drizzle({ client: pool, schema, mode: 'default' });
  const s = env.sizes;
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const page = db.select().from(users).orderBy(asc(users.id)).limit(PAGE).offset(sql.placeholder('offset')).prepare();

  const workloads: SystemInstance['workloads'] = {
    count: async () => (await db.select({ n: count() }).from(users).where(eq(users.active, true)))[0]!.n,
    projection: async () => (await db.select({ username: users.username, email: users.email }).from(users)).length,
    load: async () => (await db.select().from(users)).length,
    'related-filter': async () =>
      (await db.select(getTableColumns(person)).from(person).innerJoin(address, eq(address.id, person.addressId)).where(eq(address.city, CITY))).length,
    'per-query': async () => {
      let seen = 0;
      for (let k = 0; k < s.lookups; k++) {
        seen += (await byId.execute({ id: lookupId(s, k) })).length;
        seen += (await page.execute({ offset: pageOffset(s, k) })).length;
      }
      return seen;
    },
    update: async ({ iteration }) => (await db.update(users).set({ score: updatedScore(iteration) }).where(lte(users.id, s.updated)))[0].affectedRows,
    delete: async () => (await db.delete(delParent).where(lte(delParent.id, s.deletedParents)))[0].affectedRows,
    import: async () => {
      const rows = importRows(s);
      await db.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += CHUNK) await tx.insert(importRow).values(rows.slice(i, i + CHUNK));
      });
      return rows.length;
    },
    'unit-of-work': () =>
      db.transaction(async (tx) => {
        const ids = await tx.insert(uowParent).values(Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}` }))).$returningId();
        await tx.insert(uowChild).values(ids.map((p, i) => ({ label: `child ${i + 1}`, parentId: p.id })));
        return ids.length;
      }),
  };
  // Relational queries on MySQL build on LATERAL joins and JSON_ARRAYAGG ordering that MariaDB lacks.
  const reason = "Drizzle's relational queries need MySQL 8 (LATERAL); MariaDB lacks it";
  return { workloads, unsupported: { 'one-to-many': reason, nested: reason, 'self-ref': reason }, close: () => pool.promise().end() };
}
