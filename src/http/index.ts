/**
 * `athanor/http`: one session per request, committed when the response
 * succeeds, rolled back on an error or when the client goes away, always
 * closed. Framework-agnostic (`withSession`, `currentSession` come from the
 * ORM), with thin adapters typed structurally: Express, Connect and node:http
 * (`sessionPerRequest`), Fastify (`fastifySessionPerRequest`). Neither
 * framework is imported.
 *
 * ```ts
 * import { sessionPerRequest } from 'athanor/http';
 * app.use(sessionPerRequest(db));
 * ```
 */
export { sessionPerRequest, type RequestMiddleware } from './middleware.js';
export { fastifySessionPerRequest, type FastifyLike, type FastifyReplyLike, type FastifyRequestLike } from './fastify.js';
export type { SessionPerRequestOptions } from './response.js';
export { currentSession, withSession, SessionScope, type ScopeOutcome } from '../orm/scope.js';
