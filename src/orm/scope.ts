/**
 * A session per unit of work (a request, a job), reachable from any code that
 * runs inside it without passing it down: `withSession(db, fn)` opens it,
 * `currentSession()` finds it through AsyncLocalStorage.
 *
 * ```ts
 * async function rename(id: number, name: string): Promise<void> {
 *   const user = await currentSession().get(User, id); // the caller's session
 *   if (user) user.username = name;
 * }
 * await withSession(db, () => rename(7, 'ada')); // SELECT ...; UPDATE "user" SET "username" = ? WHERE ... (alone: no BEGIN, no COMMIT)
 * ```
 * A scope creates its session on first use, and the session takes its
 * connection on its first statement: a request that never touches the
 * database costs nothing. The HTTP adapters (`athanor/http`) end a scope when
 * the response goes out (commit on success, rollback on error) and when the
 * client goes away (rollback); either way the connection goes back.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database } from './database.js';
import { InvalidRequestError } from './errors.js';
import type { Session, SessionOptions } from './session.js';

const scopes = new AsyncLocalStorage<SessionScope>();

/** How a scope ended: its session committed, or rolled back (an error, an error status, a client that left). */
export type ScopeOutcome = 'commit' | 'rollback';

/**
 * One unit of work's session, created on first use and ended once.
 *
 * ```ts
 * const scope = new SessionScope(db);
 * await scope.run(async () => { currentSession().add(new User({ username: 'ada', email: 'ada@example.org' })); });
 * await scope.end('commit'); // INSERT ... (alone: no BEGIN, no COMMIT), then the connection goes back
 * ```
 */
export class SessionScope {
  private opened: Session | undefined;
  private ending: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: SessionOptions = {},
  ) {}

  /** The scope's session, opened now if it was not yet. Refused once the scope has ended (it would never be closed). */
  get session(): Session {
    if (this.ending) {
      throw new InvalidRequestError(
        'the session of this scope has ended (its response was sent, or its client went away): ' +
          'finish the work with the database before responding',
      );
    }
    return (this.opened ??= this.db.openSession(this.options));
  }

  /** True once the session was asked for. */
  get used(): boolean {
    return this.opened !== undefined;
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.ending !== undefined;
  }

  /** Run `fn` with this scope as the one `currentSession()` finds (in `fn` and everything it awaits). */
  run<T>(fn: () => T): T {
    return scopes.run(this, fn);
  }

  /**
   * Commit or roll back, then close the session (its connection goes back).
   * Only the first call acts; later ones return its promise. A failed commit
   * rejects, with the session closed (its transaction rolled back).
   */
  end(outcome: ScopeOutcome): Promise<void> {
    this.ending ??= this.finish(outcome);
    return this.ending;
  }

  private async finish(outcome: ScopeOutcome): Promise<void> {
    const session = this.opened;
    if (!session) return;
    try {
      if (outcome === 'commit') await session.commit();
    } finally {
      await session.close();
    }
  }
}

/**
 * Run `fn` in a new session that `currentSession()` returns anywhere inside it:
 * committed when `fn` resolves, rolled back when it throws, closed either way
 * (as `db.session(fn)`). A `withSession` inside another opens a session of its
 * own; the inner one is current inside it.
 *
 * ```ts
 * const id = await withSession(db, async (s) => {
 *   const post = new Post({ tenantId: 1, blogId: 7, title: 'Hello' });
 *   s.add(post);
 *   await s.flush();
 *   return post.id;
 * }); // INSERT INTO "post" ... RETURNING "post"."id"; COMMIT
 * ```
 */
export async function withSession<T>(db: Database, fn: (session: Session) => Promise<T>, options: SessionOptions = {}): Promise<T> {
  const scope = new SessionScope(db, options);
  return scope.run(async () => {
    let result: T;
    try {
      result = await fn(scope.session);
    } catch (error) {
      await scope.end('rollback').catch(() => undefined);
      throw error;
    }
    await scope.end('commit');
    return result;
  });
}

/**
 * The session of the `withSession()` call or the request (`athanor/http`) this
 * code runs in; an `InvalidRequestError` outside of one.
 *
 * ```ts
 * const posts = await currentSession().query(Post).where(Post.authorId.eq(id)).all();
 * ```
 */
export function currentSession(): Session {
  const scope = scopes.getStore();
  if (!scope) {
    throw new InvalidRequestError(
      'currentSession() was called outside withSession() and outside a request handled by sessionPerRequest(): ' +
        'wrap the work in withSession(db, fn). With Express, register body parsers before sessionPerRequest(): ' +
        'a middleware that waits for the request body resumes outside the request\'s context.',
    );
  }
  return scope.session;
}
