/**
 * Objection 3 on Knex 3 as their docs advise: `withGraphFetched` (one query
 * per level) for relations, `joinRelated` to filter on a relation, `patch` /
 * `delete` queries for bulk changes, Knex's `batchInsert` for imports and
 * `insertGraph` for parent/child batches.
 */

import knexFactory, { type Knex } from 'knex';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { Album, Artist, DelParent, Person, UowParent, User } from './models.js';

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
  const models = [User, Artist, Album, Person, DelParent, UowParent];
  for (const m of models) m.knex(knex);
  const s = env.sizes;
  // better-sqlite3 binds no booleans: SQLite stores them as 0/1.
  const TRUE = sqlite ? 1 : true;
  // Knex inserts SQLite batches as UNION ALL SELECTs: at most 500 terms (SQLITE_MAX_COMPOUND_SELECT).
  const chunk = { sqlite: 500, postgres: 20_000, mysql: 5_000 }[env.dialect];

  return {
    workloads: {
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
