/**
 * A relationship's `orderBy` written against the model's table is rendered
 * against the alias a joined load gives the table, wherever the column sits:
 * inside an `sql` fragment (`COLLATE`), a function, a correlated subquery.
 * Run on every database, each with a collation of its own.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, deleteFrom, insert, lower, select, sql, SqliteDialect, type Table } from '../../../src/index.js';
import { Model, database, joinedLoad, many, mapped, selectinLoad, type Database, type Related } from '../../../src/orm/index.js';
import { requalifyOrder } from '../../../src/orm/loading/requalify.js';
import type { DialectName } from '../../../src/core/dialects/dialect.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';
import { musicTables } from './models.js';
import { toOrderNode } from '../../../src/core/sql/expression.js';

/** Orders so that a case-insensitive collation and a binary one disagree. */
const NAMES = ['b', 'C', 'a'];

/** A collation clause each database knows: case-insensitive where one is built in, binary on PostgreSQL. */
function collated(dialect: DialectName, column: Parameters<typeof lower>[0]) {
  switch (dialect) {
    case 'sqlite':
      return sql`${column} COLLATE NOCASE`;
    case 'postgres':
      return sql`${column} COLLATE "C"`;
    case 'mysql':
      return sql`${column} COLLATE utf8mb4_general_ci`;
  }
}

/** What each collation makes of {@link NAMES}. */
const EXPECTED: Record<DialectName, string[]> = { sqlite: ['a', 'b', 'C'], postgres: ['C', 'a', 'b'], mysql: ['a', 'b', 'C'] };

function models(dialect: DialectName) {
  const t = musicTables(`rqo_${dialect}_`);
  @mapped
  class Album extends Model(t.album) {
    static readonly tracks = many(() => Track, { orderBy: [collated(dialect, t.track.c.name)] });
    /** Tracks ordered by how many tracks are named as their name in lower case: a correlated subquery over the target table. */
    static readonly tracksByTwins = many(() => Track, {
      orderBy: [select({ n: count() }).from(t.track.as('twin')).where(t.track.as('twin').c.name.eq(lower(t.track.c.name))).scalar(), t.track.c.id],
    });
  }
  interface Album extends Related<typeof Album> {}
  @mapped
  class Track extends Model(t.track) {}
  return { t, Album };
}

forEachDialect('relationship orderBy under a joined load', (ctx) => {
  const { t, Album } = models(ctx.name);
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll(t.all, { ifExists: true });
    await ctx.engine.createAll(t.all);
    for (const table of [t.track, t.album] as Table[]) await ctx.engine.execute(deleteFrom(table));
    await ctx.engine.execute(insert(t.album).values([{ id: 1, title: 'one' }]));
    await ctx.engine.execute(insert(t.track).values(NAMES.map((name, i) => ({ id: i + 1, name, albumId: 1 }))));
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  it('joinedLoad orders by the raw COLLATE fragment on the alias, as selectinLoad does on the table', async () => {
    const alias = `rqo_${ctx.name}_track_1`;
    const statements = await log.during(() =>
      db.session(async (s) => {
        const [joined] = await s.query(Album).options(joinedLoad(Album.tracks)).all();
        assert.deepEqual(joined!.tracks.map((tr) => tr.name), EXPECTED[ctx.name]);
      }),
    );
    assert.equal(statements.length, 1);
    const q = ctx.name === 'mysql' ? '`' : '"';
    assert.ok(statements[0]!.sql.includes(`ORDER BY ${q}${alias}${q}.${q}name${q} COLLATE `), statements[0]!.sql);
    await db.session(async (s) => {
      const [viaIn] = await s.query(Album).options(selectinLoad(Album.tracks)).all();
      assert.deepEqual(viaIn!.tracks.map((tr) => tr.name), EXPECTED[ctx.name]);
    });
  });

  it('a correlated subquery in the ordering follows the alias; the subquery\'s own table alias stays', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const [album] = await s.query(Album).options(joinedLoad(Album.tracksByTwins)).all();
        assert.deepEqual(album!.tracksByTwins.map((tr) => tr.id), [2, 1, 3]);
      }),
    );
    const q = ctx.name === 'mysql' ? '`' : '"';
    assert.ok(statements[0]!.sql.includes(`lower(${q}rqo_${ctx.name}_track_1${q}.${q}name${q})`), statements[0]!.sql);
  });
});

describe('requalify', () => {
  const t = musicTables('rqo_unit_');

  it('leaves a subquery that has the table in its own FROM as written (its columns are its own rows)', () => {
    const own = select({ n: count() }).from(t.track).where(t.track.c.name.eq('x')).scalar();
    const order = toOrderNode(own);
    assert.equal(requalifyOrder(order, t.track, 'track_9'), order);
  });

  it('moves bare and table-qualified columns of the table, not those of an alias of it', () => {
    const twin = t.track.as('twin');
    const order = toOrderNode(sql`${t.track.c.name} || ${twin.c.name}`);
    const out = requalifyOrder(order, t.track, 'track_9');
    const compiled = new SqliteDialect().compile({ ...select(t.track.c.id).from(t.track).queryNode, orderBy: [out] }).sql;
    assert.match(compiled, /ORDER BY "track_9"\."name" \|\| "twin"\."name"$/);
  });
});
