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
import type { ConnectionSource } from './port.js';
import { Session, type SessionOptions } from './session.js';
import { retryPolicy, runRetried } from '../core/engine/retry.js';
import type { SessionRunOptions } from './retry.js';

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

/** Sessions over an engine (anything that can hand out session connections). */
export function database(source: ConnectionSource, defaults: SessionOptions = {}): Database {
  return new Database(source, defaults);
}
