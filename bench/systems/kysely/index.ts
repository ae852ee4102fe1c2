/**
 * Kysely 0.28 as its docs advise: typed query builder, relations nested with
 * the dialect's `jsonArrayFrom` / `jsonObjectFrom` helpers (one statement),
 * chunked multi-row inserts in a transaction for imports.
 *
 * Web requests: one builder call per statement, `db.transaction()` where a
 * request writes more than one; `returning('id')` for keys (the driver's
 * insertId on MariaDB); `onConflict` / `onDuplicateKeyUpdate` for upserts.
 */

import Database from 'better-sqlite3';
import pg from 'pg';
import { createPool } from 'mysql2';
import { Kysely, MysqlDialect, sql, ParseJSONResultsPlugin, PostgresDialect, SqliteDialect, type Dialect, type Generated } from 'kysely';
import * as mysqlHelpers from 'kysely/helpers/mysql';
import * as pgHelpers from 'kysely/helpers/postgres';
import * as sqliteHelpers from 'kysely/helpers/sqlite';
import type { SystemEnv, SystemFactory, SystemInstance } from '../../lib/system.js';
import { importRows } from '../../lib/schema.js';
import { CITY, PAGE } from '../../lib/workloads.js';
import { lookupId, pageOffset, updatedScore } from '../raw/common.js';
import * as web from '../../lib/web.js';

interface DB {
  users: { id: Generated<number>; username: string; email: string; active: boolean | number; score: number };
  artist: { id: Generated<number>; name: string };
  album: { id: Generated<number>; title: string; artist_id: number | null };
  track: { id: Generated<number>; title: string; ms: number; album_id: number | null };
  address: { id: Generated<number>; street: string; city: string };
  person: { id: Generated<number>; name: string; address_id: number | null; manager_id: number | null };
  del_parent: { id: Generated<number>; name: string };
  import_row: { id: Generated<number>; name: string; email: string; amount: number };
  uow_parent: { id: Generated<number>; name: string };
  uow_child: { id: Generated<number>; label: string; parent_id: number | null };
  web_author: { id: Generated<number>; handle: string; name: string; visits: number };
  web_post: { id: Generated<number>; slug: string; title: string; views: number; author_id: number | null };
}

function dialectFor(dialect: SystemEnv['dialect'], url: string): Dialect {
  switch (dialect) {
    case 'sqlite': {
      const database = new Database(url.slice('sqlite:'.length));
      database.pragma('foreign_keys = ON');
      return new SqliteDialect({ database });
    }
    case 'postgres':
      return new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) });
    case 'mysql':
      return new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 1 }) });
  }
}

export const open: SystemFactory = async (env) => {
  const sqlite = env.dialect === 'sqlite';
  const db = new Kysely<DB>({
    dialect: dialectFor(env.dialect, env.url),
    // SQLite and MariaDB hand JSON back as text: the helpers' docs ask for this plugin there.
    plugins: env.dialect === 'postgres' ? [] : [new ParseJSONResultsPlugin()],
  });
  const { jsonArrayFrom, jsonObjectFrom } = { sqlite: sqliteHelpers, postgres: pgHelpers, mysql: mysqlHelpers }[env.dialect];
  const s = env.sizes;
  // better-sqlite3 binds no booleans: SQLite stores them as 0/1.
  const TRUE = sqlite ? 1 : true;
  // The most rows one INSERT of 3 columns can bind (MariaDB: a packet of a few hundred KB).
  const chunk = { sqlite: 10_000, postgres: 20_000, mysql: 5_000 }[env.dialect];

  const workloads: SystemInstance['workloads'] = {
      count: async () => Number((await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('active', '=', TRUE).executeTakeFirstOrThrow()).n),
      projection: async () => (await db.selectFrom('users').select(['username', 'email']).execute()).length,
      load: async () => (await db.selectFrom('users').selectAll().execute()).length,
      'one-to-many': async () => {
        const artists = await db
          .selectFrom('artist')
          .select((eb) => ['id', 'name', jsonArrayFrom(eb.selectFrom('album').select(['album.id', 'album.title', 'album.artist_id']).whereRef('album.artist_id', '=', 'artist.id')).as('albums')])
          .orderBy('id')
          .limit(s.artists)
          .execute();
        const albums = await db
          .selectFrom('album')
          .select((eb) => ['id', 'title', 'artist_id', jsonObjectFrom(eb.selectFrom('artist').select(['artist.id', 'artist.name']).whereRef('artist.id', '=', 'album.artist_id')).as('artist')])
          .orderBy('id')
          .limit(s.artists)
          .execute();
        return artists.reduce((n, a) => n + a.albums.length, 0) + albums.filter((a) => a.artist).length;
      },
      nested: async () => {
        const artists = await db
          .selectFrom('artist')
          .select((eb) => [
            'id',
            'name',
            jsonArrayFrom(
              eb
                .selectFrom('album')
                .select((eb2) => ['album.id', 'album.title', jsonArrayFrom(eb2.selectFrom('track').select(['track.id', 'track.title', 'track.ms']).whereRef('track.album_id', '=', 'album.id')).as('tracks')])
                .whereRef('album.artist_id', '=', 'artist.id'),
            ).as('albums'),
          ])
          .orderBy('id')
          .limit(s.nestedArtists)
          .execute();
        return artists.reduce((n, a) => n + a.albums.reduce((m, al) => m + al.tracks.length, 0), 0);
      },
      'self-ref': async () => {
        const people = await db
          .selectFrom('person as p')
          .select((eb) => ['p.id', 'p.name', 'p.address_id', 'p.manager_id', jsonObjectFrom(eb.selectFrom('person as m').select(['m.id', 'm.name']).whereRef('m.id', '=', 'p.manager_id')).as('manager')])
          .orderBy('p.id', 'desc')
          .limit(s.managed)
          .execute();
        return people.filter((p) => p.manager).length;
      },
      'related-filter': async () =>
        (await db.selectFrom('person').innerJoin('address', 'address.id', 'person.address_id').selectAll('person').where('address.city', '=', CITY).execute()).length,
      'per-query': async () => {
        let seen = 0;
        for (let k = 0; k < s.lookups; k++) {
          if (await db.selectFrom('users').selectAll().where('id', '=', lookupId(s, k)).executeTakeFirst()) seen++;
          seen += (await db.selectFrom('users').selectAll().orderBy('id').limit(PAGE).offset(pageOffset(s, k)).execute()).length;
        }
        return seen;
      },
      update: async ({ iteration }) => Number((await db.updateTable('users').set({ score: updatedScore(iteration) }).where('id', '<=', s.updated).executeTakeFirst()).numUpdatedRows),
      delete: async () => Number((await db.deleteFrom('del_parent').where('id', '<=', s.deletedParents).executeTakeFirst()).numDeletedRows),
      import: async () => {
        const rows = importRows(s);
        await db.transaction().execute(async (tx) => {
          for (let i = 0; i < rows.length; i += chunk) await tx.insertInto('import_row').values(rows.slice(i, i + chunk)).execute();
        });
        return rows.length;
      },
      'unit-of-work': () =>
        db.transaction().execute(async (tx) => {
          // No unit of work: parents first, then children with the returned keys.
          const names = Array.from({ length: s.pairs }, (_, i) => ({ name: `parent ${i + 1}` }));
          let ids: number[];
          if (env.dialect === 'mysql') {
            // No RETURNING in Kysely's MySQL dialect: a multi-row INSERT's ids are consecutive from insertId.
            const first = Number((await tx.insertInto('uow_parent').values(names).executeTakeFirstOrThrow()).insertId);
            ids = names.map((_, i) => first + i);
          } else {
            ids = (await tx.insertInto('uow_parent').values(names).returning('id').execute()).map((p) => p.id);
          }
          await tx.insertInto('uow_child').values(ids.map((id, i) => ({ label: `child ${i + 1}`, parent_id: id }))).execute();
          return ids.length;
        }),
  };
  const mysqlDialect = env.dialect === 'mysql';
  const requests = async (fn: (k: number) => Promise<number>): Promise<number> => {
    let done = 0;
    for (let k = 0; k < s.requests; k++) done += await fn(k);
    return done;
  };
  const createAuthor = async (tx: Kysely<DB>, a: web.AuthorValues): Promise<number> =>
    mysqlDialect
      ? Number((await tx.insertInto('web_author').values(a).executeTakeFirstOrThrow()).insertId)
      : (await tx.insertInto('web_author').values(a).returning('id').executeTakeFirstOrThrow()).id;
  // MariaDB: insertId carries the key of a row ON DUPLICATE KEY UPDATE updated only when the update sets
  // id = LAST_INSERT_ID(id), MySQL's documented idiom (Kysely's MySQL dialect compiles no RETURNING).
  const upsertAuthor = async (tx: Kysely<DB>, a: web.AuthorValues): Promise<number> => {
    const q = tx.insertInto('web_author').values(a);
    if (mysqlDialect) {
      const r = await q.onDuplicateKeyUpdate({ id: sql<number>`LAST_INSERT_ID(id)`, name: sql<string>`VALUES(name)`, visits: sql<number>`VALUES(visits)` }).executeTakeFirstOrThrow();
      return Number(r.insertId);
    }
    return (await q.onConflict((oc) => oc.column('handle').doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), visits: eb.ref('excluded.visits') }))).returning('id').executeTakeFirstOrThrow()).id;
  };
  const upsertPost = async (tx: Kysely<DB>, p: web.PostValues & { author_id: number }): Promise<number> => {
    const q = tx.insertInto('web_post').values(p);
    if (mysqlDialect) {
      const r = await q.onDuplicateKeyUpdate({ id: sql<number>`LAST_INSERT_ID(id)`, title: sql<string>`VALUES(title)`, views: sql<number>`VALUES(views)` }).executeTakeFirstOrThrow();
      return Number(r.insertId);
    }
    return (await q.onConflict((oc) => oc.column('slug').doUpdateSet((eb) => ({ title: eb.ref('excluded.title'), views: eb.ref('excluded.views') }))).returning('id').executeTakeFirstOrThrow()).id;
  };
  const updateAuthor = async (tx: Kysely<DB>, k: number, iteration: number): Promise<number> =>
    Number((await tx.updateTable('web_author').set(web.updatedAuthor(k, iteration)).where('id', '=', web.updatedAuthorId(k)).executeTakeFirst()).numUpdatedRows);
  Object.assign(workloads, {
    'web-find': () => requests(async (k) => ((await db.selectFrom('users').selectAll().where('id', '=', web.findUserId(s, k)).executeTakeFirst()) ? 1 : 0)),
    'web-find-related': () =>
      requests(async (k) => {
        const artist = await db
          .selectFrom('artist')
          .select((eb) => ['id', 'name', jsonArrayFrom(eb.selectFrom('album').select(['album.id', 'album.title', 'album.artist_id']).whereRef('album.artist_id', '=', 'artist.id')).as('albums')])
          .where('id', '=', web.findArtistId(s, k))
          .executeTakeFirst();
        return artist?.albums.length ?? 0;
      }),
    'web-create': ({ iteration }) => requests(async (k) => ((await createAuthor(db, web.newAuthor(k, iteration))) > 0 ? 1 : 0)),
    'web-create-nested': ({ iteration }) =>
      requests((k) =>
        db.transaction().execute(async (tx) => {
          const id = await createAuthor(tx, web.newAuthor(k, iteration));
          const r = await tx.insertInto('web_post').values(web.newPosts(k, iteration).map((p) => ({ ...p, author_id: id }))).executeTakeFirstOrThrow();
          return 1 + Number(r.numInsertedOrUpdatedRows);
        }),
      ),
    'web-update': ({ iteration }) => requests((k) => updateAuthor(db, k, iteration)),
    'web-update-nested': ({ iteration }) =>
      requests((k) =>
        db.transaction().execute(async (tx) => {
          const post = await tx.updateTable('web_post').set(web.updatedPost(k, iteration)).where('id', '=', web.updatedPostId(k)).executeTakeFirst();
          return (await updateAuthor(tx, k, iteration)) + Number(post.numUpdatedRows);
        }),
      ),
    'web-upsert': ({ iteration }) => requests(async (k) => ((await upsertAuthor(db, web.upsertedAuthor(k, iteration))) > 0 ? 1 : 0)),
    'web-upsert-nested': ({ iteration }) =>
      requests((k) =>
        db.transaction().execute(async (tx) => {
          const id = await upsertAuthor(tx, web.upsertedAuthor(k, iteration));
          return 1 + ((await upsertPost(tx, { ...web.upsertedPost(k, iteration), author_id: id })) > 0 ? 1 : 0);
        }),
      ),
    'web-delete': () => requests(async (k) => Number((await db.deleteFrom('web_post').where('id', '=', web.deletedPostId(k)).executeTakeFirst()).numDeletedRows)),
  } satisfies SystemInstance['workloads']);
  if (env.dialect !== 'mysql') return { workloads, close: () => db.destroy() };
  // kysely/helpers/mysql builds on MySQL 8's JSON functions (CAST AS JSON, outer references in derived tables), which MariaDB lacks.
  const reason = "Kysely's JSON relation helpers need MySQL 8; MariaDB lacks CAST(... AS JSON)";
  const { 'one-to-many': _a, nested: _b, 'self-ref': _c, 'web-find-related': _d, ...rest } = workloads;
  return { workloads: rest, unsupported: { 'one-to-many': reason, nested: reason, 'self-ref': reason, 'web-find-related': reason }, close: () => db.destroy() };
};
