/**
 * Athanor, used the way its docs show: the ORM session for entity work,
 * eager loading by `selectinLoad` (sibling-batched lazy loads until the option
 * lands), bulk paths of Core for imports (COPY on PostgreSQL).
 */

import { createEngine, insert, type Engine } from '../../../src/index.js';
import { database, selectinLoad, type Session } from '../../../src/orm/index.js';
import type { SystemFactory, SystemInstance } from '../../lib/system.js';
import { importRows as importData } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { Address, Album, Artist, DelParent, Person, UowChild, UowParent, User, importRows } from './models.js';
import { loaderOption, needs, type FullQuery } from './pending.js';

function full<R>(q: unknown): FullQuery<R> {
  return q as FullQuery<R>;
}

export const open: SystemFactory = async (env): Promise<SystemInstance> => {
  const engine: Engine = createEngine(env.url);
  await engine.ready();
  const db = database(engine);
  const s = env.sizes;
  const session = <T>(fn: (s: Session) => Promise<T>): Promise<T> => db.session(fn);
  const selectin = loaderOption('selectinLoad');

  return {
    workloads: {
      count: () => session(async (x) => needs<() => Promise<number>>(full(x.query(User).where(User.active.eq(true))), 'count')()),
      projection: () =>
        session(async (x) => {
          const q = needs<(...cols: unknown[]) => FullQuery<unknown>>(x, 'select')(User.username, User.email);
          return (await q.all()).length;
        }),
      load: () => session(async (x) => (await x.query(User).all()).length),
      'one-to-many': async () => {
        const parents = await session(async (x) => {
          let seen = 0;
          if (selectin) {
            const artists = await full<Artist>(x.query(Artist).orderBy(Artist.id).limit(s.artists)).options(selectin(Artist.albums)).all();
            for (const a of artists) seen += (a.albums as unknown as unknown[]).length;
          } else {
            const artists = await x.query(Artist).orderBy(Artist.id).limit(s.artists).all();
            for (const a of artists) seen += (await a.albums.load()).length;
          }
          return seen;
        });
        const children = await session(async (x) => {
          // The documented way to load a relationship you know you need: an eager option (one IN query).
          const albums = await x.query(Album).orderBy(Album.id).limit(s.artists).options(selectinLoad(Album.artist)).all();
          let seen = 0;
          for (const al of albums) if (al.artist) seen++;
          return seen;
        });
        return parents + children;
      },
      nested: () =>
        session(async (x) => {
          let seen = 0;
          if (selectin) {
            const path = (selectin(Artist.albums) as { selectinLoad(a: unknown): unknown }).selectinLoad(Album.tracks);
            const artists = await full<Artist>(x.query(Artist).orderBy(Artist.id).limit(s.nestedArtists)).options(path).all();
            for (const a of artists) for (const al of a.albums as unknown as Album[]) seen += (al.tracks as unknown as unknown[]).length;
          } else {
            const artists = await x.query(Artist).orderBy(Artist.id).limit(s.nestedArtists).all();
            for (const a of artists) for (const al of await a.albums.load()) seen += (await al.tracks.load()).length;
          }
          return seen;
        }),
      'self-ref': () =>
        session(async (x) => {
          const people = await x.query(Person).orderBy(Person.id.desc()).limit(s.managed).options(selectinLoad(Person.manager)).all();
          let seen = 0;
          for (const p of people) if (p.manager) seen++;
          return seen;
        }),
      'related-filter': () =>
        session(async (x) => {
          const q = needs<(rel: unknown) => FullQuery<Person>>(x.query(Person), 'join')(Person.address);
          return (await q.where(Address.city.eq(CITY)).all()).length;
        }),
      'per-query': () =>
        session(async (x) => {
          let seen = 0;
          for (let k = 0; k < s.lookups; k++) {
            if (await x.get(User, lookupId(s, k))) seen++;
            seen += (await x.query(User).orderBy(User.id).limit(PAGE).offset(pageOffset(s, k)).all()).length;
          }
          return seen;
        }),
      update: ({ iteration }) =>
        session(async (x) => {
          const q = full<User>(x.query(User).where(User.id.le(s.updated)));
          return needs<FullQuery<User>['update']>(q, 'update')({ score: updatedScore(iteration) }, { synchronize: false });
        }),
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
