/**
 * An engine over a pool, client or database the application made itself
 * (custom TLS, rotating passwords, a pg-compatible pool), through the
 * driver factories of the `athanor/drivers/*` entry points: the engine runs
 * on it, and closing the engine leaves it open.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { createEngine } from '../../src/connect/index.js';
import type { Engine } from '../../src/core/engine/engine.js';
import { identity, text } from '../../src/core/schema/column.js';
import { table } from '../../src/core/schema/table.js';
import { insert, select } from '../../src/core/sql/index.js';
import { createSqliteDriver } from '../../src/drivers/better-sqlite3/index.js';
import { createMysqlDriver } from '../../src/drivers/mysql2/index.js';
import { createPgDriver } from '../../src/drivers/pg/index.js';
import { forEachDialect } from '../support/dialects.js';

const ownItem = table('cn_own_item', { id: identity(), name: text().notNull() });

/** A table, an insert and a select on `engine`; the rows it read. */
async function roundTrip(engine: Engine): Promise<unknown[]> {
  await engine.dropAll([ownItem], { ifExists: true });
  await engine.createAll([ownItem]);
  await engine.execute(insert(ownItem).values([{ name: 'flask' }, { name: 'retort' }]));
  const rows = await engine.all(select(ownItem.c.name).from(ownItem).orderBy(ownItem.c.id));
  await engine.dropAll([ownItem]);
  return rows;
}

const expected = [{ name: 'flask' }, { name: 'retort' }];

forEachDialect(
  'engines over pools the application made',
  (ctx) => {
    if (ctx.name === 'sqlite') {
      it('a better-sqlite3 Database: the engine writes to it and leaves it open', async () => {
        const database = new Database(':memory:');
        const engine = createEngine({ driver: createSqliteDriver({ database }), dialect: 'sqlite' });
        await engine.createAll([ownItem]);
        await engine.execute(insert(ownItem).values({ name: 'crucible' }));
        await engine.close();
        assert.deepEqual(database.prepare('SELECT name FROM cn_own_item').all(), [{ name: 'crucible' }]);
        assert.equal(database.open, true);
        database.close();
      });
    }

    if (ctx.name === 'postgres') {
      it('a pg.Pool', async () => {
        const pool = new pg.Pool({ connectionString: ctx.url, max: 2 });
        const engine = createEngine({ driver: createPgDriver({ pool }), dialect: 'postgres' });
        assert.deepEqual(await roundTrip(engine), expected);
        await engine.close();
        assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool is still open');
        await pool.end();
      });

      it('a pool-like object with the pg.Pool interface (connect, release)', async () => {
        const real = new pg.Pool({ connectionString: ctx.url, max: 1 });
        let checkouts = 0;
        const compatible = {
          options: { max: 1 },
          connect: async () => {
            checkouts++;
            return real.connect();
          },
        } as unknown as pg.Pool;
        const engine = createEngine({ driver: createPgDriver({ pool: compatible }), dialect: 'postgres' });
        assert.deepEqual(await roundTrip(engine), expected);
        await engine.close();
        assert.ok(checkouts > 0);
        await real.end();
      });
    }

    if (ctx.name === 'mysql') {
      it('a mysql2 pool, callback API', async () => {
        const pool = mysql.createPool({ uri: ctx.url, connectionLimit: 2, jsonStrings: true });
        const engine = createEngine({ driver: createMysqlDriver({ pool }), dialect: 'mysql' });
        assert.deepEqual(await roundTrip(engine), expected);
        await engine.close();
        await new Promise<void>((resolve, reject) => pool.query('SELECT 1', (error) => (error ? reject(error) : resolve())));
        await new Promise<void>((resolve) => pool.end(() => resolve()));
      });

      it('a mysql2/promise pool', async () => {
        const pool = mysqlPromise.createPool({ uri: ctx.url, connectionLimit: 2, jsonStrings: true });
        const engine = createEngine({ driver: createMysqlDriver({ pool }), dialect: 'mysql' });
        assert.deepEqual(await roundTrip(engine), expected);
        await engine.close();
        await pool.query('SELECT 1');
        await pool.end();
      });
    }
  },
  { only: ['sqlite', 'postgres', 'mysql'] },
);
