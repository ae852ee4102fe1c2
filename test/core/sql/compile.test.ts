/**
 * The exact SQL and parameters each construct compiles to, per dialect.
 * Execution against the real databases is in test/core/dialects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  type Dialect,
  type StatementNode,
  select,
  selectFrom,
  insert,
  update,
  deleteFrom,
  count,
  countDistinct,
  sum,
  avg,
  min,
  max,
  or,
  not,
  caseWhen,
  cast,
  coalesce,
  exists,
  notExists,
  union,
  unionAll,
  recursiveCte,
  rowNumber,
  rank,
  sql,
  identifier,
  excluded,
  tuple,
  types,
  UnsupportedError,
  InvalidArgumentError,
  InvalidValueError,
  SchemaError,
} from '../../../src/index.js';
import { album, artist, person, song } from '../../fixtures/music.js';

const dialects = {
  sqlite: new SqliteDialect(),
  postgres: new PostgresDialect(),
  mariadb: new MysqlDialect(),
  mysql8: new MysqlDialect({ flavor: 'mysql' }),
};

/** The SQL and parameters a dialect compiles a statement to, or the error it refuses it with. */
type Outcome =
  | readonly [sql: string, parameters: readonly unknown[]]
  | { readonly throws: new (...args: never[]) => Error }
  /** The compiler's output is wrong for this database: not pinned; an `it.todo` next to the call holds the right answer. */
  | { readonly todo: string };

/**
 * Every statement pins every dialect, so a change to any compiler shows up here. MySQL 8 shares the MariaDB
 * compiler and differs in a few capabilities (RETURNING, FOR SHARE): it is written only where it differs.
 */
interface Expected {
  readonly sqlite: Outcome;
  readonly postgres: Outcome;
  readonly mariadb: Outcome;
  readonly mysql8?: Outcome;
}

function node(stmt: { node: StatementNode } | { statementNode: StatementNode }): StatementNode {
  return 'statementNode' in stmt ? stmt.statementNode : stmt.node;
}

function expectSql(stmt: { node: StatementNode } | { statementNode: StatementNode }, expected: Expected): void {
  const outcomes: Record<keyof typeof dialects, Outcome> = { ...expected, mysql8: expected.mysql8 ?? expected.mariadb };
  for (const [name, d] of Object.entries(dialects) as [keyof typeof dialects, Dialect][]) {
    const exp = outcomes[name];
    if ('todo' in exp) continue;
    if ('throws' in exp) {
      assert.throws(() => d.compile(node(stmt)), exp.throws, `${name} refuses`);
      continue;
    }
    const compiled = d.compile(node(stmt));
    assert.equal(compiled.sql, exp[0], `${name} SQL`);
    assert.deepEqual(compiled.parameters, exp[1], `${name} parameters`);
  }
}

describe('SELECT', () => {
  it('selects columns, filters with bound parameters', () => {
    expectSql(select(artist.c.id, artist.c.name).from(artist).where(artist.c.name.eq("O'Brien")), {
      sqlite: ['SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."name" = ?', ["O'Brien"]],
      postgres: ['SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."name" = $1', ["O'Brien"]],
      mariadb: ['SELECT `artist`.`id`, `artist`.`name` FROM `artist` WHERE `artist`.`name` = ?', ["O'Brien"]],
    });
  });

  it('aliases columns whose key differs from their name, and expressions', () => {
    expectSql(select(song.c.artistId, song.c.milliseconds.div(1000).as('seconds')).from(song), {
      sqlite: ['SELECT "song"."artist_id" AS "artistId", "song"."milliseconds" / ? AS "seconds" FROM "song"', [1000]],
      postgres: ['SELECT "song"."artist_id" AS "artistId", "song"."milliseconds" / $1 AS "seconds" FROM "song"', [1000]],
      mariadb: ['SELECT `song`.`artist_id` AS `artistId`, `song`.`milliseconds` / ? AS `seconds` FROM `song`', [1000]],
    });
  });

  it('expands a table into all its columns', () => {
    expectSql(selectFrom(artist), {
      sqlite: ['SELECT "artist"."id", "artist"."name", "artist"."active" FROM "artist"', []],
      postgres: ['SELECT "artist"."id", "artist"."name", "artist"."active" FROM "artist"', []],
      mariadb: ['SELECT `artist`.`id`, `artist`.`name`, `artist`.`active` FROM `artist`', []],
    });
  });

  it('renders comparison operators, IN, BETWEEN, LIKE, IS NULL and boolean logic with minimal parentheses', () => {
    const q = select(song.c.id)
      .from(song)
      .where(
        or(song.c.milliseconds.gt(1), song.c.milliseconds.le(2)),
        not(song.c.title.like('a%')),
        song.c.id.in([1, 2]),
        song.c.id.notIn([3]),
        song.c.milliseconds.between(10, 20),
        song.c.albumId.isNull(),
        song.c.artistId.ne(null),
        song.c.id.ge(0),
        song.c.id.lt(100),
      );
    expectSql(q, {
      sqlite: ['SELECT "song"."id" FROM "song" WHERE ("song"."milliseconds" > ? OR "song"."milliseconds" <= ?) AND NOT "song"."title" LIKE ? ESCAPE \'\\\' AND "song"."id" IN (?, ?) AND "song"."id" NOT IN (?) AND "song"."milliseconds" BETWEEN ? AND ? AND "song"."album_id" IS NULL AND "song"."artist_id" IS NOT NULL AND "song"."id" >= ? AND "song"."id" < ?', [1, 2, 'a%', 1, 2, 3, 10, 20, 0, 100]],
      postgres: [
        'SELECT "song"."id" FROM "song" WHERE ("song"."milliseconds" > $1 OR "song"."milliseconds" <= $2) AND NOT "song"."title" LIKE $3 ESCAPE \'\\\' AND "song"."id" IN ($4, $5) AND "song"."id" NOT IN ($6) AND "song"."milliseconds" BETWEEN $7 AND $8 AND "song"."album_id" IS NULL AND "song"."artist_id" IS NOT NULL AND "song"."id" >= $9 AND "song"."id" < $10',
        [1, 2, 'a%', 1, 2, 3, 10, 20, 0, 100],
      ],
      mariadb: ['SELECT `song`.`id` FROM `song` WHERE (`song`.`milliseconds` > ? OR `song`.`milliseconds` <= ?) AND NOT `song`.`title` LIKE ? ESCAPE CHAR(92 USING utf8mb4) AND `song`.`id` IN (?, ?) AND `song`.`id` NOT IN (?) AND `song`.`milliseconds` BETWEEN ? AND ? AND `song`.`album_id` IS NULL AND `song`.`artist_id` IS NOT NULL AND `song`.`id` >= ? AND `song`.`id` < ?', [1, 2, 'a%', 1, 2, 3, 10, 20, 0, 100]],
    });
  });

  it('renders an empty IN list as always false and an empty NOT IN as always true', () => {
    expectSql(select(song.c.id).from(song).where(song.c.id.in([])), {
      sqlite: ['SELECT "song"."id" FROM "song" WHERE 1 = 0', []],
      postgres: ['SELECT "song"."id" FROM "song" WHERE 1 = 0', []],
      mariadb: ['SELECT `song`.`id` FROM `song` WHERE 1 = 0', []],
    });
    expectSql(select(song.c.id).from(song).where(song.c.id.notIn([])), {
      sqlite: ['SELECT "song"."id" FROM "song" WHERE 1 = 1', []],
      postgres: ['SELECT "song"."id" FROM "song" WHERE 1 = 1', []],
      mariadb: ['SELECT `song`.`id` FROM `song` WHERE 1 = 1', []],
    });
  });

  it('binds a long IN list as one array on PostgreSQL (= ANY / <> ALL), placeholders elsewhere', () => {
    const ids = Array.from({ length: 12 }, (_, i) => i + 1);
    const marks = ids.map(() => '?').join(', ');
    expectSql(select(song.c.id).from(song).where(song.c.id.in(ids), song.c.title.notIn(ids.map(String))), {
      sqlite: [`SELECT "song"."id" FROM "song" WHERE "song"."id" IN (${marks}) AND "song"."title" NOT IN (${marks})`, [...ids, ...ids.map(String)]],
      postgres: ['SELECT "song"."id" FROM "song" WHERE "song"."id" = ANY($1::INTEGER[]) AND "song"."title" <> ALL($2::TEXT[])', [ids, ids.map(String)]],
      mariadb: [`SELECT \`song\`.\`id\` FROM \`song\` WHERE \`song\`.\`id\` IN (${marks}) AND \`song\`.\`title\` NOT IN (${marks})`, [...ids, ...ids.map(String)]],
    });
    // A NULL among the values stays in the array: `x <> ALL('{1,NULL}')` is never true, as `x NOT IN (1, NULL)` is not.
    const withNull = [...ids, null];
    expectSql(select(song.c.id).from(song).where(song.c.albumId.notIn(withNull)), {
      sqlite: [`SELECT "song"."id" FROM "song" WHERE "song"."album_id" NOT IN (${marks}, NULL)`, ids],
      postgres: ['SELECT "song"."id" FROM "song" WHERE "song"."album_id" <> ALL($1::INTEGER[])', [withNull]],
      mariadb: [`SELECT \`song\`.\`id\` FROM \`song\` WHERE \`song\`.\`album_id\` NOT IN (${marks}, NULL)`, ids],
    });
  });

  it('emulates ILIKE with lower() where it is missing', () => {
    const q = select(artist.c.id).from(artist).where(artist.c.name.ilike('%ac%'));
    expectSql(q, {
      sqlite: ['SELECT "artist"."id" FROM "artist" WHERE lower("artist"."name") LIKE lower(?) ESCAPE \'\\\'', ['%ac%']],
      postgres: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."name" ILIKE $1 ESCAPE \'\\\'', ['%ac%']],
      mariadb: ['SELECT `artist`.`id` FROM `artist` WHERE lower(`artist`.`name`) LIKE lower(?) ESCAPE CHAR(92 USING utf8mb4)', ['%ac%']],
    });
  });

  it('writes every LIKE with an explicit ESCAPE, and escapes literal matches', () => {
    // Backslash on every database; on MySQL spelled so that it means one backslash in every SQL mode.
    expectSql(select(artist.c.id).from(artist).where(artist.c.name.like('a\\_%')), {
      sqlite: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."name" LIKE ? ESCAPE \'\\\'', ['a\\_%']],
      postgres: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."name" LIKE $1 ESCAPE \'\\\'', ['a\\_%']],
      mariadb: ['SELECT `artist`.`id` FROM `artist` WHERE `artist`.`name` LIKE ? ESCAPE CHAR(92 USING utf8mb4)', ['a\\_%']],
    });
    expectSql(select(artist.c.id).from(artist).where(artist.c.name.notLike("it's!%", { escape: '!' }), artist.c.name.like('x', { escape: "'" })), {
      sqlite: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."name" NOT LIKE ? ESCAPE \'!\' AND "artist"."name" LIKE ? ESCAPE \'\'\'\'', ["it's!%", 'x']],
      postgres: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."name" NOT LIKE $1 ESCAPE \'!\' AND "artist"."name" LIKE $2 ESCAPE \'\'\'\'', ["it's!%", 'x']],
      mariadb: ['SELECT `artist`.`id` FROM `artist` WHERE `artist`.`name` NOT LIKE ? ESCAPE \'!\' AND `artist`.`name` LIKE ? ESCAPE \'\'\'\'', ["it's!%", 'x']],
    });
    expectSql(
      select(artist.c.id)
        .from(artist)
        .where(artist.c.name.contains('50%_off\\'), artist.c.name.startsWith('a_'), artist.c.name.endsWith('%'), artist.c.name.icontains('x!', { escape: '!' })),
      {
        sqlite: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."name" LIKE ? ESCAPE \'\\\' AND "artist"."name" LIKE ? ESCAPE \'\\\' AND "artist"."name" LIKE ? ESCAPE \'\\\' AND lower("artist"."name") LIKE lower(?) ESCAPE \'!\'', ['%50\\%\\_off\\\\%', 'a\\_%', '%\\%', '%x!!%']],
        postgres: [
          'SELECT "artist"."id" FROM "artist" WHERE "artist"."name" LIKE $1 ESCAPE \'\\\' AND "artist"."name" LIKE $2 ESCAPE \'\\\' AND "artist"."name" LIKE $3 ESCAPE \'\\\' AND "artist"."name" ILIKE $4 ESCAPE \'!\'',
          ['%50\\%\\_off\\\\%', 'a\\_%', '%\\%', '%x!!%'],
        ],
        mariadb: ["SELECT `artist`.`id` FROM `artist` WHERE `artist`.`name` LIKE ? ESCAPE CHAR(92 USING utf8mb4) AND `artist`.`name` LIKE ? ESCAPE CHAR(92 USING utf8mb4) AND `artist`.`name` LIKE ? ESCAPE CHAR(92 USING utf8mb4) AND lower(`artist`.`name`) LIKE lower(?) ESCAPE '!'", ['%50\\%\\_off\\\\%', 'a\\_%', '%\\%', '%x!!%']],
      },
    );
  });

  it('concatenates with || or CONCAT()', () => {
    const q = select(person.c.firstname.concat(' ').concat(person.c.lastname).as('full')).from(person);
    expectSql(q, {
      sqlite: ['SELECT "person"."firstname" || ? || "person"."lastname" AS "full" FROM "person"', [' ']],
      postgres: ['SELECT "person"."firstname" || $1 || "person"."lastname" AS "full" FROM "person"', [' ']],
      mariadb: ['SELECT CONCAT(CONCAT(`person`.`firstname`, ?), `person`.`lastname`) AS `full` FROM `person`', [' ']],
    });
  });

  it('keeps parentheses that arithmetic needs', () => {
    const q = select(song.c.milliseconds.sub(song.c.milliseconds.sub(1)).mul(2).as('x')).from(song);
    expectSql(q, {
      sqlite: ['SELECT ("song"."milliseconds" - ("song"."milliseconds" - ?)) * ? AS "x" FROM "song"', [1, 2]],
      postgres: ['SELECT ("song"."milliseconds" - ("song"."milliseconds" - $1)) * $2 AS "x" FROM "song"', [1, 2]],
      mariadb: ['SELECT (`song`.`milliseconds` - (`song`.`milliseconds` - ?)) * ? AS `x` FROM `song`', [1, 2]],
    });
  });

  it('renders CASE, CAST and COALESCE', () => {
    const q = select(
      caseWhen([[song.c.milliseconds.gt(300000), 'long']], 'short').as('len'),
      cast(song.c.milliseconds, types.text()).as('ms'),
      coalesce(song.c.albumId, 0).as('albumId'),
    ).from(song);
    expectSql(q, {
      sqlite: ['SELECT CASE WHEN "song"."milliseconds" > ? THEN ? ELSE ? END AS "len", CAST("song"."milliseconds" AS TEXT) AS "ms", coalesce("song"."album_id", ?) AS "albumId" FROM "song"', [300000, 'long', 'short', 0]],
      postgres: [
        'SELECT CASE WHEN "song"."milliseconds" > $1 THEN $2 ELSE $3 END AS "len", CAST("song"."milliseconds" AS TEXT) AS "ms", coalesce("song"."album_id", $4) AS "albumId" FROM "song"',
        [300000, 'long', 'short', 0],
      ],
      mariadb: ['SELECT CASE WHEN `song`.`milliseconds` > ? THEN ? ELSE ? END AS `len`, CAST(`song`.`milliseconds` AS CHAR) AS `ms`, coalesce(`song`.`album_id`, ?) AS `albumId` FROM `song`', [300000, 'long', 'short', 0]],
    });
  });

  it('joins: inner, left, right, full with explicit ON, and self-joins through an alias', () => {
    const manager = person.as('manager');
    const q = select(person.c.firstname, manager.c.firstname.as('managerName'))
      .from(person)
      .join(manager, person.c.managerId.eq(manager.c.id))
      .where(manager.c.firstname.eq('Pierre'));
    expectSql(q, {
      sqlite: ['SELECT "person"."firstname", "manager"."firstname" AS "managerName" FROM "person" JOIN "person" AS "manager" ON "person"."manager_id" = "manager"."id" WHERE "manager"."firstname" = ?', ['Pierre']],
      postgres: [
        'SELECT "person"."firstname", "manager"."firstname" AS "managerName" FROM "person" JOIN "person" AS "manager" ON "person"."manager_id" = "manager"."id" WHERE "manager"."firstname" = $1',
        ['Pierre'],
      ],
      mariadb: ['SELECT `person`.`firstname`, `manager`.`firstname` AS `managerName` FROM `person` JOIN `person` AS `manager` ON `person`.`manager_id` = `manager`.`id` WHERE `manager`.`firstname` = ?', ['Pierre']],
    });
    const lj = select(artist.c.name, album.c.title).from(artist).leftJoin(album, album.c.artistId.eq(artist.c.id));
    expectSql(lj, {
      sqlite: ['SELECT "artist"."name", "album"."title" FROM "artist" LEFT JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      postgres: ['SELECT "artist"."name", "album"."title" FROM "artist" LEFT JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      mariadb: ['SELECT `artist`.`name`, `album`.`title` FROM `artist` LEFT JOIN `album` ON `album`.`artist_id` = `artist`.`id`', []],
    });
    const rj = select(artist.c.name).from(artist).rightJoin(album, album.c.artistId.eq(artist.c.id));
    expectSql(rj, {
      sqlite: ['SELECT "artist"."name" FROM "artist" RIGHT JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      postgres: ['SELECT "artist"."name" FROM "artist" RIGHT JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      mariadb: ['SELECT `artist`.`name` FROM `artist` RIGHT JOIN `album` ON `album`.`artist_id` = `artist`.`id`', []],
    });
    const fj = select(artist.c.name).from(artist).fullJoin(album, album.c.artistId.eq(artist.c.id));
    expectSql(fj, {
      sqlite: ['SELECT "artist"."name" FROM "artist" FULL JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      postgres: ['SELECT "artist"."name" FROM "artist" FULL JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      mariadb: { throws: UnsupportedError },
    });
  });

  it('groups, filters groups, orders with NULLS FIRST/LAST (emulated on MySQL), limits and offsets', () => {
    const q = select(album.c.artistId, count().as('albums'))
      .from(album)
      .groupBy(album.c.artistId)
      .having(count().gt(1))
      .orderBy(album.c.artistId.desc().nullsLast(), count().asc().nullsFirst())
      .limit(10)
      .offset(20);
    expectSql(q, {
      sqlite: ['SELECT "album"."artist_id" AS "artistId", count(*) AS "albums" FROM "album" GROUP BY "album"."artist_id" HAVING count(*) > ? ORDER BY "album"."artist_id" DESC NULLS LAST, count(*) NULLS FIRST LIMIT ? OFFSET ?', [1, 10, 20]],
      postgres: [
        'SELECT "album"."artist_id" AS "artistId", count(*) AS "albums" FROM "album" GROUP BY "album"."artist_id" HAVING count(*) > $1 ORDER BY "album"."artist_id" DESC NULLS LAST, count(*) NULLS FIRST LIMIT $2 OFFSET $3',
        [1, 10, 20],
      ],
      mariadb: ['SELECT `album`.`artist_id` AS `artistId`, count(*) AS `albums` FROM `album` GROUP BY `album`.`artist_id` HAVING count(*) > ? ORDER BY `album`.`artist_id` IS NULL, `album`.`artist_id` DESC, count(*) IS NULL DESC, count(*) LIMIT ? OFFSET ?', [1, 10, 20]],
    });
  });

  it('writes an unbounded LIMIT where OFFSET needs one', () => {
    const q = select(artist.c.id).from(artist).offset(5);
    expectSql(q, {
      sqlite: ['SELECT "artist"."id" FROM "artist" LIMIT -1 OFFSET ?', [5]],
      postgres: ['SELECT "artist"."id" FROM "artist" OFFSET $1', [5]],
      mariadb: ['SELECT `artist`.`id` FROM `artist` LIMIT 18446744073709551615 OFFSET ?', [5]],
    });
  });

  it('renders aggregates, DISTINCT and count distinct', () => {
    const q = select({
      n: count(),
      artists: countDistinct(song.c.artistId),
      total: sum(song.c.milliseconds),
      mean: avg(song.c.milliseconds),
      shortest: min(song.c.milliseconds),
      longest: max(song.c.milliseconds),
    }).from(song);
    expectSql(q, {
      sqlite: ['SELECT count(*) AS "n", count(DISTINCT "song"."artist_id") AS "artists", sum("song"."milliseconds") AS "total", avg("song"."milliseconds") AS "mean", min("song"."milliseconds") AS "shortest", max("song"."milliseconds") AS "longest" FROM "song"', []],
      postgres: ['SELECT count(*) AS "n", count(DISTINCT "song"."artist_id") AS "artists", sum("song"."milliseconds") AS "total", avg("song"."milliseconds") AS "mean", min("song"."milliseconds") AS "shortest", max("song"."milliseconds") AS "longest" FROM "song"', []],
      mariadb: ['SELECT count(*) AS `n`, count(DISTINCT `song`.`artist_id`) AS `artists`, sum(`song`.`milliseconds`) AS `total`, avg(`song`.`milliseconds`) AS `mean`, min(`song`.`milliseconds`) AS `shortest`, max(`song`.`milliseconds`) AS `longest` FROM `song`', []],
    });
    expectSql(select(song.c.artistId).from(song).distinct(), {
      sqlite: ['SELECT DISTINCT "song"."artist_id" AS "artistId" FROM "song"', []],
      postgres: ['SELECT DISTINCT "song"."artist_id" AS "artistId" FROM "song"', []],
      mariadb: ['SELECT DISTINCT `song`.`artist_id` AS `artistId` FROM `song`', []],
    });
  });

  it('uses subqueries: IN, EXISTS, scalar, derived tables', () => {
    const withAlbums = select(album.c.artistId).from(album);
    const q1 = select(artist.c.id).from(artist).where(artist.c.id.in(withAlbums));
    expectSql(q1, {
      sqlite: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."id" IN (SELECT "album"."artist_id" AS "artistId" FROM "album")', []],
      postgres: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."id" IN (SELECT "album"."artist_id" AS "artistId" FROM "album")', []],
      mariadb: ['SELECT `artist`.`id` FROM `artist` WHERE `artist`.`id` IN (SELECT `album`.`artist_id` AS `artistId` FROM `album`)', []],
    });
    const q2 = select(artist.c.id).from(artist).where(exists(select(album.c.id).from(album).where(album.c.artistId.eq(artist.c.id))));
    expectSql(q2, {
      sqlite: ['SELECT "artist"."id" FROM "artist" WHERE EXISTS (SELECT "album"."id" FROM "album" WHERE "album"."artist_id" = "artist"."id")', []],
      postgres: ['SELECT "artist"."id" FROM "artist" WHERE EXISTS (SELECT "album"."id" FROM "album" WHERE "album"."artist_id" = "artist"."id")', []],
      mariadb: ['SELECT `artist`.`id` FROM `artist` WHERE EXISTS (SELECT `album`.`id` FROM `album` WHERE `album`.`artist_id` = `artist`.`id`)', []],
    });
    const albumCount = select(count().as('n')).from(album).where(album.c.artistId.eq(artist.c.id)).scalar<number>();
    const q3 = select(artist.c.name, albumCount.as('albums')).from(artist);
    expectSql(q3, {
      sqlite: ['SELECT "artist"."name", (SELECT count(*) AS "n" FROM "album" WHERE "album"."artist_id" = "artist"."id") AS "albums" FROM "artist"', []],
      postgres: ['SELECT "artist"."name", (SELECT count(*) AS "n" FROM "album" WHERE "album"."artist_id" = "artist"."id") AS "albums" FROM "artist"', []],
      mariadb: ['SELECT `artist`.`name`, (SELECT count(*) AS `n` FROM `album` WHERE `album`.`artist_id` = `artist`.`id`) AS `albums` FROM `artist`', []],
    });
    const counts = select(album.c.artistId, count().as('n')).from(album).groupBy(album.c.artistId).as('counts');
    const q4 = select(artist.c.name, counts.c.n).from(artist).join(counts, counts.c.artistId.eq(artist.c.id)).where(counts.c.n.gt(2));
    expectSql(q4, {
      sqlite: ['SELECT "artist"."name", "counts"."n" FROM "artist" JOIN (SELECT "album"."artist_id" AS "artistId", count(*) AS "n" FROM "album" GROUP BY "album"."artist_id") AS "counts" ON "counts"."artistId" = "artist"."id" WHERE "counts"."n" > ?', [2]],
      postgres: [
        'SELECT "artist"."name", "counts"."n" FROM "artist" JOIN (SELECT "album"."artist_id" AS "artistId", count(*) AS "n" FROM "album" GROUP BY "album"."artist_id") AS "counts" ON "counts"."artistId" = "artist"."id" WHERE "counts"."n" > $1',
        [2],
      ],
      mariadb: ['SELECT `artist`.`name`, `counts`.`n` FROM `artist` JOIN (SELECT `album`.`artist_id` AS `artistId`, count(*) AS `n` FROM `album` GROUP BY `album`.`artist_id`) AS `counts` ON `counts`.`artistId` = `artist`.`id` WHERE `counts`.`n` > ?', [2]],
    });
  });

  it('infers FROM from the columns used when no from() is given; joined and correlated tables are not added', () => {
    expectSql(select(artist.c.id, artist.c.name).where(artist.c.id.eq(1)), {
      sqlite: ['SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."id" = ?', [1]],
      postgres: ['SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."id" = $1', [1]],
      mariadb: ['SELECT `artist`.`id`, `artist`.`name` FROM `artist` WHERE `artist`.`id` = ?', [1]],
    });
    // The select list first, then WHERE, ORDER BY...; a table once.
    expectSql(select(album.c.title).where(album.c.artistId.eq(artist.c.id)).orderBy(song.c.id), {
      sqlite: ['SELECT "album"."title" FROM "album", "artist", "song" WHERE "album"."artist_id" = "artist"."id" ORDER BY "song"."id"', []],
      postgres: ['SELECT "album"."title" FROM "album", "artist", "song" WHERE "album"."artist_id" = "artist"."id" ORDER BY "song"."id"', []],
      mariadb: ['SELECT `album`.`title` FROM `album`, `artist`, `song` WHERE `album`.`artist_id` = `artist`.`id` ORDER BY `song`.`id`', []],
    });
    expectSql(select(artist.c.name, album.c.title).join(album, album.c.artistId.eq(artist.c.id)), {
      sqlite: ['SELECT "artist"."name", "album"."title" FROM "artist" JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      postgres: ['SELECT "artist"."name", "album"."title" FROM "artist" JOIN "album" ON "album"."artist_id" = "artist"."id"', []],
      mariadb: ['SELECT `artist`.`name`, `album`.`title` FROM `artist` JOIN `album` ON `album`.`artist_id` = `artist`.`id`', []],
    });
    const boss = person.as('boss');
    expectSql(select(person.c.firstname, boss.c.firstname.as('boss')).where(person.c.managerId.eq(boss.c.id)), {
      sqlite: ['SELECT "person"."firstname", "boss"."firstname" AS "boss" FROM "person", "person" AS "boss" WHERE "person"."manager_id" = "boss"."id"', []],
      postgres: ['SELECT "person"."firstname", "boss"."firstname" AS "boss" FROM "person", "person" AS "boss" WHERE "person"."manager_id" = "boss"."id"', []],
      mariadb: ['SELECT `person`.`firstname`, `boss`.`firstname` AS `boss` FROM `person`, `person` AS `boss` WHERE `person`.`manager_id` = `boss`.`id`', []],
    });
    // Correlated: the enclosing query's table stays outside the subquery, wherever the subquery is.
    const albums = select(album.c.id).where(album.c.artistId.eq(artist.c.id));
    expectSql(select(artist.c.name).where(exists(albums)), {
      sqlite: ['SELECT "artist"."name" FROM "artist" WHERE EXISTS (SELECT "album"."id" FROM "album" WHERE "album"."artist_id" = "artist"."id")', []],
      postgres: ['SELECT "artist"."name" FROM "artist" WHERE EXISTS (SELECT "album"."id" FROM "album" WHERE "album"."artist_id" = "artist"."id")', []],
      mariadb: ['SELECT `artist`.`name` FROM `artist` WHERE EXISTS (SELECT `album`.`id` FROM `album` WHERE `album`.`artist_id` = `artist`.`id`)', []],
    });
    expectSql(select(artist.c.name, select(count().as('n')).where(album.c.artistId.eq(artist.c.id)).scalar().as('albums')), {
      sqlite: ['SELECT "artist"."name", (SELECT count(*) AS "n" FROM "album" WHERE "album"."artist_id" = "artist"."id") AS "albums" FROM "artist"', []],
      postgres: ['SELECT "artist"."name", (SELECT count(*) AS "n" FROM "album" WHERE "album"."artist_id" = "artist"."id") AS "albums" FROM "artist"', []],
      mariadb: ['SELECT `artist`.`name`, (SELECT count(*) AS `n` FROM `album` WHERE `album`.`artist_id` = `artist`.`id`) AS `albums` FROM `artist`', []],
    });
    expectSql(update(artist).set({ active: false }).where(notExists(albums)), {
      sqlite: ['UPDATE "artist" SET "active" = ? WHERE NOT EXISTS (SELECT "album"."id" FROM "album" WHERE "album"."artist_id" = "artist"."id")', [0]],
      postgres: ['UPDATE "artist" SET "active" = $1 WHERE NOT EXISTS (SELECT "album"."id" FROM "album" WHERE "album"."artist_id" = "artist"."id")', [false]],
      mariadb: ['UPDATE `artist` SET `active` = ? WHERE NOT EXISTS (SELECT `album`.`id` FROM `album` WHERE `album`.`artist_id` = `artist`.`id`)', [false]],
    });
    // A derived table cannot see its siblings in FROM: nothing to correlate with, so both tables are its own.
    const d = select(album.c.id).where(album.c.artistId.eq(artist.c.id)).as('d');
    expectSql(select(artist.c.name, d.c.id).from(artist, d), {
      sqlite: ['SELECT "artist"."name", "d"."id" FROM "artist", (SELECT "album"."id" FROM "album", "artist" WHERE "album"."artist_id" = "artist"."id") AS "d"', []],
      postgres: ['SELECT "artist"."name", "d"."id" FROM "artist", (SELECT "album"."id" FROM "album", "artist" WHERE "album"."artist_id" = "artist"."id") AS "d"', []],
      mariadb: ['SELECT `artist`.`name`, `d`.`id` FROM `artist`, (SELECT `album`.`id` FROM `album`, `artist` WHERE `album`.`artist_id` = `artist`.`id`) AS `d`', []],
    });
    // No column, no FROM.
    expectSql(select({ one: sql<number>`1`, n: count() }), {
      sqlite: ['SELECT 1 AS "one", count(*) AS "n"', []],
      postgres: ['SELECT 1 AS "one", count(*) AS "n"', []],
      mariadb: ['SELECT 1 AS `one`, count(*) AS `n`', []],
    });
    // A derived table's columns cannot bring their query along: that one must be named in from().
    assert.throws(
      () => dialects.sqlite.compile(select(d.c.id).node),
      (e: unknown) => e instanceof InvalidArgumentError && /"d"\."id" comes from a derived table or CTE that is not in FROM/.test(e.message),
    );
  });

  it('renders CTEs, recursive CTEs, UNION and UNION ALL', () => {
    const chain = recursiveCte(
      'chain',
      select(person.c.id, person.c.managerId).from(person).where(person.c.id.eq(7)),
      (self) => select(person.c.id, person.c.managerId).from(person).join(self, person.c.id.eq(self.c.managerId)),
    );
    expectSql(select(chain.c.id).with(chain).from(chain), {
      sqlite: ['WITH RECURSIVE "chain" ("id", "managerId") AS (SELECT "person"."id", "person"."manager_id" AS "managerId" FROM "person" WHERE "person"."id" = ? UNION ALL SELECT "person"."id", "person"."manager_id" AS "managerId" FROM "person" JOIN "chain" ON "person"."id" = "chain"."managerId") SELECT "chain"."id" FROM "chain"', [7]],
      postgres: [
        'WITH RECURSIVE "chain" ("id", "managerId") AS (SELECT "person"."id", "person"."manager_id" AS "managerId" FROM "person" WHERE "person"."id" = $1 UNION ALL SELECT "person"."id", "person"."manager_id" AS "managerId" FROM "person" JOIN "chain" ON "person"."id" = "chain"."managerId") SELECT "chain"."id" FROM "chain"',
        [7],
      ],
      mariadb: ['WITH RECURSIVE `chain` (`id`, `managerId`) AS (SELECT `person`.`id`, `person`.`manager_id` AS `managerId` FROM `person` WHERE `person`.`id` = ? UNION ALL SELECT `person`.`id`, `person`.`manager_id` AS `managerId` FROM `person` JOIN `chain` ON `person`.`id` = `chain`.`managerId`) SELECT `chain`.`id` FROM `chain`', [7]],
    });
    const a = select(artist.c.name).from(artist);
    const b = select(album.c.title.as('name')).from(album);
    // The ORDER BY of a compound names the output column: PostgreSQL and MariaDB refuse a table-qualified one there.
    expectSql(union(a, b).orderBy(artist.c.name), {
      sqlite: ['SELECT "artist"."name" FROM "artist" UNION SELECT "album"."title" AS "name" FROM "album" ORDER BY "name"', []],
      postgres: ['SELECT "artist"."name" FROM "artist" UNION SELECT "album"."title" AS "name" FROM "album" ORDER BY "name"', []],
      mariadb: ['SELECT `artist`.`name` FROM `artist` UNION SELECT `album`.`title` AS `name` FROM `album` ORDER BY `name`', []],
    });
    expectSql(unionAll(a.limit(1), b), {
      sqlite: ['SELECT * FROM (SELECT "artist"."name" FROM "artist" LIMIT ?) UNION ALL SELECT "album"."title" AS "name" FROM "album"', [1]],
      postgres: ['(SELECT "artist"."name" FROM "artist" LIMIT $1) UNION ALL SELECT "album"."title" AS "name" FROM "album"', [1]],
      mariadb: ['(SELECT `artist`.`name` FROM `artist` LIMIT ?) UNION ALL SELECT `album`.`title` AS `name` FROM `album`', [1]],
    });
    const named = select(artist.c.id).from(artist).where(artist.c.active.eq(true)).cte('active_artists');
    expectSql(select(named.c.id).with(named).from(named), {
      sqlite: ['WITH "active_artists" AS (SELECT "artist"."id" FROM "artist" WHERE "artist"."active" = ?) SELECT "active_artists"."id" FROM "active_artists"', [1]],
      postgres: ['WITH "active_artists" AS (SELECT "artist"."id" FROM "artist" WHERE "artist"."active" = $1) SELECT "active_artists"."id" FROM "active_artists"', [true]],
      mariadb: ['WITH `active_artists` AS (SELECT `artist`.`id` FROM `artist` WHERE `artist`.`active` = ?) SELECT `active_artists`.`id` FROM `active_artists`', [true]],
    });
  });

  it('renders window functions over a partition', () => {
    const q = select(
      song.c.id,
      rowNumber().over({ partitionBy: [song.c.artistId], orderBy: [song.c.milliseconds.desc()] }).as('rn'),
      rank().over({ orderBy: [song.c.milliseconds] }).as('r'),
    ).from(song);
    expectSql(q, {
      sqlite: ['SELECT "song"."id", row_number() OVER (PARTITION BY "song"."artist_id" ORDER BY "song"."milliseconds" DESC) AS "rn", rank() OVER (ORDER BY "song"."milliseconds") AS "r" FROM "song"', []],
      postgres: ['SELECT "song"."id", row_number() OVER (PARTITION BY "song"."artist_id" ORDER BY "song"."milliseconds" DESC) AS "rn", rank() OVER (ORDER BY "song"."milliseconds") AS "r" FROM "song"', []],
      mariadb: ['SELECT `song`.`id`, row_number() OVER (PARTITION BY `song`.`artist_id` ORDER BY `song`.`milliseconds` DESC) AS `rn`, rank() OVER (ORDER BY `song`.`milliseconds`) AS `r` FROM `song`', []],
    });
  });

  it('locks rows FOR UPDATE where the database has locking reads', () => {
    const q = select(artist.c.id).from(artist).where(artist.c.id.eq(1)).forUpdate();
    expectSql(q, {
      sqlite: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."id" = ?', [1]],
      postgres: ['SELECT "artist"."id" FROM "artist" WHERE "artist"."id" = $1 FOR UPDATE', [1]],
      mariadb: ['SELECT `artist`.`id` FROM `artist` WHERE `artist`.`id` = ? FOR UPDATE', [1]],
    });
    expectSql(select(artist.c.id).from(artist).forShare(), {
      sqlite: ['SELECT "artist"."id" FROM "artist"', []],
      postgres: ['SELECT "artist"."id" FROM "artist" FOR SHARE', []],
      mariadb: ['SELECT `artist`.`id` FROM `artist` LOCK IN SHARE MODE', []],
      mysql8: ['SELECT `artist`.`id` FROM `artist` FOR SHARE', []],
    });
    // The compiled statement says it locks, from its node (not on SQLite, whose SQL leaves the clause out): a session
    // runs such a read in its transaction without reading the SQL text.
    for (const d of Object.values(dialects)) {
      const locks = d.capabilities.lockingReads;
      assert.equal(d.compile(q.node).locksRows, locks, d.name);
      assert.equal(d.compile(union(q, select(artist.c.id).from(artist)).node).locksRows, locks, `${d.name}: a compound with a locking member`);
      assert.equal(d.compile(select(artist.c.id).from(artist).node).locksRows, false, d.name);
    }
  });

  it('compares row values, emulated with OR/AND on SQLite', () => {
    const q = select(song.c.id).from(song).where(tuple(song.c.artistId, song.c.albumId).in([tuple(sqlParam(1), sqlParam(2))]));
    expectSql(q, {
      sqlite: ['SELECT "song"."id" FROM "song" WHERE ("song"."artist_id" = ? AND "song"."album_id" = ?)', [1, 2]],
      postgres: ['SELECT "song"."id" FROM "song" WHERE ("song"."artist_id", "song"."album_id") IN (($1, $2))', [1, 2]],
      mariadb: ['SELECT `song`.`id` FROM `song` WHERE (`song`.`artist_id`, `song`.`album_id`) IN ((?, ?))', [1, 2]],
    });
  });
});

function sqlParam(v: number) {
  return sql<number>`${v}`;
}

describe('INSERT', () => {
  it('inserts one row, applying client defaults', () => {
    expectSql(insert(artist).values({ name: 'AC/DC' }), {
      sqlite: ['INSERT INTO "artist" ("name", "active") VALUES (?, ?)', ['AC/DC', 1]],
      postgres: ['INSERT INTO "artist" ("name", "active") VALUES ($1, $2)', ['AC/DC', true]],
      mariadb: ['INSERT INTO `artist` (`name`, `active`) VALUES (?, ?)', ['AC/DC', true]],
    });
  });

  it('inserts many rows in one statement with RETURNING', () => {
    const stmt = insert(artist).values([{ name: 'a' }, { name: 'b', active: false }]).returning(artist.c.id);
    expectSql(stmt, {
      sqlite: ['INSERT INTO "artist" ("name", "active") VALUES (?, ?), (?, ?) RETURNING "artist"."id"', ['a', 1, 'b', 0]],
      postgres: ['INSERT INTO "artist" ("name", "active") VALUES ($1, $2), ($3, $4) RETURNING "artist"."id"', ['a', true, 'b', false]],
      mariadb: ['INSERT INTO `artist` (`name`, `active`) VALUES (?, ?), (?, ?) RETURNING `artist`.`id`', ['a', true, 'b', false]],
      mysql8: { throws: UnsupportedError },
    });
  });

  it('fills DEFAULT for server-side defaults, and SQLite splits rows by the columns they omit', () => {
    const stmt = insert(song).values([{ title: 'a', milliseconds: 5 }, { title: 'b', milliseconds: 6, price: '1.50' }]);
    expectSql(stmt, {
      sqlite: ['INSERT INTO "song" ("title", "milliseconds", "price") VALUES (?, ?, NULL), (?, ?, ?)', ['a', 5, 'b', 6, '1.50']],
      postgres: ['INSERT INTO "song" ("title", "milliseconds", "price") VALUES ($1, $2, NULL), ($3, $4, $5)', ['a', 5, 'b', 6, '1.50']],
      mariadb: ['INSERT INTO `song` (`title`, `milliseconds`, `price`) VALUES (?, ?, NULL), (?, ?, ?)', ['a', 5, 'b', 6, '1.50']],
    });
    const withServerDefault = insert(song).values([{ title: 'a', milliseconds: 1, id: 10 }, { title: 'b', milliseconds: 2 }]);
    expectSql(withServerDefault, {
      // SQLite has no DEFAULT in VALUES: compile() refuses, compileAll() splits the rows (the test below).
      sqlite: { throws: UnsupportedError },
      postgres: ['INSERT INTO "song" ("id", "title", "milliseconds") VALUES ($1, $2, $3), (DEFAULT, $4, $5)', [10, 'a', 1, 'b', 2]],
      mariadb: ['INSERT INTO `song` (`id`, `title`, `milliseconds`) VALUES (?, ?, ?), (DEFAULT, ?, ?)', [10, 'a', 1, 'b', 2]],
    });
    const parts = dialects.sqlite.compileAll(withServerDefault.node).map((c) => c.sql);
    assert.deepEqual(parts, [
      'INSERT INTO "song" ("id", "title", "milliseconds") VALUES (?, ?, ?)',
      'INSERT INTO "song" ("title", "milliseconds") VALUES (?, ?)',
    ]);
  });

  it('refuses to write DEFAULT inside VALUES on SQLite, which rejects it, naming compileAll()', () => {
    const withServerDefault = insert(song).values([{ title: 'a', milliseconds: 1, id: 10 }, { title: 'b', milliseconds: 2 }]);
    assert.throws(() => dialects.sqlite.compile(withServerDefault.node), (e: Error) => e instanceof UnsupportedError && /row 1 leaves "id".*compileAll\(\)/.test(e.message));
    assert.equal(dialects.sqlite.compileAll(withServerDefault.node).length, 2);
  });

  it('splits a large insert under the bound-parameter limit', () => {
    const rows = Array.from({ length: 40000 }, (_, i) => ({ name: `artist ${i}` }));
    const stmt = insert(artist).values(rows);
    const sqlite = dialects.sqlite.compileAll(stmt.node);
    // 2 parameters per row, 32766 per statement on SQLite -> 16383 rows per statement.
    assert.deepEqual(sqlite.map((c) => c.parameters.length), [32766, 32766, 14468]);
    const pg = dialects.postgres.compileAll(stmt.node);
    assert.deepEqual(pg.map((c) => c.parameters.length), [65534, 14466]);
  });

  it('inserts from a select', () => {
    const stmt = insert(artist).fromSelect([artist.c.name], select(album.c.title).from(album));
    expectSql(stmt, {
      sqlite: ['INSERT INTO "artist" ("name") SELECT "album"."title" FROM "album"', []],
      postgres: ['INSERT INTO "artist" ("name") SELECT "album"."title" FROM "album"', []],
      mariadb: ['INSERT INTO `artist` (`name`) SELECT `album`.`title` FROM `album`', []],
    });
  });

  it('upserts: ON CONFLICT on PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE on MySQL', () => {
    const stmt = insert(artist)
      .values({ id: 1, name: 'x' })
      .onConflictDoUpdate({ target: [artist.c.id], set: { name: excluded(artist.c.name) } });
    expectSql(stmt, {
      sqlite: ['INSERT INTO "artist" ("id", "name", "active") VALUES (?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name"', [1, 'x', 1]],
      postgres: ['INSERT INTO "artist" ("id", "name", "active") VALUES ($1, $2, $3) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name"', [1, 'x', true]],
      mariadb: ['INSERT INTO `artist` (`id`, `name`, `active`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)', [1, 'x', true]],
    });
    const nothing = insert(artist).values({ id: 1, name: 'x' }).onConflictDoNothing([artist.c.id]);
    expectSql(nothing, {
      sqlite: ['INSERT INTO "artist" ("id", "name", "active") VALUES (?, ?, ?) ON CONFLICT ("id") DO NOTHING', [1, 'x', 1]],
      postgres: ['INSERT INTO "artist" ("id", "name", "active") VALUES ($1, $2, $3) ON CONFLICT ("id") DO NOTHING', [1, 'x', true]],
      mariadb: ['INSERT INTO `artist` (`id`, `name`, `active`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `id` = `id`', [1, 'x', true]],
    });
  });

  it('rejects unknown columns, wrong types and nulls in NOT NULL columns before any SQL', () => {
    assert.throws(() => insert(artist).values({ name: 'x', nope: 1 } as never), (e: unknown) => e instanceof SchemaError && /artist.*nope/.test(e.message));
    assert.throws(
      () => insert(song).values({ title: 'x', milliseconds: 'long' as never }),
      (e: unknown) => e instanceof InvalidValueError && e.column === 'milliseconds' && /song\.milliseconds \(integer\) expects an integer, got "long"/.test(e.message),
    );
    assert.throws(() => insert(artist).values({ name: null as never }), (e: unknown) => e instanceof InvalidValueError && /NOT NULL/.test(e.message));
    assert.throws(() => insert(album).values({ title: 'x'.repeat(201), artistId: 1 }), /at most 200 characters/);
    assert.throws(() => insert(song).values({ title: 'x', price: '12,50' }), /decimal string/);
    assert.throws(() => insert(artist).values([]), InvalidArgumentError);
  });
});

describe('UPDATE and DELETE', () => {
  it('updates with WHERE and RETURNING (not on MariaDB)', () => {
    const stmt = update(artist).set({ active: false }).where(artist.c.id.in([1, 2])).returning(artist.c.id);
    expectSql(stmt, {
      sqlite: ['UPDATE "artist" SET "active" = ? WHERE "artist"."id" IN (?, ?) RETURNING "artist"."id"', [0, 1, 2]],
      postgres: ['UPDATE "artist" SET "active" = $1 WHERE "artist"."id" IN ($2, $3) RETURNING "artist"."id"', [false, 1, 2]],
      mariadb: { throws: UnsupportedError },
    });
  });

  it('updates with other tables: FROM, or a multi-table UPDATE on MySQL', () => {
    const stmt = update(song).set({ price: '0.99' }).from(artist).where(song.c.artistId.eq(artist.c.id), artist.c.name.eq('x'));
    expectSql(stmt, {
      sqlite: ['UPDATE "song" SET "price" = ? FROM "artist" WHERE "song"."artist_id" = "artist"."id" AND "artist"."name" = ?', ['0.99', 'x']],
      postgres: ['UPDATE "song" SET "price" = $1 FROM "artist" WHERE "song"."artist_id" = "artist"."id" AND "artist"."name" = $2', ['0.99', 'x']],
      mariadb: ['UPDATE `song`, `artist` SET `song`.`price` = ? WHERE `song`.`artist_id` = `artist`.`id` AND `artist`.`name` = ?', ['0.99', 'x']],
    });
  });

  it('updates with expressions', () => {
    expectSql(update(song).set({ milliseconds: song.c.milliseconds.add(1) }), {
      sqlite: ['UPDATE "song" SET "milliseconds" = "song"."milliseconds" + ?', [1]],
      postgres: ['UPDATE "song" SET "milliseconds" = "song"."milliseconds" + $1', [1]],
      mariadb: ['UPDATE `song` SET `milliseconds` = `song`.`milliseconds` + ?', [1]],
    });
  });

  it('deletes with WHERE, USING (PostgreSQL), multi-table (MySQL) and RETURNING', () => {
    expectSql(deleteFrom(song).where(song.c.id.eq(3)).returning(song.c.id), {
      sqlite: ['DELETE FROM "song" WHERE "song"."id" = ? RETURNING "song"."id"', [3]],
      postgres: ['DELETE FROM "song" WHERE "song"."id" = $1 RETURNING "song"."id"', [3]],
      mariadb: ['DELETE FROM `song` WHERE `song`.`id` = ? RETURNING `song`.`id`', [3]],
      mysql8: { throws: UnsupportedError },
    });
    const using = deleteFrom(song).using(artist).where(song.c.artistId.eq(artist.c.id), artist.c.active.eq(false));
    expectSql(using, {
      sqlite: { throws: UnsupportedError },
      postgres: ['DELETE FROM "song" USING "artist" WHERE "song"."artist_id" = "artist"."id" AND "artist"."active" = $1', [false]],
      mariadb: ['DELETE `song` FROM `song`, `artist` WHERE `song`.`artist_id` = `artist`.`id` AND `artist`.`active` = ?', [false]],
    });
  });
});

describe('raw SQL', () => {
  it('binds every interpolated value and quotes identifiers', () => {
    const hostile = `x"; DROP TABLE artist; --`;
    const stmt = sql`SELECT * FROM ${identifier('we"ird')} WHERE a = ${hostile} AND b = ${artist.c.id}`;
    expectSql(stmt, {
      sqlite: ['SELECT * FROM "we""ird" WHERE a = ? AND b = "artist"."id"', [hostile]],
      postgres: [`SELECT * FROM "we""ird" WHERE a = $1 AND b = "artist"."id"`, [hostile]],
      mariadb: ['SELECT * FROM `we"ird` WHERE a = ? AND b = `artist`.`id`', [hostile]],
    });
  });
  it('joins fragments', () => {
    const stmt = sql`SELECT ${sql.join([1, 2, 3])}`;
    expectSql(stmt, {
      sqlite: ['SELECT ?, ?, ?', [1, 2, 3]],
      postgres: ['SELECT $1, $2, $3', [1, 2, 3]],
      mariadb: ['SELECT ?, ?, ?', [1, 2, 3]],
    });
  });
});

describe('statement cache', () => {
  it('compiles a shape once and reuses it with new values', () => {
    const d = new PostgresDialect();
    const q = (name: string) => select(artist.c.id).from(artist).where(artist.c.name.eq(name), artist.c.id.in([1, 2]));
    const a = d.compile(q('a').node);
    const b = d.compile(q('b').node);
    assert.equal(a.sql, b.sql);
    assert.deepEqual(b.parameters, ['b', 1, 2]);
    assert.equal(d.compiler.cache.misses, 1);
    assert.equal(d.compiler.cache.hits, 1);
    // A different IN-list length is another shape.
    d.compile(select(artist.c.id).from(artist).where(artist.c.name.eq('c'), artist.c.id.in([1, 2, 3])).node);
    assert.equal(d.compiler.cache.misses, 2);
  });

  it('keeps duplicated parameters in placeholder order (NULLS emulation repeats an expression)', () => {
    const d = new MysqlDialect();
    const q = (n: number) => select(song.c.id).from(song).orderBy(song.c.milliseconds.add(n).asc().nullsLast()).where(song.c.id.gt(n * 10));
    d.compile(q(1).node);
    const second = d.compile(q(2).node);
    assert.deepEqual(second.parameters, [20, 2, 2]);
    assert.equal(second.sql, 'SELECT `song`.`id` FROM `song` WHERE `song`.`id` > ? ORDER BY `song`.`milliseconds` + ? IS NULL, `song`.`milliseconds` + ?');
  });
});
