/**
 * Raw node-postgres: one connection, hand-written SQL as named prepared
 * statements, arrays bound as one parameter (`= ANY($1)`), COPY for imports.
 */

import pg from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
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

const SQL = {
  count: 'SELECT count(*)::int AS n FROM users WHERE active',
  projection: 'SELECT username, email FROM users',
  load: 'SELECT id, username, email, active, score FROM users',
  artists: 'SELECT id, name FROM artist ORDER BY id LIMIT $1',
  albumsOf: 'SELECT id, title, artist_id FROM album WHERE artist_id = ANY($1)',
  albumsLimit: 'SELECT id, title, artist_id FROM album ORDER BY id LIMIT $1',
  artistsIn: 'SELECT id, name FROM artist WHERE id = ANY($1)',
  tracksOf: 'SELECT id, title, ms, album_id FROM track WHERE album_id = ANY($1)',
  people: 'SELECT id, name, address_id, manager_id FROM person ORDER BY id DESC LIMIT $1',
  peopleIn: 'SELECT id, name, address_id, manager_id FROM person WHERE id = ANY($1)',
  inCity: 'SELECT p.id, p.name, p.address_id, p.manager_id FROM person p JOIN address a ON a.id = p.address_id WHERE a.city = $1',
  byId: 'SELECT id, username, email, active, score FROM users WHERE id = $1',
  page: `SELECT id, username, email, active, score FROM users ORDER BY id LIMIT ${PAGE} OFFSET $1`,
  update: 'UPDATE users SET score = $1 WHERE id <= $2',
  delete: 'DELETE FROM del_parent WHERE id <= $1',
  parents: 'INSERT INTO uow_parent (name) SELECT name FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) ORDER BY n RETURNING id',
  children: 'INSERT INTO uow_child (label, parent_id) SELECT * FROM unnest($1::text[], $2::int[])',
  artistById: 'SELECT id, name FROM artist WHERE id = $1',
  albumsOfArtist: 'SELECT id, title, artist_id FROM album WHERE artist_id = $1',
  createAuthor: 'INSERT INTO web_author (handle, name, visits) VALUES ($1, $2, $3) RETURNING id',
  createPosts: `INSERT INTO web_post (slug, title, views, author_id) VALUES ${Array.from({ length: web.NEW_POSTS }, (_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4})`).join(', ')}`,
  updateAuthor: 'UPDATE web_author SET name = $1, visits = $2 WHERE id = $3',
  updatePost: 'UPDATE web_post SET title = $1, views = $2 WHERE id = $3',
  upsertAuthor: 'INSERT INTO web_author (handle, name, visits) VALUES ($1, $2, $3) ON CONFLICT (handle) DO UPDATE SET name = EXCLUDED.name, visits = EXCLUDED.visits RETURNING id',
  upsertPost: 'INSERT INTO web_post (slug, title, views, author_id) VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, views = EXCLUDED.views RETURNING id',
  deletePost: 'DELETE FROM web_post WHERE id = $1',
} as const;

type Name = keyof typeof SQL;

export async function openPostgres(env: SystemEnv): Promise<SystemInstance> {
  const client = new pg.Client({ connectionString: env.url });
  await client.connect();
  const s = env.sizes;
  const run = async <R>(name: Name, values: unknown[] = []): Promise<{ rows: R[]; rowCount: number }> => {
    const r = await client.query({ name, text: SQL[name], values });
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  };
  const rows = async <R>(name: Name, values: unknown[] = []): Promise<R[]> => (await run<R>(name, values)).rows;

  return {
    workloads: {
      ...webWorkloads(client, s, run),
      count: async () => (await rows<{ n: number }>('count'))[0]!.n,
      projection: async () => (await rows('projection')).length,
      load: async () => (await rows('load')).length,
      'one-to-many': async () => {
        const artists = await rows<{ id: number }>('artists', [s.artists]);
        const albums = groupBy(await rows<Album>('albumsOf', [artists.map((a) => a.id)]), (a) => a.artist_id);
        let seen = 0;
        for (const a of artists) seen += albums.get(a.id)?.length ?? 0;
        const children = await rows<Album>('albumsLimit', [s.artists]);
        const parents = new Map((await rows<{ id: number }>('artistsIn', [[...new Set(children.map((c) => c.artist_id))]])).map((p) => [p.id, p]));
        for (const c of children) if (parents.get(c.artist_id)) seen++;
        return seen;
      },
      nested: async () => {
        const artists = await rows<{ id: number }>('artists', [s.nestedArtists]);
        const albums = await rows<Album>('albumsOf', [artists.map((a) => a.id)]);
        const tracks = await rows<{ album_id: number }>('tracksOf', [albums.map((a) => a.id)]);
        const byAlbum = groupBy(tracks, (t) => t.album_id);
        const byArtist = groupBy(albums, (a) => a.artist_id);
        let seen = 0;
        for (const a of artists) for (const al of byArtist.get(a.id) ?? []) seen += byAlbum.get(al.id)?.length ?? 0;
        return seen;
      },
      'self-ref': async () => {
        const people = await rows<{ manager_id: number | null }>('people', [s.managed]);
        const ids = [...new Set(people.flatMap((p) => (p.manager_id === null ? [] : [p.manager_id])))];
        const managers = new Map((await rows<{ id: number }>('peopleIn', [ids])).map((m) => [m.id, m]));
        return people.filter((p) => p.manager_id !== null && managers.has(p.manager_id)).length;
      },
      'related-filter': async () => (await rows('inCity', [CITY])).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          seen += (await rows('byId', [lookupId(s, k)])).length;
          seen += (await rows('page', [pageOffset(s, k)])).length;
        }
        return seen;
      },
      update: async ({ iteration }) => (await run('update', [updatedScore(iteration), s.updated])).rowCount,
      delete: async () => (await run('delete', [s.deletedParents])).rowCount,
      import: async () => {
        const data = importRows(s);
        const sink = client.query(copyFrom('COPY import_row (name, email, amount) FROM STDIN'));
        await pipeline(Readable.from(copyText(data)), sink);
        return data.length;
      },
      'unit-of-work': async () => {
        await client.query('BEGIN');
        const names = Array.from({ length: s.pairs }, (_, i) => `parent ${i + 1}`);
        const ids = (await rows<{ id: number }>('parents', [names])).map((r) => r.id);
        await run('children', [ids.map((_, i) => `child ${i + 1}`), ids]);
        await client.query('COMMIT');
        return ids.length;
      },
    },
    close: () => client.end(),
  };
}

/** The web-request workloads: each request its statements on the one connection, in a transaction where it writes more than one. */
function webWorkloads(client: pg.Client, s: SystemEnv['sizes'], run: <R>(name: Name, values?: unknown[]) => Promise<{ rows: R[]; rowCount: number }>): SystemInstance['workloads'] {
  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  const transaction = async (fn: () => Promise<number>): Promise<number> => {
    await client.query('BEGIN');
    try {
      const n = await fn();
      await client.query('COMMIT');
      return n;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  };
  return {
    'web-find': () => requests(async (k) => (await run('byId', [web.findUserId(s, k)])).rowCount),
    'web-find-related': () =>
      requests(async (k) => {
        const [artist] = (await run<{ id: number }>('artistById', [web.findArtistId(s, k)])).rows;
        return artist ? (await run('albumsOfArtist', [artist.id])).rowCount : 0;
      }),
    'web-create': ({ iteration }) =>
      requests(async (k) => {
        const a = web.newAuthor(k, iteration);
        return (await run<{ id: number }>('createAuthor', [a.handle, a.name, a.visits])).rows.length;
      }),
    'web-create-nested': ({ iteration }) =>
      requests((k) =>
        transaction(async () => {
          const a = web.newAuthor(k, iteration);
          const [{ id }] = (await run<{ id: number }>('createAuthor', [a.handle, a.name, a.visits])).rows as [{ id: number }];
          return 1 + (await run('createPosts', web.newPosts(k, iteration).flatMap((p) => [p.slug, p.title, p.views, id]))).rowCount;
        }),
      ),
    'web-update': ({ iteration }) =>
      requests(async (k) => {
        const a = web.updatedAuthor(k, iteration);
        return (await run('updateAuthor', [a.name, a.visits, web.updatedAuthorId(k)])).rowCount;
      }),
    'web-update-nested': ({ iteration }) =>
      requests((k) =>
        transaction(async () => {
          const a = web.updatedAuthor(k, iteration);
          const p = web.updatedPost(k, iteration);
          return (await run('updateAuthor', [a.name, a.visits, web.updatedAuthorId(k)])).rowCount + (await run('updatePost', [p.title, p.views, web.updatedPostId(k)])).rowCount;
        }),
      ),
    'web-upsert': ({ iteration }) =>
      requests(async (k) => {
        const a = web.upsertedAuthor(k, iteration);
        return (await run('upsertAuthor', [a.handle, a.name, a.visits])).rows.length;
      }),
    'web-upsert-nested': ({ iteration }) =>
      requests((k) =>
        transaction(async () => {
          const a = web.upsertedAuthor(k, iteration);
          const [{ id }] = (await run<{ id: number }>('upsertAuthor', [a.handle, a.name, a.visits])).rows as [{ id: number }];
          const p = web.upsertedPost(k, iteration);
          return 1 + (await run('upsertPost', [p.slug, p.title, p.views, id])).rows.length;
        }),
      ),
    'web-delete': () => requests(async (k) => (await run('deletePost', [web.deletedPostId(k)])).rowCount),
  };
}

/** COPY text in 64 KB chunks; the generated values need no escaping. */
function* copyText(data: readonly { name: string; email: string; amount: number }[]): Generator<string> {
  let chunk = '';
  for (const r of data) {
    chunk += `${r.name}\t${r.email}\t${r.amount}\n`;
    if (chunk.length > 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
