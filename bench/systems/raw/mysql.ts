/**
 * Raw mysql2 on MariaDB: hand-written SQL as server-side prepared statements
 * (`execute`), IN lists expanded by hand, multi-row INSERTs under the
 * packet size for imports, `INSERT ... RETURNING` (MariaDB 10.5+) for keys.
 */

import mysql, { type RowDataPacket, type ResultSetHeader } from 'mysql2/promise';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { groupBy, lookupId, pageOffset, updatedScore } from './common.js';
import * as web from '../../lib/web.js';

interface Album {
  id: number;
  title: string;
  artist_id: number;
}

/** Rows per INSERT in an import: well under max_allowed_packet with short rows. */
const IMPORT_CHUNK = 5_000;

export async function openMysql(env: SystemEnv): Promise<SystemInstance> {
  const conn = await mysql.createConnection({ uri: env.url });
  const s = env.sizes;
  type Params = (string | number)[];
  const rows = async <R>(sql: string, params: Params = []): Promise<R[]> => (await conn.execute<RowDataPacket[]>(sql, params))[0] as R[];
  const change = async (sql: string, params: Params = []): Promise<number> => (await conn.execute<ResultSetHeader>(sql, params))[0].affectedRows;
  // IN lists of thousands of ids: sent as one text query, since a prepared statement per list length would never be reused.
  const byIds = async <R>(sql: string, ids: readonly number[]): Promise<R[]> => (await conn.query<RowDataPacket[]>(`${sql} (?)`, [ids]))[0] as R[];
  const insertId = async (sql: string, params: Params): Promise<number> => (await conn.execute<ResultSetHeader>(sql, params))[0].insertId;
  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  const transaction = async (fn: () => Promise<number>): Promise<number> => {
    await conn.query('BEGIN');
    try {
      const n = await fn();
      await conn.query('COMMIT');
      return n;
    } catch (error) {
      await conn.query('ROLLBACK');
      throw error;
    }
  };
  const createAuthor = 'INSERT INTO web_author (handle, name, visits) VALUES (?, ?, ?)';
  const createPosts = `INSERT INTO web_post (slug, title, views, author_id) VALUES ${Array.from({ length: web.NEW_POSTS }, () => '(?, ?, ?, ?)').join(', ')}`;
  const updateAuthor = 'UPDATE web_author SET name = ?, visits = ? WHERE id = ?';
  const updatePost = 'UPDATE web_post SET title = ?, views = ? WHERE id = ?';
  // MariaDB 10.5+ returns the row an ON DUPLICATE KEY UPDATE inserted or updated.
  const upsertAuthor = 'INSERT INTO web_author (handle, name, visits) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name), visits = VALUES(visits) RETURNING id';
  const upsertPost = 'INSERT INTO web_post (slug, title, views, author_id) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE title = VALUES(title), views = VALUES(views) RETURNING id';

  return {
    workloads: {
      'web-find': () => requests(async (k) => (await rows('SELECT id, username, email, active, score FROM users WHERE id = ?', [web.findUserId(s, k)])).length),
      'web-find-related': () =>
        requests(async (k) => {
          const [artist] = await rows<{ id: number }>('SELECT id, name FROM artist WHERE id = ?', [web.findArtistId(s, k)]);
          return artist ? (await rows('SELECT id, title, artist_id FROM album WHERE artist_id = ?', [artist.id])).length : 0;
        }),
      'web-create': ({ iteration }) =>
        requests(async (k) => {
          const a = web.newAuthor(k, iteration);
          return (await insertId(createAuthor, [a.handle, a.name, a.visits])) > 0 ? 1 : 0;
        }),
      'web-create-nested': ({ iteration }) =>
        requests((k) =>
          transaction(async () => {
            const a = web.newAuthor(k, iteration);
            const id = await insertId(createAuthor, [a.handle, a.name, a.visits]);
            return 1 + (await change(createPosts, web.newPosts(k, iteration).flatMap((p) => [p.slug, p.title, p.views, id])));
          }),
        ),
      'web-update': ({ iteration }) =>
        requests(async (k) => {
          const a = web.updatedAuthor(k, iteration);
          return change(updateAuthor, [a.name, a.visits, web.updatedAuthorId(k)]);
        }),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          transaction(async () => {
            const a = web.updatedAuthor(k, iteration);
            const p = web.updatedPost(k, iteration);
            return (await change(updateAuthor, [a.name, a.visits, web.updatedAuthorId(k)])) + (await change(updatePost, [p.title, p.views, web.updatedPostId(k)]));
          }),
        ),
      'web-upsert': ({ iteration }) =>
        requests(async (k) => {
          const a = web.upsertedAuthor(k, iteration);
          return (await rows(upsertAuthor, [a.handle, a.name, a.visits])).length;
        }),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          transaction(async () => {
            const a = web.upsertedAuthor(k, iteration);
            const [author] = await rows<{ id: number }>(upsertAuthor, [a.handle, a.name, a.visits]);
            const p = web.upsertedPost(k, iteration);
            return 1 + (await rows(upsertPost, [p.slug, p.title, p.views, author!.id])).length;
          }),
        ),
      'web-delete': () => requests(async (k) => change('DELETE FROM web_post WHERE id = ?', [web.deletedPostId(k)])),
      count: async () => (await rows<{ n: number }>('SELECT count(*) AS n FROM users WHERE active = 1'))[0]!.n,
      projection: async () => (await rows('SELECT username, email FROM users')).length,
      load: async () => (await rows('SELECT id, username, email, active, score FROM users')).length,
      'one-to-many': async () => {
        const artists = await rows<{ id: number }>('SELECT id, name FROM artist ORDER BY id LIMIT ?', [s.artists]);
        const albums = groupBy(await byIds<Album>('SELECT id, title, artist_id FROM album WHERE artist_id IN', artists.map((a) => a.id)), (a) => a.artist_id);
        let seen = 0;
        for (const a of artists) seen += albums.get(a.id)?.length ?? 0;
        const children = await rows<Album>('SELECT id, title, artist_id FROM album ORDER BY id LIMIT ?', [s.artists]);
        const parents = new Map((await byIds<{ id: number }>('SELECT id, name FROM artist WHERE id IN', [...new Set(children.map((c) => c.artist_id))])).map((p) => [p.id, p]));
        for (const c of children) if (parents.get(c.artist_id)) seen++;
        return seen;
      },
      nested: async () => {
        const artists = await rows<{ id: number }>('SELECT id, name FROM artist ORDER BY id LIMIT ?', [s.nestedArtists]);
        const albums = await byIds<Album>('SELECT id, title, artist_id FROM album WHERE artist_id IN', artists.map((a) => a.id));
        const tracks = await byIds<{ album_id: number }>('SELECT id, title, ms, album_id FROM track WHERE album_id IN', albums.map((a) => a.id));
        const byAlbum = groupBy(tracks, (t) => t.album_id);
        const byArtist = groupBy(albums, (a) => a.artist_id);
        let seen = 0;
        for (const a of artists) for (const al of byArtist.get(a.id) ?? []) seen += byAlbum.get(al.id)?.length ?? 0;
        return seen;
      },
      'self-ref': async () => {
        const people = await rows<{ manager_id: number | null }>('SELECT id, name, address_id, manager_id FROM person ORDER BY id DESC LIMIT ?', [s.managed]);
        const ids = [...new Set(people.flatMap((p) => (p.manager_id === null ? [] : [p.manager_id])))];
        const managers = new Map((await byIds<{ id: number }>('SELECT id, name, address_id, manager_id FROM person WHERE id IN', ids)).map((m) => [m.id, m]));
        return people.filter((p) => p.manager_id !== null && managers.has(p.manager_id)).length;
      },
      'related-filter': async () =>
        (await rows('SELECT p.id, p.name, p.address_id, p.manager_id FROM person p JOIN address a ON a.id = p.address_id WHERE a.city = ?', [CITY])).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          seen += (await rows('SELECT id, username, email, active, score FROM users WHERE id = ?', [lookupId(s, k)])).length;
          seen += (await rows(`SELECT id, username, email, active, score FROM users ORDER BY id LIMIT ${PAGE} OFFSET ?`, [pageOffset(s, k)])).length;
        }
        return seen;
      },
      update: ({ iteration }) => change('UPDATE users SET score = ? WHERE id <= ?', [updatedScore(iteration), s.updated]),
      delete: () => change('DELETE FROM del_parent WHERE id <= ?', [s.deletedParents]),
      import: async () => {
        const data = importRows(s);
        await conn.query('BEGIN');
        for (let i = 0; i < data.length; i += IMPORT_CHUNK) {
          await conn.query('INSERT INTO import_row (name, email, amount) VALUES ?', [data.slice(i, i + IMPORT_CHUNK).map((r) => [r.name, r.email, r.amount])]);
        }
        await conn.query('COMMIT');
        return data.length;
      },
      'unit-of-work': async () => {
        await conn.query('BEGIN');
        const names = Array.from({ length: s.pairs }, (_, i) => [`parent ${i + 1}`]);
        const [ids] = await conn.query<RowDataPacket[]>('INSERT INTO uow_parent (name) VALUES ? RETURNING id', [names]);
        await conn.query('INSERT INTO uow_child (label, parent_id) VALUES ?', [ids.map((r, i) => [`child ${i + 1}`, r.id as number])]);
        await conn.query('COMMIT');
        return ids.length;
      },
    },
    close: () => conn.end(),
  };
}
