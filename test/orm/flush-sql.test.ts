/**
 * The exact statements a flush emits (SQLAlchemy's test_unitofworkv2 style): inserts with RETURNING and keys copied
 * from relationships, grouped updates, versioned updates, link rows and deletes.
 *
 * Each statement is written once, in neutral syntax ("quoted" names, `?` placeholders), and its form is chosen by the
 * capability that decides it (RETURNING, array parameters, the bulk UPDATE strategy), never by the database's name:
 * MariaDB and MySQL 8 share a name and differ in RETURNING.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { types } from '../../src/index.js';
import type { DialectCapabilities } from '../../src/core/dialects/dialect.js';
import { database, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog, type Captured } from '../support/statements.js';
import { Artist, Document, Song, Tag, createOrmTables, emptyOrmTables } from '../fixtures/orm-models.js';

type Statement = readonly [sql: string, parameters: readonly unknown[]];

forEachDialect('flush SQL', (ctx) => {
  let db: Database;
  let log: StatementLog;
  /** The capabilities that decide each statement's form (the engine exists only once the suite runs). */
  let caps: DialectCapabilities;

  before(async () => {
    caps = ctx.dialect.capabilities;
    await createOrmTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(() => emptyOrmTables(ctx.engine));

  /** Neutral SQL in this dialect's syntax: its identifier quoting, its placeholders. */
  function inDialect(neutral: string): string {
    let n = 0;
    const quoted = neutral.replace(/"([^"]*)"/g, (_, name: string) => ctx.dialect.quoteIdentifier(name));
    return caps.placeholder === 'dollar' ? quoted.replace(/\?/g, () => `$${++n}`) : quoted;
  }

  /** The expectation for this dialect's value of a capability; a value with none written fails, naming it. */
  function form<K extends string, T>(capability: string, value: K, forms: Partial<Record<K, T>>): T {
    const chosen = forms[value];
    if (chosen === undefined) assert.fail(`no expected statements written for ${capability} = ${value}`);
    return chosen;
  }

  const bool = (value: boolean): unknown => ctx.dialect.bindValue(types.boolean(), value);

  function expectStatements(statements: readonly Captured[], expected: readonly Statement[]): void {
    assert.deepEqual(
      statements.map((s) => [s.sql, s.parameters]),
      expected.map(([sql, params]) => [inDialect(sql), params]),
    );
  }

  /** Normalize generated ids (they differ per database and run) in expectations. */
  const ids = async () => (await db.session(async (s) => (await s.query(Artist).orderBy(Artist.id).all()).map((a) => a.id)));

  it('inserts parent and children: the key RETURNING (or the last insert id), then the children with the key copied in', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const a = new Artist({ name: 'A' });
        a.songs.push(new Song({ title: 'x' }), new Song({ title: 'y' }));
        s.add(a);
      }),
    );
    const [id] = await ids();
    const returning = (table: string) => (caps.returning.insert ? ` RETURNING "${table}"."id"` : '');
    expectStatements(statements, [
      ['INSERT INTO "orm_artist" ("name", "active") VALUES (?, ?)' + returning('orm_artist'), ['A', bool(false)]],
      form<'arrays' | 'placeholders', Statement>('arrayParameters', caps.arrayParameters ? 'arrays' : 'placeholders', {
        // Several rows: one array per column, the same text for any number of rows.
        arrays: ['INSERT INTO "orm_song" ("title", "artist_id", "plays") SELECT * FROM unnest(?::TEXT[], ?::INTEGER[], ?::INTEGER[])' + returning('orm_song'), [['x', 'y'], [id, id], [0, 0]]],
        placeholders: ['INSERT INTO "orm_song" ("title", "artist_id", "plays") VALUES (?, ?, ?), (?, ?, ?)' + returning('orm_song'), ['x', id, 0, 'y', id, 0]],
      }),
    ]);
  });

  it('updates objects given the same value with one IN list, and different values in one statement as the bulk UPDATE strategy says', async () => {
    await db.session(async (s) => s.addAll([new Artist({ name: 'a' }), new Artist({ name: 'b' })]));
    const [a, b] = await ids();
    const same = await log.during(() =>
      db.session(async (s) => {
        for (const x of await s.query(Artist).orderBy(Artist.id).all()) x.active = true;
      }),
    );
    expectStatements(same.slice(1), [['UPDATE "orm_artist" SET "active" = ? WHERE "orm_artist"."id" IN (?, ?)', [bool(true), a, b]]]);
    const different = await log.during(() =>
      db.session(async (s) => {
        for (const x of await s.query(Artist).orderBy(Artist.id).all()) x.name = `${x.name}!`;
      }),
    );
    expectStatements(
      different.slice(1),
      form<DialectCapabilities['bulkUpdate'], Statement[]>('bulkUpdate', caps.bulkUpdate, {
        cteValues: [['WITH "v" ("k0", "c1") AS (VALUES (?, ?), (?, ?)) UPDATE "orm_artist" SET "name" = "v"."c1" FROM "v" WHERE "orm_artist"."id" = "v"."k0"', [a, 'a!', b, 'b!']]],
        fromValues: [
          [
            'UPDATE "orm_artist" SET "name" = "v"."c1" FROM (VALUES (CAST(? AS INTEGER), CAST(? AS TEXT)), (?, ?)) AS "v" ("k0", "c1") WHERE "orm_artist"."id" = "v"."k0"',
            [a, 'a!', b, 'b!'],
          ],
        ],
        jsonTable: [
          [
            `UPDATE "orm_artist" JOIN JSON_TABLE(?, '$[*]' COLUMNS ("k0" INT PATH '$[0]', "c1" LONGTEXT PATH '$[1]')) AS "v" ON "orm_artist"."id" = "v"."k0" SET "orm_artist"."name" = "v"."c1"`,
            [JSON.stringify([[a, 'a!'], [b, 'b!']])],
          ],
        ],
      }),
    );
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
    expectStatements(
      statements.slice(1),
      form<DialectCapabilities['bulkUpdate'], Statement[]>('bulkUpdate', caps.bulkUpdate, {
        cteValues: [
          [
            'WITH "v" ("k0", "k1", "c2") AS (VALUES (?, ?, ?)) UPDATE "orm_document" SET "body" = "v"."c2", "version" = "orm_document"."version" + 1 FROM "v" WHERE "orm_document"."id" = "v"."k0" AND "orm_document"."version" = "v"."k1"',
            [id, 1, 'v2'],
          ],
        ],
        fromValues: [
          [
            'UPDATE "orm_document" SET "body" = "v"."c2", "version" = "orm_document"."version" + 1 FROM (VALUES (CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT))) AS "v" ("k0", "k1", "c2") WHERE "orm_document"."id" = "v"."k0" AND "orm_document"."version" = "v"."k1"',
            [id, 1, 'v2'],
          ],
        ],
        jsonTable: [
          [
            `UPDATE "orm_document" JOIN JSON_TABLE(?, '$[*]' COLUMNS ("k0" INT PATH '$[0]', "k1" INT PATH '$[1]', "c2" LONGTEXT PATH '$[2]')) AS "v" ON "orm_document"."id" = "v"."k0" AND "orm_document"."version" = "v"."k1" SET "orm_document"."body" = "v"."c2", "orm_document"."version" = "orm_document"."version" + 1`,
            [JSON.stringify([[id, 1, 'v2']])],
          ],
        ],
      }),
    );
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
