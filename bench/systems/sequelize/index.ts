/**
 * Sequelize 6.37 as its docs advise: `include` with `separate: true` for
 * has-many (one query per level, no duplicated parent rows), `raw: true` for
 * plain projections, `update` / `destroy` with a where for bulk changes,
 * `bulkCreate` (with `include` for parent/child batches) for inserts.
 *
 * Web requests: model calls, one per request where one does it (`findByPk`,
 * with `include` for a row with its relation: one joined statement for one
 * parent; `create`, `update` / `destroy` with a key, `upsert` on the unique
 * column); `create` with `include` in a transaction for a new parent with its
 * children; two updates, or two upserts, in a transaction for the nested
 * writes (Sequelize has no nested update or upsert).
 */

import { Op, Sequelize, type Model } from 'sequelize';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as web from '../../lib/web.js';
import { defineModels } from './models.js';

type WithMany<K extends string> = Model & Record<K, unknown[]>;

export const open: SystemFactory = async (env) => {
  const common = { logging: false, pool: { min: 1, max: 1 } } as const;
  let sequelize: Sequelize;
  if (env.dialect === 'sqlite') sequelize = new Sequelize({ dialect: 'sqlite', storage: env.url.slice('sqlite:'.length), ...common });
  else if (env.dialect === 'postgres') sequelize = new Sequelize(env.url, { dialect: 'postgres', ...common });
  // The mysql dialect (mysql2), as the other MariaDB systems use: the mariadb dialect needs another client library.
  else sequelize = new Sequelize(env.url, { dialect: 'mysql', ...common });
  await sequelize.authenticate();
  const m = defineModels(sequelize);
  const s = env.sizes;
  const order: [string, string][] = [['id', 'ASC']];
  const chunk = { sqlite: 10_000, postgres: 20_000, mysql: 5_000 }[env.dialect];

  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  // ON CONFLICT needs its target named on PostgreSQL and SQLite; MySQL's ON DUPLICATE KEY UPDATE takes any unique key.
  const onHandle = env.dialect === 'mysql' ? {} : { conflictFields: ['handle'] };
  const onSlug = env.dialect === 'mysql' ? {} : { conflictFields: ['slug'] };
  const idOf = (m: Model | null | undefined): number => Number(m?.get('id') ?? 0);

  return {
    workloads: {
      'web-find': () => requests(async (k) => ((await m.User.findByPk(web.findUserId(s, k))) ? 1 : 0)),
      'web-find-related': () =>
        requests(async (k) => ((await m.Artist.findByPk(web.findArtistId(s, k), { include: [{ model: m.Album, as: 'albums' }] })) as WithMany<'albums'> | null)?.albums.length ?? 0),
      'web-create': ({ iteration }) => requests(async (k) => (idOf(await m.WebAuthor.create({ ...web.newAuthor(k, iteration) })) > 0 ? 1 : 0)),
      'web-create-nested': ({ iteration }) =>
        requests((k) =>
          sequelize.transaction(async (transaction) => {
            const author = (await m.WebAuthor.create({ ...web.newAuthor(k, iteration), posts: web.newPosts(k, iteration) }, { include: [{ model: m.WebPost, as: 'posts' }], transaction })) as WithMany<'posts'>;
            return 1 + author.posts.length;
          }),
        ),
      'web-update': ({ iteration }) => requests(async (k) => (await m.WebAuthor.update(web.updatedAuthor(k, iteration), { where: { id: web.updatedAuthorId(k) } }))[0]),
      'web-update-nested': ({ iteration }) =>
        requests((k) =>
          sequelize.transaction(async (transaction) => {
            const [a] = await m.WebAuthor.update(web.updatedAuthor(k, iteration), { where: { id: web.updatedAuthorId(k) }, transaction });
            const [p] = await m.WebPost.update(web.updatedPost(k, iteration), { where: { id: web.updatedPostId(k) }, transaction });
            return a + p;
          }),
        ),
      'web-upsert': ({ iteration }) =>
        requests(async (k) => {
          await m.WebAuthor.upsert({ ...web.upsertedAuthor(k, iteration) }, onHandle);
          return 1;
        }),
      'web-upsert-nested': ({ iteration }) =>
        requests((k) =>
          sequelize.transaction(async (transaction) => {
            const a = web.upsertedAuthor(k, iteration);
            const [author] = await m.WebAuthor.upsert({ ...a }, { ...onHandle, transaction });
            let authorId = idOf(author);
            // Sequelize returns upserted rows on PostgreSQL only (RETURNING); elsewhere the key of a row the upsert
            // updated is read back by the unique column.
            if (env.dialect !== 'postgres') authorId = idOf(await m.WebAuthor.findOne({ where: { handle: a.handle }, attributes: ['id'], transaction }));
            await m.WebPost.upsert({ ...web.upsertedPost(k, iteration), authorId }, { ...onSlug, transaction });
            return 2;
          }),
        ),
      'web-delete': () => requests((k) => m.WebPost.destroy({ where: { id: web.deletedPostId(k) } })),
      count: () => m.User.count({ where: { active: true } }),
      projection: async () => (await m.User.findAll({ attributes: ['username', 'email'], raw: true })).length,
      load: async () => (await m.User.findAll()).length,
      'one-to-many': async () => {
        const artists = (await m.Artist.findAll({ include: [{ model: m.Album, as: 'albums', separate: true }], order, limit: s.artists })) as WithMany<'albums'>[];
        const albums = await m.Album.findAll({ include: [{ model: m.Artist, as: 'artist' }], order, limit: s.artists });
        return artists.reduce((n, a) => n + a.albums.length, 0) + albums.filter((a) => a.get('artist')).length;
      },
      nested: async () => {
        const artists = (await m.Artist.findAll({
          include: [{ model: m.Album, as: 'albums', separate: true, include: [{ model: m.Track, as: 'tracks', separate: true }] }],
          order,
          limit: s.nestedArtists,
        })) as WithMany<'albums'>[];
        return artists.reduce((n, a) => n + (a.albums as WithMany<'tracks'>[]).reduce((k, al) => k + al.tracks.length, 0), 0);
      },
      'self-ref': async () => (await m.Person.findAll({ include: [{ model: m.Person, as: 'manager' }], order: [['id', 'DESC']], limit: s.managed })).filter((p) => p.get('manager')).length,
      'related-filter': async () => (await m.Person.findAll({ include: [{ model: m.Address, as: 'address', where: { city: CITY }, attributes: [] }] })).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          if (await m.User.findByPk(lookupId(s, k))) seen++;
          seen += (await m.User.findAll({ order, limit: PAGE, offset: pageOffset(s, k) })).length;
        }
        return seen;
      },
      update: async ({ iteration }) => (await m.User.update({ score: updatedScore(iteration) }, { where: { id: { [Op.lte]: s.updated } } }))[0],
      delete: () => m.DelParent.destroy({ where: { id: { [Op.lte]: s.deletedParents } } }),
      import: async () => {
        const rows = importRows(s);
        await sequelize.transaction(async (transaction) => {
          for (let i = 0; i < rows.length; i += chunk) await m.ImportRow.bulkCreate(rows.slice(i, i + chunk), { transaction });
        });
        return rows.length;
      },
      'unit-of-work': () =>
        sequelize.transaction(async (transaction) => {
          const parents = Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}`, children: [{ label: `child ${i + 1}` }] }));
          await m.UowParent.bulkCreate(parents, { include: [{ model: m.UowChild, as: 'children' }], transaction });
          return parents.length;
        }),
    },
    close: () => sequelize.close(),
  };
};
