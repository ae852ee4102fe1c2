/**
 * Athanor, used the way its docs show: the ORM session for entity work,
 * eager loading by `selectinLoad`, `query().count()/update()/delete()` for work
 * by criteria, bulk paths of Core for imports (COPY on PostgreSQL).
 */

import { createEngine, insert, type Engine } from '../../../src/index.js';
import { database, selectinLoad, type Session } from '../../../src/orm/index.js';
import type { SystemFactory, SystemInstance } from '../../lib/system.js';
import { importRows as importData } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { Address, Album, Artist, DelParent, Person, UowChild, UowParent, User, importRows } from './models.js';
export const open: SystemFactory = async (env): Promise<SystemInstance> => {
  const engine: Engine = createEngine(env.url);
  await engine.ready();
  const db = database(engine);
  const s = env.sizes;
  const session = <T>(fn: (s: Session) => Promise<T>): Promise<T> => db.session(fn);

  return {
    workloads: {
      count: () => session((x) => x.query(User).where(User.active.eq(true)).count()),
      projection: () => session(async (x) => (await x.select(User.username, User.email).all()).length),
      load: () => session(async (x) => (await x.query(User).all()).length),
      'one-to-many': async () => {
        // The documented way to load a relationship you know you need: an eager option (one IN query).
        const parents = await session(async (x) => {
          let seen = 0;
          for (const a of await x.query(Artist).orderBy(Artist.id).limit(s.artists).options(selectinLoad(Artist.albums)).all()) seen += a.albums.length;
          return seen;
        });
        const children = await session(async (x) => {
          let seen = 0;
          for (const al of await x.query(Album).orderBy(Album.id).limit(s.artists).options(selectinLoad(Album.artist)).all()) if (al.artist) seen++;
          return seen;
        });
        return parents + children;
      },
      nested: () =>
        session(async (x) => {
          let seen = 0;
          const artists = await x.query(Artist).orderBy(Artist.id).limit(s.nestedArtists).options(selectinLoad(Artist.albums).selectinLoad(Album.tracks)).all();
          for (const a of artists) for (const al of a.albums) seen += al.tracks.length;
          return seen;
        }),
      'self-ref': () =>
        session(async (x) => {
          const people = await x.query(Person).orderBy(Person.id.desc()).limit(s.managed).options(selectinLoad(Person.manager)).all();
          let seen = 0;
          for (const p of people) if (p.manager) seen++;
          return seen;
        }),
      'related-filter': () => session(async (x) => (await x.query(Person).join(Person.address).where(Address.city.eq(CITY)).all()).length),
      'per-query': () =>
        session(async (x) => {
          let seen = 0;
          for (let k = 0; k < s.lookups; k++) {
            if (await x.get(User, lookupId(s, k))) seen++;
            seen += (await x.query(User).orderBy(User.id).limit(PAGE).offset(pageOffset(s, k)).all()).length;
          }
          return seen;
        }),
      update: ({ iteration }) => session((x) => x.query(User).where(User.id.le(s.updated)).update({ score: updatedScore(iteration) }, { synchronize: false })),
      // Bulk delete by criteria (one DELETE; ON DELETE CASCADE removes the children), as the docs advise
      // when the objects are not needed in memory. The unit-of-work path (load, session.delete) is the clinic's pitfall 4.
      delete: () =>
        session((x) => x.query(DelParent).where(DelParent.id.le(s.deletedParents)).delete({ synchronize: false })),
      import: async () => {
        const rows = importData(s);
        if (env.dialect === 'postgres') return engine.copyFrom(importRows, rows);
        await engine.execute(insert(importRows).values(rows));
        return rows.length;
      },
      'unit-of-work': () =>
        session(async (x) => {
          for (let i = 1; i <= s.pairs; i++) {
            const parent = new UowParent({ name: `parent ${i}` });
            parent.children.push(new UowChild({ label: `child ${i}` }));
            x.add(parent);
          }
          return s.pairs;
        }),
    },
    close: () => engine.close(),
  };
};
