/**
 * Sessions inside a transaction they do not own (SQLAlchemy's "joining a
 * session into an external transaction"): `database(tx)` hands each session a
 * connection that is the transaction's own, bracketed by a savepoint. The
 * session's BEGIN, COMMIT and ROLLBACK become that savepoint's bounds, so
 * code that commits (a service, a request handler) runs unchanged inside a
 * test's transaction, and the test's ROLLBACK undoes everything.
 *
 * The savepoint is taken when the session first uses the connection, not at
 * its first write: on PostgreSQL a failed statement — a read too — poisons the
 * whole transaction until a ROLLBACK TO a savepoint taken before it, and the
 * outer transaction must survive a session that fails. A session that only
 * read ends with ROLLBACK TO and RELEASE (it wrote nothing to keep).
 *
 * Sessions take turns on the one connection: interleaved savepoints of two
 * sessions would release each other's. A second session waits for the first
 * to commit, roll back or close (the engine's `acquireTimeoutMs` at most), as
 * sessions wait for SQLite's single connection.
 *
 * @internal
 */

import type { Dialect, TransactionOptions } from '../dialects/dialect.js';
import { AthanorError, ConnectionReleasedError, PoolTimeoutError, UnsupportedError } from '../errors.js';
import { Connection, type Transaction } from './executor.js';
import { Mutex } from './mutex.js';
import type { Runner } from './runner.js';

/** Where the sessions of `database(tx)` get their connection: the transaction's, one session at a time. */
export class TransactionSessions {
  private readonly turns = new Mutex();
  private savepoints = 0;

  constructor(readonly transaction: Transaction) {}

  /** The engine's id: diagnostics group the sessions' statements with the transaction's. */
  get id(): number {
    return this.transaction.core.id;
  }

  get dialect(): Dialect {
    return this.transaction.core.dialect;
  }

  /** The transaction's connection is there already. */
  async ready(): Promise<void> {}

  /** The transaction's connection inside a new savepoint, once no other session holds it. */
  async connectForSession(): Promise<SavepointConnection> {
    const tx = this.transaction;
    if (!tx.isActive) throw inactive();
    const endTurn = this.turns.tryLock() ?? (await this.waitForTurn());
    const connection = new SavepointConnection(tx, `athanor_session_${++this.savepoints}`, endTurn);
    try {
      await connection.open();
    } catch (error) {
      endTurn();
      throw error;
    }
    return connection;
  }

  private waitForTurn(): Promise<() => void> {
    const limit = this.transaction.core.acquireTimeoutMs;
    const start = performance.now();
    return new Promise<() => void>((resolve, reject) => {
      let gaveUp = false;
      const timer =
        limit === Number.POSITIVE_INFINITY
          ? undefined
          : setTimeout(() => {
              gaveUp = true;
              const waited = Math.round(performance.now() - start);
              reject(
                new PoolTimeoutError(
                  `a session waited ${waited} ms (acquireTimeoutMs ${limit}) for the transaction it joins: another session of ` +
                    `database(tx) holds the transaction's connection. Sessions over one transaction take turns; commit, roll back ` +
                    `or close the other session first (db.session(fn) does so when fn settles).`,
                  1,
                  1,
                  waited,
                ),
              );
            }, limit);
      void this.turns.lock().then((endTurn) => {
        if (gaveUp) return endTurn();
        clearTimeout(timer);
        resolve(endTurn);
      });
    });
  }
}

function inactive(): AthanorError {
  return new AthanorError('this transaction is over (committed or rolled back): database(tx) cannot open sessions in it any more');
}

/**
 * The transaction's connection as one session sees it: the session's
 * transaction is a savepoint, and releasing gives the turn back, not the
 * connection (the transaction's owner ends and releases that).
 */
export class SavepointConnection extends Connection {
  private savepointOpen = false;
  private sessionTransaction = false;
  private done = false;

  constructor(
    private readonly outer: Transaction,
    /** The savepoint bracketing the session's work. */
    readonly savepointName: string,
    private readonly endTurn: () => void,
  ) {
    super(outer.core, outer.runner);
  }

  /** SAVEPOINT: everything the session does from here on can be undone alone. */
  async open(): Promise<void> {
    const runner = await this.lease();
    await runner.control(this.outer.core.dialect.savepointStatement(this.savepointName));
    this.savepointOpen = true;
  }

  /** @internal */
  protected override async lease(): Promise<Runner> {
    if (this.done) throw new ConnectionReleasedError('this connection was released');
    if (!this.outer.isActive) throw inactive();
    return this.outer.runner;
  }

  /** Inside the outer transaction: the session's writes go through its savepoint, never alone. */
  readonly joinedToOuter = true;

  /** The session's own transaction (its savepoint holds writes), not the outer one. */
  override get inTransaction(): boolean {
    return this.sessionTransaction;
  }

  /** The session's BEGIN: nothing to send, the savepoint is open already; isolation and read-only belong to the outer transaction. */
  override async begin(options: TransactionOptions = {}): Promise<void> {
    if (options.isolation !== undefined || options.readOnly !== undefined) {
      throw new UnsupportedError(
        'a session joined to a transaction (database(tx)) runs in that transaction: it cannot set isolation or read-only mode; ' +
          'give those to the transaction (engine.openTransaction({ isolation: ... })) instead',
      );
    }
    await this.lease();
    this.sessionTransaction = true;
  }

  /** The session's COMMIT: RELEASE SAVEPOINT. Its writes stay in the outer transaction, which decides their fate. */
  override async commit(): Promise<void> {
    const runner = await this.lease();
    this.sessionTransaction = false;
    this.savepointOpen = false;
    await runner.control(this.outer.core.dialect.releaseSavepointStatement(this.savepointName));
  }

  /** The session's ROLLBACK: back to the savepoint, then release it; the outer transaction carries on. */
  override async rollback(): Promise<void> {
    this.sessionTransaction = false;
    // The outer transaction ended first (a test's afterEach): its ROLLBACK took the savepoint with it.
    if (!this.outer.isActive || !this.savepointOpen) return;
    this.savepointOpen = false;
    const runner = this.outer.runner;
    const dialect = this.outer.core.dialect;
    await runner.control(dialect.rollbackToSavepointStatement(this.savepointName));
    await runner.control(dialect.releaseSavepointStatement(this.savepointName));
  }

  /**
   * Hand the transaction's connection to the next session. A savepoint still
   * open (a session that only read, or one closed mid-way) is rolled back to
   * first, which also clears a failed statement's mark on PostgreSQL.
   */
  override async release(): Promise<void> {
    if (this.done) return;
    try {
      if (this.savepointOpen && this.outer.isActive && !this.outer.runner.broken) await this.rollback();
    } finally {
      this.done = true;
      this.savepointOpen = false;
      this.endTurn();
    }
  }
}

/** The sessions of `database(tx)`: one source per transaction. */
const sourcesByTransaction = new WeakMap<Transaction, TransactionSessions>();

/** @internal The session source over `tx` (`database(tx)`), the same one for every call on one transaction. */
export function sessionsIn(tx: Transaction): TransactionSessions {
  let source = sourcesByTransaction.get(tx);
  if (!source) {
    source = new TransactionSessions(tx);
    sourcesByTransaction.set(tx, source);
  }
  return source;
}
