/**
 * Waiting for a lock another connection holds, without blocking the event loop.
 *
 * better-sqlite3 runs statements synchronously, and SQLite's own busy handler
 * (`PRAGMA busy_timeout`) waits by sleeping the thread: a statement meeting a
 * lock held by another process, or another engine on the same file, froze
 * the whole server for up to the timeout. So the driver sets `busy_timeout`
 * to 0, and when a statement fails with SQLITE_BUSY it tries again after a
 * `setTimeout` (the delays of SQLite's own handler, 1 ms growing to 100 ms)
 * until `busyTimeoutMs` has passed, then gives up with the last error,
 * marked with how long it waited and which file stayed locked.
 *
 * Only statements that did nothing may run again. The rule, from SQLite's
 * documentation of SQLITE_BUSY ("if the statement is a COMMIT or occurs
 * outside of an explicit transaction, then you can retry the statement"):
 * - outside a transaction before and after the failure: a BEGIN that could
 *   not take its lock (BEGIN IMMEDIATE), or one statement in autocommit,
 *   which SQLite rolled back whole;
 * - a COMMIT, still inside its transaction after the failure: in rollback
 *   journal mode it waits for readers to leave (in WAL mode COMMIT needs no
 *   further lock and does not meet SQLITE_BUSY);
 * - nothing else: a statement inside an explicit transaction may have
 *   partly run, and SQLite may have rolled the transaction back on its own;
 *   waiting could also deadlock (two readers both upgrading), which is why
 *   SQLite itself never waits there. It fails at once, and the transaction
 *   is what to retry. SQLITE_BUSY_SNAPSHOT (a WAL reader whose snapshot is
 *   stale) is never retried: only a new transaction can succeed.
 *
 * Whether a transaction was open is read before the statement runs: after
 * the failure it may be gone, and the statement would look like autocommit.
 *
 * @internal
 */

import { resolve } from 'node:path';
import type Database from 'better-sqlite3';

/** SQLite's default busy handler's delays (sqliteDefaultBusyCallback), in milliseconds. */
const DELAYS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

const COMMIT = /^\s*(COMMIT|END)\b/i;

/** A lock another connection holds; SQLITE_BUSY_RECOVERY passes once its WAL recovery ends. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}

function safeToRunAgain(db: Database.Database, sql: string, wasInTransaction: boolean): boolean {
  if (!wasInTransaction) return !db.inTransaction;
  return db.inTransaction && COMMIT.test(sql);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The database file for messages: absolute, so two engines on one file name it the same way. */
function fileOf(db: Database.Database): string {
  return db.memory ? db.name : resolve(db.name);
}

/**
 * Run `attempt` again after `failure` while the rule above allows and
 * `budgetMs` lasts. Call it from the catch of the first attempt, with
 * `wasInTransaction` read before that attempt.
 */
export async function retryWhileBusy<T>(
  failure: unknown,
  db: Database.Database,
  sql: string,
  wasInTransaction: boolean,
  budgetMs: number,
  attempt: () => T,
): Promise<T> {
  let error = failure;
  const started = performance.now();
  for (let i = 0; ; i++) {
    if (!isBusy(error) || !safeToRunAgain(db, sql, wasInTransaction)) throw error;
    const waited = performance.now() - started;
    if (waited >= budgetMs) {
      // Read by the SQLite dialect, which turns the error into a LockTimeoutError.
      throw Object.assign(error as Error, { waitedMs: Math.ceil(waited), databaseFile: fileOf(db) });
    }
    await sleep(Math.min(DELAYS[Math.min(i, DELAYS.length - 1)]!, budgetMs - waited));
    try {
      return attempt();
    } catch (next) {
      error = next;
    }
  }
}
