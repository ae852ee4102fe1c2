/**
 * Typed errors. Every error Athanor raises has a stable `code` and a message
 * that names what was wrong: the table, column, constraint or value.
 */

export class AthanorError extends Error {
  readonly code: string = 'ATH_ERROR';
  override name = 'AthanorError';
}

/** A statement failed on the database. Carries the SQL and the parameters. */
export class StatementError extends AthanorError {
  override readonly code: string = 'ATH_STATEMENT';
  override name = 'StatementError';
  constructor(
    message: string,
    readonly sql: string,
    readonly parameters: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type IntegrityKind = 'unique' | 'foreignKey' | 'notNull' | 'check';

/** A constraint rejected the statement: unique, foreign key, not null or check. */
export class IntegrityError extends StatementError {
  override readonly code: string = 'ATH_INTEGRITY';
  override name = 'IntegrityError';
  constructor(
    message: string,
    readonly kind: IntegrityKind,
    readonly constraint: string | undefined,
    readonly table: string | undefined,
    readonly column: string | undefined,
    sql: string,
    parameters: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(message, sql, parameters, options);
  }
}

/** A serialization failure or deadlock: the transaction may be retried as a whole. */
export class SerializationError extends StatementError {
  override readonly code: string = 'ATH_SERIALIZATION';
  override name = 'SerializationError';
  readonly retryable = true;
}

/** The database could not be reached, or the connection broke. */
export class ConnectionError extends AthanorError {
  override readonly code: string = 'ATH_CONNECTION';
  override name = 'ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `one()` found no row, or more than one. */
export class NoResultError extends AthanorError {
  override readonly code: string = 'ATH_NO_RESULT';
  override name = 'NoResultError';
}
export class MultipleResultsError extends AthanorError {
  override readonly code: string = 'ATH_MULTIPLE_RESULTS';
  override name = 'MultipleResultsError';
}

/** A construct the dialect cannot express (e.g. FULL JOIN on MySQL). */
export class UnsupportedError extends AthanorError {
  override readonly code: string = 'ATH_UNSUPPORTED';
  override name = 'UnsupportedError';
}

/**
 * A builder method got an argument it cannot use: a string where a column or an
 * expression belongs, a limit that is not a non-negative integer, a string that
 * is not well-formed Unicode. Thrown while the statement is built, before any
 * SQL is sent; `method` names the method and `value` is what it got.
 *
 * ```ts
 * select(artist.c.id).from(artist).limit('10');
 * // InvalidArgumentError: limit() takes a non-negative integer or an SQL expression, got "10" (a string)
 * ```
 */
export class InvalidArgumentError extends AthanorError {
  override readonly code: string = 'ATH_INVALID_ARGUMENT';
  override name = 'InvalidArgumentError';
  constructor(
    message: string,
    readonly method: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}
