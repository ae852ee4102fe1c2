/**
 * Checks that a JavaScript value fits a column before any SQL is sent, so a
 * wrong value fails with the table, column and value named instead of a
 * driver error (or, worse, SQLite silently storing a string in an integer).
 */

import { AthanorError } from '../errors.js';
import type { ColumnMeta } from '../sql/nodes.js';
import { NOT_WELL_FORMED, codePointCount, expectedText, isWellFormed, show } from './strings.js';
import { describeType, type SqlType } from './types.js';
import type { ColumnDeclaration } from './column.js';

/**
 * A value does not fit its column (wrong type, NULL in a NOT NULL column, a
 * string that is not well-formed Unicode); `table` and `column` name it.
 *
 * ```ts
 * insert(song).values({ title: 'x', milliseconds: '300' });
 * // InvalidValueError: song.milliseconds (integer) expects an integer, got "300"
 * ```
 */
export class InvalidValueError extends AthanorError {
  override readonly code = 'ATH_INVALID_VALUE';
  override name = 'InvalidValueError';
  constructor(
    message: string,
    readonly table: string,
    readonly column: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMERIC_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Returns why `value` does not fit `type`, or undefined when it fits. Null is checked elsewhere. */
export function typeMismatch(type: SqlType, value: unknown): string | undefined {
  switch (type.kind) {
    case 'integer':
    case 'smallint':
      return Number.isInteger(value) ? undefined : 'an integer';
    case 'bigint':
      return typeof value === 'bigint' || Number.isInteger(value) ? undefined : 'an integer or a bigint';
    case 'real':
    case 'double':
      return typeof value === 'number' ? undefined : 'a number';
    case 'numeric':
      if (typeof value === 'number' && Number.isFinite(value)) return undefined;
      if (typeof value === 'bigint') return undefined;
      return typeof value === 'string' && NUMERIC_RE.test(value) ? undefined : 'a decimal string such as "12.50"';
    case 'text':
      if (typeof value !== 'string') return 'a string';
      return isWellFormed(value) ? undefined : NOT_WELL_FORMED;
    case 'varchar':
      if (typeof value !== 'string') return 'a string';
      // Databases count characters (code points); a string's length counts UTF-16 units, one or two per character.
      if (type.length !== undefined && value.length > type.length && codePointCount(value) > type.length) {
        return `at most ${type.length} characters`;
      }
      return isWellFormed(value) ? undefined : NOT_WELL_FORMED;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean';
    case 'date':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'a valid date' : undefined;
      return typeof value === 'string' && DATE_RE.test(value) ? undefined : 'a date string "YYYY-MM-DD"';
    case 'timestamp':
    case 'timestamptz':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'a valid Date' : undefined;
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : 'a Date';
    case 'json':
      return value === undefined || typeof value === 'function' || typeof value === 'symbol'
        ? 'a JSON value'
        : undefined;
    case 'uuid':
      return typeof value === 'string' && UUID_RE.test(value) ? undefined : 'a UUID string';
    case 'blob':
      return value instanceof Uint8Array ? undefined : 'a Uint8Array or Buffer';
    case 'enum':
      return typeof value === 'string' && (type.values ?? []).includes(value)
        ? undefined
        : `one of ${(type.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'custom':
      // The database alone knows what a type it names itself accepts.
      return undefined;
  }
}

/** Throws {@link InvalidValueError} when `value` cannot be written to `column`. */
export function checkColumnValue(column: ColumnMeta & { readonly notNull?: boolean }, value: unknown): void {
  if (value === null) {
    if (column.notNull) {
      throw new InvalidValueError(
        `${column.table.name}.${column.name} is NOT NULL: null is not allowed`,
        column.table.name,
        column.name,
        value,
      );
    }
    return;
  }
  if (value === undefined) {
    throw new InvalidValueError(
      `${column.table.name}.${column.name}: undefined is not a value (use null, or leave the key out)`,
      column.table.name,
      column.name,
      value,
    );
  }
  const expected = typeMismatch(column.type, value);
  if (expected !== undefined) {
    throw new InvalidValueError(
      `${column.table.name}.${column.name} (${describeType(column.type)}) expects ${expectedText(expected, value)}, got ${show(value)}`,
      column.table.name,
      column.name,
      value,
    );
  }
}

/**
 * What `value` fails of the column's own checks (declared with `validate()`): one message per failed check, in the
 * order declared; empty when it passes. Null and undefined are not checked here (NOT NULL is {@link checkColumnValue}'s).
 *
 * ```ts
 * const email = table('user', { email: text().validate((v) => v.includes('@') || 'must contain @') }).c.email;
 * columnCheckFailures(email, 'nobody'); // ['must contain @']
 * ```
 */
export function columnCheckFailures(column: { readonly declaration: ColumnDeclaration }, value: unknown): readonly string[] {
  const validators = column.declaration.validators;
  if (validators === undefined || value === null || value === undefined) return NO_FAILURES;
  let failures: string[] | undefined;
  for (const { check, message } of validators) {
    const verdict = check(value);
    if (verdict === true || verdict === undefined) continue;
    (failures ??= []).push(typeof verdict === 'string' ? verdict : (message ?? 'is not valid'));
  }
  return failures ?? NO_FAILURES;
}

const NO_FAILURES: readonly string[] = Object.freeze([]);

/** Throws {@link InvalidValueError} naming the first of the column's own checks `value` fails (Core's builders). @internal */
export function checkColumnRules(column: ColumnMeta & { readonly declaration: ColumnDeclaration }, value: unknown): void {
  const failures = columnCheckFailures(column, value);
  if (failures.length === 0) return;
  throw new InvalidValueError(`${column.table.name}.${column.name} ${failures.join('; ')}, got ${show(value)}`, column.table.name, column.name, value);
}
