/**
 * MikroORM 6.6 as its docs advise: a forked EntityManager per unit of work,
 * `populate` with the select-in strategy for collections, native
 * update/delete for bulk changes, `insertMany` for imports, and `persist` +
 * one `flush` (batched inserts) for the unit of work.
 *
 * Web requests: a forked EntityManager per request. `findOne` (with
 * `populate`, the default joined strategy for one parent); `create` +
 * `flush` for new rows; `getReference` (the key alone, no SELECT) + `flush`
 * for rows updated or removed by key; `em.upsert` on the unique property,
 * two of them in `transactional()` for the nested upsert, which MikroORM has
 * no single form for.
 */

import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { type ImportRow, AlbumSchema, ArtistSchema, DelParentSchema, ENTITIES, ImportRowSchema, PersonSchema, UowParentSchema, UserSchema, WebAuthorSchema, WebPostSchema } from './entities.js';
import * as web from '../../lib/web.js';

export const open: SystemFactory = async (env) => {
  const common: Options = { entities: ENTITIES, debug: false, discovery: { disableDynamicFileAccess: true } };
  let orm: MikroORM;
  if (env.dialect === 'sqlite') {
    orm = await MikroORM.init({ ...common, driver: BetterSqliteDriver, dbName: env.url.slice('sqlite:'.length) });
  } else if (env.dialect === 'postgres') {
    orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: env.url, pool: { min: 1, max: 1 } });
  } else {
    orm = await MikroORM.init({ ...common, driver: MariaDbDriver, clientUrl: env.url, pool: { min: 1, max: 1 } });
  }
  const s = env.sizes;
  const em = () => orm.em.fork();
  const order = { orderBy: { id: 'asc' } } as const;
  // Rows per INSERT: under each database's bound-parameter limit for 3 columns.
  const chunk = { sqlite: 10_000, postgres: 20_000, mysql: 5_000 }[env.dialect];

  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };

  return {
    workloads: {
      'web-find': () => requests(async (k) => ((await em().findOne(UserSchema, web.findUserId(s, k))) ? 1 : 0)),
      'web-find-related': () => requests(async (k) => (await em().findOne(ArtistSchema, web.findArtistId(s, k), { populate: ['albums'] }))?.albums.length ?? 0),
      'web-create': ({ iteration }) =>
        requests(async (k) => {
          const e = em();
          const author = e.create(WebAuthorSchema, web.newAuthor(k, iteration));
          await e.flush();
          return author.id > 0 ? 1 : 0;
        }),
      'web-create-nested': ({ iteration }) =>
        requests(async (k) => {
          const e = em();
          const author = e.create(WebAuthorSchema, { ...web.newAuthor(k, iteration), posts: web.newPosts(k, iteration) });
          await e.flush();
          return 1 + author.posts.getItems().filter((p) => p.id > 0).length;
        }),
      'web-update': ({ iteration }) =>
        requests(async (k) => {
          const e = em();
          Object.assign(e.getReference(WebAuthorSchema, web.updatedAuthorId(k)), web.updatedAuthor(k, iteration));
          await e.flush();
          return 1;
        }),
      'web-update-nested': ({ iteration }) =>
        requests(async (k) => {
          const e = em();
          Object.assign(e.getReference(WebAuthorSchema, web.updatedAuthorId(k)), web.updatedAuthor(k, iteration));
          Object.assign(e.getReference(WebPostSchema, web.updatedPostId(k)), web.updatedPost(k, iteration));
          await e.flush();
          return 2;
        }),
      'web-upsert': ({ iteration }) => requests(async (k) => ((await em().upsert(WebAuthorSchema, web.upsertedAuthor(k, iteration))).id > 0 ? 1 : 0)),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          em().transactional(async (tx) => {
            const author = await tx.upsert(WebAuthorSchema, web.upsertedAuthor(k, iteration));
            const post = await tx.upsert(WebPostSchema, { ...web.upsertedPost(k, iteration), author });
            return (author.id > 0 ? 1 : 0) + (post.id > 0 ? 1 : 0);
          }),
        ),
      'web-delete': () =>
        requests(async (k) => {
          const e = em();
          e.remove(e.getReference(WebPostSchema, web.deletedPostId(k)));
          await e.flush();
          return 1;
        }),
      count: () => em().count(UserSchema, { active: true }),
      projection: async () => (await em().find(UserSchema, {}, { fields: ['username', 'email'] })).length,
      load: async () => (await em().find(UserSchema, {})).length,
      'one-to-many': async () => {
        const artists = await em().find(ArtistSchema, {}, { populate: ['albums'], strategy: 'select-in', ...order, limit: s.artists });
        const albums = await em().find(AlbumSchema, {}, { populate: ['artist'], ...order, limit: s.artists });
        return artists.reduce((n, a) => n + a.albums.length, 0) + albums.filter((a) => a.artist).length;
      },
      nested: async () => {
        const artists = await em().find(ArtistSchema, {}, { populate: ['albums.tracks'], strategy: 'select-in', ...order, limit: s.nestedArtists });
        return artists.reduce((n, a) => n + a.albums.getItems().reduce((m, al) => m + al.tracks.length, 0), 0);
      },
      'self-ref': async () => (await em().find(PersonSchema, {}, { populate: ['manager'], orderBy: { id: 'desc' }, limit: s.managed })).filter((p) => p.manager).length,
      'related-filter': async () => (await em().find(PersonSchema, { address: { city: CITY } })).length,
      'per-query': async () => {
        const e = em();
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          if (await e.findOne(UserSchema, lookupId(s, k))) seen++;
          seen += (await e.find(UserSchema, {}, { ...order, limit: PAGE, offset: pageOffset(s, k) })).length;
        }
        return seen;
      },
      update: ({ iteration }) => em().nativeUpdate(UserSchema, { id: { $lte: s.updated } }, { score: updatedScore(iteration) }),
      delete: () => em().nativeDelete(DelParentSchema, { id: { $lte: s.deletedParents } }),
      import: async () => {
        const rows = importRows(s);
        await em().transactional(async (tx) => {
          for (let i = 0; i < rows.length; i += chunk) await tx.insertMany<ImportRow>(ImportRowSchema, rows.slice(i, i + chunk));
        });
        return rows.length;
      },
      'unit-of-work': async () => {
        const e = em();
        for (let i = 1; i <= s.pairs; i++) e.create(UowParentSchema, { name: `parent ${i}`, children: [{ label: `child ${i}` }] });
        await e.flush();
        return s.pairs;
      },
    },
    close: () => orm.close(),
  };
};
