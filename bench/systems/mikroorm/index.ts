/**
 * MikroORM 6.6 as its docs advise: a forked EntityManager per unit of work,
 * `populate` with the select-in strategy for collections, native
 * update/delete for bulk changes, `insertMany` for imports, and `persist` +
 * one `flush` (batched inserts) for the unit of work.
 */

import { MikroORM, type Options } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { type ImportRow, AlbumSchema, ArtistSchema, DelParentSchema, ENTITIES, ImportRowSchema, PersonSchema, UowParentSchema, UserSchema } from './entities.js';

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

  return {
    workloads: {
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
