/**
 * Driver errors become Athanor's typed errors, with the constraint, table and
 * column named when the database says which, the SQL attached, and the
 * original error kept as `cause`.
 *
 * @internal
 */

import type { Dialect, ErrorClassification } from '../dialects/dialect.js';
import { AthanorError, ConnectionError, IntegrityError, SerializationError, StatementError, type IntegrityKind } from '../errors.js';

const INTEGRITY_WORDS: Record<IntegrityKind, string> = {
  unique: 'unique constraint',
  foreignKey: 'foreign key constraint',
  notNull: 'not-null constraint',
  check: 'check constraint',
};

/** The driver's message; Node's AggregateError (every address refused) has an empty one. */
export function driverMessage(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    return error.errors.map((e: unknown) => driverMessage(e)).join('; ') || 'connection failed';
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === 'string' ? code : error.name);
  }
  return String(error);
}

function target(c: ErrorClassification): string {
  const parts: string[] = [];
  if (c.constraint) parts.push(`"${c.constraint}"`);
  const where = c.table && c.column ? `"${c.table}"."${c.column}"` : c.table ? `"${c.table}"` : c.column ? `column "${c.column}"` : '';
  if (where) parts.push(`on ${where}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/**
 * Athanor's own errors pass through untouched, including those that are not
 * AthanorErrors by class (InvalidValueError is a TypeError, SchemaError an
 * Error) but carry an `ATH_` code: e.g. a bad value met while a COPY streams.
 */
function isOwnError(error: unknown): error is Error {
  if (error instanceof AthanorError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ATH_');
}

/** A typed error for a failed statement. */
export function translateError(dialect: Dialect | undefined, error: unknown, sql: string, parameters: readonly unknown[]): Error {
  if (isOwnError(error)) return error;
  const classification: ErrorClassification = dialect ? dialect.classifyError(error) : { kind: 'other' };
  const original = driverMessage(error);
  const options = { cause: error };
  switch (classification.kind) {
    case 'unique':
    case 'foreignKey':
    case 'notNull':
    case 'check': {
      const kind = classification.kind;
      return new IntegrityError(
        `${INTEGRITY_WORDS[kind]}${target(classification)} violated: ${original}\n  SQL: ${shownSql(sql)}`,
        kind,
        classification.constraint,
        classification.table,
        classification.column,
        sql,
        parameters,
        options,
      );
    }
    case 'serialization':
      return new SerializationError(
        `serialization failure or deadlock; the transaction can be retried: ${original}\n  SQL: ${shownSql(sql)}`,
        sql,
        parameters,
        options,
      );
    case 'connection':
      return new ConnectionError(`connection failed: ${original}\n  SQL: ${shownSql(sql)}`, options);
    case 'other':
      return new StatementError(`${original}\n  SQL: ${shownSql(sql)}`, sql, parameters, options);
  }
}

/** The most SQL text an error message quotes (the error's `sql` property keeps it whole). */
const SQL_IN_MESSAGE = 1000;

/** SQL for a message: a multi-row INSERT can be megabytes of placeholders, so long text is cut. */
function shownSql(sql: string): string {
  return sql.length <= SQL_IN_MESSAGE ? sql : `${sql.slice(0, SQL_IN_MESSAGE)}... (${sql.length} characters; the whole text is in error.sql)`;
}

/** A typed error for a failure to connect. */
export function connectionError(library: string, target: string, error: unknown): ConnectionError {
  if (error instanceof ConnectionError) return error;
  return new ConnectionError(`could not connect to ${target} (${library}): ${driverMessage(error)}`, { cause: error });
}

/** A URL fit for messages: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
