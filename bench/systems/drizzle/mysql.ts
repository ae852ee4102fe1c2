/**
 * Drizzle on mysql2 against MariaDB, as its docs advise for MySQL: prepared
 * statements for hot lookups, chunked multi-row inserts in a transaction, and
 * `$returningId()` for keys (MySQL has no RETURNING).
 * Web requests: one builder call per statement, `db.transaction()` where a
 * request writes more than one, `onDuplicateKeyUpdate` for upserts, setting
 * `id = LAST_INSERT_ID(id)` so the driver's insertId names the row an update
 * hit (MySQL's documented idiom; `$returningId()` only knows inserted rows).
 */

import { createPool } from 'mysql2';
import { asc, count, eq, getTableColumns, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as web from '../../lib/web.js';
import * as schema from './mysql-schema.js';

const { users, address, person, delParent, importRow, uowParent, uowChild, webAuthor, webPost } = schema;
/** Rows per INSERT: a packet of a few hundred KB. */
const CHUNK = 5_000;

export async function openMysql(env: SystemEnv): Promise<SystemInstance> {
  const pool = createPool({ uri: env.url, connectionLimit: 1 });
  const db = drizzle({ client: pool, schema, mode: 'default' });
  const s = env.sizes;
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const page = db.select().from(users).orderBy(asc(users.id)).limit(PAGE).offset(sql.placeholder('offset')).prepare();

  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  const updateAuthor = async (tx: typeof db | Tx, k: number, iteration: number): Promise<number> =>
    (await tx.update(webAuthor).set(web.updatedAuthor(k, iteration)).where(eq(webAuthor.id, web.updatedAuthorId(k))))[0].affectedRows;
  const upsertAuthor = async (tx: typeof db | Tx, a: web.AuthorValues): Promise<number> =>
    (await tx.insert(webAuthor).values(a).onDuplicateKeyUpdate({ set: { id: sql`LAST_INSERT_ID(id)`, name: sql`VALUES(name)`, visits: sql`VALUES(visits)` } }))[0].insertId;

  const workloads: SystemInstance['workloads'] = {
    'web-find': () => requests(async (k) => (await byId.execute({ id: web.findUserId(s, k) })).length),
    'web-create': ({ iteration }) => requests(async (k) => (await db.insert(webAuthor).values(web.newAuthor(k, iteration)).$returningId()).length),
    'web-create-nested': ({ iteration }) =>
      requests((k) =>
        db.transaction(async (tx) => {
          const [author] = await tx.insert(webAuthor).values(web.newAuthor(k, iteration)).$returningId();
          const [posts] = await tx.insert(webPost).values(web.newPosts(k, iteration).map((p) => ({ ...p, authorId: author!.id })));
          return 1 + posts.affectedRows;
        }),
      ),
    'web-update': ({ iteration }) => requests((k) => updateAuthor(db, k, iteration)),
    'web-update-nested': ({ iteration }) =>
      requests((k) =>
        db.transaction(async (tx) => {
          const [post] = await tx.update(webPost).set(web.updatedPost(k, iteration)).where(eq(webPost.id, web.updatedPostId(k)));
          return (await updateAuthor(tx, k, iteration)) + post.affectedRows;
        }),
      ),
    'web-upsert': ({ iteration }) => requests(async (k) => ((await upsertAuthor(db, web.upsertedAuthor(k, iteration))) > 0 ? 1 : 0)),
    'web-upsert-nested': ({ iteration }) =>
      requests((k) =>
        db.transaction(async (tx) => {
          const authorId = await upsertAuthor(tx, web.upsertedAuthor(k, iteration));
          const [post] = await tx
            .insert(webPost)
            .values({ ...web.upsertedPost(k, iteration), authorId })
            .onDuplicateKeyUpdate({ set: { id: sql`LAST_INSERT_ID(id)`, title: sql`VALUES(title)`, views: sql`VALUES(views)` } });
          return 1 + (post.insertId > 0 ? 1 : 0);
        }),
      ),
    'web-delete': () => requests(async (k) => (await db.delete(webPost).where(eq(webPost.id, web.deletedPostId(k))))[0].affectedRows),
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
  return { workloads, unsupported: { 'one-to-many': reason, nested: reason, 'self-ref': reason, 'web-find-related': reason }, close: () => pool.promise().end() };
}
