/**
 * The ORM's entry point: sessions over an engine.
 *
 * ```ts
 * const db = database(createEngine('sqlite::memory:'));
 * await db.session(async (s) => {
 *   s.add(new Artist({ name: 'Bob Dylan' }));
 * }); // committed once here; rolled back if the callback throws
 * ```
 */

import type { Dialect } from '../core/dialects/dialect.js';
import { Transaction } from '../core/engine/executor.js';
import { sessionsIn } from '../core/engine/joined.js';
import type { ConnectionSource } from './port.js';
import { Session, type SessionOptions } from './session.js';
import { retryPolicy, runRetried } from '../core/engine/retry.js';
import type { SessionRunOptions } from './retry.js';
import type { Query } from './query/query.js';
import type { PreparedQuery } from './query/prepared.js';
import type { ModelCtor } from './relationship.js';

export class Database {
  constructor(
    readonly source: ConnectionSource,
    private readonly defaults: SessionOptions = {},
  ) {}

  get dialect(): Dialect {
    return this.source.dialect;
  }

  /** A new session; the caller commits (or rolls back) and closes it. */
  openSession(options: SessionOptions = {}): Session {
    return new Session(this.source, { ...this.defaults, ...options });
  }

  /**
   * A query prepared once, for every session of this database to run with its placeholders' values: `build`
   * gets a session to build the query on (it never connects), and the query comes back compiled on first use
   * (see {@link PreparedQuery}).
   * ```ts
   * const userById = db.prepare((s) => s.query(User).where(User.id.eq(placeholder('id'))));
   * app.get('/users/:id', (req) => db.session((s) => userById.oneOrNull(s, { id: Number(req.params.id) })));
   * ```
   */
  prepare<M extends ModelCtor, R>(build: (session: Session) => Query<M, R>): PreparedQuery<M, R> {
    // A session that runs nothing holds nothing: no connection, no transaction, so there is nothing to close.
    return build(new Session(this.source, this.defaults)).prepare();
  }

  /**
   * Run `fn` in a session that commits once when it resolves and rolls back
   * when it throws; the session is closed either way. With `retry`, a
   * conflict (a serialization failure, also at COMMIT; a deadlock; SQLite's
   * busy lock) runs `fn` again in a new session (see src/orm/retry.ts).
   */
  async session<T>(fn: (session: Session) => Promise<T>, options: SessionRunOptions = {}): Promise<T> {
    const policy = retryPolicy(options.retry);
    if (policy) return runRetried(policy, () => this.session(fn, { ...options, retry: false }));
    const s = this.openSession(options);
    try {
      const result = await fn(s);
      await s.commit();
      return result;
    } catch (error) {
      await s.rollback().catch(() => undefined);
      throw error;
    } finally {
      await s.close();
    }
  }
}

/**
 * Sessions over an engine (anything that can hand out session connections), or
 * inside a transaction they do not own.
 *
 * Given a transaction (`engine.openTransaction()`, or the `tx` of
 * `engine.transaction(fn)`), every session runs in it inside a savepoint of its
 * own: the session's commit releases the savepoint, its rollback (or a failed
 * first flush) rolls back to it, and the transaction's ROLLBACK undoes all of
 * them. Sessions take turns on the transaction's connection. This is how tests
 * run code that commits and still leave the database as they found it:
 *
 * ```ts
 * const tx = await engine.openTransaction();          // beforeEach
 * await registerUser(database(tx), 'ada');            // commits: SAVEPOINT athanor_session_1 ... RELEASE SAVEPOINT
 * await tx.rollback();                                // afterEach: ROLLBACK, nothing was written
 * ```
 */
export function database(source: ConnectionSource | Transaction, defaults: SessionOptions = {}): Database {
  return new Database(source instanceof Transaction ? sessionsIn(source) : source, defaults);
}
