/**
 * Drizzle on better-sqlite3 as its docs advise: relational queries for
 * relationships (`with`), prepared statements for hot lookups, chunked
 * multi-row inserts in one transaction for imports.
 * Web requests: one builder call per statement (`findFirst` with `with` for
 * a row with its relation), `db.transaction()` (synchronous, as better-sqlite3
 * is) where a request writes more than one, `returning()` for keys,
 * `onConflictDoUpdate` for upserts.
 */

import Database from 'better-sqlite3';
import { asc, count, eq, getTableColumns, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as web from '../../lib/web.js';
import * as schema from './sqlite-schema.js';

const { users, address, person, delParent, importRow, uowParent, uowChild, webAuthor, webPost } = schema;
/** Rows per INSERT: as many as SQLite's 32766 bound parameters allow for 3 columns. */
const CHUNK = 10_000;

export function openSqlite(env: SystemEnv): SystemInstance {
  const client = new Database(env.url.slice('sqlite:'.length));
  client.pragma('foreign_keys = ON');
  const db = drizzle({ client, schema });
  const s = env.sizes;
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const page = db.select().from(users).orderBy(asc(users.id)).limit(PAGE).offset(sql.placeholder('offset')).prepare();

  const artistWithAlbums = db.query.artist.findFirst({ where: (a, { eq: is }) => is(a.id, sql.placeholder('id')), with: { albums: true } }).prepare();
  const requests = async (fn: (k: number) => number | Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  const updateAuthor = (tx: typeof db | Tx, k: number, iteration: number): number =>
    tx.update(webAuthor).set(web.updatedAuthor(k, iteration)).where(eq(webAuthor.id, web.updatedAuthorId(k))).run().changes;
  const upsertAuthor = (tx: typeof db | Tx, a: web.AuthorValues): number =>
    tx.insert(webAuthor).values(a).onConflictDoUpdate({ target: webAuthor.handle, set: { name: sql`excluded.name`, visits: sql`excluded.visits` } }).returning({ id: webAuthor.id }).get()!.id;

  return {
    workloads: {
      'web-find': () => requests(async (k) => (await byId.execute({ id: web.findUserId(s, k) })).length),
      'web-find-related': () => requests(async (k) => (await artistWithAlbums.execute({ id: web.findArtistId(s, k) }))?.albums.length ?? 0),
      'web-create': ({ iteration }) => requests((k) => db.insert(webAuthor).values(web.newAuthor(k, iteration)).returning({ id: webAuthor.id }).all().length),
      'web-create-nested': ({ iteration }) =>
        requests((k) =>
          db.transaction((tx) => {
            const author = tx.insert(webAuthor).values(web.newAuthor(k, iteration)).returning({ id: webAuthor.id }).get()!;
            return 1 + tx.insert(webPost).values(web.newPosts(k, iteration).map((p) => ({ ...p, authorId: author.id }))).run().changes;
          }),
        ),
      'web-update': ({ iteration }) => requests((k) => updateAuthor(db, k, iteration)),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          db.transaction((tx) => updateAuthor(tx, k, iteration) + tx.update(webPost).set(web.updatedPost(k, iteration)).where(eq(webPost.id, web.updatedPostId(k))).run().changes),
        ),
      'web-upsert': ({ iteration }) => requests((k) => (upsertAuthor(db, web.upsertedAuthor(k, iteration)) > 0 ? 1 : 0)),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          db.transaction((tx) => {
            const authorId = upsertAuthor(tx, web.upsertedAuthor(k, iteration));
            const post = tx
              .insert(webPost)
              .values({ ...web.upsertedPost(k, iteration), authorId })
              .onConflictDoUpdate({ target: webPost.slug, set: { title: sql`excluded.title`, views: sql`excluded.views` } })
              .returning({ id: webPost.id })
              .get();
            return 1 + (post ? 1 : 0);
          }),
        ),
      'web-delete': () => requests((k) => db.delete(webPost).where(eq(webPost.id, web.deletedPostId(k))).run().changes),
      count: async () => (await db.select({ n: count() }).from(users).where(eq(users.active, true)))[0]!.n,
      projection: async () => (await db.select({ username: users.username, email: users.email }).from(users)).length,
      load: async () => (await db.select().from(users)).length,
      'one-to-many': async () => {
        const artists = await db.query.artist.findMany({ with: { albums: true }, orderBy: (a, { asc: up }) => up(a.id), limit: s.artists });
        const albums = await db.query.album.findMany({ with: { artist: true }, orderBy: (a, { asc: up }) => up(a.id), limit: s.artists });
        return artists.reduce((n, a) => n + a.albums.length, 0) + albums.filter((a) => a.artist).length;
      },
      nested: async () => {
        const artists = await db.query.artist.findMany({ with: { albums: { with: { tracks: true } } }, orderBy: (a, { asc: up }) => up(a.id), limit: s.nestedArtists });
        return artists.reduce((n, a) => n + a.albums.reduce((m, al) => m + al.tracks.length, 0), 0);
      },
      'self-ref': async () => {
        const people = await db.query.person.findMany({ with: { manager: true }, orderBy: (p, { desc }) => desc(p.id), limit: s.managed });
        return people.filter((p) => p.manager).length;
      },
      'related-filter': async () =>
        (await db.select(getTableColumns(person)).from(person).innerJoin(address, eq(address.id, person.addressId)).where(eq(address.city, CITY))).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          seen += byId.all({ id: lookupId(s, k) }).length;
          seen += page.all({ offset: pageOffset(s, k) }).length;
        }
        return seen;
      },
      update: async ({ iteration }) => db.update(users).set({ score: updatedScore(iteration) }).where(lte(users.id, s.updated)).run().changes,
      delete: async () => db.delete(delParent).where(lte(delParent.id, s.deletedParents)).run().changes,
      import: async () => {
        const rows = importRows(s);
        db.transaction((tx) => {
          for (let i = 0; i < rows.length; i += CHUNK) tx.insert(importRow).values(rows.slice(i, i + CHUNK)).run();
        });
        return rows.length;
      },
      'unit-of-work': async () =>
        db.transaction((tx) => {
          // No unit of work: parents first, then children with the returned keys.
          const parents = tx.insert(uowParent).values(Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}` }))).returning({ id: uowParent.id }).all();
          tx.insert(uowChild).values(parents.map((p, i) => ({ label: `child ${i + 1}`, parentId: p.id }))).run();
          return parents.length;
        }),
    },
    close: async () => void client.close(),
  };
}
