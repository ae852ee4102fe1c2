/**
 * SQLite's table rebuild, beyond the SQL: the table's indexes and triggers
 * survive it, rows that would break a foreign key abort it (rolled back, with
 * enforcement back on), and one migration rebuilds a table once for all its
 * changes, column renames included.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteDialect, identity, index, insert, integer, select, sql, table, varchar } from '../../src/core/index.js';
import { createEngine } from '../../src/connect/index.js';
import { Migrator, MigrationFailedError, defineMigration, diffSchemas, migrationSql, op } from '../../src/migrate/index.js';

const parent = table('srb_parent', { id: identity() });
const before = table('srb_item', { id: identity(), name: varchar(20), parentId: integer('parent_id') }, (c) => [index('srb_item_name_idx', c.name)]);
const after = table('srb_item', { id: identity(), label: varchar(20).notNull(), parentId: integer('parent_id').references(() => parent.c.id) }, (c) => [
  index('srb_item_name_idx', c.label),
]);

describe('SQLite table rebuild', () => {
  it('keeps indexes and triggers, follows column renames, rebuilds once', async () => {
    const engine = createEngine('sqlite::memory:');
    try {
      await engine.createAll([parent, before]);
      await engine.execute(sql`CREATE TABLE srb_log (item_id INTEGER)`);
      await engine.execute(sql`CREATE TRIGGER srb_item_log AFTER INSERT ON srb_item BEGIN INSERT INTO srb_log VALUES (NEW.id); END`);
      await engine.execute(insert(parent).values({}));
      await engine.execute(insert(before).values([{ name: 'a', parentId: 1 }, { name: 'b', parentId: 1 }]));
      const { operations } = diffSchemas([parent, before], [parent, after], { renames: { columns: { 'srb_item.name': 'label' } } });
      const migration = defineMigration({ id: '001', up: operations });
      const text = migrationSql(migration, engine.dialect);
      assert.equal(text.match(/CREATE TABLE "athanor_new_srb_item"/g)?.length, 1);
      assert.match(text, /INSERT INTO "athanor_new_srb_item" \("id", "label", "parent_id"\) SELECT "id", "name", "parent_id" FROM "srb_item"/);

      const m = new Migrator({ engine, migrations: [migration] });
      await m.up();
      assert.deepEqual(await engine.all(select(after.c.label).from(after).orderBy(after.c.id)), [{ label: 'a' }, { label: 'b' }]);
      await engine.execute(insert(after).values({ label: 'c', parentId: 1 }));
      assert.deepEqual(await engine.all(sql`SELECT item_id FROM srb_log ORDER BY item_id`), [{ item_id: 1 }, { item_id: 2 }, { item_id: 3 }]);
      assert.deepEqual(await engine.all(sql`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'srb_item_name_idx'`), [{ name: 'srb_item_name_idx' }]);
      await assert.rejects(engine.execute(insert(after).values({ label: 'd', parentId: 99 })), /FOREIGN KEY/);
      assert.deepEqual(await engine.all(sql`PRAGMA foreign_keys`), [{ foreign_keys: 1 }]);

      await m.down();
      assert.deepEqual(await engine.all(select(before.c.name).from(before).orderBy(before.c.id)), [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    } finally {
      await engine.close();
    }
  });

  it('rows that break the new foreign key abort the rebuild, and nothing of it is kept', async () => {
    const engine = createEngine('sqlite::memory:');
    try {
      const child = table('srb_child', { id: identity(), parentId: integer('parent_id') });
      const childFk = table('srb_child', { id: identity(), parentId: integer('parent_id').references(() => parent.c.id) });
      await engine.createAll([parent, child]);
      await engine.execute(insert(child).values({ parentId: 42 }));
      const m = new Migrator({ engine, migrations: [defineMigration({ id: '001', up: diffSchemas([parent, child], [parent, childFk]).operations })] });
      await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationFailedError && /foreign_key_check returned 1 row/.test(e.message));
      assert.deepEqual((await m.status()).map((s) => s.state), ['pending']);
      assert.deepEqual(await engine.all(sql`SELECT name FROM sqlite_master WHERE name LIKE 'athanor_new_%'`), []);
      await engine.execute(insert(child).values({ parentId: 43 }));
      assert.deepEqual(await engine.all(sql`PRAGMA foreign_keys`), [{ foreign_keys: 1 }]);
    } finally {
      await engine.close();
    }
  });

  it('refuses a hand-written change SQLite can only rebuild for, without the tables', () => {
    assert.throws(() => migrationSql(defineMigration({ id: 'x', up: [op.addCheck('t', 'c', sql`a > 0`)] }), new SqliteDialect()), /rebuild: \{ before, after \}/);
  });
});
