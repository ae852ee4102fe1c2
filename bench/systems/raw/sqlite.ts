/**
 * Raw better-sqlite3: hand-written SQL, statements prepared once, object rows.
 * Transactions use BEGIN/COMMIT statements (not db.transaction()) so they are
 * counted like every other system's.
 */

import Database from 'better-sqlite3';
import type { SystemEnv, SystemInstance } from '../../lib/system.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { importRows } from '../../lib/schema.js';
import { groupBy, lookupId, pageOffset, updatedScore } from './common.js';
import * as web from '../../lib/web.js';

interface Album {
  id: number;
  title: string;
  artist_id: number;
}

export function openSqlite(env: SystemEnv): SystemInstance {
  const db = new Database(env.url.slice('sqlite:'.length));
  db.pragma('foreign_keys = ON');
  const s = env.sizes;
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const inList = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
  const q = {
    count: db.prepare('SELECT count(*) AS n FROM users WHERE active = 1').pluck(),
    projection: db.prepare('SELECT username, email FROM users'),
    load: db.prepare('SELECT id, username, email, active, score FROM users'),
    artists: db.prepare('SELECT id, name FROM artist ORDER BY id LIMIT ?'),
    albumsLimit: db.prepare('SELECT id, title, artist_id FROM album ORDER BY id LIMIT ?'),
    people: db.prepare('SELECT id, name, address_id, manager_id FROM person ORDER BY id DESC LIMIT ?'),
    inCity: db.prepare('SELECT p.id, p.name, p.address_id, p.manager_id FROM person p JOIN address a ON a.id = p.address_id WHERE a.city = ?'),
    byId: db.prepare('SELECT id, username, email, active, score FROM users WHERE id = ?'),
    page: db.prepare(`SELECT id, username, email, active, score FROM users ORDER BY id LIMIT ${PAGE} OFFSET ?`),
    update: db.prepare('UPDATE users SET score = ? WHERE id <= ?'),
    delete: db.prepare('DELETE FROM del_parent WHERE id <= ?'),
    importRow: db.prepare('INSERT INTO import_row (name, email, amount) VALUES (?, ?, ?)'),
    parent: db.prepare('INSERT INTO uow_parent (name) VALUES (?)'),
    child: db.prepare('INSERT INTO uow_child (label, parent_id) VALUES (?, ?)'),
    artistById: db.prepare('SELECT id, name FROM artist WHERE id = ?'),
    albumsOfArtist: db.prepare('SELECT id, title, artist_id FROM album WHERE artist_id = ?'),
    createAuthor: db.prepare('INSERT INTO web_author (handle, name, visits) VALUES (?, ?, ?)'),
    createPosts: db.prepare(`INSERT INTO web_post (slug, title, views, author_id) VALUES ${Array.from({ length: web.NEW_POSTS }, () => '(?, ?, ?, ?)').join(', ')}`),
    updateAuthor: db.prepare('UPDATE web_author SET name = ?, visits = ? WHERE id = ?'),
    updatePost: db.prepare('UPDATE web_post SET title = ?, views = ? WHERE id = ?'),
    upsertAuthor: db.prepare('INSERT INTO web_author (handle, name, visits) VALUES (?, ?, ?) ON CONFLICT (handle) DO UPDATE SET name = excluded.name, visits = excluded.visits RETURNING id').pluck(),
    upsertPost: db.prepare('INSERT INTO web_post (slug, title, views, author_id) VALUES (?, ?, ?, ?) ON CONFLICT (slug) DO UPDATE SET title = excluded.title, views = excluded.views RETURNING id').pluck(),
    deletePost: db.prepare('DELETE FROM web_post WHERE id = ?'),
  };
  const rollback = db.prepare('ROLLBACK');
  const transaction = (fn: () => number): number => {
    begin.run();
    try {
      const n = fn();
      commit.run();
      return n;
    } catch (error) {
      rollback.run();
      throw error;
    }
  };
  // One request after another; better-sqlite3 is synchronous, so each request is a plain call.
  const requests = async (fn: (k: number) => number): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += fn(k);
    return done;
  };
  // IN lists in chunks under SQLite's 32766 bound parameters (the 10x self-ref needs 50k managers).
  const byIds = (sql: string, ids: readonly number[]): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < ids.length; i += 30_000) {
      const part = ids.slice(i, i + 30_000);
      out.push(...db.prepare(`${sql} (${inList(part.length)})`).all(...part));
    }
    return out;
  };

  return {
    workloads: {
      'web-find': () => requests((k) => (q.byId.get(web.findUserId(s, k)) ? 1 : 0)),
      'web-find-related': () =>
        requests((k) => {
          const artist = q.artistById.get(web.findArtistId(s, k)) as { id: number } | undefined;
          return artist ? q.albumsOfArtist.all(artist.id).length : 0;
        }),
      'web-create': ({ iteration }) =>
        requests((k) => {
          const a = web.newAuthor(k, iteration);
          return Number(q.createAuthor.run(a.handle, a.name, a.visits).lastInsertRowid) > 0 ? 1 : 0;
        }),
      'web-create-nested': ({ iteration }) =>
        requests((k) =>
          transaction(() => {
            const a = web.newAuthor(k, iteration);
            const id = q.createAuthor.run(a.handle, a.name, a.visits).lastInsertRowid;
            return 1 + q.createPosts.run(...web.newPosts(k, iteration).flatMap((p) => [p.slug, p.title, p.views, id])).changes;
          }),
        ),
      'web-update': ({ iteration }) =>
        requests((k) => {
          const a = web.updatedAuthor(k, iteration);
          return q.updateAuthor.run(a.name, a.visits, web.updatedAuthorId(k)).changes;
        }),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          transaction(() => {
            const a = web.updatedAuthor(k, iteration);
            const p = web.updatedPost(k, iteration);
            return q.updateAuthor.run(a.name, a.visits, web.updatedAuthorId(k)).changes + q.updatePost.run(p.title, p.views, web.updatedPostId(k)).changes;
          }),
        ),
      'web-upsert': ({ iteration }) =>
        requests((k) => {
          const a = web.upsertedAuthor(k, iteration);
          return q.upsertAuthor.get(a.handle, a.name, a.visits) ? 1 : 0;
        }),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          transaction(() => {
            const a = web.upsertedAuthor(k, iteration);
            const id = q.upsertAuthor.get(a.handle, a.name, a.visits) as number;
            const p = web.upsertedPost(k, iteration);
            return 1 + (q.upsertPost.get(p.slug, p.title, p.views, id) ? 1 : 0);
          }),
        ),
      'web-delete': () => requests((k) => q.deletePost.run(web.deletedPostId(k)).changes),
      count: async () => q.count.get() as number,
      projection: async () => q.projection.all().length,
      load: async () => q.load.all().length,
      'one-to-many': async () => {
        const artists = q.artists.all(s.artists) as { id: number }[];
        const albums = groupBy(byIds('SELECT id, title, artist_id FROM album WHERE artist_id IN', artists.map((a) => a.id)) as Album[], (a) => a.artist_id);
        let seen = 0;
        for (const a of artists) seen += albums.get(a.id)?.length ?? 0;
        const children = q.albumsLimit.all(s.artists) as Album[];
        const parents = new Map((byIds('SELECT id, name FROM artist WHERE id IN', [...new Set(children.map((c) => c.artist_id))]) as { id: number }[]).map((p) => [p.id, p]));
        for (const c of children) if (parents.get(c.artist_id)) seen++;
        return seen;
      },
      nested: async () => {
        const artists = q.artists.all(s.nestedArtists) as { id: number }[];
        const albums = byIds('SELECT id, title, artist_id FROM album WHERE artist_id IN', artists.map((a) => a.id)) as Album[];
        const tracks = byIds('SELECT id, title, ms, album_id FROM track WHERE album_id IN', albums.map((a) => a.id)) as { album_id: number }[];
        const byAlbum = groupBy(tracks, (t) => t.album_id);
        const byArtist = groupBy(albums, (a) => a.artist_id);
        let seen = 0;
        for (const a of artists) for (const al of byArtist.get(a.id) ?? []) seen += byAlbum.get(al.id)?.length ?? 0;
        return seen;
      },
      'self-ref': async () => {
        const people = q.people.all(s.managed) as { manager_id: number | null }[];
        const ids = [...new Set(people.flatMap((p) => (p.manager_id === null ? [] : [p.manager_id])))];
        const managers = new Map((byIds('SELECT id, name, address_id, manager_id FROM person WHERE id IN', ids) as { id: number }[]).map((m) => [m.id, m]));
        return people.filter((p) => p.manager_id !== null && managers.has(p.manager_id)).length;
      },
      'related-filter': async () => q.inCity.all(CITY).length,
      'per-query': async () => {
        let rows = 0;
        for (let k = 0; k < s.lookups; k++) {
          if (q.byId.get(lookupId(s, k))) rows++;
          rows += q.page.all(pageOffset(s, k)).length;
        }
        return rows;
      },
      update: async ({ iteration }) => q.update.run(updatedScore(iteration), s.updated).changes,
      delete: async () => q.delete.run(s.deletedParents).changes,
      import: async () => {
        const rows = importRows(s);
        begin.run();
        for (const r of rows) q.importRow.run(r.name, r.email, r.amount);
        commit.run();
        return rows.length;
      },
      'unit-of-work': async () => {
        begin.run();
        for (let i = 1; i <= s.pairs; i++) {
          const id = q.parent.run(`parent ${i}`).lastInsertRowid;
          q.child.run(`child ${i}`, id);
        }
        commit.run();
        return s.pairs;
      },
    },
    close: async () => void db.close(),
  };
}
