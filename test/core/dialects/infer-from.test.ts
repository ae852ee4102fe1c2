/**
 * A SELECT without from() reads FROM the tables of the columns it uses, as in
 * SQLAlchemy, so `select(t.c.id).where(t.c.id.eq(1))` runs instead of failing
 * on the server with "no such column". Joined tables are not added twice, and
 * a subquery leaves the tables of its enclosing queries out of its own FROM:
 * it stays correlated. The exact SQL is pinned in test/core/sql/compile.test.ts.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  count,
  deleteFrom,
  exists,
  identity,
  insert,
  integer,
  notExists,
  select,
  sql,
  table,
  text,
  update,
  type Table,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';

const artist = table('bif_artist', { id: identity(), name: text().notNull() });
const album = table('bif_album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').notNull(),
});
const tables: readonly Table[] = [artist, album];

forEachDialect('FROM inferred from the columns used', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    await ctx.engine.execute(insert(artist).values([{ id: 1, name: 'AC/DC' }, { id: 2, name: 'Accept' }, { id: 3, name: 'Abba' }]));
    await ctx.engine.execute(
      insert(album).values([
        { id: 1, title: 'High Voltage', artistId: 1 },
        { id: 2, title: 'Powerage', artistId: 1 },
        { id: 3, title: 'Balls to the Wall', artistId: 2 },
      ]),
    );
  });
  after(async () => ctx.engine.dropAll(tables, { ifExists: true }));

  it('selects and filters one table without from()', async () => {
    assert.deepEqual(await ctx.engine.all(select(artist.c.id, artist.c.name).where(artist.c.id.eq(1))), [{ id: 1, name: 'AC/DC' }]);
    assert.deepEqual(await ctx.engine.all(select(artist.c.name).orderBy(artist.c.name.desc()).limit(1)), [{ name: 'Accept' }]);
  });

  it('takes every table the columns come from, once, and leaves joined tables to their JOIN', async () => {
    const implicit = await ctx.engine.all(select(album.c.title, artist.c.name).where(album.c.artistId.eq(artist.c.id), album.c.id.le(2)).orderBy(album.c.id));
    assert.deepEqual(implicit, [{ title: 'High Voltage', name: 'AC/DC' }, { title: 'Powerage', name: 'AC/DC' }]);
    const joined = await ctx.engine.all(select(artist.c.name, album.c.title).leftJoin(album, album.c.artistId.eq(artist.c.id)).orderBy(artist.c.id, album.c.id));
    assert.deepEqual(joined, [
      { name: 'AC/DC', title: 'High Voltage' },
      { name: 'AC/DC', title: 'Powerage' },
      { name: 'Accept', title: 'Balls to the Wall' },
      { name: 'Abba', title: null },
    ]);
    const other = artist.as('other');
    const pairs = await ctx.engine.all(select(artist.c.id, other.c.id.as('otherId')).where(artist.c.id.lt(other.c.id)).orderBy(artist.c.id, other.c.id));
    assert.deepEqual(pairs, [{ id: 1, otherId: 2 }, { id: 1, otherId: 3 }, { id: 2, otherId: 3 }]);
  });

  it('keeps subqueries correlated with the queries around them', async () => {
    const albumsOf = select(album.c.id).where(album.c.artistId.eq(artist.c.id));
    assert.deepEqual(await ctx.engine.all(select(artist.c.name).where(exists(albumsOf)).orderBy(artist.c.id)), [{ name: 'AC/DC' }, { name: 'Accept' }]);
    assert.deepEqual(await ctx.engine.all(select(artist.c.name).from(artist).where(notExists(albumsOf))), [{ name: 'Abba' }]);
    const albums = select(count().as('n')).where(album.c.artistId.eq(artist.c.id)).scalar<number>();
    assert.deepEqual(await ctx.engine.all(select(artist.c.name, albums.as('albums')).orderBy(artist.c.id)), [
      { name: 'AC/DC', albums: 2 },
      { name: 'Accept', albums: 1 },
      { name: 'Abba', albums: 0 },
    ]);
    assert.deepEqual(await ctx.engine.all(select(album.c.title).where(album.c.artistId.in(select(artist.c.id).where(artist.c.name.eq('Accept'))))), [
      { title: 'Balls to the Wall' },
    ]);
  });

  it('keeps UPDATE and DELETE subqueries correlated with their table', async () => {
    await ctx.engine.execute(insert(artist).values({ id: 4, name: 'Nobody' }));
    await ctx.engine.execute(update(artist).set({ name: 'Nobody (no albums)' }).where(artist.c.id.eq(4), notExists(select(album.c.id).where(album.c.artistId.eq(artist.c.id)))));
    assert.equal((await ctx.engine.one(select(artist.c.name).where(artist.c.id.eq(4)))).name, 'Nobody (no albums)');
    await ctx.engine.execute(deleteFrom(artist).where(artist.c.id.ge(3), notExists(select(album.c.id).where(album.c.artistId.eq(artist.c.id)))));
    assert.deepEqual(await ctx.engine.all(select(artist.c.id).orderBy(artist.c.id)), [{ id: 1 }, { id: 2 }]);
    await ctx.engine.execute(insert(artist).values({ id: 3, name: 'Abba' }));
  });

  it('a select of literals and functions keeps having no FROM', async () => {
    assert.deepEqual(await ctx.engine.all(select({ one: sql<number>`1` })), [{ one: 1 }]);
  });
});
