/**
 * ORM errors. Each names the model, attribute or relationship involved and,
 * where there is one, the fix in Athanor's API.
 */

import { AthanorError, IntegrityError, type AthanorErrorCode } from '../core/errors.js';

/** Misuse of the ORM API: an unknown attribute, a wrong model, a detached object. */
export class InvalidRequestError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_INVALID_REQUEST';
  override name = 'InvalidRequestError';
}

/**
 * A relationship was read synchronously but has not been loaded. Reading never
 * performs hidden I/O: load it explicitly or ask the query to load it.
 */
export class NotLoadedError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_NOT_LOADED';
  override name = 'NotLoadedError';
  constructor(
    readonly model: string,
    readonly relationship: string,
    message?: string,
  ) {
    super(
      message ??
        `${model}.${relationship} is not loaded. Load it with \`await obj.${relationship}.load()\` ` +
          `(or \`await session.load(obj, '${relationship}')\`), or ask the query for it: ` +
          `\`.options(selectinLoad(${model}.${relationship}))\` or \`.options(joinedLoad(${model}.${relationship}))\`.`,
    );
  }
}

/** A `raise` / `raiseOnSql` loading strategy refused to emit SQL for a relationship. */
export class RaiseLoadError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_RAISE_LOAD';
  override name = 'RaiseLoadError';
  constructor(
    readonly model: string,
    readonly relationship: string,
  ) {
    super(
      `${model}.${relationship} is configured not to load lazily (raise). Load it in the query that fetches ` +
        `${model}: \`.options(selectinLoad(${model}.${relationship}))\` or \`.options(joinedLoad(${model}.${relationship}))\`.`,
    );
  }
}

/** An UPDATE or DELETE matched fewer rows than expected: someone else changed or deleted them (version check). */
export class StaleDataError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_STALE_DATA';
  override name = 'StaleDataError';
  constructor(
    message: string,
    readonly model: string,
    readonly expected: number,
    readonly matched: number,
  ) {
    super(message);
  }
}

/** A flush failed. Wraps the database error and names the object whose row it was writing. */
export class FlushError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_FLUSH';
  override name = 'FlushError';
}

/** An object was used with a session it does not belong to, or after its session closed. */
export class DetachedInstanceError extends InvalidRequestError {
  override readonly code: AthanorErrorCode = 'ATH_DETACHED';
  override name = 'DetachedInstanceError';
}

/**
 * A constraint rejected a row the flush was writing. Still an `IntegrityError`
 * (kind, constraint, table), and it names the object(s) whose row it was.
 */
export class FlushIntegrityError extends IntegrityError {
  override name = 'IntegrityError';
  constructor(
    source: IntegrityError,
    /** The objects whose row failed, when the database said which; else every object of that statement. */
    readonly objects: readonly object[],
    description: string,
  ) {
    super(`${source.message}\n  while flushing ${description}`, source.kind, source.constraint, source.table, source.column, source.sql, source.parameters, {
      cause: source.cause ?? source,
    });
  }
}
