/**
 * Drizzle on better-sqlite3 as its docs advise: relational queries for
 * relationships (`with`), prepared statements for hot lookups, chunked
 * multi-row inserts in one transaction for imports.
 */

import Database from 'better-sqlite3';
import { asc, count, eq, getTableColumns, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as schema from './sqlite-schema.js';

const { users, address, person, delParent, importRow, uowParent, uowChild } = schema;
/** Rows per INSERT: as many as SQLite's 32766 bound parameters allow for 3 columns. */
const CHUNK = 10_000;

export function openSqlite(env: SystemEnv): SystemInstance {
  const client = new Database(env.url.slice('sqlite:'.length));
  client.pragma('foreign_keys = ON');
  const db = drizzle({ client, schema });
  const s = env.sizes;
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
  const page = db.select().from(users).orderBy(asc(users.id)).limit(PAGE).offset(sql.placeholder('offset')).prepare();

  return {
    workloads: {
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
