/**
 * SQLite: a statement that finds the database locked by another connection
 * waits without blocking the event loop (better-sqlite3 is synchronous, and
 * SQLite's own busy handler sleeps the whole thread), retries while that is
 * safe, and after `busyTimeoutMs` fails with a LockTimeoutError naming the
 * database file and the wait.
 *
 * Two engines on one temporary file stand for two processes. A ticker proves
 * the event loop ran during the wait: it must have ticked while the waiting
 * statement was still pending (ticks are counted, times are not measured).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockTimeoutError, SerializationError } from '../../../src/core/errors.js';
import { createEngine } from '../../../src/connect/index.js';
import type { Engine } from '../../../src/core/engine/index.js';
import { sql } from '../../../src/core/sql/index.js';
import { createSqliteDriver } from '../../../src/drivers/better-sqlite3/index.js';
import { pause } from '../../support/waits.js';

/** A promise's outcome, observable while it is pending. */
function watch<T>(promise: Promise<T>): { readonly settled: boolean; readonly outcome: Promise<{ value?: T; error?: unknown }> } {
  const state = { settled: false, outcome: undefined as unknown as Promise<{ value?: T; error?: unknown }> };
  state.outcome = promise.then(
    (value) => {
      state.settled = true;
      return { value };
    },
    (error: unknown) => {
      state.settled = true;
      return { error };
    },
  );
  return state;
}

/** Counts event-loop turns: a blocked loop does not tick. */
function ticker(): { readonly ticks: number; stop(): void } {
  const t = {
    ticks: 0,
    timer: setInterval(() => {
      t.ticks++;
    }, 2),
    stop: () => clearInterval(t.timer),
  };
  return t;
}

/** Wait (bounded) until `ticks` ticks have passed while `pending` is still unsettled. */
async function ticksWhilePending(clock: { readonly ticks: number }, pending: { readonly settled: boolean }, ticks: number): Promise<void> {
  const start = clock.ticks;
  for (let i = 0; i < 1000 && clock.ticks - start < ticks; i++) await pause(2);
  assert.ok(clock.ticks - start >= ticks, `the event loop ticked ${clock.ticks - start} times`);
  assert.equal(pending.settled, false, 'still waiting for the lock while the loop ticked');
}

describe('SQLite: a database locked by another connection', () => {
  let dir: string;
  const engines: Engine[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'athanor-busy-'));
  });
  after(async () => {
    for (const e of engines) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let files = 0;
  async function twoEngines(options: { busyTimeoutMs: number; wal?: boolean }): Promise<{ file: string; a: Engine; b: Engine }> {
    const file = join(dir, `db${++files}.sqlite`);
    const make = () =>
      createEngine({ driver: createSqliteDriver({ filename: file, busyTimeoutMs: options.busyTimeoutMs, wal: options.wal ?? true }), dialect: 'sqlite' });
    const a = make();
    const b = make();
    engines.push(a, b);
    await a.execute(sql`CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`);
    await b.ready();
    return { file, a, b };
  }

  it('a write waits for the other write transaction without blocking the event loop, and succeeds once it commits', async () => {
    const { a, b } = await twoEngines({ busyTimeoutMs: 10_000 });
    const holder = await a.connect();
    await holder.begin();
    await holder.execute(sql`INSERT INTO note (body) VALUES ('first')`);
    const clock = ticker();
    try {
      const write = watch(b.execute(sql`INSERT INTO note (body) VALUES ('second')`));
      await ticksWhilePending(clock, write, 10);
      await holder.commit();
      const { error } = await write.outcome;
      assert.equal(error, undefined, String(error));
    } finally {
      clock.stop();
      await holder.release();
    }
    assert.deepEqual((await a.all(sql<{ body: string }>`SELECT body FROM note ORDER BY id`)).map((r) => r.body), ['first', 'second']);
  });

  it('a transaction waits at BEGIN the same way', async () => {
    const { a, b } = await twoEngines({ busyTimeoutMs: 10_000 });
    const holder = await a.connect();
    await holder.begin();
    await holder.execute(sql`INSERT INTO note (body) VALUES ('first')`);
    const clock = ticker();
    try {
      const tx = watch(b.transaction(async (t) => t.execute(sql`INSERT INTO note (body) VALUES ('second')`)));
      await ticksWhilePending(clock, tx, 10);
      await holder.commit();
      const { error } = await tx.outcome;
      assert.equal(error, undefined, String(error));
    } finally {
      clock.stop();
      await holder.release();
    }
    assert.equal(Number(await b.scalar(sql<number>`SELECT count(*) FROM note`)), 2);
  });

  it('after busyTimeoutMs: a LockTimeoutError naming the file and the wait, the loop free all along', async () => {
    const { file, a, b } = await twoEngines({ busyTimeoutMs: 150 });
    const holder = await a.connect();
    await holder.begin();
    await holder.execute(sql`INSERT INTO note (body) VALUES ('held')`);
    const clock = ticker();
    try {
      const write = watch(b.execute(sql`INSERT INTO note (body) VALUES ('late')`));
      await ticksWhilePending(clock, write, 3);
      const { error } = await write.outcome;
      assert.ok(error instanceof LockTimeoutError, `expected LockTimeoutError, got ${String(error)}`);
      assert.ok(error instanceof SerializationError, 'retryable as a whole, like a serialization failure');
      assert.equal(error.code, 'ATH_LOCK_TIMEOUT');
      assert.equal(error.retryable, true);
      assert.equal(error.resource, file);
      assert.ok(error.waitedMs! >= 150, `waited ${error.waitedMs} ms`);
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, new RegExp(`${error.waitedMs} ms`));
      assert.match(error.message, /busyTimeoutMs/);
    } finally {
      clock.stop();
      await holder.rollback();
      await holder.release();
    }
    // Nothing half-done: the engine that gave up works as soon as the lock is free.
    await b.execute(sql`INSERT INTO note (body) VALUES ('after')`);
    assert.equal(Number(await a.scalar(sql<number>`SELECT count(*) FROM note`)), 1);
  });

  it('rollback journal: a COMMIT waiting for a reader is retried, the loop free', async () => {
    const { a, b } = await twoEngines({ busyTimeoutMs: 10_000, wal: false });
    const reader = await a.connect();
    await reader.begin({ readOnly: true });
    await reader.execute(sql`SELECT count(*) FROM note`); // holds a SHARED lock until the transaction ends
    const clock = ticker();
    try {
      // BEGIN IMMEDIATE and the INSERT go through beside a reader; COMMIT needs the reader gone.
      const tx = watch(b.transaction(async (t) => t.execute(sql`INSERT INTO note (body) VALUES ('written')`)));
      await ticksWhilePending(clock, tx, 10);
      await reader.commit();
      const { error } = await tx.outcome;
      assert.equal(error, undefined, String(error));
    } finally {
      clock.stop();
      await reader.release();
    }
    assert.equal(Number(await a.scalar(sql<number>`SELECT count(*) FROM note`)), 1);
  });

  it('a statement inside an explicit transaction is not retried: it fails at once, and the transaction is the unit to retry', async () => {
    const { a, b } = await twoEngines({ busyTimeoutMs: 10_000 });
    const writer = await a.connect();
    const reader = await b.connect();
    try {
      await reader.begin({ readOnly: true }); // BEGIN DEFERRED
      await reader.execute(sql`SELECT count(*) FROM note`);
      await writer.begin();
      await writer.execute(sql`INSERT INTO note (body) VALUES ('held')`);
      // Retrying here could never succeed (the reader's snapshot predates the write) or could deadlock.
      await assert.rejects(reader.execute(sql`INSERT INTO note (body) VALUES ('upgrade')`), (error: unknown) => {
        assert.ok(error instanceof SerializationError, String(error));
        assert.ok(!(error instanceof LockTimeoutError), 'failed without waiting');
        return true;
      });
    } finally {
      await reader.rollback().catch(() => undefined);
      await writer.rollback();
      await reader.release();
      await writer.release();
    }
  });

  it('busyTimeoutMs is an engine option for sqlite: URLs', async () => {
    const file = join(dir, 'url.sqlite');
    const a = createEngine(`sqlite:${file}`);
    const b = createEngine(`sqlite:${file}`, { busyTimeoutMs: 100 });
    engines.push(a, b);
    await a.execute(sql`CREATE TABLE note (id INTEGER PRIMARY KEY)`);
    const holder = await a.connect();
    await holder.begin();
    await holder.execute(sql`INSERT INTO note DEFAULT VALUES`);
    try {
      await assert.rejects(b.execute(sql`INSERT INTO note DEFAULT VALUES`), (error: unknown) => error instanceof LockTimeoutError && error.waitedMs! >= 100);
    } finally {
      await holder.rollback();
      await holder.release();
    }
    assert.throws(() => createEngine('sqlite::memory:', { busyTimeoutMs: -1 }), /busyTimeoutMs must be/);
  });
});
