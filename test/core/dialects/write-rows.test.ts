/**
 * The many-row writes of a flush (`insertRows`, `updateFromRows`) executed on
 * every database: the rows they write, bytes and NULLs included, what they
 * report, and an identity column put back in step after explicit ids.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { blob, count, deleteFrom, identity, insert, insertRows, integer, select, table, text, updateFromRows, type Table } from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';

const item = table('bwr_item', {
  id: identity(),
  name: text(),
  data: blob(),
  version: integer().notNull(),
});
const tables: readonly Table[] = [item];

forEachDialect('many-row writes', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
  });
  after(async () => ctx.engine.dropAll(tables, { ifExists: true }));
  beforeEach(async () => ctx.engine.execute(deleteFrom(item)));

  const rows = async () => (await ctx.engine.all(select(item.c.id, item.c.name, item.c.data, item.c.version).from(item).orderBy(item.c.id))).map((r) => ({ ...r, data: r.data === null ? null : Buffer.from(r.data) }));

  it('inserts rows with explicit ids, then updates each to its own values matching a version', async () => {
    const written = await ctx.engine.execute({
      node: insertRows(item, [item.c.id, item.c.name, item.c.data, item.c.version], [
        [1, 'a', new Uint8Array([0, 255]), 1],
        [2, null, null, 1],
        [3, 'c', null, 5],
      ]),
    });
    assert.equal(written.rowCount, 3);
    // The identity column follows the explicit ids (PostgreSQL's sequence is put back in step).
    await ctx.engine.execute(insert(item).values({ name: 'd', version: 1 }));
    const updated = await ctx.engine.execute({
      node: updateFromRows(
        item,
        [item.c.id, item.c.version],
        [item.c.name, item.c.data],
        [
          [1, 1, null, new Uint8Array([7])],
          [2, 1, 'b', new Uint8Array([])],
          [3, 4, 'stale version: no match', null],
        ],
        [item.c.version],
      ),
    });
    assert.equal(updated.rowCount, 2, 'rows matched');
    assert.deepEqual(await rows(), [
      { id: 1, name: null, data: Buffer.from([7]), version: 2 },
      { id: 2, name: 'b', data: Buffer.from([]), version: 2 },
      { id: 3, name: 'c', data: null, version: 5 },
      { id: 4, name: 'd', data: null, version: 1 },
    ]);
  });

  it('writes more rows than one statement can bind in several statements', async () => {
    const many = Array.from({ length: 40_000 }, (_, i) => [`n${i}`, 1]);
    const parts = ctx.dialect.splitRows(insertRows(item, [item.c.name, item.c.version], many));
    await ctx.engine.execute({ node: insertRows(item, [item.c.name, item.c.version], many) });
    const [{ n }] = await ctx.engine.all(select({ n: count() }).from(item));
    assert.equal(n, 40_000);
    assert.equal(parts.length, { sqlite: 3, postgres: 1, mysql: 2 }[ctx.name]);
  });
});
