/**
 * PostgreSQL named prepared statements: a text a connection runs a second time is prepared on the server, up to
 * `preparedStatements` texts per connection (least recently used deallocated); none behind a transaction pooler;
 * a statement whose cached plan the server refuses (a column type changed, DISCARD ALL) is prepared again.
 * What the server holds is read from `pg_prepared_statements` on the same connection (inside one transaction).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../src/connect/index.js';
import { InvalidArgumentError, integer, select, sql, table, text, type Engine, type EngineOptions, type Transaction } from '../../../src/index.js';
import { forEachDialect } from '../../support/dialects.js';

const item = table('pgprep_item', { id: integer().primaryKey(), name: text().notNull(), size: integer() });

/** The statements this connection holds prepared (its own, named by the driver). */
async function preparedOn(tx: Transaction): Promise<string[]> {
  const rows = await tx.all(sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'athanor\\_%' AND statement NOT LIKE '%pg_prepared_statements%' ORDER BY prepare_time`);
  return rows.map((r) => (r as { statement: string }).statement);
}

const byId = select(item.c.id, item.c.name, item.c.size).from(item);

forEachDialect(
  'PostgreSQL prepared statements',
  (ctx) => {
    const engines: Engine[] = [];
    const engineWith = (options: Omit<EngineOptions, 'url' | 'driver'>): Engine => {
      const engine = createEngine(ctx.url, options);
      engines.push(engine);
      return engine;
    };

    before(async () => {
      await ctx.engine.dropAll([item], { ifExists: true });
      await ctx.engine.createAll([item]);
      await ctx.engine.execute(sql`INSERT INTO pgprep_item (id, name, size) VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)`);
    });
    after(async () => {
      for (const e of engines) await e.close();
    });

    it('prepares a text the second time a connection runs it, and runs it named from then on', async () => {
      await ctx.engine.transaction(async (tx) => {
        const lookup = byId.where(item.c.id.eq(2));
        await tx.all(lookup);
        assert.deepEqual(await preparedOn(tx), [], 'a text seen once stays unnamed');
        await tx.all(lookup);
        const held = await preparedOn(tx);
        assert.equal(held.length, 1);
        assert.match(held[0]!, /FROM "pgprep_item" WHERE "pgprep_item"."id" = \$1/);
        // Different values, the same text: the same statement.
        assert.equal((await tx.one(byId.where(item.c.id.eq(3)))).name, 'three');
        assert.equal((await preparedOn(tx)).length, 1);
      });
    });

    it('keeps at most preparedStatements texts per connection, the least recently used deallocated', async () => {
      const engine = engineWith({ preparedStatements: 2 });
      await engine.transaction(async (tx) => {
        const shapes = [byId.where(item.c.id.eq(1)), byId.where(item.c.name.eq('one')), byId.where(item.c.size.eq(1))];
        for (const shape of shapes) {
          await tx.all(shape);
          await tx.all(shape);
        }
        const held = await preparedOn(tx);
        assert.equal(held.length, 2);
        assert.ok(held.every((s) => !s.includes('"id" = $1')), 'the oldest text went first');
      });
    });

    it('prepares nothing with preparedStatements: 0, or behind pooler: transaction', async () => {
      for (const engine of [engineWith({ preparedStatements: 0 }), engineWith({ pooler: 'transaction' })]) {
        await engine.transaction(async (tx) => {
          for (let i = 0; i < 3; i++) await tx.all(byId.where(item.c.id.eq(1)));
          assert.deepEqual(await preparedOn(tx), []);
        });
      }
      assert.throws(() => createEngine(ctx.url, { pooler: 'transaction', preparedStatements: 10 }), InvalidArgumentError);
      assert.throws(() => createEngine(ctx.url, { preparedStatements: -1 }), InvalidArgumentError);
      assert.throws(() => createEngine(ctx.url, { preparedStatements: 1.5 }), InvalidArgumentError);
    });

    it('prepares again when the server has dropped the statement (DISCARD ALL)', async () => {
      const engine = engineWith({ poolSize: 1 });
      const lookup = byId.where(item.c.id.eq(1));
      await engine.all(lookup);
      await engine.all(lookup);
      await engine.execute(sql`DISCARD ALL`);
      assert.equal((await engine.one(lookup)).name, 'one');
      await engine.transaction(async (tx) => {
        // Forgotten when it failed: seen once more, then prepared again.
        await tx.all(lookup);
        await tx.all(lookup);
        assert.equal((await preparedOn(tx)).length, 1, 'named again');
      });
    });

    it('prepares again when a column type changed under a prepared statement, outside a transaction; inside one the error is raised', async () => {
      const engine = engineWith({ poolSize: 1 });
      const changing = table('pgprep_changing', { id: integer().primaryKey(), v: integer() });
      await engine.dropAll([changing], { ifExists: true });
      await engine.createAll([changing]);
      await engine.execute(sql`INSERT INTO pgprep_changing (id, v) VALUES (1, 10)`);
      const read = select(changing.c.id, changing.c.v).from(changing).where(changing.c.id.eq(1));
      await engine.all(read);
      await engine.all(read);
      await engine.execute(sql`ALTER TABLE pgprep_changing ALTER COLUMN v TYPE text`);
      // Outside a transaction: the same call succeeds, with the column's new type.
      assert.equal(String((await engine.one(read)).v), '10');
      // Named again (seen once more, then prepared), then the type changes back.
      await engine.all(read);
      await engine.all(read);
      await engine.execute(sql`ALTER TABLE pgprep_changing ALTER COLUMN v TYPE integer USING v::integer`);
      await assert.rejects(
        engine.transaction(async (tx) => {
          await tx.all(read);
        }),
        /cached plan must not change result type/,
      );
      // The next transaction prepares it again.
      await engine.transaction(async (tx) => {
        assert.equal(String((await tx.one(read)).v), '10');
      });
      await engine.dropAll([changing]);
    });
  },
  { only: ['postgres'] },
);
