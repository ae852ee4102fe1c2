/**
 * Driver errors become Athanor's typed errors, with the constraint, table and
 * column named when the database says which, the SQL attached, and the
 * original error kept as `cause`.
 *
 * @internal
 */

import type { Dialect, ErrorClassification } from '../dialects/dialect.js';
import { AthanorError, ConnectionError, IntegrityError, LockTimeoutError, SerializationError, StatementError, type IntegrityKind, type TransactionConflict } from '../errors.js';
import { assertNever } from '../sql/nodes.js';
import type { ExecutionKind } from './events.js';

/** What the runner knows of a failed statement, to tell whether running it again is safe. */
export interface FailureContext {
  /** The driver reported the connection broken: any failure on it is a lost connection. */
  readonly lost: boolean;
  /** A transaction was open (the server rolls it back when the session ends). */
  readonly inTransaction: boolean;
  /** The statement was the COMMIT itself. */
  readonly commit: boolean;
  readonly kind: ExecutionKind;
}

/** Raw statements that only read, for the retry rule. */
const READS = /^\s*(SELECT|VALUES|SHOW|EXPLAIN|TABLE)\b/i;

/**
 * Whether work cut off by a lost connection can simply run again. An open
 * transaction dies with its session, so nothing of it was kept; a COMMIT
 * may or may not have taken effect before the connection went; a write
 * outside a transaction may have been applied.
 */
function safeToRunAgain(context: FailureContext, sql: string): boolean {
  if (context.commit) return false;
  if (context.inTransaction) return true;
  const kind = context.kind;
  switch (kind) {
    case 'transaction':
    case 'select':
    case 'compound':
      return true;
    case 'rawStatement':
      return READS.test(sql);
    case 'insert':
    case 'update':
    case 'delete':
    case 'copy':
      return false;
    default:
      return assertNever(kind, 'statement kind');
  }
}

function lostConnection(original: string, sql: string, cause: unknown, context: FailureContext): ConnectionError {
  const retryable = safeToRunAgain(context, sql);
  const advice = retryable
    ? context.inTransaction
      ? 'the server rolled the transaction back, so it can be run again as a whole'
      : 'nothing was applied, so it can be run again'
    : context.commit
      ? 'the COMMIT may have been applied or not: check before running the transaction again'
      : 'the statement ran outside a transaction and may have been applied: check before running it again';
  return new ConnectionError(
    `connection lost during the statement: ${original}. The connection was discarded (the next call gets a new one); ${advice}.\n  SQL: ${shownSql(sql)}`,
    { cause, retryable },
  );
}

const INTEGRITY_WORDS: Record<IntegrityKind, string> = {
  unique: 'unique constraint',
  foreignKey: 'foreign key constraint',
  notNull: 'not-null constraint',
  check: 'check constraint',
};

const CONFLICT_WORDS: Record<TransactionConflict, string> = {
  serialization: 'serialization failure: a concurrent transaction changed what this one read',
  deadlock: 'deadlock: the server aborted this transaction to break a lock cycle',
  certification: 'certification conflict: another cluster node committed a conflicting write first',
  busy: 'the database is locked by another connection, and waiting inside this transaction could deadlock',
  lockTimeout: 'a lock wait ran out',
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

/**
 * A typed error for a failed statement. `context` comes from the runner; without it
 * (the engine's own first statement) a connection error is retryable as the dialect says.
 */
export function translateError(
  dialect: Dialect | undefined,
  error: unknown,
  sql: string,
  parameters: readonly unknown[],
  context?: FailureContext,
): Error {
  if (isOwnError(error)) return error;
  const classification: ErrorClassification = dialect ? dialect.classifyError(error, sql) : { kind: 'other' };
  const original = driverMessage(error);
  const options = { cause: error };
  if (context && (classification.kind === 'connection' || (context.lost && classification.kind === 'other'))) {
    return lostConnection(original, sql, error, context);
  }
  switch (classification.kind) {
    case 'unique':
    case 'foreignKey':
    case 'notNull':
    case 'check': {
      const kind = classification.kind;
      return new IntegrityError(
        `${INTEGRITY_WORDS[kind]}${target(classification)} violated: ${original}${classification.hint ? `\n  ${classification.hint}` : ''}\n  SQL: ${shownSql(sql)}`,
        kind,
        classification.constraint,
        classification.table,
        classification.column,
        sql,
        parameters,
        { cause: error, key: classification.key },
      );
    }
    case 'serialization': {
      const conflict = classification.conflict ?? 'serialization';
      return new SerializationError(
        `${CONFLICT_WORDS[conflict]}; the transaction can be retried as a whole: ${original}\n  SQL: ${shownSql(sql)}`,
        sql,
        parameters,
        { cause: error, conflict, retryable: classification.retryable ?? true },
      );
    }
    case 'lockTimeout': {
      const retryable = classification.retryable ?? true;
      const advice = retryable ? 'the transaction can be retried as a whole' : 'nothing of the statement was kept';
      return new LockTimeoutError(
        `${classification.hint ?? 'a lock stayed held by another connection'}; ${advice}: ${original}\n  SQL: ${shownSql(sql)}`,
        classification.resource,
        classification.waitedMs,
        sql,
        parameters,
        { cause: error, retryable },
      );
    }
    case 'connection':
      return new ConnectionError(`connection failed: ${original}\n  SQL: ${shownSql(sql)}`, {
        cause: error,
        retryable: classification.retryable ?? true,
      });
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

/**
 * A typed error for a failure to connect: retryable unless the dialect says
 * retrying cannot help (a wrong password, a database that does not exist).
 */
export function connectionError(library: string, target: string, error: unknown, dialect?: Dialect): ConnectionError {
  if (error instanceof ConnectionError) return error;
  const classification = dialect?.classifyError(error);
  const retryable = classification?.kind === 'connection' ? (classification.retryable ?? true) : true;
  return new ConnectionError(`could not connect to ${target} (${library}): ${driverMessage(error)}`, { cause: error, retryable });
}

/** A URL fit for messages: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
