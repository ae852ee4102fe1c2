/**
 * Backfills in batches: `op.backfill` fills a column where it is NULL, by
 * keyset on the primary key, `batchSize` rows per UPDATE, each batch
 * committed on its own outside a transaction, with progress after each; rows
 * that already have a value are left alone. The statements are pinned (one
 * bound SELECT per batch and one to find none left, one UPDATE per batch), the
 * rows checked, and NOT NULL then holds. On PostgreSQL through the form
 * `safe: true` generates (expand, backfill, contract with VALIDATE); on SQLite
 * and MariaDB, which `safe: true` does not split, through a column added
 * nullable, the backfill, then SET NOT NULL.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostgresDialect, identity, insert, sql, table, varchar } from '../../src/core/index.js';
import { Migrator, generateMigration, migrationSql, op, type BackfillProgress, type Migration } from '../../src/migrate/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';

const ROWS = 2345;
const ALREADY_SET = 100;
const BATCH = 500;
/** Rows the backfill fills: those without a plan. */
const FILLED = ROWS - ALREADY_SET;
const BATCHES = Math.ceil(FILLED / BATCH);

const v1 = table('mbf_account', { id: identity(), email: varchar(100).notNull() });
const v2 = table('mbf_account', { id: identity(), email: varchar(100).notNull(), plan: varchar(20) });
const v3 = table('mbf_account', { id: identity(), email: varchar(100).notNull(), plan: varchar(20).notNull() });
const history = table('mbf_history', { id: varchar(10) });

describe('op.backfill', () => {
  it('compiles to a keyset batch: the bound, then the UPDATE up to it', () => {
    const text = migrationSql({ id: 'b', transactional: false, up: [op.backfill('account', 'plan', 'free', { key: 'id', batchSize: 500 })] }, new PostgresDialect());
    assert.equal(
      text,
      '-- in batches of 500 rows, each committed on its own outside a transaction, until none is left:\n' +
        'SELECT MAX("id") FROM (SELECT "id" FROM "account" WHERE "plan" IS NULL AND "id" > ? ORDER BY "id" LIMIT 500) AS batch; -- the last key of the next batch\n' +
        `UPDATE "account" SET "plan" = 'free' WHERE "plan" IS NULL AND "id" > ? AND "id" <= ?;`,
    );
    assert.throws(() => op.backfill('account', 'plan', 'free', { key: 'id', batchSize: 0 }), /batchSize must be a whole number of rows, 1 or more \(got 0\)/);
  });
});

forEachDialect('backfill in batches', (ctx) => {
  it(`fills ${FILLED} of ${ROWS} rows in ${BATCHES} batches of ${BATCH}, each its own transaction, with progress; NOT NULL holds after`, async () => {
    await ctx.engine.dropAll([v1, history], { ifExists: true });
    try {
      await ctx.engine.createAll([v1]);
      const emails = Array.from({ length: ROWS }, (_, i) => ({ email: `user${i + 1}@example.com` }));
      for (let i = 0; i < ROWS; i += 500) await ctx.engine.execute(insert(v1).values(emails.slice(i, i + 500)));

      let steps: Migration[];
      if (ctx.name === 'postgres') {
        const { migrations } = await generateMigration({ current: [v1], target: [v3], dialect: ctx.dialect, name: 'plan', safe: true, timestamp: 't' });
        assert.deepEqual(migrations.map((g) => g.migration.id), ['t_1_plan_expand', 't_2_plan_backfill', 't_3_plan_contract']);
        const generated = migrations[1]!;
        assert.match(generated.source, /^ {2}op\.backfill\('mbf_account', 'plan', sql`NULL \/\* TODO: the value for existing rows \*\/`, \{ key: 'id', batchSize: 1000 \}\),$/m);
        assert.equal(generated.migration.transactional, false);
        assert.match(migrations[2]!.sql, /VALIDATE CONSTRAINT/);
        // The value filled in, as the person reviewing the file does; a smaller batch to see several.
        steps = [migrations[0]!.migration, { ...generated.migration, up: [op.backfill('mbf_account', 'plan', 'free', { key: 'id', batchSize: BATCH })] }, migrations[2]!.migration];
      } else {
        const add = await generateMigration({ current: [v1], target: [v2], dialect: ctx.dialect, name: 'plan', timestamp: 't_1' });
        const notNull = await generateMigration({ current: [v2], target: [v3], dialect: ctx.dialect, name: 'plan_not_null', timestamp: 't_3' });
        steps = [
          add.migrations[0]!.migration,
          { id: 't_2_plan_backfill', transactional: false, up: [op.backfill('mbf_account', 'plan', 'free', { key: 'id', batchSize: BATCH })] },
          notNull.migrations[0]!.migration,
        ];
      }
      const progress: BackfillProgress[] = [];
      const migrator = new Migrator({ engine: ctx.engine, migrations: steps, historyTable: 'mbf_history', onProgress: (p) => progress.push(p) });
      assert.deepEqual(await migrator.up(steps[0]!.id), [steps[0]!.id]);
      await ctx.engine.execute(sql`UPDATE mbf_account SET plan = 'pro' WHERE id <= ${ALREADY_SET}`);

      const log = new StatementLog(ctx.engine).start();
      assert.deepEqual(await migrator.up(steps[1]!.id), [steps[1]!.id]);
      log.end();
      const shape = log.all.flatMap((s) => {
        if (/mbf_account/.test(s.sql)) return [s.sql.split(' ')[0]!];
        if (/^(BEGIN|START TRANSACTION)/i.test(s.sql)) return ['BEGIN'];
        return /^COMMIT/i.test(s.sql) ? ['COMMIT'] : [];
      });
      const batch = ['SELECT', 'BEGIN', 'UPDATE', 'COMMIT'];
      assert.deepEqual(shape, [...Array.from({ length: BATCHES }, () => batch).flat(), 'SELECT'], 'per batch: its bound, then its UPDATE in a transaction of its own; last, the bound that finds none left');
      const updates = log.all.filter((s) => s.sql.startsWith('UPDATE'));
      assert.deepEqual(updates.map((u) => u.rowCount), [...Array.from({ length: BATCHES - 1 }, () => BATCH), FILLED - BATCH * (BATCHES - 1)]);
      assert.deepEqual(
        progress.map((p) => [p.migration, p.table, p.column, p.batches, p.rows]),
        Array.from({ length: BATCHES }, (_, i) => [steps[1]!.id, 'mbf_account', 'plan', i + 1, Math.min(FILLED, (i + 1) * BATCH)]),
      );

      const plans = await ctx.engine.all(sql<{ plan: string | null; n: number }>`SELECT plan, COUNT(*) AS n FROM mbf_account GROUP BY plan ORDER BY plan`);
      assert.deepEqual(plans.map((r) => [r.plan, Number(r.n)]), [['free', FILLED], ['pro', ALREADY_SET]]);

      assert.deepEqual(await migrator.up(), [steps[2]!.id]);
      await assert.rejects(ctx.engine.execute(sql`INSERT INTO mbf_account (email, plan) VALUES ('late@example.com', NULL)`));
      assert.equal(Number(await ctx.engine.scalar(sql`SELECT COUNT(*) FROM mbf_account`)), ROWS);

      // Down: the backfill has nothing to undo; the column goes with the first step's inverse.
      assert.deepEqual(await migrator.down(), [steps[2]!.id, steps[1]!.id, steps[0]!.id]);
      assert.equal(Number(await ctx.engine.scalar(sql`SELECT COUNT(*) FROM mbf_account`)), ROWS);
    } finally {
      await ctx.engine.dropAll([v1, history], { ifExists: true });
    }
  });
});
