/**
 * Ending a request's session with its response, on Node's `ServerResponse`
 * (what node:http, Express and Fastify's `reply.raw` all are).
 *
 * The commit runs before the response is finished: `res.end()` waits for it,
 * so a client told 201 knows the write landed, and a commit that fails turns
 * the response into a 500 instead (when no byte was sent yet; a streamed body
 * whose commit fails is cut off). A response that closes before it finished
 * (the client went away, the socket died) rolls back.
 *
 * @internal
 */

import type { ServerResponse } from 'node:http';
import type { SessionOptions } from '../orm/session.js';
import type { ScopeOutcome, SessionScope } from '../orm/scope.js';

/** Options of the HTTP adapters. */
export interface SessionPerRequestOptions {
  /** Options of each request's session (autoflush, transaction options). */
  readonly session?: SessionOptions;
  /**
   * Whether a response with this status code commits the request's session;
   * default: below 400 (an error status rolls back, thrown errors included, since
   * frameworks answer them with 500).
   */
  readonly commitWhen?: (statusCode: number) => boolean;
  /**
   * Told of a commit that failed (to log it). The response becomes a 500 when
   * nothing was sent yet; a streamed one is cut off.
   */
  readonly onCommitError?: (error: unknown) => void;
}

/** @internal The outcome a finished response asks for. */
export function outcomeFor(statusCode: number, options: SessionPerRequestOptions): ScopeOutcome {
  const commits = options.commitWhen ?? ((status: number) => status < 400);
  return commits(statusCode) ? 'commit' : 'rollback';
}

type End = ServerResponse['end'];

/**
 * @internal End `scope` with `res`: `res.end()` commits (or rolls back) first,
 * and a response that closes unfinished rolls back.
 */
export function endWithResponse(scope: SessionScope, res: ServerResponse, options: SessionPerRequestOptions): void {
  const end = res.end as (...args: unknown[]) => ServerResponse;
  res.end = function endAfterSession(this: ServerResponse, ...args: unknown[]): ServerResponse {
    // Restore at once: a second end() (or ours, below) goes straight to Node.
    res.end = end as End;
    if (!scope.used) {
      // Nothing to commit: the response goes out now, and the scope refuses later use.
      void scope.end('rollback');
      return end.apply(res, args);
    }
    // Ended already (Fastify's onSend committed): a failure there was answered by the framework's error handler.
    const endedBefore = scope.ended;
    scope.end(outcomeFor(res.statusCode, options)).then(
      () => end.apply(res, args),
      (error: unknown) => {
        if (endedBefore) return end.apply(res, args);
        options.onCommitError?.(error);
        if (res.headersSent) {
          res.destroy(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        end.call(res, 'Internal Server Error: the changes of this request could not be committed');
      },
    );
    return res;
  } as End;
  res.once('close', () => {
    // Unfinished: the client went away, or the handler never answered before the socket closed.
    if (!scope.ended) void scope.end('rollback').catch(() => undefined);
  });
}
