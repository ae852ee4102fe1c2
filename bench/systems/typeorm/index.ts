/**
 * TypeORM 1.1 as its docs advise: repositories, `relations` with the
 * `query` load strategy for collections (no cartesian product), the query
 * builder's multi-row INSERT without reloading ids for imports, and `save`
 * with cascades for the unit of work.
 *
 * Web requests: repository calls, one per statement where the repository has
 * one (`findOne` with `relations`, `insert`, `update(id, ...)`, `upsert` on
 * the unique column, `delete(id)`); `save` with the insert cascade for a new
 * parent with its children; `ds.transaction()` where a request writes two rows
 * by key (TypeORM has no nested update or upsert).
 */

import { DataSource, LessThanOrEqual, type ObjectLiteral } from 'typeorm';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { ArtistSchema, AlbumSchema, DelParentSchema, ENTITIES, ImportRowSchema, PersonSchema, UowParentSchema, UserSchema, WebAuthorSchema, WebPostSchema, type UowParent } from './entities.js';
import * as web from '../../lib/web.js';

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

  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  const authors = ds.getRepository(WebAuthorSchema);
  const posts = ds.getRepository(WebPostSchema);
  const artists = ds.getRepository(ArtistSchema);
  const idOf = (r: { identifiers: ObjectLiteral[] }): number => Number(r.identifiers[0]?.id ?? 0);

  return {
    workloads: {
      'web-find': () => requests(async (k) => ((await users.findOneBy({ id: web.findUserId(s, k) })) ? 1 : 0)),
      'web-find-related': () =>
        requests(async (k) => (await artists.findOne({ where: { id: web.findArtistId(s, k) }, relations: { albums: true }, relationLoadStrategy: 'query' }))?.albums.length ?? 0),
      'web-create': ({ iteration }) => requests(async (k) => (idOf(await authors.insert(web.newAuthor(k, iteration))) > 0 ? 1 : 0)),
      'web-create-nested': ({ iteration }) =>
        requests(async (k) => {
          const saved = await authors.save({ ...web.newAuthor(k, iteration), posts: web.newPosts(k, iteration) });
          return 1 + (saved.posts ?? []).length;
        }),
      'web-update': ({ iteration }) => requests(async (k) => (await authors.update(web.updatedAuthorId(k), web.updatedAuthor(k, iteration))).affected ?? 0),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          ds.transaction(async (em) => {
            const a = await em.update(WebAuthorSchema, web.updatedAuthorId(k), web.updatedAuthor(k, iteration));
            const p = await em.update(WebPostSchema, web.updatedPostId(k), web.updatedPost(k, iteration));
            return (a.affected ?? 0) + (p.affected ?? 0);
          }),
        ),
      'web-upsert': ({ iteration }) => requests(async (k) => ((await authors.upsert(web.upsertedAuthor(k, iteration), ['handle'])) ? 1 : 0)),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          ds.transaction(async (em) => {
            const a = web.upsertedAuthor(k, iteration);
            let authorId = idOf(await em.upsert(WebAuthorSchema, a, ['handle']));
            // TypeORM writes no RETURNING on SQLite: its identifiers there are the last inserted rowid, not the key
            // of a row the upsert updated, so the key is read back by the unique column.
            if (env.dialect === 'sqlite') authorId = (await em.findOneOrFail(WebAuthorSchema, { where: { handle: a.handle }, select: { id: true } })).id!;
            await em.upsert(WebPostSchema, { ...web.upsertedPost(k, iteration), author: { id: authorId } }, ['slug']);
            return 2;
          }),
        ),
      'web-delete': () => requests(async (k) => (await posts.delete(web.deletedPostId(k))).affected ?? 0),
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
