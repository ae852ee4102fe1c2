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

/**
 * One failed check of a {@link ValidationError}: which object (its model and, once it has one, its key), which
 * attribute (undefined for a failure of the whole object), the value, and what is wrong with it.
 */
export interface ValidationIssue {
  readonly model: string;
  /** The object that failed. */
  readonly object: object;
  /** Its primary key (an array for a composite key); undefined while it has none (a new object). */
  readonly key: unknown;
  /** The attribute that failed, or undefined when the model's `validate()` failed the object as a whole. */
  readonly attribute: string | undefined;
  /** The attribute's value (undefined for a failure of the whole object). */
  readonly value: unknown;
  readonly message: string;
}

/**
 * Objects failed their validators (a column's `validate()`, a model's `validate()`). A flush checks every object it
 * would write before any SQL and reports every failure at once; nothing is written and the session is as it was.
 *
 * ```ts
 * try { await s.commit(); } catch (e) {
 *   if (e instanceof ValidationError) for (const i of e.issues) console.log(i.model, i.key, i.attribute, i.message);
 * }
 * // ValidationError: 2 validation failures: User(pending).email must contain @, got "nobody"; Event(4).endsAt must be after startsAt, ...
 * ```
 */
export class ValidationError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_VALIDATION';
  override name = 'ValidationError';
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(validationMessage(issues));
  }
}

const SHOWN_ISSUES = 10;

function validationMessage(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, SHOWN_ISSUES).map(describeIssue).join('; ');
  const more = issues.length > SHOWN_ISSUES ? `; and ${issues.length - SHOWN_ISSUES} more (see .issues)` : '';
  return `${issues.length} validation failure${issues.length === 1 ? '' : 's'}: ${shown}${more}`;
}

function describeIssue(issue: ValidationIssue): string {
  const who = objectLabel(issue.model, issue.key);
  if (issue.attribute === undefined) return `${who}: ${issue.message}`;
  return `${who}.${issue.attribute} ${issue.message}, got ${showValue(issue.value)}`;
}

/** `Post(7)`, `Item(1, 2)` for a composite key, `Post(pending)` for an object without one yet. */
function objectLabel(model: string, key: unknown): string {
  return `${model}(${key === undefined ? 'pending' : Array.isArray(key) ? key.map(String).join(', ') : String(key)})`;
}

function showValue(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  if (typeof value === 'bigint') return `${value}n`;
  const text = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value) : JSON.stringify(value);
  return text ?? String(value);
}

/**
 * The lifecycle hooks: per object (model methods) and per flush (the session's `beforeFlush`).
 *
 * ```ts
 * try { await s.commit(); }
 * catch (e) { if (e instanceof LifecycleHookError && e.hook === 'afterInsert') ... }
 * ```
 */
export type HookName = 'beforeFlush' | 'beforeInsert' | 'afterInsert' | 'beforeUpdate' | 'afterUpdate' | 'beforeDelete' | 'afterDelete' | 'afterLoad' | 'validate';

/**
 * A lifecycle hook threw (or its promise rejected). What it threw is the `cause`; the message names the hook and
 * the object. A before-hook's failure writes nothing; an after-hook's rolls the transaction back (everything it
 * wrote is pending again, as after a failed COMMIT).
 *
 * ```ts
 * try { await s.commit(); }
 * // LifecycleHookError: Post(pending).beforeInsert threw: no author
 * catch (e) { if (e instanceof LifecycleHookError && e.cause instanceof Forbidden) ... }
 * ```
 */
export class LifecycleHookError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_HOOK';
  override name = 'LifecycleHookError';
  constructor(
    readonly hook: HookName,
    /** The model whose hook threw (undefined for the session's `beforeFlush`). */
    readonly model: string | undefined,
    /** The object the hook ran for. */
    readonly object: object | undefined,
    /** Its primary key; undefined while it has none. */
    readonly key: unknown,
    cause: unknown,
  ) {
    const who = model === undefined ? '' : `${objectLabel(model, key)}.`;
    super(`${who}${hook} threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * A query filter that needs parameters (a tenant id) applies to a query, but neither the query nor its session
 * gave them. The filter is not skipped: a tenant filter left without its tenant must not return every tenant's rows.
 *
 * ```ts
 * await db.session((s) => s.query(Post).all());
 * // FilterParametersError: filter "tenant" applies to Post but has no parameters: open the session with
 * // { filters: [tenant.with({ ... })] }, or call .withFilters(tenant.with({ ... })) on the query
 * ```
 */
export class FilterParametersError extends InvalidRequestError {
  override readonly code: AthanorErrorCode = 'ATH_FILTER_PARAMETERS';
  override name = 'FilterParametersError';
  constructor(
    /** The filter's name. */
    readonly filter: string,
    /** The model it applies to. */
    readonly model: string,
  ) {
    super(
      `filter "${filter}" applies to ${model} but has no parameters: open the session with { filters: [${filter}.with({ ... })] }, ` +
        `or call .withFilters(${filter}.with({ ... })) on the query (or .withoutFilters(${filter}) to leave it out)`,
    );
  }
}

/**
 * A keyset-pagination cursor that this query cannot use: not one Athanor wrote, damaged, written for another
 * ordering or another model, or holding a value its column cannot take. `reason` says which.
 *
 * ```ts
 * s.query(Post).orderBy(Post.createdAt.desc()).after('garbage' as PageCursor<typeof Post>);
 * // InvalidCursorError: invalid cursor for Post: not a cursor Athanor wrote (not base64url JSON)
 * ```
 */
export class InvalidCursorError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_INVALID_CURSOR';
  override name = 'InvalidCursorError';
  constructor(
    readonly model: string,
    readonly reason: string,
  ) {
    super(`invalid cursor for ${model}: ${reason}`);
  }
}

/**
 * A query that keyset pagination cannot page: its ordering names something other than the queried model's own
 * columns, a nullable column, or the query also has an offset.
 *
 * ```ts
 * s.query(Post).orderBy(Post.publishedAt).paginate({ first: 20 });
 * // PaginationError: Post: keyset pagination cannot order by post.published_at: the column is nullable ...
 * ```
 */
export class PaginationError extends InvalidRequestError {
  override readonly code: AthanorErrorCode = 'ATH_PAGINATION';
  override name = 'PaginationError';
}
