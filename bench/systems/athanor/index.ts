/**
 * Athanor, used the way its docs show: the ORM session for entity work,
 * eager loading by `selectinLoad` (for one parent, the strategy docs/queries-and-loading.md
 * recommends: `jsonLoad` on PostgreSQL, `joinedLoad` on MariaDB), `query().count()/update()/delete()` for work
 * by criteria, bulk paths of Core for imports (COPY on PostgreSQL).
 *
 * Web requests: one `db.session()` per request. `s.get()` for a row by key; a query prepared once
 * (`db.prepare`) for a row with its relations;
 * `s.reference()` (the key alone, no SELECT) for a row updated or deleted by
 * key; new objects with `s.add()`; upserts as Core `insert().onConflictDoUpdate()`
 * through `s.execute()` (the statement's rows are all a request needs; `s.upsert()` would
 * also make them objects), alone with `{ commit: true }` where it is the only write.
 */

import { createEngine, excluded, insert, placeholder, type Engine } from '../../../src/index.js';
import { database, joinedLoad, jsonLoad, selectinLoad, type Session } from '../../../src/orm/index.js';
import type { SystemFactory, SystemInstance } from '../../lib/system.js';
import { importRows as importData } from '../../lib/schema.js';
import { CITY, PAGE, type Sizes } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import { Address, Album, Artist, DelParent, Person, UowChild, UowParent, User, WebAuthor, WebPost, importRows, webAuthors, webPosts } from './models.js';
import * as web from '../../lib/web.js';
export const open: SystemFactory = async (env): Promise<SystemInstance> => {
  const engine: Engine = createEngine(env.url);
  await engine.ready();
  const db = database(engine);
  const s = env.sizes;
  const session = <T>(fn: (s: Session) => Promise<T>): Promise<T> => db.session(fn);
  // The paged list of per-query, prepared once as the docs advise for a query run again and again (Drizzle's is too).
  const page = db.prepare((x) => x.query(User).orderBy(User.id).limit(PAGE).offset(placeholder('skip')));

  return {
    workloads: {
      ...webWorkloads(db, s, env.dialect),
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
            seen += (await page.all(x, { skip: pageOffset(s, k) })).length;
          }
          return seen;
        }),
      // `commit: true`: the bulk statement is the session's only write, so it goes alone, without BEGIN/COMMIT.
      update: ({ iteration }) => session((x) => x.query(User).where(User.id.le(s.updated)).update({ score: updatedScore(iteration) }, { synchronize: false, commit: true })),
      // Bulk delete by criteria (one DELETE; ON DELETE CASCADE removes the children), as the docs advise
      // when the objects are not needed in memory. The unit-of-work path (load, session.delete) is the clinic's pitfall 4.
      delete: () =>
        session((x) => x.query(DelParent).where(DelParent.id.le(s.deletedParents)).delete({ synchronize: false, commit: true })),
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

/** The web-request workloads: each request its own session, run one after another. */
function webWorkloads(db: ReturnType<typeof database>, s: Sizes, dialect: string): SystemInstance['workloads'] {
  // One parent with one level of a small collection, as docs/queries-and-loading.md ("Choosing") says: `selectin`
  // on SQLite (in-process, two statements cost less than aggregating JSON), `json` on PostgreSQL (one round trip),
  // `joined` on MariaDB.
  const oneParentLoad = dialect === 'sqlite' ? selectinLoad : dialect === 'mysql' ? joinedLoad : jsonLoad;
  const session = <T>(fn: (x: Session) => Promise<T>): Promise<T> => db.session(fn);
  // A lookup every request makes with another key: prepared once, as the docs advise (Drizzle's is prepared too).
  const artistWithAlbums = db.prepare((x) => x.query(Artist).where(Artist.id.eq(placeholder('id'))).options(oneParentLoad(Artist.albums)));
  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  const upsertAuthor = (a: web.AuthorValues) =>
    insert(webAuthors)
      .values(a)
      .onConflictDoUpdate({ target: [webAuthors.c.handle], set: { name: excluded(webAuthors.c.name), visits: excluded(webAuthors.c.visits) } })
      .returning(webAuthors.c.id);
  return {
    'web-find': () => requests(async (k) => ((await session((x) => x.get(User, web.findUserId(s, k)))) ? 1 : 0)),
    'web-find-related': () =>
      requests(async (k) => (await session((x) => artistWithAlbums.oneOrNull(x, { id: web.findArtistId(s, k) })))?.albums.length ?? 0),
    'web-create': ({ iteration }) =>
      requests(async (k) => {
        const author = new WebAuthor(web.newAuthor(k, iteration));
        await session(async (x) => x.add(author));
        return author.id > 0 ? 1 : 0;
      }),
    'web-create-nested': ({ iteration }) =>
      requests(async (k) => {
        const author = new WebAuthor(web.newAuthor(k, iteration));
        const posts = web.newPosts(k, iteration).map((p) => new WebPost(p));
        author.posts.push(...posts);
        await session(async (x) => x.add(author));
        return 1 + posts.filter((p) => p.authorId === author.id).length;
      }),
    // A reference knows only its key: the flush UPDATEs the columns set on it, by key (a key that matches no row is a StaleDataError).
    'web-update': ({ iteration }) =>
      requests(async (k) => {
        await session(async (x) => void Object.assign(x.reference(WebAuthor, web.updatedAuthorId(k)), web.updatedAuthor(k, iteration)));
        return 1;
      }),
    'web-update-nested': ({ iteration }) =>
      requests(async (k) => {
        await session(async (x) => {
          Object.assign(x.reference(WebAuthor, web.updatedAuthorId(k)), web.updatedAuthor(k, iteration));
          Object.assign(x.reference(WebPost, web.updatedPostId(k)), web.updatedPost(k, iteration));
        });
        return 2;
      }),
    // `commit: true`: the statement is the unit of work's only write, so it goes alone, without BEGIN/COMMIT.
    'web-upsert': ({ iteration }) => requests(async (k) => (await session((x) => x.execute(upsertAuthor(web.upsertedAuthor(k, iteration)), { commit: true }))).rows.length),
    // No nested upsert in the ORM: the closest honest form is two Core upserts in the session's transaction, the
    // post's foreign key taken from the author's RETURNING.
    'web-upsert-nested': ({ iteration }) =>
      requests((k) =>
        session(async (x) => {
          const [author] = (await x.execute(upsertAuthor(web.upsertedAuthor(k, iteration)))).rows;
          const post = { ...web.upsertedPost(k, iteration), authorId: author!.id };
          const upserted = await x.execute(
            insert(webPosts)
              .values(post)
              .onConflictDoUpdate({ target: [webPosts.c.slug], set: { title: excluded(webPosts.c.title), views: excluded(webPosts.c.views) } })
              .returning(webPosts.c.id),
          );
          return 1 + upserted.rows.length;
        }),
      ),
    'web-delete': () =>
      requests(async (k) => {
        await session(async (x) => x.delete(x.reference(WebPost, web.deletedPostId(k))));
        return 1;
      }),
  };
}
