/**
 * Every SELECT construct, executed on every database: the rows that come back,
 * in the order they come back. The exact SQL is pinned in test/core/sql.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  UnsupportedError,
  and,
  avg,
  caseWhen,
  cast,
  coalesce,
  count,
  countDistinct,
  exists,
  identifier,
  identity,
  insert,
  integer,
  max,
  min,
  not,
  notExists,
  numeric,
  or,
  rank,
  recursiveCte,
  rowNumber,
  select,
  sql,
  sum,
  table,
  text,
  types,
  union,
  unionAll,
  varchar,
  type Ordering,
  type Predicate,
  type SelectStatement,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';

const artist = table('bsel_artist', {
  id: identity(),
  name: text().notNull(),
  country: varchar(40),
});

const album = table('bsel_album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').notNull().references(() => artist.c.id),
  year: integer(),
  price: numeric(6, 2),
});

const emp = table('bsel_emp', {
  id: identity(),
  name: text().notNull(),
  managerId: integer('manager_id').references((self) => self.id),
});

const tables = [artist, album, emp];

forEachDialect('SELECT behaviour', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    await ctx.engine.execute(
      insert(artist).values([
        { id: 1, name: 'AC/DC', country: 'AU' },
        { id: 2, name: 'Accept', country: 'DE' },
        { id: 3, name: 'Aerosmith', country: 'US' },
        { id: 4, name: 'alice', country: null },
      ]),
    );
    await ctx.engine.execute(
      insert(album).values([
        { id: 1, title: 'Back in Black', artistId: 1, year: 1980, price: '9.99' },
        { id: 2, title: 'Highway to Hell', artistId: 1, year: 1979, price: '8.99' },
        { id: 3, title: 'Balls to the Wall', artistId: 2, year: 1983, price: null },
        { id: 4, title: 'Toys in the Attic', artistId: 3, year: null, price: '7.50' },
      ]),
    );
    await ctx.engine.execute(
      insert(emp).values([
        { id: 1, name: 'Andrew', managerId: null },
        { id: 2, name: 'Nancy', managerId: 1 },
        { id: 3, name: 'Jane', managerId: 2 },
        { id: 4, name: 'Steve', managerId: 2 },
        { id: 5, name: 'Robert', managerId: 4 },
      ]),
    );
  });
  after(async () => ctx.engine.dropAll(tables, { ifExists: true }));

  const ids = async (where: Predicate): Promise<number[]> =>
    (await ctx.engine.all(select(artist.c.id).from(artist).where(where).orderBy(artist.c.id))).map((r) => r.id);

  it('selects columns under their keys, aliases and DISTINCT', async () => {
    const rows = await ctx.engine.all(
      select(album.c.artistId, album.c.title.as('name')).from(album).where(album.c.id.le(2)).orderBy(album.c.id),
    );
    assert.deepEqual(rows, [
      { artistId: 1, name: 'Back in Black' },
      { artistId: 1, name: 'Highway to Hell' },
    ]);
    const distinct = await ctx.engine.all(select(album.c.artistId).from(album).distinct().orderBy(album.c.artistId));
    assert.deepEqual(distinct, [{ artistId: 1 }, { artistId: 2 }, { artistId: 3 }]);
    const whole = await ctx.engine.all(select(artist).from(artist).where(artist.c.id.eq(4)));
    assert.deepEqual(whole, [{ id: 4, name: 'alice', country: null }]);
  });

  it('compares with =, <>, <, <=, >, >= and null', async () => {
    assert.deepEqual(await ids(artist.c.id.eq(2)), [2]);
    assert.deepEqual(await ids(artist.c.id.ne(2)), [1, 3, 4]);
    assert.deepEqual(await ids(artist.c.id.lt(2)), [1]);
    assert.deepEqual(await ids(artist.c.id.le(2)), [1, 2]);
    assert.deepEqual(await ids(artist.c.id.gt(2)), [3, 4]);
    assert.deepEqual(await ids(artist.c.id.ge(2)), [2, 3, 4]);
    assert.deepEqual(await ids(artist.c.country.eq(null)), [4]);
    assert.deepEqual(await ids(artist.c.country.ne(null)), [1, 2, 3]);
    assert.deepEqual(await ids(artist.c.country.isNull()), [4]);
    assert.deepEqual(await ids(artist.c.country.isNotNull()), [1, 2, 3]);
  });

  it('filters with IN and NOT IN over lists, subqueries and empty lists', async () => {
    assert.deepEqual(await ids(artist.c.id.in([1, 3, 99])), [1, 3]);
    assert.deepEqual(await ids(artist.c.id.notIn([1, 3])), [2, 4]);
    assert.deepEqual(await ids(artist.c.id.in([])), []);
    assert.deepEqual(await ids(artist.c.id.notIn([])), [1, 2, 3, 4]);
    const withAlbums = select(album.c.artistId).from(album);
    assert.deepEqual(await ids(artist.c.id.in(withAlbums)), [1, 2, 3]);
    assert.deepEqual(await ids(artist.c.id.notIn(withAlbums)), [4]);
    // Long lists (one array parameter on PostgreSQL), of numbers and of strings, with hostile strings among them.
    const many = [1, 3, ...Array.from({ length: 20 }, (_, i) => 100 + i)];
    assert.deepEqual(await ids(artist.c.id.in(many)), [1, 3]);
    assert.deepEqual(await ids(artist.c.id.notIn(many)), [2, 4]);
    const names = ['AC/DC', 'Aerosmith', ...Array.from({ length: 20 }, (_, i) => `"q{u,o}te's\\ ${i}`)];
    assert.deepEqual(await ids(artist.c.name.in(names)), [1, 3]);
  });

  it('filters with BETWEEN, LIKE and case-insensitive ILIKE', async () => {
    assert.deepEqual(await ids(artist.c.id.between(2, 3)), [2, 3]);
    assert.deepEqual(await ids(artist.c.id.notBetween(2, 3)), [1, 4]);
    // LIKE keeps each database's own case rule: SQLite folds ASCII case, the others (on a binary collation) do not.
    const caseFolds = ctx.name === 'sqlite';
    assert.deepEqual(await ids(artist.c.name.like('A%')), caseFolds ? [1, 2, 3, 4] : [1, 2, 3]);
    assert.deepEqual(await ids(artist.c.name.notLike('A%')), caseFolds ? [] : [4]);
    assert.deepEqual(await ids(artist.c.name.like('%/%')), [1]);
    assert.deepEqual(await ids(artist.c.name.ilike('a%')), [1, 2, 3, 4]);
    assert.deepEqual(await ids(artist.c.name.ilike('%SMITH')), [3]);
    assert.deepEqual(await ids(artist.c.name.notIlike('ac%')), [3, 4]);
  });

  it('combines conditions with AND, OR and NOT', async () => {
    assert.deepEqual(await ids(and(artist.c.id.gt(1), artist.c.country.isNotNull())), [2, 3]);
    assert.deepEqual(await ids(or(artist.c.id.eq(1), artist.c.id.eq(4))), [1, 4]);
    assert.deepEqual(await ids(not(or(artist.c.id.eq(1), artist.c.id.eq(4)))), [2, 3]);
    assert.deepEqual(await ids(and(or(artist.c.id.eq(1), artist.c.id.eq(2)), not(artist.c.country.eq('DE')))), [1]);
  });

  it('computes arithmetic and concatenates strings', async () => {
    const row = await ctx.engine.one(
      select(
        artist.c.id.add(10).as('plus'),
        artist.c.id.sub(10).as('minus'),
        artist.c.id.mul(3).as('times'),
        artist.c.id.sub(artist.c.id.sub(5)).mul(2).as('nested'),
        artist.c.id.mod(2).as('rest'),
        artist.c.id.neg().as('negated'),
        artist.c.name.concat('/').concat(artist.c.country).as('label'),
      )
        .from(artist)
        .where(artist.c.id.eq(3)),
    );
    assert.deepEqual(row, { plus: 13, minus: -7, times: 9, nested: 10, rest: 1, negated: -3, label: 'Aerosmith/US' });
    const half = await ctx.engine.scalar(select(cast(artist.c.id, types.double()).div(2).as('half')).from(artist).where(artist.c.id.eq(3)));
    assert.equal(half, 1.5);
  });

  it('evaluates CASE, CAST and COALESCE', async () => {
    const rows = await ctx.engine.all(
      select(
        artist.c.id,
        caseWhen([[artist.c.country.eq('AU'), 'down under'], [artist.c.country.isNull(), 'unknown']], 'elsewhere').as('where'),
        coalesce(artist.c.country, '??').as('country'),
        cast(artist.c.id, types.text()).as('idText'),
      )
        .from(artist)
        .orderBy(artist.c.id),
    );
    assert.deepEqual(rows, [
      { id: 1, where: 'down under', country: 'AU', idText: '1' },
      { id: 2, where: 'elsewhere', country: 'DE', idText: '2' },
      { id: 3, where: 'elsewhere', country: 'US', idText: '3' },
      { id: 4, where: 'unknown', country: '??', idText: '4' },
    ]);
  });

  it('joins: inner and left', async () => {
    const inner = await ctx.engine.all(
      select(artist.c.name, album.c.title).from(artist).join(album, album.c.artistId.eq(artist.c.id)).orderBy(album.c.id),
    );
    assert.equal(inner.length, 4);
    assert.deepEqual(inner[0], { name: 'AC/DC', title: 'Back in Black' });
    const left = await ctx.engine.all(
      select(artist.c.id, album.c.title).from(artist).leftJoin(album, album.c.artistId.eq(artist.c.id)).where(album.c.id.isNull()),
    );
    assert.deepEqual(left, [{ id: 4, title: null }]);
  });

  it('joins: right, and full where the database has it (else UnsupportedError)', async () => {
    const right = await ctx.engine.all(
      select(album.c.title, artist.c.name).from(album).rightJoin(artist, album.c.artistId.eq(artist.c.id)).orderBy(artist.c.id, album.c.id),
    );
    assert.equal(right.length, 5);
    assert.deepEqual(right[4], { title: null, name: 'alice' });
    const full = select(artist.c.id, album.c.id.as('albumId'))
      .from(artist)
      .fullJoin(album, and(album.c.artistId.eq(artist.c.id), album.c.year.gt(1980)))
      .orderBy(artist.c.id.asc().nullsLast(), album.c.id);
    if (!ctx.dialect.capabilities.fullJoin) {
      await assert.rejects(ctx.engine.all(full), (e: unknown) => e instanceof UnsupportedError && /FULL JOIN/.test(e.message));
      return;
    }
    const rows = await ctx.engine.all(full);
    assert.deepEqual(rows, [
      { id: 1, albumId: null },
      { id: 2, albumId: 3 },
      { id: 3, albumId: null },
      { id: 4, albumId: null },
      { id: null, albumId: 1 },
      { id: null, albumId: 2 },
      { id: null, albumId: 4 },
    ]);
  });

  it('self-joins through aliases', async () => {
    const manager = emp.as('manager');
    const rows = await ctx.engine.all(
      select(emp.c.name, manager.c.name.as('managerName'))
        .from(emp)
        .leftJoin(manager, manager.c.id.eq(emp.c.managerId))
        .orderBy(emp.c.id),
    );
    assert.deepEqual(rows, [
      { name: 'Andrew', managerName: null },
      { name: 'Nancy', managerName: 'Andrew' },
      { name: 'Jane', managerName: 'Nancy' },
      { name: 'Steve', managerName: 'Nancy' },
      { name: 'Robert', managerName: 'Steve' },
    ]);
  });

  it('groups and filters groups with HAVING', async () => {
    const rows = await ctx.engine.all(
      select(album.c.artistId, count().as('albums'))
        .from(album)
        .groupBy(album.c.artistId)
        .having(count().ge(1), album.c.artistId.lt(3))
        .orderBy(count().desc(), album.c.artistId),
    );
    assert.deepEqual(rows, [
      { artistId: 1, albums: 2 },
      { artistId: 2, albums: 1 },
    ]);
  });

  it('orders NULLS FIRST and NULLS LAST in both directions', async () => {
    const order = async (o: Ordering) =>
      (await ctx.engine.all(select(album.c.id).from(album).orderBy(o, album.c.id))).map((r) => r.id);
    assert.deepEqual(await order(album.c.year.asc().nullsFirst()), [4, 2, 1, 3]);
    assert.deepEqual(await order(album.c.year.asc().nullsLast()), [2, 1, 3, 4]);
    assert.deepEqual(await order(album.c.year.desc().nullsFirst()), [4, 3, 1, 2]);
    assert.deepEqual(await order(album.c.year.desc().nullsLast()), [3, 1, 2, 4]);
  });

  it('limits and offsets, including an offset alone', async () => {
    const page = async (q: SelectStatement<{ id: number }>) => (await ctx.engine.all(q)).map((r) => r.id);
    const base = select(artist.c.id).from(artist).orderBy(artist.c.id);
    assert.deepEqual(await page(base.limit(2)), [1, 2]);
    assert.deepEqual(await page(base.limit(2).offset(1)), [2, 3]);
    assert.deepEqual(await page(base.offset(3)), [4]);
    assert.deepEqual(await page(base.limit(0)), []);
  });

  it('aggregates: count, count distinct, sum, avg, min, max', async () => {
    const row = await ctx.engine.one(
      select({
        n: count(),
        withYear: count(album.c.year),
        artists: countDistinct(album.c.artistId),
        total: sum(album.c.price),
        years: sum(album.c.year),
        mean: avg(album.c.year),
        first: min(album.c.year),
        last: max(album.c.title),
      }).from(album),
    );
    // MySQL's AVG of integers is a DECIMAL with four more digits of scale.
    assert.ok(Math.abs(row.mean! - 5942 / 3) < 1e-3, `mean ${row.mean}`);
    assert.deepEqual({ ...row, mean: undefined }, { n: 4, withYear: 3, artists: 3, total: '26.48', years: 5942, mean: undefined, first: 1979, last: 'Toys in the Attic' });
    const none = await ctx.engine.one(select({ n: count(), total: sum(album.c.year) }).from(album).where(album.c.id.gt(100)));
    assert.deepEqual(none, { n: 0, total: null });
  });

  it('uses scalar subqueries, EXISTS and NOT EXISTS', async () => {
    const albums = select(count().as('n')).from(album).where(album.c.artistId.eq(artist.c.id)).scalar<number>();
    const rows = await ctx.engine.all(select(artist.c.id, albums.as('albums')).from(artist).orderBy(artist.c.id));
    assert.deepEqual(rows.map((r) => r.albums), [2, 1, 1, 0]);
    const has = select(album.c.id).from(album).where(album.c.artistId.eq(artist.c.id));
    assert.deepEqual(await ids(exists(has)), [1, 2, 3]);
    assert.deepEqual(await ids(notExists(has)), [4]);
    assert.deepEqual(await ids(has.exists()), [1, 2, 3]);
  });

  it('selects from derived tables and joins them', async () => {
    const counts = select(album.c.artistId, count().as('n')).from(album).groupBy(album.c.artistId).as('counts');
    const rows = await ctx.engine.all(
      select(artist.c.name, counts.c.n).from(artist).join(counts, counts.c.artistId.eq(artist.c.id)).where(counts.c.n.gt(1)),
    );
    assert.deepEqual(rows, [{ name: 'AC/DC', n: 2 }]);
    const flat = await ctx.engine.all(select(counts.c.artistId, counts.c.n).from(counts).orderBy(counts.c.artistId));
    assert.deepEqual(flat, [
      { artistId: 1, n: 2 },
      { artistId: 2, n: 1 },
      { artistId: 3, n: 1 },
    ]);
  });

  it('uses CTEs, and a recursive CTE walks a hierarchy', async () => {
    const old = select(album.c.id, album.c.title).from(album).where(album.c.year.lt(1981)).cte('old_albums');
    const rows = await ctx.engine.all(select(old.c.title).with(old).from(old).orderBy(old.c.id));
    assert.deepEqual(rows, [{ title: 'Back in Black' }, { title: 'Highway to Hell' }]);

    const chain = recursiveCte(
      'chain',
      select(emp.c.id, emp.c.managerId, sql<number>`1`.as('depth')).from(emp).where(emp.c.id.eq(5)),
      (self) =>
        select(emp.c.id, emp.c.managerId, self.c.depth.add(1).as('depth')).from(emp).join(self, emp.c.id.eq(self.c.managerId)),
    );
    const up = await ctx.engine.all(select(chain.c.id, chain.c.depth).with(chain).from(chain).orderBy(chain.c.depth));
    assert.deepEqual(up, [
      { id: 5, depth: 1 },
      { id: 4, depth: 2 },
      { id: 2, depth: 3 },
      { id: 1, depth: 4 },
    ]);
  });

  it('combines queries with UNION and UNION ALL', async () => {
    const a = select(artist.c.country.as('code')).from(artist).where(artist.c.id.le(2));
    const b = select(artist.c.country.as('code')).from(artist).where(artist.c.id.in([1, 3]));
    const u = await ctx.engine.all(union(a, b).orderBy(sql`1`));
    assert.deepEqual(u.map((r) => r.code), ['AU', 'DE', 'US']);
    const ua = await ctx.engine.all(unionAll(a, b));
    assert.deepEqual(ua.map((r) => r.code).sort(), ['AU', 'AU', 'DE', 'US']);
    const limited = await ctx.engine.all(unionAll(a.orderBy(artist.c.id).limit(1), b.orderBy(artist.c.id.desc()).limit(1)));
    assert.deepEqual(limited.map((r) => r.code).sort(), ['AU', 'US']);
    const chained = await ctx.engine.all(a.union(b).limit(2).orderBy(sql`1`));
    assert.equal(chained.length, 2);
    // Ordered by a column the branches select: written as the output column, which every database accepts.
    const byColumn = await ctx.engine.all(union(a, b).orderBy(artist.c.country.desc()));
    assert.deepEqual(byColumn.map((r) => r.code), ['US', 'DE', 'AU']);
  });

  it('locks rows FOR UPDATE inside a transaction', async () => {
    const row = await ctx.engine.transaction(async (tx) =>
      tx.one(select(artist.c.id, artist.c.name).from(artist).where(artist.c.id.eq(1)).forUpdate()),
    );
    assert.deepEqual(row, { id: 1, name: 'AC/DC' });
  });

  it('numbers and ranks rows with window functions', async () => {
    const rows = await ctx.engine.all(
      select(
        album.c.id,
        rowNumber().over({ partitionBy: [album.c.artistId], orderBy: [album.c.year] }).as('n'),
        rank().over({ orderBy: [album.c.artistId] }).as('r'),
      )
        .from(album)
        .orderBy(album.c.id),
    );
    assert.deepEqual(rows, [
      { id: 1, n: 2, r: 1 },
      { id: 2, n: 1, r: 1 },
      { id: 3, n: 1, r: 3 },
      { id: 4, n: 1, r: 4 },
    ]);
  });

  it('runs the sql template with bound values and quoted identifiers', async () => {
    const name = "O'Brien; DROP TABLE x --";
    const rows = await ctx.engine.all(
      sql`SELECT ${identifier('id')}, ${name} AS ${identifier('echo')} FROM ${identifier(artist.name)} WHERE ${identifier('id')} IN (${sql.join([1, 2])}) ORDER BY ${identifier('id')}`,
    );
    assert.deepEqual(
      rows.map((r) => [Number(r['id']), r['echo']]),
      [
        [1, name],
        [2, name],
      ],
    );
    const expr = await ctx.engine.all(select(artist.c.id, sql<string>`upper(${artist.c.name})`.as('up')).from(artist).where(sql<boolean>`${artist.c.id} = ${2}`));
    assert.deepEqual(expr, [{ id: 2, up: 'ACCEPT' }]);
  });

  it('binds many ? placeholders in one prepared statement', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => i + 1);
    assert.deepEqual(await ids(artist.c.id.in(many)), [1, 2, 3, 4]);
  });
});
