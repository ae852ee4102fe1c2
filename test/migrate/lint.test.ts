/**
 * Each lint rule: the finding where the operation is unsafe, and no finding
 * for its safe form (or on a database where it does not apply). Also the
 * expand/contract steps `safe: true` generates, applied on PostgreSQL.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MysqlDialect, PostgresDialect, SqliteDialect, identity, index, insert, integer, select, sql, table, text, types, varchar } from '../../src/core/index.js';
import type { Dialect } from '../../src/core/dialects/dialect.js';
import { Migrator, expandContract, generateMigration, lintMigration, narrows, op, type LintRule, type Operation } from '../../src/migrate/index.js';
import { forEachDialect } from '../support/dialects.js';

const pg: Dialect = new PostgresDialect();
const maria: Dialect = new MysqlDialect();
const lite: Dialect = new SqliteDialect();

const rules = (ops: readonly Operation[], dialect = pg, options: Parameters<typeof lintMigration>[2] = { lockTimeoutMs: 5000 }) =>
  lintMigration(ops, dialect, options).map((f) => f.rule);
const has = (ops: readonly Operation[], rule: LintRule, dialect = pg, options?: Parameters<typeof lintMigration>[2]) =>
  assert.ok(rules(ops, dialect, options).includes(rule), `${rule} expected in ${JSON.stringify(rules(ops, dialect, options))}`);
const lacks = (ops: readonly Operation[], rule: LintRule, dialect = pg, options?: Parameters<typeof lintMigration>[2]) =>
  assert.ok(!rules(ops, dialect, options).includes(rule), `${rule} not expected in ${JSON.stringify(rules(ops, dialect, options))}`);

describe('lintMigration', () => {
  it('drop-table and drop-column: data loss, everywhere', () => {
    for (const d of [pg, maria, lite]) {
      has([op.dropTable('song')], 'drop-table', d);
      has([op.dropColumn('song', 'year')], 'drop-column', d);
      lacks([op.addColumn('song', 'year', integer())], 'drop-column', d);
    }
    const finding = lintMigration([op.dropColumn('song', 'year')], pg)[0]!;
    assert.equal(finding.severity, 'error');
    assert.equal(finding.table, 'song');
    assert.equal(finding.column, 'year');
    assert.ok(finding.safe.length > 0);
  });

  it('narrowing-type, and the widenings that are not', () => {
    has([op.alterColumn('song', 'title', { type: { from: types.varchar(200), to: types.varchar(50) } })], 'narrowing-type');
    has([op.alterColumn('song', 'n', { type: { from: types.bigint(), to: types.integer() } })], 'narrowing-type');
    lacks([op.alterColumn('song', 'title', { type: { from: types.varchar(50), to: types.text() } })], 'narrowing-type');
    lacks([op.alterColumn('song', 'n', { type: { from: types.integer(), to: types.bigint() } })], 'narrowing-type');
    assert.equal(narrows(types.numeric(10, 2), types.numeric(12, 2)), false);
    assert.equal(narrows(types.numeric(10, 2), types.numeric(10, 1)), true);
  });

  it('drop-not-null-default', () => {
    has([op.alterColumn('song', 'plays', { default: { from: 0, to: null }, definition: { after: integer().notNull() } })], 'drop-not-null-default');
    lacks([op.alterColumn('song', 'plays', { default: { from: 0, to: null }, definition: { after: integer() } })], 'drop-not-null-default');
  });

  it('rename: running code still uses the old name', () => {
    has([op.renameColumn('song', 'name', 'title')], 'rename');
    lacks([op.addColumn('song', 'title', text())], 'rename');
  });

  it('type-change-rewrites on PostgreSQL, not for catalog-only changes', () => {
    has([op.alterColumn('song', 'n', { type: { from: types.integer(), to: types.bigint() } })], 'type-change-rewrites');
    lacks([op.alterColumn('song', 'title', { type: { from: types.varchar(50), to: types.varchar(100) } })], 'type-change-rewrites');
    lacks([op.alterColumn('song', 'n', { type: { from: types.integer(), to: types.bigint() } })], 'type-change-rewrites', lite);
  });

  it('constraint-without-not-valid, not for NOT VALID ones, new tables, or where NOT VALID does not exist', () => {
    const fk = (notValid: boolean) => op.addForeignKey('song', 'song_artist_fkey', ['artist_id'], { table: 'artist', columns: ['id'] }, { notValid });
    has([fk(false)], 'constraint-without-not-valid');
    has([op.addCheck('song', 'song_n_check', sql`n > 0`)], 'constraint-without-not-valid');
    lacks([fk(true), op.validateConstraint('song', 'song_artist_fkey')], 'constraint-without-not-valid');
    lacks([op.createTable(table('song', { id: identity() })), fk(false)], 'constraint-without-not-valid');
    lacks([fk(false)], 'constraint-without-not-valid', maria);
  });

  it('set-not-null-without-check, not after a validated check', () => {
    const setNotNull = op.alterColumn('song', 'title', { notNull: { from: false, to: true } });
    has([setNotNull], 'set-not-null-without-check');
    lacks([op.validateConstraint('song', 'song_title_not_null'), setNotNull], 'set-not-null-without-check');
    lacks([setNotNull], 'set-not-null-without-check', lite);
  });

  it('index-without-concurrently and concurrently-in-transaction', () => {
    has([op.createIndex('song', 'song_title_idx', ['title'])], 'index-without-concurrently');
    has([op.dropIndex('song', 'song_title_idx')], 'index-without-concurrently');
    const concurrent = op.createIndex('song', 'song_title_idx', ['title'], { concurrently: true });
    lacks([concurrent], 'index-without-concurrently', pg, { transactional: false });
    has([concurrent], 'concurrently-in-transaction');
    lacks([concurrent], 'concurrently-in-transaction', pg, { transactional: false });
    lacks([op.createIndex('song', 'song_title_idx', ['title'])], 'index-without-concurrently', lite);
  });

  it('unique-without-index, not when built from a concurrent index', () => {
    has([op.addUnique('song', 'song_title_key', ['title'])], 'unique-without-index');
    lacks([op.addUnique('song', 'song_title_key', ['title'], { usingIndex: 'song_title_key_idx' })], 'unique-without-index');
  });

  it('volatile-default, not for constants or now()', () => {
    has([op.addColumn('song', 'token', text().serverDefault(sql`gen_random_uuid()`))], 'volatile-default');
    lacks([op.addColumn('song', 'added', text().serverDefault(sql`now()`))], 'volatile-default');
    lacks([op.addColumn('song', 'plays', integer().serverDefault(0))], 'volatile-default');
  });

  it('missing-lock-timeout on PostgreSQL and MySQL, not with lockTimeoutMs or on SQLite', () => {
    const ops = [op.addColumn('song', 'plays', integer())];
    has(ops, 'missing-lock-timeout', pg, {});
    has(ops, 'missing-lock-timeout', maria, {});
    lacks(ops, 'missing-lock-timeout', pg, { lockTimeoutMs: 2000 });
    lacks(ops, 'missing-lock-timeout', lite, {});
    lacks([op.createTable(table('song', { id: identity() }))], 'missing-lock-timeout', pg, {});
  });

  it('table-copy on MySQL/MariaDB for what cannot be INSTANT or INPLACE', () => {
    has([op.alterColumn('song', 'n', { type: { from: types.integer(), to: types.bigint() }, definition: { after: integer() } })], 'table-copy', maria);
    has([op.addCheck('song', 'song_n_check', sql`n > 0`)], 'table-copy', maria);
    lacks([op.addColumn('song', 'plays', integer())], 'table-copy', maria);
    lacks([op.createIndex('song', 'song_title_idx', ['title'])], 'table-copy', maria);
    lacks([op.addCheck('song', 'song_n_check', sql`n > 0`)], 'table-copy', pg);
  });

  it('allow leaves a rule out', () => {
    lacks([op.dropTable('song')], 'drop-table', pg, { allow: ['drop-table'] });
  });
});

describe('safe: true (expand/contract)', () => {
  it('splits a NOT NULL column and an index into steps that do not block', () => {
    const steps = expandContract(
      [op.addColumn('song', 'year', integer().notNull()), op.createIndex('song', 'song_year_idx', ['year']), op.addUnique('song', 'song_title_key', ['title'])],
      pg,
    );
    assert.deepEqual(steps.map((s) => [s.suffix, s.transactional, s.up.map((o) => o.kind)]), [
      ['_expand', true, ['addColumn', 'addCheck']],
      ['_backfill', false, ['sql']],
      ['_indexes', false, ['createIndex', 'createIndex']],
      ['_contract', true, ['validateConstraint', 'alterColumn', 'dropCheck', 'addUnique']],
    ]);
    for (const step of steps) {
      const found = rules(step.up, pg, { transactional: step.transactional, lockTimeoutMs: 5000 });
      for (const rule of ['index-without-concurrently', 'concurrently-in-transaction', 'set-not-null-without-check', 'unique-without-index', 'constraint-without-not-valid'] as const) {
        assert.ok(!found.includes(rule), `${step.suffix}: ${rule}`);
      }
    }
    // Where nothing is gained by splitting, one step.
    assert.equal(expandContract([op.createIndex('song', 'song_year_idx', ['year'])], maria).length, 1);
  });
});

const songV1 = table('mlt_song', { id: identity(), title: varchar(100) });

forEachDialect('safe migrations applied', (ctx) => {
  it('SET NOT NULL through a validated check, and an index built concurrently', async () => {
    const target = table('mlt_song', { id: identity(), title: varchar(100).notNull() }, (c) => [index('mlt_song_title_idx', c.title)]);
    const h = table('mlt_history', { id: integer() });
    await ctx.engine.dropAll([songV1, h], { ifExists: true });
    try {
      await ctx.engine.createAll([songV1]);
      await ctx.engine.execute(insert(songV1).values([{ title: 'a' }, { title: 'b' }]));
      const { migrations } = await generateMigration({ current: [songV1], target: [target], dialect: ctx.dialect, name: 'title', safe: true, timestamp: 't' });
      const m = new Migrator({ engine: ctx.engine, migrations: migrations.map((g) => g.migration), historyTable: 'mlt_history', lockTimeoutMs: 5000 });
      assert.equal((await m.up()).length, migrations.length);
      if (ctx.name === 'postgres') {
        assert.deepEqual(migrations.map((g) => g.migration.id), ['t_1_title_expand', 't_2_title_indexes', 't_3_title_contract']);
        assert.match(migrations[1]!.sql, /^CREATE INDEX CONCURRENTLY "mlt_song_title_idx"/);
      }
      await assert.rejects(ctx.engine.execute(sql`INSERT INTO mlt_song (title) VALUES (NULL)`));
      assert.equal((await ctx.engine.all(select(songV1.c.id).from(songV1))).length, 2);
      await m.down();
      await ctx.engine.execute(sql`INSERT INTO mlt_song (title) VALUES (NULL)`);
    } finally {
      await ctx.engine.dropAll([songV1, h], { ifExists: true });
    }
  });
});
