/**
 * Sessions run again after a conflict: `db.session(fn, { retry })`.
 *
 * Each attempt is a session of its own. The one that lost is rolled back and
 * closed before the next begins, so nothing of it reaches the next: its
 * identity map goes with it (the next attempt loads every row afresh, as the
 * winner left it), objects it loaded are detached, objects it inserted are
 * transient again with their database-generated keys cleared. `fn` must
 * therefore load and create the objects it works on itself, from its
 * session: an object created outside and added inside keeps, in the next
 * attempt, whatever `fn` changed on it in the one that failed.
 *
 * ```ts
 * await db.session(async (s) => {
 *   const song = await s.get(Song, 1);
 *   song!.plays += 1;
 * }, { transaction: { isolation: 'serializable' }, retry: { attempts: 5 } });
 * ```
 */

import type { RetrySetting } from '../core/engine/retry.js';
import type { SessionOptions } from './session.js';

/**
 * The options of `db.session(fn, options)`: the session's, and whether to run `fn` again in a new session when its
 * transaction loses to a concurrent one (see `RetryOptions`: attempts, backoff, `onRetry`).
 *
 * ```ts
 * await db.session(async (s) => { ... }, { transaction: { isolation: 'serializable' }, retry: { attempts: 5, onRetry: (e) => log.warn(e.error.message) } });
 * ```
 */
export interface SessionRunOptions extends SessionOptions {
  readonly retry?: RetrySetting;
}
