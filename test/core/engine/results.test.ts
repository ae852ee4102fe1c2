/**
 * Results: row objects keyed and decoded by the statement's columns, the
 * one/first/scalar contract, counts and generated keys, and the row types
 * statements promise (checked by tsc through the @ts-expect-error lines).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MultipleResultsError, NoResultError } from '../../../src/core/errors.js';
import { SqliteDialect } from '../../../src/core/dialects/sqlite/dialect.js';
import { type AnyRow } from '../../../src/core/engine/index.js';
import { RowShaper, rowBuilding } from '../../../src/core/engine/rows.js';
import { types } from '../../../src/core/schema/types.js';
import { count, deleteFrom, insert, select, sql, update } from '../../../src/core/sql/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { schema } from './fixtures.js';

const s = schema('eng_results');
const { artist } = s;

describe('row building', () => {
  const dialect = new SqliteDialect();
  const columns = [
    { name: 'id', type: types.integer() },
    { name: 'active', type: types.boolean() },
    { name: '__proto__', type: undefined },
    { name: 'a "quoted"\nname', type: undefined },
    { name: '1', type: undefined },
  ];
  const raw = [7, 1, 'proto', 'q', null];

  for (const generated of [true, false]) {
    it(`${generated ? 'generated' : 'interpreted'} builders decode and key by position`, () => {
      const saved = rowBuilding.generated;
      rowBuilding.generated = generated;
      try {
        const shape = new RowShaper(dialect).shape(columns, ['x', 'x', 'x', 'x', 'x']);
        const row = shape.build(raw);
        assert.equal(row['id'], 7);
        assert.equal(row['active'], true, 'boolean decoded from 0/1');
        assert.equal(Object.getPrototypeOf(row), Object.prototype, '__proto__ is a plain key, not a prototype');
        assert.equal(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 'proto');
        assert.equal(row['a "quoted"\nname'], 'q');
        assert.equal(row['1'], null);
        assert.deepEqual(shape.names, columns.map((c) => c.name));
      } finally {
        rowBuilding.generated = saved;
      }
    });
  }

  it('nulls skip decoders', () => {
    const shape = new RowShaper(dialect).shape([{ name: 'b', type: types.boolean() }], ['b']);
    assert.equal(shape.build([null])['b'], null);
  });
});

forEachDialect('results', (ctx) => {
  before(async () => s.reset(ctx.engine));
  after(async () => s.drop(ctx.engine));
  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(artist));
    await ctx.engine.execute(insert(artist).values([{ name: 'Accept', born: '1976-01-01' }, { name: 'Dio', active: false }]));
  });

  it('decodes rows by column type', async () => {
    const rows = await ctx.engine.all(select(artist.c.name, artist.c.active, artist.c.born).from(artist).orderBy(artist.c.name));
    assert.deepEqual(rows, [
      { name: 'Accept', active: true, born: '1976-01-01' },
      { name: 'Dio', active: false, born: null },
    ]);
  });

  it('one, first and scalar', async () => {
    const byName = (name: string) => select(artist.c.name).from(artist).where(artist.c.name.eq(name));
    assert.deepEqual(await ctx.engine.one(byName('Dio')), { name: 'Dio' });
    await assert.rejects(ctx.engine.one(byName('nobody')), NoResultError);
    await assert.rejects(ctx.engine.one(select(artist.c.name).from(artist)), (error: unknown) => {
      assert.ok(error instanceof MultipleResultsError);
      assert.match(error.message, /got 2/);
      return true;
    });
    assert.equal(await ctx.engine.first(byName('nobody')), undefined);
    assert.equal(await ctx.engine.scalar(select({ n: count() }).from(artist)), 2);
    assert.equal(await ctx.engine.scalar(byName('nobody')), undefined);
  });

  it('counts affected rows, and reports generated keys where the database does', async () => {
    const updated = await ctx.engine.execute(update(artist).set({ active: true }).where(artist.c.active.eq(true)));
    assert.equal(updated.rowCount, 1, 'rows matched, even when unchanged (MySQL: CLIENT_FOUND_ROWS)');
    assert.deepEqual(updated.rows, []);
    const inserted = await ctx.engine.execute(insert(artist).values({ name: 'Saxon' }));
    assert.equal(inserted.rowCount, 1);
    if (ctx.name === 'postgres') assert.equal(inserted.lastInsertId, undefined);
    else assert.ok(Number(inserted.lastInsertId) > 0, `lastInsertId ${inserted.lastInsertId}`);
  });

  it('raw SQL rows are keyed by the names the database reports, in order', async () => {
    const result = await ctx.engine.execute(sql`SELECT 1 AS ${sql`z`}, 2 AS ${sql`a`}`);
    assert.deepEqual(result.columns, ['z', 'a']);
    assert.equal(Number(result.scalar()), 1, 'scalar is the first column, not the first key');
  });

  it('infers row types from the statement', async () => {
    const rows = await ctx.engine.all(select(artist.c.id, artist.c.name).from(artist));
    const check: { id: number; name: string }[] = rows;
    assert.equal(check.length, 2);
    // @ts-expect-error: not a selected column
    void rows[0]?.active;

    const raw = await ctx.engine.all(sql`SELECT 1 AS one`);
    const anyRow: AnyRow[] = raw;
    assert.equal(anyRow.length, 1);

    const withoutReturning = await ctx.engine.execute(deleteFrom(artist).where(artist.c.name.eq('none')));
    const untyped: AnyRow[] = withoutReturning.rows;
    assert.deepEqual(untyped, []);
  });
});
