/**
 * The exact statements a flush emits, per dialect (SQLAlchemy's
 * test_unitofworkv2 style): inserts with RETURNING and keys copied from
 * relationships, grouped updates, versioned updates, link rows and deletes.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { database, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog, type Captured } from '../support/statements.js';
import { Artist, Document, Song, Tag, createOrmTables, emptyOrmTables } from '../fixtures/orm-models.js';

type Expected = Record<'sqlite' | 'postgres' | 'mysql', readonly (readonly [string, unknown[]])[]>;

forEachDialect('flush SQL', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createOrmTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(() => emptyOrmTables(ctx.engine));

  function expectStatements(statements: readonly Captured[], expected: Expected): void {
    const mine = expected[ctx.name];
    assert.deepEqual(
      statements.map((s) => [s.sql, s.parameters]),
      mine.map(([sql, params]) => [sql, params]),
    );
  }

  /** Normalize generated ids (they differ per database and run) in expectations. */
  const ids = async () => (await db.session(async (s) => (await s.query(Artist).orderBy(Artist.id).all()).map((a) => a.id)));

  it('inserts parent and children: RETURNING the key, then the children with the key copied in', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const a = new Artist({ name: 'A' });
        a.songs.push(new Song({ title: 'x' }), new Song({ title: 'y' }));
        s.add(a);
      }),
    );
    const [id] = await ids();
    expectStatements(statements, {
      sqlite: [
        ['INSERT INTO "orm_artist" ("name", "active") VALUES (?, ?) RETURNING "orm_artist"."id"', ['A', 0]],
        ['INSERT INTO "orm_song" ("title", "artist_id", "plays") VALUES (?, ?, ?), (?, ?, ?) RETURNING "orm_song"."id"', ['x', id, 0, 'y', id, 0]],
      ],
      postgres: [
        ['INSERT INTO "orm_artist" ("name", "active") VALUES ($1, $2) RETURNING "orm_artist"."id"', ['A', false]],
        // Several rows: one array per column, the same text for any number of rows.
        ['INSERT INTO "orm_song" ("title", "artist_id", "plays") SELECT * FROM unnest($1::TEXT[], $2::INTEGER[], $3::INTEGER[]) RETURNING "orm_song"."id"', [['x', 'y'], [id, id], [0, 0]]],
      ],
      mysql: [
        ['INSERT INTO `orm_artist` (`name`, `active`) VALUES (?, ?) RETURNING `orm_artist`.`id`', ['A', 0]],
        ['INSERT INTO `orm_song` (`title`, `artist_id`, `plays`) VALUES (?, ?, ?), (?, ?, ?) RETURNING `orm_song`.`id`', ['x', id, 0, 'y', id, 0]],
      ],
    });
  });

  it('updates objects given the same value with one IN list, and different values with VALUES rows (or a JSON_TABLE on MariaDB)', async () => {
    await db.session(async (s) => s.addAll([new Artist({ name: 'a' }), new Artist({ name: 'b' })]));
    const [a, b] = await ids();
    const same = await log.during(() =>
      db.session(async (s) => {
        for (const x of await s.query(Artist).orderBy(Artist.id).all()) x.active = true;
      }),
    );
    expectStatements(same.slice(1), {
      sqlite: [['UPDATE "orm_artist" SET "active" = ? WHERE "orm_artist"."id" IN (?, ?)', [1, a, b]]],
      postgres: [['UPDATE "orm_artist" SET "active" = $1 WHERE "orm_artist"."id" IN ($2, $3)', [true, a, b]]],
      mysql: [['UPDATE `orm_artist` SET `active` = ? WHERE `orm_artist`.`id` IN (?, ?)', [1, a, b]]],
    });
    const different = await log.during(() =>
      db.session(async (s) => {
        for (const x of await s.query(Artist).orderBy(Artist.id).all()) x.name = `${x.name}!`;
      }),
    );
    expectStatements(different.slice(1), {
      sqlite: [
        ['WITH "v" ("k0", "c1") AS (VALUES (?, ?), (?, ?)) UPDATE "orm_artist" SET "name" = "v"."c1" FROM "v" WHERE "orm_artist"."id" = "v"."k0"', [a, 'a!', b, 'b!']],
      ],
      postgres: [
        [
          'UPDATE "orm_artist" SET "name" = "v"."c1" FROM (VALUES (CAST($1 AS INTEGER), CAST($2 AS TEXT)), ($3, $4)) AS "v" ("k0", "c1") WHERE "orm_artist"."id" = "v"."k0"',
          [a, 'a!', b, 'b!'],
        ],
      ],
      mysql: [
        [
          "UPDATE `orm_artist` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `c1` LONGTEXT PATH '$[1]')) AS `v` ON `orm_artist`.`id` = `v`.`k0` SET `orm_artist`.`name` = `v`.`c1`",
          [JSON.stringify([[a, 'a!'], [b, 'b!']])],
        ],
      ],
    });
  });

  it('checks and bumps the version column', async () => {
    let id = 0;
    await db.session(async (s) => {
      const d = new Document({ body: 'v1' });
      s.add(d);
      await s.flush();
      id = d.id;
    });
    const statements = await log.during(() =>
      db.session(async (s) => {
        const d = (await s.get(Document, id))!;
        d.body = 'v2';
        await s.flush();
        assert.equal(d.version, 2);
      }),
    );
    expectStatements(statements.slice(1), {
      sqlite: [
        [
          'WITH "v" ("k0", "k1", "c2") AS (VALUES (?, ?, ?)) UPDATE "orm_document" SET "body" = "v"."c2", "version" = "orm_document"."version" + 1 FROM "v" WHERE "orm_document"."id" = "v"."k0" AND "orm_document"."version" = "v"."k1"',
          [id, 1, 'v2'],
        ],
      ],
      postgres: [
        [
          'UPDATE "orm_document" SET "body" = "v"."c2", "version" = "orm_document"."version" + 1 FROM (VALUES (CAST($1 AS INTEGER), CAST($2 AS INTEGER), CAST($3 AS TEXT))) AS "v" ("k0", "k1", "c2") WHERE "orm_document"."id" = "v"."k0" AND "orm_document"."version" = "v"."k1"',
          [id, 1, 'v2'],
        ],
      ],
      mysql: [
        [
          "UPDATE `orm_document` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `k1` INT PATH '$[1]', `c2` LONGTEXT PATH '$[2]')) AS `v` ON `orm_document`.`id` = `v`.`k0` AND `orm_document`.`version` = `v`.`k1` SET `orm_document`.`body` = `v`.`c2`, `orm_document`.`version` = `orm_document`.`version` + 1",
          [JSON.stringify([[id, 1, 'v2']])],
        ],
      ],
    });
  });

  it('writes link rows for a many-to-many collection in one INSERT', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const song = new Song({ title: 's' });
        song.tags.push(new Tag({ label: 'a' }), new Tag({ label: 'b' }));
        s.add(song);
      }),
    );
    assert.equal(statements.length, 3);
    assert.match(statements[2]!.sql, /^INSERT INTO .orm_song_tag. \(.song_id., .tag_id.\) VALUES \(\S+, \S+\), \(\S+, \S+\)$/);
  });

  it('deletes with one IN list per table, children first', async () => {
    await db.session(async (s) => {
      const a = new Artist({ name: 'a' });
      a.songs.push(new Song({ title: 'x' }));
      s.add(a);
    });
    const statements = await log.during(() =>
      db.session(async (s) => {
        for (const a of await s.query(Artist).all()) s.delete(a);
      }),
    );
    assert.deepEqual(
      statements.map((x) => x.sql.replace(/\$\d+/g, '?').replace(/`/g, '"')),
      [
        'SELECT "orm_artist"."id", "orm_artist"."name", "orm_artist"."active" FROM "orm_artist"',
        'SELECT "orm_song"."id", "orm_song"."title", "orm_song"."artist_id" AS "artistId", "orm_song"."plays" FROM "orm_song" WHERE "orm_song"."artist_id" IN (?)',
        'DELETE FROM "orm_song_tag" WHERE "orm_song_tag"."song_id" IN (?)',
        'DELETE FROM "orm_song" WHERE "orm_song"."id" IN (?)',
        'DELETE FROM "orm_artist" WHERE "orm_artist"."id" IN (?)',
      ],
    );
  });
});
