/**
 * Drizzle on node-postgres as its docs advise: relational queries for
 * relationships (`with`, one statement with JSON aggregation), named prepared
 * statements for hot lookups, chunked multi-row inserts in a transaction.
 * Web requests: one builder call per statement (`findFirst` with `with` for
 * a row with its relation), `db.transaction()` where a request writes more
 * than one, `returning()` for keys, `onConflictDoUpdate` for upserts.
 */

import pg from 'pg';
import { asc, count, eq, getTableColumns, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as web from '../../lib/web.js';
import * as schema from './pg-schema.js';

const { users, address, person, delParent, importRow, uowParent, uowChild, webAuthor, webPost } = schema;
/** Rows per INSERT: as many as PostgreSQL's 65535 bound parameters allow for 3 columns. */
const CHUNK = 20_000;

export async function openPostgres(env: SystemEnv): Promise<SystemInstance> {
  const pool = new pg.Pool({ connectionString: env.url, max: 1 });
  const db = drizzle({ client: pool, schema });
  const s = env.sizes;
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare('by_id');
  const page = db.select().from(users).orderBy(asc(users.id)).limit(PAGE).offset(sql.placeholder('offset')).prepare('page');

  const artistWithAlbums = db.query.artist.findFirst({ where: (a, { eq: is }) => is(a.id, sql.placeholder('id')), with: { albums: true } }).prepare('artist_albums');
  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  const updateAuthor = async (tx: typeof db | Tx, k: number, iteration: number): Promise<number> =>
    (await tx.update(webAuthor).set(web.updatedAuthor(k, iteration)).where(eq(webAuthor.id, web.updatedAuthorId(k)))).rowCount ?? 0;
  const upsertAuthor = async (tx: typeof db | Tx, a: web.AuthorValues): Promise<number> =>
    (await tx.insert(webAuthor).values(a).onConflictDoUpdate({ target: webAuthor.handle, set: { name: sql`excluded.name`, visits: sql`excluded.visits` } }).returning({ id: webAuthor.id }))[0]!.id;

  return {
    workloads: {
      'web-find': () => requests(async (k) => (await byId.execute({ id: web.findUserId(s, k) })).length),
      'web-find-related': () => requests(async (k) => (await artistWithAlbums.execute({ id: web.findArtistId(s, k) }))?.albums.length ?? 0),
      'web-create': ({ iteration }) => requests(async (k) => (await db.insert(webAuthor).values(web.newAuthor(k, iteration)).returning({ id: webAuthor.id })).length),
      'web-create-nested': ({ iteration }) =>
        requests((k) =>
          db.transaction(async (tx) => {
            const [author] = await tx.insert(webAuthor).values(web.newAuthor(k, iteration)).returning({ id: webAuthor.id });
            const posts = await tx.insert(webPost).values(web.newPosts(k, iteration).map((p) => ({ ...p, authorId: author!.id })));
            return 1 + (posts.rowCount ?? 0);
          }),
        ),
      'web-update': ({ iteration }) => requests((k) => updateAuthor(db, k, iteration)),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          db.transaction(async (tx) => {
            const post = await tx.update(webPost).set(web.updatedPost(k, iteration)).where(eq(webPost.id, web.updatedPostId(k)));
            return (await updateAuthor(tx, k, iteration)) + (post.rowCount ?? 0);
          }),
        ),
      'web-upsert': ({ iteration }) => requests(async (k) => ((await upsertAuthor(db, web.upsertedAuthor(k, iteration))) > 0 ? 1 : 0)),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          db.transaction(async (tx) => {
            const authorId = await upsertAuthor(tx, web.upsertedAuthor(k, iteration));
            const post = await tx
              .insert(webPost)
              .values({ ...web.upsertedPost(k, iteration), authorId })
              .onConflictDoUpdate({ target: webPost.slug, set: { title: sql`excluded.title`, views: sql`excluded.views` } })
              .returning({ id: webPost.id });
            return 1 + post.length;
          }),
        ),
      'web-delete': () => requests(async (k) => (await db.delete(webPost).where(eq(webPost.id, web.deletedPostId(k)))).rowCount ?? 0),
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
          seen += (await byId.execute({ id: lookupId(s, k) })).length;
          seen += (await page.execute({ offset: pageOffset(s, k) })).length;
        }
        return seen;
      },
      update: async ({ iteration }) => (await db.update(users).set({ score: updatedScore(iteration) }).where(lte(users.id, s.updated))).rowCount ?? 0,
      delete: async () => (await db.delete(delParent).where(lte(delParent.id, s.deletedParents))).rowCount ?? 0,
      import: async () => {
        const rows = importRows(s);
        await db.transaction(async (tx) => {
          for (let i = 0; i < rows.length; i += CHUNK) await tx.insert(importRow).values(rows.slice(i, i + CHUNK));
        });
        return rows.length;
      },
      'unit-of-work': () =>
        db.transaction(async (tx) => {
          // No unit of work: parents first, then children with the returned keys.
          const parents = await tx.insert(uowParent).values(Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}` }))).returning({ id: uowParent.id });
          await tx.insert(uowChild).values(parents.map((p, i) => ({ label: `child ${i + 1}`, parentId: p.id })));
          return parents.length;
        }),
    },
    close: () => pool.end(),
  };
}
