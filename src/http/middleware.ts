/**
 * A session per request for Express, Connect and plain node:http: the
 * middleware shape `(req, res, next)`, typed with Node's own request and
 * response (Express's extend them), so nothing of Express is imported.
 *
 * ```ts
 * import express from 'express';
 * const app = express();
 * app.use(express.json());               // body parsers first: see below
 * app.use(sessionPerRequest(db));
 * app.post('/posts', async (req, res) => {
 *   const post = new Post(req.body);
 *   currentSession().add(post);
 *   await currentSession().flush();      // INSERT INTO "post" ... RETURNING "post"."id"
 *   res.status(201).json(post);          // COMMIT, then the response goes out
 * });
 * ```
 * Register it after middleware that waits for the request body (`express.json()`):
 * such middleware resumes from the socket's events, outside the context the
 * request started in, and `currentSession()` would not find the session.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../orm/database.js';
import { SessionScope } from '../orm/scope.js';
import { endWithResponse, type SessionPerRequestOptions } from './response.js';

/** A middleware: `(req, res, next)`, as Express and Connect call it. */
export type RequestMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Middleware giving each request a session (`currentSession()` in its
 * handlers): opened on first use, committed when the response ends with a
 * status below 400 (before the response goes out), rolled back on an error
 * status or when the client goes away, and closed in every case.
 *
 * ```ts
 * app.use(sessionPerRequest(db, { onCommitError: (e) => log.error(e) }));
 * // node:http: sessionPerRequest(db)(req, res, () => handle(req, res))
 * ```
 */
export function sessionPerRequest(db: Database, options: SessionPerRequestOptions = {}): RequestMiddleware {
  return (_req, res, next) => {
    const scope = new SessionScope(db, options.session);
    endWithResponse(scope, res, options);
    scope.run(() => next());
  };
}
