/**
 * Rows inserted with explicit values in an identity column leave
 * PostgreSQL's sequence behind (MySQL's AUTO_INCREMENT and SQLite's rowid
 * follow the largest key on their own). Core inserts and copyFrom that give
 * identity values put the sequence back in step themselves;
 * `syncIdentity(table)` does it after anything else (raw SQL, other tools);
 * and the duplicate key an insert without the key then meets says which
 * sequence is behind and how to fix it.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError } from '../../../src/core/errors.js';
import { deleteFrom, identifier, insert, select, sql } from '../../../src/core/sql/index.js';
import { identity, integer, text } from '../../../src/core/schema/column.js';
import { table } from '../../../src/core/schema/table.js';
import { forEachDialect } from '../../support/dialects.js';

const item = table('eng_ident_item', { id: identity(), name: text().notNull() });
const plain = table('eng_ident_plain', { code: integer().primaryKey(), name: text().notNull() });

forEachDialect('identity columns after explicit values', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([item, plain], { ifExists: true });
    await ctx.engine.createAll([item, plain]);
  });
  after(async () => {
    await ctx.engine.dropAll([item, plain], { ifExists: true });
  });
  beforeEach(async () => {
    // Recreated, not emptied: every test starts with a fresh sequence.
    await ctx.engine.dropAll([item], { ifExists: true });
    await ctx.engine.createAll([item]);
  });

  const q = identifier(item.name);

  /** Rows with ids 1..3 written behind the engine's back (raw SQL, another tool). */
  async function rawRows(): Promise<void> {
    await ctx.engine.execute(sql`INSERT INTO ${q} (${identifier('id')}, ${identifier('name')}) VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
  }

  async function insertWithoutId(name: string): Promise<number> {
    await ctx.engine.execute(insert(item).values({ name }));
    return Number(await ctx.engine.scalar(select(item.c.id).from(item).where(item.c.name.eq(name))));
  }

  /** The statements `run` sends. */
  async function statements(run: () => Promise<unknown>): Promise<string[]> {
    const sent: string[] = [];
    const stop = ctx.engine.events.on('beforeExecute', (e) => sent.push(e.sql));
    try {
      await run();
    } finally {
      stop();
    }
    return sent;
  }

  it('a Core insert with explicit ids keeps the generator in step', async () => {
    await ctx.engine.execute(insert(item).values([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 5, name: 'e' }]));
    assert.equal(await insertWithoutId('next'), 6);
  });

  it('copyFrom with ids keeps the generator in step', async () => {
    await ctx.engine.copyFrom(item, [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 7, name: 'g' }]);
    assert.equal(await insertWithoutId('next'), 8);
  });

  it('only an insert that gives identity values pays for the sync (one statement, on PostgreSQL only)', async () => {
    const without = await statements(() => ctx.engine.execute(insert(item).values({ name: 'x' })));
    assert.equal(without.length, 1);
    const withIds = await statements(() => ctx.engine.execute(insert(item).values({ id: 10, name: 'y' })));
    if (ctx.name === 'postgres') {
      assert.equal(withIds.length, 2);
      assert.match(withIds[1]!, /^SELECT .*setval\(.*pg_get_serial_sequence\(\$1, \$2\)/);
    } else {
      assert.equal(withIds.length, 1, 'AUTO_INCREMENT and rowids follow explicit values by themselves');
    }
    assert.equal(await insertWithoutId('z'), 11);
  });

  it('syncIdentity(table) puts the generator back in step after raw SQL (a no-op where it follows by itself)', async () => {
    await rawRows();
    const sent = await statements(() => ctx.engine.syncIdentity(item));
    assert.equal(sent.length, ctx.name === 'postgres' ? 1 : 0);
    assert.equal(await insertWithoutId('d'), 4);
  });

  it('syncIdentity works inside a transaction and on a table without an identity column', async () => {
    await rawRows();
    await ctx.engine.transaction(async (tx) => {
      await tx.syncIdentity(item);
      await tx.execute(insert(item).values({ name: 'd' }));
    });
    assert.equal(Number(await ctx.engine.scalar(select(item.c.id).from(item).where(item.c.name.eq('d')))), 4);
    assert.deepEqual(await statements(() => ctx.engine.syncIdentity(plain)), []);
  });

  if (ctx.name === 'postgres') {
    it('PostgreSQL: the duplicate key of an insert without the key names the sequence and the fix', async () => {
      await rawRows();
      await assert.rejects(ctx.engine.execute(insert(item).values({ name: 'd' })), (error: unknown) => {
        assert.ok(error instanceof IntegrityError, String(error));
        assert.equal(error.kind, 'unique');
        assert.match(error.message, /"eng_ident_item"\."id" was not given, so it took its value from its default/);
        assert.match(error.message, /eng_ident_item_id_seq/);
        assert.match(error.message, /syncIdentity\(eng_ident_item\)/);
        assert.match(error.message, /pg_get_serial_sequence/);
        return true;
      });
      // Raw SQL without the key gets the same hint.
      await assert.rejects(ctx.engine.execute(sql`INSERT INTO ${q} (${identifier('name')}) VALUES ('d')`), /syncIdentity/);
      await ctx.engine.syncIdentity(item);
      assert.equal(await insertWithoutId('d'), 4);
    });

    it('PostgreSQL: a duplicate key the insert gave itself gets no such hint', async () => {
      await rawRows();
      await assert.rejects(ctx.engine.execute(insert(item).values({ id: 2, name: 'again' })), (error: unknown) => {
        assert.ok(error instanceof IntegrityError);
        assert.doesNotMatch(error.message, /syncIdentity/);
        return true;
      });
    });

    it('PostgreSQL: syncIdentity never moves a sequence back', async () => {
      for (let i = 0; i < 5; i++) await insertWithoutId(`n${i}`);
      await ctx.engine.execute(deleteFrom(item));
      await ctx.engine.syncIdentity(item);
      assert.equal(await insertWithoutId('after'), 6);
    });
  }
});
