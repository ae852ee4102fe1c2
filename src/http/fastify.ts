/**
 * A session per request for Fastify, through its hooks; Fastify is described
 * by the few members used here, not imported.
 *
 * ```ts
 * import Fastify from 'fastify';
 * const app = Fastify();
 * fastifySessionPerRequest(app, db);
 * app.post('/posts', async (request, reply) => {
 *   const post = new Post(request.body as PostInit);
 *   currentSession().add(post);
 *   await currentSession().flush();
 *   return reply.code(201).send(post); // COMMIT in onSend, before the payload goes out
 * });
 * ```
 * Call it on the root instance (or inside a plugin for that plugin's routes
 * only, as Fastify scopes hooks).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../orm/database.js';
import { SessionScope } from '../orm/scope.js';
import { endWithResponse, outcomeFor, type SessionPerRequestOptions } from './response.js';

/** The part of a Fastify request used here. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
}

/** The part of a Fastify reply used here. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  readonly statusCode: number;
}

type Done = (error?: Error) => void;

/** The part of a Fastify instance used here: three hooks. */
export interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void): unknown;
  addHook(name: 'preHandler', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void): unknown;
  addHook(name: 'onSend', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown) => Promise<unknown>): unknown;
}

/**
 * Give each request of `app` a session (`currentSession()` in its handlers):
 * opened on first use, committed in `onSend` when the status is below 400
 * (before the payload goes out; a failed commit becomes Fastify's error
 * response), rolled back on an error status or when the client goes away,
 * and closed in every case.
 *
 * ```ts
 * import Fastify from 'fastify';
 * const app = Fastify();
 * fastifySessionPerRequest(app, db, { commitWhen: (status) => status < 300 });
 * ```
 */
export function fastifySessionPerRequest(app: FastifyLike, db: Database, options: SessionPerRequestOptions = {}): void {
  const scopes = new WeakMap<IncomingMessage, SessionScope>();
  app.addHook('onRequest', (request, reply, done) => {
    const scope = new SessionScope(db, options.session);
    scopes.set(request.raw, scope);
    // The response's end and close are the safety net: a reply that bypasses onSend, a client that leaves.
    endWithResponse(scope, reply.raw, options);
    scope.run(() => done());
  });
  // Body parsing resumes outside the request's context: enter it again right before the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    const scope = scopes.get(request.raw);
    if (scope) scope.run(() => done());
    else done();
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const scope = scopes.get(request.raw);
    // A failed commit throws here: Fastify answers with its error handler (whose onSend finds the scope ended).
    if (scope && scope.used && !scope.ended) {
      try {
        await scope.end(outcomeFor(reply.statusCode, options));
      } catch (error) {
        options.onCommitError?.(error);
        throw error;
      }
    }
    return payload;
  });
}
