/**
 * Chinook loaded through Athanor's DDL and bulk inserts on every database,
 * then queried: row counts, joins with aggregates, a recursive CTE.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, recursiveCte, select, sql, sum } from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { CHINOOK_COUNTS, loadChinook, type Chinook } from '../../fixtures/chinook.js';

forEachDialect('Chinook', (ctx) => {
  let c: Chinook;
  before(async () => {
    c = await loadChinook(ctx.engine, 'bchk_');
  });
  after(async () => ctx.engine.dropAll(c.all, { ifExists: true }));

  it('loads every row of every table', async () => {
    for (const [key, expected] of Object.entries(CHINOOK_COUNTS)) {
      const t = c[key as keyof typeof CHINOOK_COUNTS];
      assert.equal(await ctx.engine.scalar(select({ n: count() }).from(t)), expected, key);
    }
  });

  it('counts albums per artist', async () => {
    const rows = await ctx.engine.all(
      select(c.artist.c.name, count(c.album.c.albumId).as('albums'))
        .from(c.artist)
        .join(c.album, c.album.c.artistId.eq(c.artist.c.artistId))
        .groupBy(c.artist.c.artistId, c.artist.c.name)
        .orderBy(count(c.album.c.albumId).desc(), c.artist.c.name)
        .limit(3),
    );
    assert.deepEqual(rows, [
      { name: 'Iron Maiden', albums: 21 },
      { name: 'Led Zeppelin', albums: 14 },
      { name: 'Deep Purple', albums: 11 },
    ]);
  });

  it('counts tracks and sums prices per genre', async () => {
    const rows = await ctx.engine.all(
      select(c.genre.c.name, count().as('tracks'), sum(c.track.c.unitPrice).as('value'))
        .from(c.track)
        .join(c.genre, c.genre.c.genreId.eq(c.track.c.genreId))
        .groupBy(c.genre.c.genreId, c.genre.c.name)
        .orderBy(count().desc())
        .limit(2),
    );
    assert.deepEqual(rows, [
      { name: 'Rock', tracks: 1297, value: '1284.03' },
      { name: 'Latin', tracks: 579, value: '573.21' },
    ]);
    const total = await ctx.engine.scalar(select({ total: sum(c.invoice.c.total) }).from(c.invoice));
    assert.equal(total, '2328.60');
  });

  it('walks the employee hierarchy with a recursive CTE', async () => {
    const e = c.employee;
    const chain = recursiveCte(
      'chain',
      select(e.c.employeeId, e.c.reportsTo, e.c.lastName, sql<number>`0`.as('depth')).from(e).where(e.c.reportsTo.isNull()),
      (self) =>
        select(e.c.employeeId, e.c.reportsTo, e.c.lastName, self.c.depth.add(1).as('depth')).from(e).join(self, e.c.reportsTo.eq(self.c.employeeId)),
    );
    const rows = await ctx.engine.all(select(chain.c.lastName, chain.c.depth).with(chain).from(chain).orderBy(chain.c.depth, chain.c.lastName));
    assert.deepEqual(rows, [
      { lastName: 'Adams', depth: 0 },
      { lastName: 'Edwards', depth: 1 },
      { lastName: 'Mitchell', depth: 1 },
      { lastName: 'Johnson', depth: 2 },
      { lastName: 'King', depth: 2 },
      { lastName: 'Park', depth: 2 },
      { lastName: 'Peacock', depth: 2 },
      { lastName: 'Callahan', depth: 2 },
    ].sort((a, b) => a.depth - b.depth || a.lastName.localeCompare(b.lastName)));
  });

  it('reads timestamps back as the same instants', async () => {
    const first = await ctx.engine.one(select(c.invoice.c.invoiceDate).from(c.invoice).where(c.invoice.c.invoiceId.eq(1)));
    assert.equal(first.invoiceDate.toISOString(), '2021-01-01T00:00:00.000Z');
  });
});
