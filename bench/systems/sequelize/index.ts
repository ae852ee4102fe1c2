/**
 * Sequelize 6.37 as its docs advise: `include` with `separate: true` for
 * has-many (one query per level, no duplicated parent rows), `raw: true` for
 * plain projections, `update` / `destroy` with a where for bulk changes,
 * `bulkCreate` (with `include` for parent/child batches) for inserts.
 */

import { Op, Sequelize, type Model } from 'sequelize';
import type { SystemFactory } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
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

  return {
    workloads: {
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
