/**
 * The runner on every database: history and status, up/down to a target, an
 * applied migration edited afterwards, a failing migration (rolled back where
 * DDL is transactional, recorded as partial where it is not, or where the
 * migration runs outside a transaction), and two concurrent runs, one of
 * which waits for the other's lock.
 */
import { beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identity, insert, integer, select, sql, table, text, varchar, type Engine } from '../../src/core/index.js';
import { createEngine } from '../../src/connect/index.js';
import {
  Migrator,
  MigrationChecksumError,
  MigrationError,
  MigrationFailedError,
  MigrationPartialError,
  defineMigration,
  op,
} from '../../src/migrate/index.js';
import { forEachDialect } from '../support/dialects.js';

const HISTORY = 'mrn_history';
const one = table('mrn_one', { id: identity(), name: text().notNull() });
const two = table('mrn_two', { id: identity() });
const m1 = defineMigration({ id: '001_one', up: [op.createTable(one)] });
const m2 = defineMigration({ id: '002_two', up: [op.createTable(two), op.addColumn('mrn_one', 'extra', integer())] });
const history = table(HISTORY, { id: varchar(255).primaryKey(), state: varchar(10).notNull(), statementsRun: integer('statements_run').notNull() });

const reset = (engine: Engine) => engine.dropAll([two, one, table('mrn_three', { id: integer() }), history], { ifExists: true });

forEachDialect('Migrator', (ctx) => {
  beforeEach(() => reset(ctx.engine));
  const migrator = (...migrations: ReturnType<typeof defineMigration>[]) => new Migrator({ engine: ctx.engine, migrations, historyTable: HISTORY });

  it('keeps a history: status, up to a target, down to a target', async () => {
    const m = migrator(m2, m1);
    assert.deepEqual((await m.status()).map((s) => [s.id, s.state]), [['001_one', 'pending'], ['002_two', 'pending']]);
    assert.deepEqual(await m.up('001_one'), ['001_one']);
    const status = await m.status();
    assert.deepEqual(status.map((s) => [s.id, s.state]), [['001_one', 'applied'], ['002_two', 'pending']]);
    assert.ok(status[0]!.appliedAt instanceof Date);
    assert.deepEqual(await m.up(), ['002_two']);
    assert.deepEqual(await m.up(), []);
    await ctx.engine.execute(insert(one).values({ name: 'kept' }));
    assert.deepEqual(await m.down('001_one'), ['002_two']);
    assert.deepEqual(await ctx.engine.all(select(one.c.name).from(one)), [{ name: 'kept' }]);
    assert.deepEqual((await ctx.engine.all(select(history.c.id, history.c.state).from(history))), [{ id: '001_one', state: 'applied' }]);
    assert.deepEqual(await m.down(), ['001_one']);
    await assert.rejects(ctx.engine.all(select(one.c.name).from(one)));
  });

  it('refuses to run when an applied migration was edited, naming it', async () => {
    await migrator(m1).up();
    const edited = defineMigration({ id: '001_one', up: [op.createTable(table('mrn_one', { id: identity(), name: text() }))] });
    const m = migrator(edited, m2);
    await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationChecksumError && e.code === 'ATH_MIGRATION_CHECKSUM' && e.ids.includes('001_one') && /"001_one"/.test(e.message));
    assert.deepEqual((await m.status()).map((s) => [s.id, s.edited]), [['001_one', true], ['002_two', false]]);
    await assert.rejects(ctx.engine.all(select(two.c.id).from(two)));
  });

  it('a failing migration: rolled back whole where DDL is transactional, recorded as partial where it is not', async () => {
    const failing = defineMigration({ id: '003_fails', up: [op.createTable(table('mrn_three', { id: identity() })), op.sql('SELECT * FROM mrn_no_such_table')], down: [] });
    const m = migrator(m1, failing);
    if (ctx.dialect.capabilities.transactionalDdl) {
      await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationFailedError && e.id === '003_fails' && e.statement === 'SELECT * FROM mrn_no_such_table');
      assert.deepEqual((await m.status()).map((s) => [s.id, s.state]), [['001_one', 'applied'], ['003_fails', 'pending']]);
      await assert.rejects(ctx.engine.all(sql`SELECT * FROM mrn_three`));
    } else {
      // MariaDB: CREATE TABLE committed before the second statement failed.
      await assert.rejects(m.up(), (e: unknown) => {
        assert.ok(e instanceof MigrationPartialError);
        assert.equal(e.id, '003_fails');
        assert.equal(e.ran.length, 1);
        assert.match(e.ran[0]!, /^CREATE TABLE `mrn_three`/);
        assert.equal(e.failed, 'SELECT * FROM mrn_no_such_table');
        return true;
      });
      assert.deepEqual(await ctx.engine.all(select(history.c.id, history.c.state, history.c.statementsRun).from(history).orderBy(history.c.id)), [
        { id: '001_one', state: 'applied', statementsRun: 1 },
        { id: '003_fails', state: 'partial', statementsRun: 1 },
      ]);
      await ctx.engine.all(sql`SELECT * FROM mrn_three`);
      // Nothing runs until the partial one is resolved by hand.
      await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationPartialError && /resolve\("003_fails"/.test(e.message));
      await ctx.engine.execute(sql`DROP TABLE mrn_three`);
      await m.resolve('003_fails', 'pending');
      assert.deepEqual((await m.status()).map((s) => s.state), ['applied', 'pending']);
    }
  });

  it('a migration marked transactional: false runs statement by statement, and a failure is recorded as partial', async () => {
    const stepwise = defineMigration({
      id: '003_stepwise',
      transactional: false,
      up: [op.createTable(table('mrn_three', { id: identity() })), op.sql('SELECT * FROM mrn_no_such_table')],
      down: [op.dropTable('mrn_three')],
    });
    const m = migrator(stepwise);
    await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationPartialError && e.ran.length === 1 && e.failed === 'SELECT * FROM mrn_no_such_table');
    assert.deepEqual((await m.status()).map((s) => [s.id, s.state]), [['003_stepwise', 'partial']]);
    await ctx.engine.all(sql`SELECT * FROM mrn_three`);
    await m.resolve('003_stepwise', 'applied');
    assert.deepEqual(await m.down(), ['003_stepwise']);
    await assert.rejects(ctx.engine.all(sql`SELECT * FROM mrn_three`));
  });

  if (ctx.name === 'postgres') {
    it('refuses CONCURRENTLY in a transactional migration before sending anything', async () => {
      const m = migrator(m1, defineMigration({ id: '002_ix', up: [op.createIndex('mrn_one', 'mrn_one_name_idx', ['name'], { concurrently: true })] }));
      await assert.rejects(m.up(), (e: unknown) => e instanceof MigrationError && /transactional: false/.test((e as Error).message));
      assert.deepEqual((await m.status()).map((s) => s.state), ['applied', 'pending']);
    });
  }

  it('two runs at once: one waits for the other, then finds the work done', async () => {
    let dir: string | undefined;
    let url = ctx.url;
    if (ctx.name === 'sqlite') {
      // Two engines need one database file to meet on.
      dir = await mkdtemp(join(tmpdir(), 'athanor-mrn-'));
      url = `sqlite:${join(dir, 'lock.db')}`;
    }
    const a = createEngine(url);
    const b = createEngine(url);
    try {
      // Slow enough that the second run starts while the first holds the lock.
      const slow = ctx.name === 'postgres' ? 'SELECT pg_sleep(0.3)' : ctx.name === 'mysql' ? 'SELECT SLEEP(0.3)' : 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT count(*) FROM n';
      const migration = defineMigration({ id: '001_one', up: [op.createTable(one), op.sql(slow)], down: [op.dropTable('mrn_one')] });
      const runs = await Promise.all([a, b].map((engine) => new Migrator({ engine, migrations: [migration], historyTable: HISTORY }).up()));
      assert.deepEqual(runs.map((r) => r.length).sort(), [0, 1]);
      assert.deepEqual(await new Migrator({ engine: a, migrations: [migration], historyTable: HISTORY }).down(), ['001_one']);
    } finally {
      await a.close();
      await b.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
});
