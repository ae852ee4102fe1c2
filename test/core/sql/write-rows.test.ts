/**
 * The exact SQL and parameters of the statements a flush sends
 * (`insertRows`, `updateFromRows`), per dialect, compiled alone; and how a
 * dialect splits their rows into statements. Execution is in test/orm.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  blob,
  identity,
  insertRows,
  integer,
  keysIn,
  select,
  sql,
  table,
  text,
  updateFromRows,
  varchar,
  type Dialect,
  type DialectCapabilities,
  type StatementNode,
} from '../../../src/index.js';

const doc = table('wr_doc', {
  id: identity(),
  body: text(),
  tag: varchar(20),
  data: blob(),
  version: integer().notNull(),
});
const link = table('wr_link', { a: integer().primaryKey(), b: integer().primaryKey(), n: integer() });

const dialects = {
  sqlite: new SqliteDialect(),
  postgres: new PostgresDialect(),
  mariadb: new MysqlDialect({ flavor: 'mariadb' }),
  mysql: new MysqlDialect({ flavor: 'mysql' }),
};
type Expected = Partial<Record<keyof typeof dialects, readonly [string, readonly unknown[]]>>;

function expectSql(node: StatementNode, expected: Expected): void {
  for (const [name, [sql, parameters]] of Object.entries(expected) as [string, readonly [string, readonly unknown[]]][]) {
    const d: Dialect = dialects[name as keyof typeof dialects];
    const compiled = d.compile(node);
    assert.equal(compiled.sql, sql, `${name} SQL`);
    assert.deepEqual(compiled.parameters, parameters, `${name} parameters`);
    // The readable path (one parameter node per value, no shape template) writes the same statement.
    const uncached = d.compiler.compileUncached(node);
    assert.equal(uncached.sql, sql, `${name} SQL, uncached`);
    assert.deepEqual(uncached.parameters, parameters, `${name} parameters, uncached`);
  }
}

describe('insertRows', () => {
  it('writes several rows as multi-row VALUES, or one array per column on PostgreSQL', () => {
    const node = insertRows(doc, [doc.c.body, doc.c.version], [['a', 1], ['b', 2]], { returning: [doc.c.id] });
    expectSql(node, {
      sqlite: ['INSERT INTO "wr_doc" ("body", "version") VALUES (?, ?), (?, ?) RETURNING "wr_doc"."id"', ['a', 1, 'b', 2]],
      postgres: ['INSERT INTO "wr_doc" ("body", "version") SELECT * FROM unnest($1::TEXT[], $2::INTEGER[]) RETURNING "wr_doc"."id"', [['a', 'b'], [1, 2]]],
      mariadb: ['INSERT INTO `wr_doc` (`body`, `version`) VALUES (?, ?), (?, ?) RETURNING `wr_doc`.`id`', ['a', 1, 'b', 2]],
    });
    // MySQL 8 has no RETURNING: the ORM asks for none and reads the first generated id instead.
    assert.throws(() => dialects.mysql.compile(node), /RETURNING is not supported by mysql/);
    expectSql(insertRows(doc, [doc.c.body, doc.c.version], [['a', 1], ['b', 2]]), {
      mysql: ['INSERT INTO `wr_doc` (`body`, `version`) VALUES (?, ?), (?, ?)', ['a', 1, 'b', 2]],
    });
  });

  it('reads each value at its position in the row, binding it as its column type', () => {
    const rows = [
      [7, 'x', null, new Uint8Array([1, 255]), 3],
      [8, null, 'tag', null, 4],
    ];
    const node = insertRows(doc, [doc.c.data, doc.c.tag, doc.c.body], rows, { positions: [3, 2, 1] });
    const bytes = Buffer.from([1, 255]);
    expectSql(node, {
      sqlite: ['INSERT INTO "wr_doc" ("data", "tag", "body") VALUES (?, ?, ?), (?, ?, ?)', [bytes, null, 'x', null, 'tag', null]],
      postgres: ['INSERT INTO "wr_doc" ("data", "tag", "body") SELECT * FROM unnest($1::BYTEA[], $2::VARCHAR(20)[], $3::TEXT[])', [[bytes, null], [null, 'tag'], ['x', null]]],
      mariadb: ['INSERT INTO `wr_doc` (`data`, `tag`, `body`) VALUES (?, ?, ?), (?, ?, ?)', [bytes, null, 'x', null, 'tag', null]],
      mysql: ['INSERT INTO `wr_doc` (`data`, `tag`, `body`) VALUES (?, ?, ?), (?, ?, ?)', [bytes, null, 'x', null, 'tag', null]],
    });
  });

  it('writes one row with placeholders everywhere (no arrays for a single row)', () => {
    expectSql(insertRows(doc, [doc.c.body, doc.c.version], [['a', 1]]), {
      sqlite: ['INSERT INTO "wr_doc" ("body", "version") VALUES (?, ?)', ['a', 1]],
      postgres: ['INSERT INTO "wr_doc" ("body", "version") VALUES ($1, $2)', ['a', 1]],
      mariadb: ['INSERT INTO `wr_doc` (`body`, `version`) VALUES (?, ?)', ['a', 1]],
      mysql: ['INSERT INTO `wr_doc` (`body`, `version`) VALUES (?, ?)', ['a', 1]],
    });
  });

  it('numbers PostgreSQL placeholders across rows when it cannot bind arrays', () => {
    const noArrays = new (class extends PostgresDialect {
      override readonly capabilities: DialectCapabilities = { ...new PostgresDialect().capabilities, arrayParameters: false };
    })();
    const compiled = noArrays.compile(insertRows(doc, [doc.c.body, doc.c.version], [['a', 1], ['b', 2]]));
    assert.equal(compiled.sql, 'INSERT INTO "wr_doc" ("body", "version") VALUES ($1, $2), ($3, $4)');
    assert.deepEqual(compiled.parameters, ['a', 1, 'b', 2]);
  });

  it('writes a row of defaults where no column is given', () => {
    expectSql(insertRows(doc, [], [[]], { returning: [doc.c.id] }), {
      sqlite: ['INSERT INTO "wr_doc" DEFAULT VALUES RETURNING "wr_doc"."id"', []],
      postgres: ['INSERT INTO "wr_doc" DEFAULT VALUES RETURNING "wr_doc"."id"', []],
      mariadb: ['INSERT INTO `wr_doc` () VALUES () RETURNING `wr_doc`.`id`', []],
    });
    expectSql(insertRows(doc, [], [[]]), { mysql: ['INSERT INTO `wr_doc` () VALUES ()', []] });
  });

  it('keeps one template per shape: the result columns are the same object whatever the number of rows', () => {
    const d = dialects.sqlite;
    const two = d.compile(insertRows(doc, [doc.c.body], [['a'], ['b']], { returning: [doc.c.id] }));
    const three = d.compile(insertRows(doc, [doc.c.body], [['a'], ['b'], ['c']], { returning: [doc.c.id] }));
    assert.notEqual(two.sql, three.sql);
    assert.equal(two.columns, three.columns);
    assert.deepEqual(two.columns.map((c) => c.name), ['id']);
    assert.equal(two.kind, 'insert');
    assert.equal(two.returnsRows, true);
  });

  it('is split under the parameter limit, one row per statement without columns, 50,000 rows per array statement', () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => [`r${i}`, i]);
    const node = insertRows(doc, [doc.c.body, doc.c.version], rows);
    // SQLite binds at most 32,766 values: 16,383 rows of two.
    assert.deepEqual(dialects.sqlite.splitRows(node).map((p) => p.rows.length), [16_383, 16_383, 7_234]);
    assert.deepEqual(dialects.mariadb.splitRows(node).map((p) => p.rows.length), [32_767, 7_233]);
    assert.deepEqual(dialects.postgres.splitRows(node).map((p) => p.rows.length), [40_000]);
    const parts = dialects.sqlite.splitRows(node);
    assert.equal(parts[1]!.rows[0], rows[16_383]);
    assert.ok(Object.isFrozen(parts[1]));
    assert.deepEqual(dialects.sqlite.splitRows(insertRows(doc, [], [[], [], []])).map((p) => p.rows.length), [1, 1, 1]);
  });

  it('refuses columns of another table and positions that do not match the columns', () => {
    assert.throws(() => insertRows(doc, [link.c.a], [[1]]), /not one of its columns/);
    assert.throws(() => insertRows(doc, [doc.c.body], [['a']], { positions: [0, 1] }), /1 column\(s\) but 2 position\(s\)/);
  });
});

describe('updateFromRows', () => {
  it('updates each row to its own values: FROM (VALUES) on PostgreSQL, WITH ... VALUES on SQLite, JSON_TABLE on MariaDB and MySQL 8', () => {
    const node = updateFromRows(doc, [doc.c.id], [doc.c.body], [[1, 'a!'], [2, null]]);
    const document = JSON.stringify([[1, 'a!'], [2, null]]);
    const json = "UPDATE `wr_doc` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `c1` LONGTEXT PATH '$[1]')) AS `v` ON `wr_doc`.`id` = `v`.`k0` SET `wr_doc`.`body` = `v`.`c1`";
    expectSql(node, {
      sqlite: ['WITH "v" ("k0", "c1") AS (VALUES (?, ?), (?, NULL)) UPDATE "wr_doc" SET "body" = "v"."c1" FROM "v" WHERE "wr_doc"."id" = "v"."k0"', [1, 'a!', 2]],
      postgres: [
        'UPDATE "wr_doc" SET "body" = "v"."c1" FROM (VALUES (CAST($1 AS INTEGER), CAST($2 AS TEXT)), ($3, NULL)) AS "v" ("k0", "c1") WHERE "wr_doc"."id" = "v"."k0"',
        [1, 'a!', 2],
      ],
      mariadb: [json, [document]],
      mysql: [json, [document]],
    });
  });

  it('matches a version column as read and bumps it', () => {
    const node = updateFromRows(doc, [doc.c.id, doc.c.version], [doc.c.body], [[5, 1, 'v2']], [doc.c.version]);
    const json =
      "UPDATE `wr_doc` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `k1` INT PATH '$[1]', `c2` LONGTEXT PATH '$[2]')) AS `v` ON `wr_doc`.`id` = `v`.`k0` AND `wr_doc`.`version` = `v`.`k1` SET `wr_doc`.`body` = `v`.`c2`, `wr_doc`.`version` = `wr_doc`.`version` + 1";
    expectSql(node, {
      sqlite: [
        'WITH "v" ("k0", "k1", "c2") AS (VALUES (?, ?, ?)) UPDATE "wr_doc" SET "body" = "v"."c2", "version" = "wr_doc"."version" + 1 FROM "v" WHERE "wr_doc"."id" = "v"."k0" AND "wr_doc"."version" = "v"."k1"',
        [5, 1, 'v2'],
      ],
      postgres: [
        'UPDATE "wr_doc" SET "body" = "v"."c2", "version" = "wr_doc"."version" + 1 FROM (VALUES (CAST($1 AS INTEGER), CAST($2 AS INTEGER), CAST($3 AS TEXT))) AS "v" ("k0", "k1", "c2") WHERE "wr_doc"."id" = "v"."k0" AND "wr_doc"."version" = "v"."k1"',
        [5, 1, 'v2'],
      ],
      mariadb: [json, [JSON.stringify([[5, 1, 'v2']])]],
      mysql: [json, [JSON.stringify([[5, 1, 'v2']])]],
    });
  });

  it('carries bytes as hex through JSON_TABLE and UNHEXes them; short text keeps its VARCHAR type', () => {
    const node = updateFromRows(doc, [doc.c.id], [doc.c.data, doc.c.tag], [[1, new Uint8Array([0, 171]), 'x']]);
    const json =
      "UPDATE `wr_doc` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `c1` LONGTEXT PATH '$[1]', `c2` VARCHAR(20) PATH '$[2]')) AS `v` ON `wr_doc`.`id` = `v`.`k0` SET `wr_doc`.`data` = UNHEX(`v`.`c1`), `wr_doc`.`tag` = `v`.`c2`";
    const bytes = Buffer.from([0, 171]);
    expectSql(node, {
      sqlite: ['WITH "v" ("k0", "c1", "c2") AS (VALUES (?, ?, ?)) UPDATE "wr_doc" SET "data" = "v"."c1", "tag" = "v"."c2" FROM "v" WHERE "wr_doc"."id" = "v"."k0"', [1, bytes, 'x']],
      postgres: [
        'UPDATE "wr_doc" SET "data" = "v"."c1", "tag" = "v"."c2" FROM (VALUES (CAST($1 AS INTEGER), CAST($2 AS BYTEA), CAST($3 AS VARCHAR(20)))) AS "v" ("k0", "c1", "c2") WHERE "wr_doc"."id" = "v"."k0"',
        [1, bytes, 'x'],
      ],
      mariadb: [json, [JSON.stringify([[1, '00ab', 'x']])]],
      mysql: [json, [JSON.stringify([[1, '00ab', 'x']])]],
    });
  });

  it('writes CASE where a dialect has no row source to join (composite key)', () => {
    const caseSqlite = new (class extends SqliteDialect {
      override readonly capabilities: DialectCapabilities = { ...new SqliteDialect().capabilities, bulkUpdate: 'case', rowValueIn: true };
    })();
    const compiled = caseSqlite.compile(updateFromRows(link, [link.c.a, link.c.b], [link.c.n], [[1, 2, 10], [3, 4, null]]));
    assert.equal(
      compiled.sql,
      'UPDATE "wr_link" SET "n" = CASE WHEN "wr_link"."a" = ? AND "wr_link"."b" = ? THEN ? WHEN "wr_link"."a" = ? AND "wr_link"."b" = ? THEN NULL END WHERE ("wr_link"."a", "wr_link"."b") IN ((?, ?), (?, ?))',
    );
    assert.deepEqual(compiled.parameters, [1, 2, 10, 3, 4, 1, 2, 3, 4]);
    const single = caseSqlite.compile(updateFromRows(doc, [doc.c.id], [doc.c.body], [[1, 'a'], [2, 'b']], [doc.c.version]));
    assert.equal(single.sql, 'UPDATE "wr_doc" SET "body" = CASE "wr_doc"."id" WHEN ? THEN ? WHEN ? THEN ? END, "version" = "wr_doc"."version" + 1 WHERE "wr_doc"."id" IN (?, ?)');
    assert.deepEqual(single.parameters, [1, 'a', 2, 'b', 1, 2]);
  });

  it('sets columns to an expression, the same on every row (an SQL onUpdate), its parameters bound in place', () => {
    const node = updateFromRows(doc, [doc.c.id], [doc.c.body], [[1, 'a'], [2, 'b']], [], [{ column: doc.c.tag, value: sql`UPPER(${'z'})` }]);
    const json =
      "UPDATE `wr_doc` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `c1` LONGTEXT PATH '$[1]')) AS `v` ON `wr_doc`.`id` = `v`.`k0` SET `wr_doc`.`body` = `v`.`c1`, `wr_doc`.`tag` = UPPER(?)";
    expectSql(node, {
      sqlite: ['WITH "v" ("k0", "c1") AS (VALUES (?, ?), (?, ?)) UPDATE "wr_doc" SET "body" = "v"."c1", "tag" = UPPER(?) FROM "v" WHERE "wr_doc"."id" = "v"."k0"', [1, 'a', 2, 'b', 'z']],
      postgres: [
        'UPDATE "wr_doc" SET "body" = "v"."c1", "tag" = UPPER($1) FROM (VALUES (CAST($2 AS INTEGER), CAST($3 AS TEXT)), ($4, $5)) AS "v" ("k0", "c1") WHERE "wr_doc"."id" = "v"."k0"',
        ['z', 1, 'a', 2, 'b'],
      ],
      mariadb: [json, [JSON.stringify([[1, 'a'], [2, 'b']]), 'z']],
      mysql: [json, [JSON.stringify([[1, 'a'], [2, 'b']]), 'z']],
    });
    const caseSqlite = new (class extends SqliteDialect {
      override readonly capabilities: DialectCapabilities = { ...new SqliteDialect().capabilities, bulkUpdate: 'case' };
    })();
    const compiled = caseSqlite.compile(node);
    assert.equal(compiled.sql, 'UPDATE "wr_doc" SET "body" = CASE "wr_doc"."id" WHEN ? THEN ? WHEN ? THEN ? END, "tag" = UPPER(?) WHERE "wr_doc"."id" IN (?, ?)');
    assert.deepEqual(compiled.parameters, [1, 'a', 2, 'b', 'z', 1, 2]);
  });

  it('is split under the parameter limit, or by the size of the JSON document on MariaDB and MySQL 8', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [i, 'x'.repeat(300)]);
    const node = updateFromRows(doc, [doc.c.id], [doc.c.body], rows);
    // (32,766 - 10) / 2 rows per statement on SQLite; PostgreSQL's 65,535 holds them all.
    assert.deepEqual(dialects.sqlite.splitRows(node).map((p) => p.rows.length), [16_378, 3_622]);
    assert.deepEqual(dialects.postgres.splitRows(node).map((p) => p.rows.length), [20_000]);
    const parts = dialects.mariadb.splitRows(node);
    assert.ok(parts.length === 2, `two documents of at most 4 MB, got ${parts.length}`);
    assert.equal(parts[0]!.rows.length + parts[1]!.rows.length, 20_000);
    for (const part of parts) assert.ok((dialects.mariadb.compile(part).parameters[0] as string).length <= 4_000_000);
    assert.deepEqual(dialects.mysql.splitRows(node).map((p) => p.rows.length), parts.map((p) => p.rows.length));
  });

  it('refuses rows of the wrong width, no keys, and values that cannot be bound', () => {
    assert.throws(() => updateFromRows(doc, [doc.c.id], [doc.c.body], [[1]]), /row 0 has 1 value\(s\), expected 2/);
    assert.throws(() => updateFromRows(doc, [], [doc.c.body], []), /no key columns/);
    assert.throws(() => updateFromRows(doc, [doc.c.id], [doc.c.body], [[1, '\ud800']]), /not well-formed/);
  });
});

describe('keysIn', () => {
  it('writes one IN list for one column and a row-value IN for several, each key bound as its column type', () => {
    const one = select(doc.c.id).from(doc).where(keysIn([doc.c.id], [[1], [2]]));
    assert.equal(dialects.postgres.compile(one.node).sql, 'SELECT "wr_doc"."id" FROM "wr_doc" WHERE "wr_doc"."id" IN ($1, $2)');
    const two = select(link.c.n).from(link).where(keysIn([link.c.a, link.c.b], [[1, 2], [3, 4]]));
    const compiled = dialects.mariadb.compile(two.node);
    assert.equal(compiled.sql, 'SELECT `wr_link`.`n` FROM `wr_link` WHERE (`wr_link`.`a`, `wr_link`.`b`) IN ((?, ?), (?, ?))');
    assert.deepEqual(compiled.parameters, [1, 2, 3, 4]);
    // SQLite has no row-value IN: the ORed form.
    assert.equal(dialects.sqlite.compile(two.node).sql, 'SELECT "wr_link"."n" FROM "wr_link" WHERE ("wr_link"."a" = ? AND "wr_link"."b" = ?) OR ("wr_link"."a" = ? AND "wr_link"."b" = ?)');
  });
});
