/**
 * Objection 3 on Knex 3 as their docs advise: `withGraphFetched` (one query
 * per level) for relations, `joinRelated` to filter on a relation, `patch` /
 * `delete` queries for bulk changes, Knex's `batchInsert` for imports and
 * `insertGraph` for parent/child batches.
 *
 * Web requests: one query per statement (`findById`, `withGraphFetched` for
 * a row with its relation, `insert`, `patch().where(id)`, `deleteById`);
 * `insertGraph` in a transaction for a new parent with its children; two
 * patches, or two `insert().onConflict().merge()` upserts, in a transaction
 * for the nested writes (`upsertGraph` decides insert or update by primary
 * key, not by a unique key, and reads the graph first).
 */

import knexFactory, { type Knex } from 'knex';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { Album, Artist, DelParent, Person, UowParent, User, WebAuthor, WebPost } from './models.js';
import * as web from '../../lib/web.js';

export const open: SystemFactory = async (env) => {
  const sqlite = env.dialect === 'sqlite';
  const config: Knex.Config = sqlite
    ? {
        client: 'better-sqlite3',
        connection: { filename: env.url.slice('sqlite:'.length) },
        useNullAsDefault: true,
        pool: { afterCreate: (conn: { pragma(s: string): unknown }, done: (e: Error | null, c: unknown) => void) => done(null, conn.pragma('foreign_keys = ON') && conn) },
      }
    : { client: env.dialect === 'postgres' ? 'pg' : 'mysql2', connection: env.url, pool: { min: 1, max: 1 } };
  const knex = knexFactory(config);
  const models = [User, Artist, Album, Person, DelParent, UowParent, WebAuthor, WebPost];
  for (const m of models) m.knex(knex);
  const s = env.sizes;
  // better-sqlite3 binds no booleans: SQLite stores them as 0/1.
  const TRUE = sqlite ? 1 : true;
  // Knex inserts SQLite batches as UNION ALL SELECTs: at most 500 terms (SQLITE_MAX_COMPOUND_SELECT).
  const chunk = { sqlite: 500, postgres: 20_000, mysql: 5_000 }[env.dialect];

  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  const mysql = env.dialect === 'mysql';
  // The key of the row an upsert inserted or updated: RETURNING where Knex writes it, else (MariaDB through
  // mysql2) the insertId that `id = LAST_INSERT_ID(id)` sets when the update branch runs.
  const upsertAuthor = async (trx: Knex.Transaction | undefined, a: web.AuthorValues): Promise<number> => {
    const q = WebAuthor.query(trx).insert(a).onConflict('handle');
    const row = mysql ? await q.merge({ id: knex.raw('LAST_INSERT_ID(id)'), name: a.name, visits: a.visits } as never) : await q.merge(['name', 'visits']).returning('id');
    return (row as unknown as WebAuthor).id!;
  };
  const upsertPost = async (trx: Knex.Transaction, p: web.PostValues & { author_id: number }): Promise<number> => {
    const q = WebPost.query(trx).insert(p).onConflict('slug');
    const row = mysql ? await q.merge({ id: knex.raw('LAST_INSERT_ID(id)'), title: p.title, views: p.views } as never) : await q.merge(['title', 'views']).returning('id');
    return (row as unknown as WebPost).id!;
  };

  return {
    workloads: {
      'web-find': () => requests(async (k) => ((await User.query().findById(web.findUserId(s, k))) ? 1 : 0)),
      'web-find-related': () => requests(async (k) => (await Artist.query().findById(web.findArtistId(s, k)).withGraphFetched('albums'))?.albums?.length ?? 0),
      'web-create': ({ iteration }) => requests(async (k) => ((await WebAuthor.query().insert(web.newAuthor(k, iteration))).id! > 0 ? 1 : 0)),
      'web-create-nested': ({ iteration }) =>
        requests(async (k) => {
          const author = await WebAuthor.transaction(async (trx) => WebAuthor.query(trx).insertGraph({ ...web.newAuthor(k, iteration), posts: web.newPosts(k, iteration) }));
          return 1 + (author.posts ?? []).filter((p) => p.id! > 0).length;
        }),
      'web-update': ({ iteration }) => requests(async (k) => await WebAuthor.query().patch(web.updatedAuthor(k, iteration)).where('id', web.updatedAuthorId(k))),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          WebAuthor.transaction(async (trx) => {
            const a = await WebAuthor.query(trx).patch(web.updatedAuthor(k, iteration)).where('id', web.updatedAuthorId(k));
            const p = await WebPost.query(trx).patch(web.updatedPost(k, iteration)).where('id', web.updatedPostId(k));
            return a + p;
          }),
        ),
      'web-upsert': ({ iteration }) => requests(async (k) => ((await upsertAuthor(undefined, web.upsertedAuthor(k, iteration))) > 0 ? 1 : 0)),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          WebAuthor.transaction(async (trx) => {
            const authorId = await upsertAuthor(trx, web.upsertedAuthor(k, iteration));
            return 1 + ((await upsertPost(trx, { ...web.upsertedPost(k, iteration), author_id: authorId })) > 0 ? 1 : 0);
          }),
        ),
      'web-delete': () => requests(async (k) => await WebPost.query().deleteById(web.deletedPostId(k))),
      count: () => User.query().where('active', TRUE).resultSize(),
      projection: async () => (await User.query().select('username', 'email')).length,
      load: async () => (await User.query()).length,
      'one-to-many': async () => {
        const artists = await Artist.query().withGraphFetched('albums').orderBy('id').limit(s.artists);
        const albums = await Album.query().withGraphFetched('artist').orderBy('id').limit(s.artists);
        return artists.reduce((n, a) => n + (a.albums?.length ?? 0), 0) + albums.filter((a) => a.artist).length;
      },
      nested: async () => {
        const artists = await Artist.query().withGraphFetched('albums.tracks').orderBy('id').limit(s.nestedArtists);
        return artists.reduce((n, a) => n + (a.albums ?? []).reduce((m, al) => m + (al.tracks?.length ?? 0), 0), 0);
      },
      'self-ref': async () => (await Person.query().withGraphFetched('manager').orderBy('id', 'desc').limit(s.managed)).filter((p) => p.manager).length,
      'related-filter': async () => (await Person.query().select('person.*').joinRelated('address').where('address.city', CITY)).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          if (await User.query().findById(lookupId(s, k))) seen++;
          seen += (await User.query().orderBy('id').limit(PAGE).offset(pageOffset(s, k))).length;
        }
        return seen;
      },
      update: async ({ iteration }) => await User.query().patch({ score: updatedScore(iteration) }).where('id', '<=', s.updated),
      delete: async () => await DelParent.query().delete().where('id', '<=', s.deletedParents),
      import: async () => {
        const rows = importRows(s);
        await knex.batchInsert('import_row', rows, chunk);
        return rows.length;
      },
      'unit-of-work': async () => {
        const graph = Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}`, children: [{ label: `child ${i + 1}` }] }));
        await UowParent.transaction(async (trx) => UowParent.query(trx).insertGraph(graph));
        return graph.length;
      },
    },
    close: () => knex.destroy(),
  };
};
