/**
 * Driver errors arrive as typed errors naming what the database named:
 * the constraint, table and column, with the SQL and the original error.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError, SerializationError, StatementError, type IntegrityKind } from '../../../src/core/errors.js';
import { deleteFrom, identifier, insert, select, sql } from '../../../src/core/sql/index.js';
import type { DialectName } from '../../../src/core/dialects/dialect.js';
import { forEachDialect } from '../../support/dialects.js';
import { schema } from './fixtures.js';

const s = schema('eng_err');
const { artist, song, names } = s;

interface Expected {
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  /** The failing key's columns and values as the dialect reads them from the message (undefined: it names neither). */
  readonly key?: { readonly columns?: readonly string[]; readonly values?: readonly string[] };
}

/**
 * What each database reports. SQLite names no foreign key (its message is just
 * "FOREIGN KEY constraint failed"); MariaDB names no table for unique keys and
 * only the column for NOT NULL.
 */
const EXPECTED: Record<DialectName, Record<IntegrityKind, Expected>> = {
  postgres: {
    unique: { constraint: names.uniqueName, table: names.artist, key: { columns: ['name'], values: ['Dio'] } },
    foreignKey: { constraint: names.foreignKey, table: names.song, key: { columns: ['artist_id'], values: ['999'] } },
    notNull: { table: names.artist, column: 'name' },
    check: { constraint: names.check, table: names.song },
  },
  sqlite: {
    unique: { table: names.artist, column: 'name', key: { columns: ['name'] } },
    foreignKey: {},
    notNull: { table: names.artist, column: 'name' },
    check: { constraint: names.check },
  },
  mysql: {
    unique: { constraint: names.uniqueName, key: { values: ['Dio'] } },
    foreignKey: { constraint: names.foreignKey, table: names.song, key: { columns: ['artist_id'] } },
    notNull: { column: 'name' },
    check: { constraint: names.check, table: names.song },
  },
};

forEachDialect('error mapping', (ctx) => {
  before(async () => s.reset(ctx.engine));
  after(async () => s.drop(ctx.engine));
  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(song));
    await ctx.engine.execute(deleteFrom(artist));
  });

  async function violation(kind: IntegrityKind, run: () => Promise<unknown>): Promise<void> {
    const expected = EXPECTED[ctx.name][kind];
    await assert.rejects(run(), (error: unknown) => {
      assert.ok(error instanceof IntegrityError, `expected IntegrityError, got ${String(error)}`);
      assert.ok(error instanceof StatementError, 'integrity errors are statement errors');
      assert.equal(error.kind, kind);
      assert.equal(error.code, 'ATH_INTEGRITY');
      for (const key of ['constraint', 'table', 'column'] as const) {
        if (expected[key] !== undefined) {
          assert.equal(error[key], expected[key], `${key}`);
          assert.ok(error.message.includes(expected[key]!), `message names the ${key}: ${error.message}`);
        }
      }
      if (kind === 'unique' || kind === 'foreignKey') {
        const key = error.key ? { ...(error.key.columns ? { columns: error.key.columns } : {}), ...(error.key.values ? { values: error.key.values } : {}) } : undefined;
        assert.deepEqual(key, expected.key, 'the failing key');
      }
      assert.ok(error.cause instanceof Error, 'the driver error is the cause');
      assert.ok(error.message.includes(error.sql), 'the message carries the SQL');
      return true;
    });
  }

  it('unique', async () => {
    await ctx.engine.execute(insert(artist).values({ name: 'Dio' }));
    await violation('unique', () => ctx.engine.execute(insert(artist).values({ name: 'Dio' })));
  });

  it('foreign key', async () => {
    await violation('foreignKey', () => ctx.engine.execute(insert(song).values({ artistId: 999, title: 'orphan', plays: 1 })));
  });

  it('not null', async () => {
    // Raw SQL: the builder would refuse null before the database sees it.
    const q = identifier(names.artist);
    await violation('notNull', () => ctx.engine.execute(sql`INSERT INTO ${q} (${identifier('name')}) VALUES (${null})`));
  });

  it('check', async () => {
    const { id } = await ctx.engine.one(insert(artist).values({ name: 'Dio' }).returning(artist.c.id)).catch(async () => {
      // MariaDB < 10.5 and MySQL lack INSERT ... RETURNING: read the key back instead.
      return ctx.engine.one(select(artist.c.id).from(artist).where(artist.c.name.eq('Dio')));
    });
    await violation('check', () => ctx.engine.execute(insert(song).values({ artistId: id, title: 'minus', plays: -1 })));
  });

  it('other failures are StatementErrors with the SQL, the parameters and the cause', async () => {
    const statement = sql`SELECT * FROM ${identifier('eng_err_no_such_table')} WHERE x = ${1}`;
    await assert.rejects(ctx.engine.execute(statement), (error: unknown) => {
      assert.ok(error instanceof StatementError);
      assert.ok(!(error instanceof IntegrityError));
      assert.match(error.sql, /eng_err_no_such_table/);
      assert.deepEqual(error.parameters, [1]);
      assert.ok(error.message.includes(error.sql));
      assert.ok(error.message.includes((error.cause as Error).message), 'keeps the driver message');
      return true;
    });
  });

  it('a long statement is cut in the message and kept whole in error.sql', async () => {
    const values = Array.from({ length: 2000 }, (_, i) => i);
    const statement = sql`SELECT * FROM ${identifier('eng_err_no_such_table')} WHERE x IN (${sql.join(values)})`;
    await assert.rejects(ctx.engine.execute(statement), (error: unknown) => {
      assert.ok(error instanceof StatementError);
      assert.ok(error.sql.length > 5000, 'the whole SQL');
      assert.ok(error.message.length < 1500, `message of ${error.message.length} characters`);
      assert.match(error.message, /eng_err_no_such_table/);
      assert.match(error.message, /characters; the whole text is in error\.sql\)$/);
      return true;
    });
  });

  if (ctx.name !== 'sqlite') {
    it('write skew under SERIALIZABLE surfaces as a retryable SerializationError', async () => {
      let arrived = 0;
      let go!: () => void;
      const bothRead = new Promise<void>((resolve) => (go = resolve));
      const writer = (name: string) =>
        ctx.engine.transaction(
          async (tx) => {
            await tx.all(select(artist.c.id).from(artist));
            if (++arrived === 2) go();
            await bothRead;
            await tx.execute(insert(artist).values({ name }));
          },
          { isolation: 'serializable' },
        );
      const outcomes = await Promise.allSettled([writer('x'), writer('y')]);
      const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      assert.equal(failures.length, 1, 'exactly one transaction loses');
      const error = failures[0]!.reason as unknown;
      assert.ok(error instanceof SerializationError, `got ${String(error)}`);
      assert.equal(error.retryable, true);
    });
  }
});
