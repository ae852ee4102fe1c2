/**
 * `engine.transaction(fn, { retry })`: a transaction that loses to a concurrent one runs again, whole, until it
 * commits or its attempts are spent; anything else fails on the first attempt.
 *
 * The conflicts are real, made by the servers: K workers that read a counter and write it back under SERIALIZABLE
 * (PostgreSQL raises 40001, InnoDB deadlocks on the shared locks its SERIALIZABLE reads take), two transactions
 * locking two rows in opposite order (40P01, 1213), write skew that PostgreSQL refuses at COMMIT, a row changed under
 * MariaDB's `innodb_snapshot_isolation` (1020), and SQLite's busy lock between two engines on one file. Each ends with
 * no lost update: the counter a K workers increment ends at K. Every test prints how many retries it saw.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../../src/connect/index.js';
import {
  IntegrityError,
  InvalidArgumentError,
  isRetryableConflict,
  LockTimeoutError,
  RetriesExhaustedError,
  SerializationError,
  UnsupportedError,
  type TransactionConflict,
} from '../../../src/core/errors.js';
import type { Engine, RetryEvent, Transaction } from '../../../src/core/engine/index.js';
import { integer, varchar } from '../../../src/core/schema/column.js';
import { table } from '../../../src/core/schema/table.js';
import { insert, select, sql, update } from '../../../src/core/sql/index.js';
import { createSqliteDriver } from '../../../src/drivers/better-sqlite3/index.js';
import type { Dialect } from '../../../src/core/dialects/dialect.js';
import { MysqlDialect } from '../../../src/core/dialects/mysql/dialect.js';
import { PostgresDialect } from '../../../src/core/dialects/postgres/dialect.js';
import { SqliteDialect } from '../../../src/core/dialects/sqlite/dialect.js';
import { translateError } from '../../../src/core/engine/translate-error.js';
import { forEachDialect } from '../../support/dialects.js';
import { pause, within } from '../../support/waits.js';

const counter = table('eng_retry_counter', { id: integer().primaryKey(), n: integer().notNull() });
const tag = table('eng_retry_tag', { label: varchar(50).notNull().unique() });

/** A promise that resolves once `open()` is called `needed` times: workers wait at it until all have arrived. */
function barrier(needed: number): { arrive(): Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    arrive() {
      if (++arrived === needed) open();
      return opened;
    },
  };
}

/** A gate one side opens and the other waits at. */
function gate(): { open(): void; readonly opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

async function counterValue(engine: Engine, id = 1): Promise<number> {
  return Number(await engine.scalar(select(counter.c.n).from(counter).where(counter.c.id.eq(id))));
}

/** Read the counter and write it back plus one: a lost update waiting to happen, unless the database refuses. */
async function increment(tx: Transaction, id = 1, between?: () => Promise<void>): Promise<void> {
  const n = Number(await tx.scalar(select(counter.c.n).from(counter).where(counter.c.id.eq(id))));
  await between?.();
  await tx.execute(update(counter).set({ n: n + 1 }).where(counter.c.id.eq(id)));
}

/** The conflict each server reports for K read-then-write increments under SERIALIZABLE. */
const INCREMENT_CONFLICT: Record<'postgres' | 'mysql', TransactionConflict> = { postgres: 'serialization', mysql: 'deadlock' };

forEachDialect(
  'transaction retry on real conflicts',
  (ctx) => {
    before(async () => {
      await ctx.engine.dropAll([counter, tag], { ifExists: true });
      await ctx.engine.createAll([counter, tag]);
    });
    after(async () => ctx.engine.dropAll([counter, tag], { ifExists: true }));
    beforeEach(async () => {
      await ctx.engine.execute(sql`DELETE FROM eng_retry_counter`);
      await ctx.engine.execute(sql`DELETE FROM eng_retry_tag`);
      await ctx.engine.execute(insert(counter).values([{ id: 1, n: 0 }, { id: 2, n: 0 }]));
    });

    it('K workers read-then-write one counter under SERIALIZABLE: every conflict is retried, the counter ends at K', async (t) => {
      const K = 6;
      // All K read before any writes, on the first attempt: a conflict for all but one is certain.
      const allRead = barrier(K);
      const retries: RetryEvent[] = [];
      let runs = 0;
      const worker = () => {
        let attempt = 0;
        return ctx.engine.transaction(
          async (tx) => {
            runs++;
            const first = ++attempt === 1;
            await increment(tx, 1, first ? () => allRead.arrive() : undefined);
          },
          // A bound that contention among K alone cannot reach: each lost round lets at least one worker through.
          { isolation: 'serializable', retry: { attempts: 3 * K, onRetry: (e) => void retries.push(e) } },
        );
      };
      await within(60_000, 'the workers', Promise.all(Array.from({ length: K }, worker)));
      assert.equal(await counterValue(ctx.engine), K, 'no lost update');
      assert.equal(runs, K + retries.length, 'one run per attempt');
      assert.ok(retries.length >= K - 1, `all but one worker lost the first round (${retries.length} retries)`);
      const expected = INCREMENT_CONFLICT[ctx.name as 'postgres' | 'mysql'];
      for (const e of retries) {
        assert.ok(e.error instanceof SerializationError && e.error.retryable, String(e.error));
        assert.equal(e.error.conflict, expected, e.error.message);
        assert.ok(e.attempt >= 1 && e.attempt < 3 * K && e.attempts === 3 * K);
        assert.ok(e.delayMs >= 0 && e.delayMs <= 1000);
      }
      t.diagnostic(`${K} workers: ${retries.length} retries (${expected}), most attempts by one worker: ${Math.max(...retries.map((e) => e.attempt)) + 1}`);
    });

    it('a deadlock between two transactions locking two rows in opposite order is retried: both land', async (t) => {
      const bothLocked = barrier(2);
      const retries: RetryEvent[] = [];
      const worker = (firstId: number, secondId: number) => {
        let attempt = 0;
        return ctx.engine.transaction(
          async (tx) => {
            const first = ++attempt === 1;
            await tx.execute(update(counter).set({ n: counter.c.n.add(1) }).where(counter.c.id.eq(firstId)));
            if (first) await bothLocked.arrive();
            await tx.execute(update(counter).set({ n: counter.c.n.add(1) }).where(counter.c.id.eq(secondId)));
          },
          { retry: { attempts: 3, onRetry: (e) => void retries.push(e) } },
        );
      };
      // PostgreSQL looks for the cycle after deadlock_timeout (1 s by default).
      await within(30_000, 'the two transactions', Promise.all([worker(1, 2), worker(2, 1)]));
      assert.equal(await counterValue(ctx.engine, 1), 2);
      assert.equal(await counterValue(ctx.engine, 2), 2);
      assert.equal(retries.length, 1, 'the server aborted one of the two, once');
      assert.equal(retries[0]!.error.conflict, 'deadlock', retries[0]!.error.message);
      t.diagnostic(`deadlock: ${retries.length} retry`);
    });

    it('a unique violation is raised on the first attempt, never retried', async () => {
      await ctx.engine.execute(insert(tag).values({ label: 'taken' }));
      let runs = 0;
      const retries: RetryEvent[] = [];
      await assert.rejects(
        ctx.engine.transaction(
          async (tx) => {
            runs++;
            await tx.execute(insert(tag).values({ label: 'taken' }));
          },
          { retry: { attempts: 5, onRetry: (e) => void retries.push(e) } },
        ),
        (error: unknown) => error instanceof IntegrityError && !(error instanceof RetriesExhaustedError),
      );
      assert.equal(runs, 1);
      assert.equal(retries.length, 0);
    });

    if (ctx.name === 'postgres') {
      /** A committed change to the counter that a transaction's snapshot predates: its UPDATE then fails with 40001. */
      const interfere = async (): Promise<void> => {
        await ctx.engine.execute(update(counter).set({ n: counter.c.n.add(100) }).where(counter.c.id.eq(1)));
      };

      it('write skew refused at COMMIT (40001) is retried: the second run sees the first one\'s row', async (t) => {
        const firstRead = gate();
        const secondRead = gate();
        const secondInserted = gate();
        const firstCommitted = gate();
        const count = (tx: Transaction) => tx.scalar(sql<number>`SELECT count(*) FROM eng_retry_tag`);
        const retries: RetryEvent[] = [];
        const seen: number[] = [];
        const one = ctx.engine
          .transaction(
            async (tx) => {
              await count(tx);
              firstRead.open();
              await secondRead.opened;
              await tx.execute(insert(tag).values({ label: 'one' }));
              await secondInserted.opened;
            },
            { isolation: 'serializable' },
          )
          .finally(() => firstCommitted.open());
        let attempt = 0;
        const two = ctx.engine.transaction(
          async (tx) => {
            const first = ++attempt === 1;
            if (first) await firstRead.opened;
            seen.push(Number(await count(tx)));
            if (first) secondRead.open();
            await tx.execute(insert(tag).values({ label: `two.${attempt}` }));
            // Both inserted while the other was open; the first commits, so this COMMIT must fail.
            if (first) {
              secondInserted.open();
              await firstCommitted.opened;
            }
          },
          { isolation: 'serializable', retry: { onRetry: (e) => void retries.push(e) } },
        );
        await within(20_000, 'the two transactions', Promise.all([one, two]));
        assert.equal(retries.length, 1);
        assert.equal(retries[0]!.error.sql, 'COMMIT', 'PostgreSQL refused the COMMIT');
        assert.equal(retries[0]!.error.conflict, 'serialization');
        assert.deepEqual(seen, [0, 1], 'the retry read what the winner wrote');
        const labels = (await ctx.engine.all(select(tag.c.label).from(tag).orderBy(tag.c.label))).map((r) => r.label);
        assert.deepEqual(labels, ['one', 'two.2'], 'nothing of the failed attempt was kept');
        t.diagnostic('write skew: 1 retry, at COMMIT');
      });

      it('a conflict on every attempt ends in RetriesExhaustedError carrying the attempts and the last conflict', async () => {
        const retries: RetryEvent[] = [];
        let runs = 0;
        await assert.rejects(
          ctx.engine.transaction(async (tx) => {
            runs++;
            await increment(tx, 1, interfere);
          }, { isolation: 'repeatable read', retry: { attempts: 3, baseDelayMs: 1, onRetry: (e) => void retries.push(e) } }),
          (error: unknown) => {
            assert.ok(error instanceof RetriesExhaustedError, String(error));
            assert.ok(error instanceof SerializationError, 'still a SerializationError');
            assert.equal(error.code, 'ATH_RETRIES_EXHAUSTED');
            assert.equal(error.attempts, 3);
            assert.equal(error.retryable, false, 'an enclosing retry does not multiply the attempts');
            assert.ok(error.cause instanceof SerializationError && error.cause.conflict === 'serialization');
            assert.equal(error.conflict, 'serialization');
            assert.match(error.message, /on all 3 attempts/);
            return true;
          },
        );
        assert.equal(runs, 3);
        assert.deepEqual(retries.map((e) => e.attempt), [1, 2]);
        assert.equal(await counterValue(ctx.engine), 300, 'only the interfering writes landed');
      });

      it('succeeds on the attempt after the interference stops, reading the value the others committed', async () => {
        const reads: number[] = [];
        let runs = 0;
        const value = await ctx.engine.transaction(
          async (tx) => {
            runs++;
            reads.push(Number(await tx.scalar(select(counter.c.n).from(counter).where(counter.c.id.eq(1)))));
            if (runs <= 2) await interfere();
            await tx.execute(update(counter).set({ n: reads.at(-1)! + 1 }).where(counter.c.id.eq(1)));
            return 'done';
          },
          { isolation: 'serializable', retry: { attempts: 3 } },
        );
        assert.equal(value, 'done');
        assert.deepEqual(reads, [0, 100, 200]);
        assert.equal(await counterValue(ctx.engine), 201);
      });

      it('a lock_timeout is not retried by default; retryOn can include it', async () => {
        const holder = await ctx.engine.connect();
        try {
          await holder.begin();
          await holder.execute(update(counter).set({ n: 1 }).where(counter.c.id.eq(1)));
          let runs = 0;
          const work = (tx: Transaction) => {
            runs++;
            return tx.execute(sql`SET LOCAL lock_timeout = '50ms'`).then(() => increment(tx));
          };
          await assert.rejects(ctx.engine.transaction(work, { retry: true }), (error: unknown) => {
            assert.ok(error instanceof LockTimeoutError, String(error));
            assert.equal(error.retryable, false);
            assert.equal(error.conflict, 'lockTimeout');
            assert.match(error.message, /lock_timeout/);
            return true;
          });
          assert.equal(runs, 1);
          runs = 0;
          const done = ctx.engine.transaction(work, {
            retry: { retryOn: (e) => e.retryable || e instanceof LockTimeoutError, onRetry: () => holder.rollback() },
          });
          await within(10_000, 'the retried transaction', done);
          assert.equal(runs, 2);
        } finally {
          if (holder.inTransaction) await holder.rollback();
          await holder.release();
        }
        assert.equal(await counterValue(ctx.engine), 1);
      });
    }

    if (ctx.name === 'mysql') {
      it('a row changed under innodb_snapshot_isolation (1020) is retried; a lock wait timeout (1205) is not', async () => {
        // Session settings on an engine of the test's own, so they stay off the suite's pool.
        const own = createEngine(ctx.url, { poolSize: 2 });
        try {
          const supported = await own.scalar(sql<number>`SELECT count(*) FROM information_schema.system_variables WHERE variable_name = 'INNODB_SNAPSHOT_ISOLATION'`);
          const conn = await own.connect();
          try {
            if (Number(supported) > 0) {
              await conn.execute(sql`SET SESSION innodb_snapshot_isolation = ON`);
              const retries: RetryEvent[] = [];
              let runs = 0;
              await conn.transaction(
                async (tx) => {
                  runs++;
                  await increment(tx, 1, runs === 1 ? () => ctx.engine.execute(update(counter).set({ n: counter.c.n.add(100) }).where(counter.c.id.eq(1))).then(() => undefined) : undefined);
                },
                { retry: { onRetry: (e) => void retries.push(e) } },
              );
              assert.equal(runs, 2);
              assert.equal(retries.length, 1);
              assert.equal(retries[0]!.error.conflict, 'serialization', retries[0]!.error.message);
              assert.equal(await counterValue(ctx.engine), 101);
            }
            await conn.execute(sql`SET SESSION innodb_lock_wait_timeout = 1`);
            const holder = await ctx.engine.connect();
            try {
              await holder.begin();
              await holder.execute(update(counter).set({ n: 0 }).where(counter.c.id.eq(2)));
              let runs = 0;
              await assert.rejects(
                conn.transaction(async (tx) => {
                  runs++;
                  await increment(tx, 2);
                }, { retry: true }),
                (error: unknown) => {
                  assert.ok(error instanceof LockTimeoutError, String(error));
                  assert.equal(error.retryable, false);
                  assert.match(error.message, /innodb_lock_wait_timeout/);
                  return true;
                },
              );
              assert.equal(runs, 1);
            } finally {
              await holder.rollback();
              await holder.release();
            }
          } finally {
            await conn.release();
          }
        } finally {
          await own.close();
        }
      });
    }
  },
  { only: ['postgres', 'mysql'] },
);

forEachDialect('transaction retry options', (ctx) => {
  it('a savepoint cannot be retried on its own', async () => {
    await assert.rejects(
      ctx.engine.transaction(async (tx) => tx.transaction(async () => undefined, { retry: true } as never)),
      (error: unknown) => error instanceof UnsupportedError && /outermost transaction/.test(error.message),
    );
  });

  it('bad retry options are refused before anything runs, naming the option', async () => {
    let runs = 0;
    const work = async () => void runs++;
    for (const [retry, option] of [
      [{ attempts: 0 }, 'retry.attempts'],
      [{ attempts: 1.5 }, 'retry.attempts'],
      [{ baseDelayMs: -1 }, 'retry.baseDelayMs'],
      [{ maxDelayMs: Number.NaN }, 'retry.maxDelayMs'],
      [{ onRetry: 'log' }, 'retry.onRetry'],
      ['yes', 'retry'],
    ] as const) {
      await assert.rejects(ctx.engine.transaction(work, { retry: retry as never }), (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError, String(error));
        assert.equal(error.method, option);
        return true;
      });
    }
    assert.equal(runs, 0);
  });

  it('without a conflict the function runs once, and its value comes back', async () => {
    let runs = 0;
    assert.equal(await ctx.engine.transaction(async () => ++runs, { retry: true }), 1);
    assert.equal(await ctx.engine.transaction(async () => ++runs, { retry: false }), 2);
  });
});

describe('transaction retry: SQLite writers on two engines over one file', () => {
  let dir: string;
  const engines: Engine[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'athanor-retry-'));
  });
  after(async () => {
    for (const e of engines) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('BEGIN IMMEDIATE that stays busy past busyTimeoutMs is retried: K workers on two engines end at K', async (t) => {
    const file = join(dir, 'counter.sqlite');
    // A short busy wait, so that a writer on the other engine makes BEGIN fail instead of wait.
    const make = () => createEngine({ driver: createSqliteDriver({ filename: file, busyTimeoutMs: 5 }), dialect: 'sqlite' });
    const a = make();
    const b = make();
    engines.push(a, b);
    await a.createAll([counter]);
    await a.execute(insert(counter).values({ id: 1, n: 0 }));
    await b.ready();
    const K = 8;
    const retries: RetryEvent[] = [];
    const worker = (engine: Engine) =>
      engine.transaction(
        // Hold the write lock a while, as real work would, so the other engine's writers meet it.
        (tx) => increment(tx, 1, () => pause(15)),
        { retry: { attempts: 50, baseDelayMs: 5, maxDelayMs: 100, onRetry: (e) => void retries.push(e) } },
      );
    await within(60_000, 'the workers', Promise.all(Array.from({ length: K }, (_, i) => worker(i % 2 === 0 ? a : b))));
    assert.equal(await counterValue(a), K, 'no lost update');
    assert.ok(retries.length >= 1, 'the two engines met the lock');
    for (const e of retries) {
      assert.ok(e.error instanceof LockTimeoutError, String(e.error));
      assert.equal(e.error.retryable, true);
    }
    t.diagnostic(`SQLite, ${K} workers on two engines: ${retries.length} retries (busy), most attempts by one worker: ${Math.max(...retries.map((e) => e.attempt)) + 1}`);
  });
});

describe('which failures a retry runs again: the dialects\' classification', () => {
  /** The typed error the engine makes of a driver error, as a retry sees it. */
  const typed = (dialect: Dialect, driverError: object) => translateError(dialect, Object.assign(new Error('driver'), driverError), 'UPDATE t SET n = 1', []);
  const cases: { what: string; dialect: Dialect; error: object; conflict?: TransactionConflict; retryable: boolean }[] = [
    { what: 'PostgreSQL 40001', dialect: new PostgresDialect(), error: { code: '40001' }, conflict: 'serialization', retryable: true },
    { what: 'PostgreSQL 40P01', dialect: new PostgresDialect(), error: { code: '40P01' }, conflict: 'deadlock', retryable: true },
    { what: 'PostgreSQL 55P03 (lock_timeout, NOWAIT)', dialect: new PostgresDialect(), error: { code: '55P03' }, conflict: 'lockTimeout', retryable: false },
    { what: 'MariaDB 1213', dialect: new MysqlDialect(), error: { errno: 1213, message: 'Deadlock found when trying to get lock; try restarting transaction' }, conflict: 'deadlock', retryable: true },
    {
      what: 'Galera certification (1213, WSREP)',
      dialect: new MysqlDialect(),
      error: { errno: 1213, message: 'WSREP detected deadlock/conflict and aborted the transaction. Try restarting the transaction' },
      conflict: 'certification',
      retryable: true,
    },
    { what: 'MariaDB 1020 (innodb_snapshot_isolation)', dialect: new MysqlDialect(), error: { errno: 1020, message: "Record has changed since last read in table 't'" }, conflict: 'serialization', retryable: true },
    { what: 'MySQL/MariaDB 1205', dialect: new MysqlDialect({ flavor: 'mysql' }), error: { errno: 1205, message: 'Lock wait timeout exceeded; try restarting transaction' }, conflict: 'lockTimeout', retryable: false },
    { what: 'SQLite busy after busyTimeoutMs', dialect: new SqliteDialect(), error: { code: 'SQLITE_BUSY', waitedMs: 5 }, conflict: 'lockTimeout', retryable: true },
    { what: 'SQLite busy inside a transaction', dialect: new SqliteDialect(), error: { code: 'SQLITE_BUSY' }, conflict: 'busy', retryable: true },
    { what: 'SQLite stale WAL snapshot', dialect: new SqliteDialect(), error: { code: 'SQLITE_BUSY_SNAPSHOT' }, conflict: 'serialization', retryable: true },
    { what: 'a unique violation', dialect: new PostgresDialect(), error: { code: '23505' }, retryable: false },
    { what: 'a syntax error', dialect: new MysqlDialect(), error: { errno: 1064, message: 'You have an error in your SQL syntax' }, retryable: false },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.retryable ? 'retried' : 'not retried'}`, () => {
      const error = typed(c.dialect, c.error);
      assert.equal(isRetryableConflict(error), c.retryable, String(error));
      if (c.conflict === undefined) assert.ok(!(error instanceof SerializationError), String(error));
      else {
        assert.ok(error instanceof SerializationError, String(error));
        assert.equal(error.conflict, c.conflict);
        assert.equal(error instanceof LockTimeoutError, c.conflict === 'lockTimeout');
      }
    });
  }
});
