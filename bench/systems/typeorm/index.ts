/**
 * TypeORM 1.1 as its docs advise: repositories, `relations` with the
 * `query` load strategy for collections (no cartesian product), the query
 * builder's multi-row INSERT without reloading ids for imports, and `save`
 * with cascades for the unit of work.
 */

import { DataSource, LessThanOrEqual } from 'typeorm';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { ArtistSchema, AlbumSchema, DelParentSchema, ENTITIES, ImportRowSchema, PersonSchema, UowParentSchema, UserSchema, type UowParent } from './entities.js';

export const open: SystemFactory = async (env) => {
  const common = { entities: ENTITIES, synchronize: false, logging: false } as const;
  let ds: DataSource;
  if (env.dialect === 'sqlite') ds = new DataSource({ type: 'better-sqlite3', database: env.url.slice('sqlite:'.length), ...common });
  else if (env.dialect === 'postgres') ds = new DataSource({ type: 'postgres', url: env.url, poolSize: 1, ...common });
  else ds = new DataSource({ type: 'mariadb', url: env.url, extra: { connectionLimit: 1 }, ...common });
  await ds.initialize();
  const s = env.sizes;
  const users = ds.getRepository(UserSchema);
  const order = { id: 'ASC' } as const;
  // The most rows one INSERT of 3 columns can bind (MariaDB: a packet of a few hundred KB).
  const chunk = { sqlite: 10_000, postgres: 20_000, mysql: 5_000 }[env.dialect];

  return {
    workloads: {
      count: () => users.count({ where: { active: true } }),
      projection: async () => (await users.find({ select: { username: true, email: true } })).length,
      load: async () => (await users.find()).length,
      'one-to-many': async () => {
        const artists = await ds.getRepository(ArtistSchema).find({ relations: { albums: true }, relationLoadStrategy: 'query', order, take: s.artists });
        const albums = await ds.getRepository(AlbumSchema).find({ relations: { artist: true }, order, take: s.artists });
        return artists.reduce((n, a) => n + a.albums.length, 0) + albums.filter((a) => a.artist).length;
      },
      nested: async () => {
        const artists = await ds.getRepository(ArtistSchema).find({ relations: { albums: { tracks: true } }, relationLoadStrategy: 'query', order, take: s.nestedArtists });
        return artists.reduce((n, a) => n + a.albums.reduce((m, al) => m + al.tracks.length, 0), 0);
      },
      'self-ref': async () => (await ds.getRepository(PersonSchema).find({ relations: { manager: true }, order: { id: 'DESC' }, take: s.managed })).filter((p) => p.manager).length,
      'related-filter': async () => (await ds.getRepository(PersonSchema).find({ where: { address: { city: CITY } } })).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          if (await users.findOneBy({ id: lookupId(s, k) })) seen++;
          seen += (await users.find({ order, take: PAGE, skip: pageOffset(s, k) })).length;
        }
        return seen;
      },
      update: async ({ iteration }) => (await users.update({ id: LessThanOrEqual(s.updated) }, { score: updatedScore(iteration) })).affected ?? 0,
      delete: async () => (await ds.getRepository(DelParentSchema).delete({ id: LessThanOrEqual(s.deletedParents) })).affected ?? 0,
      import: async () => {
        const rows = importRows(s);
        await ds.transaction(async (em) => {
          for (let i = 0; i < rows.length; i += chunk) {
            await em.createQueryBuilder().insert().into(ImportRowSchema).values(rows.slice(i, i + chunk)).updateEntity(false).execute();
          }
        });
        return rows.length;
      },
      'unit-of-work': async () => {
        const parents: UowParent[] = Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}`, children: [{ label: `child ${i + 1}` }] }));
        await ds.getRepository(UowParentSchema).save(parents);
        return parents.length;
      },
    },
    close: () => ds.destroy(),
  };
};
