/**
 * SQL data types, described once and rendered by each dialect.
 *
 * A type here is pure data: it says what the column holds, never how a given
 * database spells it or converts it. Dialects switch exhaustively over
 * {@link SqlTypeKind} to render DDL, bind values and decode results, so a new
 * kind cannot be added without every dialect deciding what it means.
 */

export type SqlTypeKind =
  | 'integer'
  | 'smallint'
  | 'bigint'
  | 'text'
  | 'varchar'
  | 'boolean'
  | 'real'
  | 'double'
  | 'numeric'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'json'
  | 'uuid'
  | 'blob'
  | 'enum'
  | 'custom';

/** JSON values as they round-trip through a json column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A SQL type whose JavaScript value type is `T`. `T` is a phantom: it exists
 * only for inference and never holds a value at run time.
 */
export interface SqlType<T = unknown> {
  readonly kind: SqlTypeKind;
  /** varchar(n). */
  readonly length?: number;
  /** numeric(precision, scale). */
  readonly precision?: number;
  readonly scale?: number;
  /** bigint: `number` (safe up to 2^53) or `bigint`. */
  readonly bigintMode?: 'number' | 'bigint';
  /** enum: the allowed values, and the native type name where a dialect has native enums. */
  readonly values?: readonly string[];
  readonly enumName?: string;
  /**
   * custom: the type exactly as the database spells it (`tsvector`, `CHAR(5)`, `text[]`), for columns read from an
   * existing database whose type has no kind of its own. Values pass through unchecked and unconverted.
   */
  readonly sqlName?: string;
  /** @internal phantom carrier for `T`. */
  readonly __value?: T;
}

function type<T>(kind: SqlTypeKind, extra: Omit<SqlType<T>, 'kind' | '__value'> = {}): SqlType<T> {
  return Object.freeze({ kind, ...extra });
}

export const types = {
  integer: (): SqlType<number> => type('integer'),
  smallint: (): SqlType<number> => type('smallint'),
  bigint: <M extends 'number' | 'bigint' = 'number'>(
    mode?: M,
  ): SqlType<M extends 'bigint' ? bigint : number> => type('bigint', { bigintMode: mode ?? 'number' }),
  text: (): SqlType<string> => type('text'),
  varchar: (length: number): SqlType<string> => type('varchar', { length }),
  boolean: (): SqlType<boolean> => type('boolean'),
  real: (): SqlType<number> => type('real'),
  double: (): SqlType<number> => type('double'),
  /** Exact decimals travel as strings so no digit is lost to float rounding. */
  numeric: (precision?: number, scale?: number): SqlType<string> =>
    type('numeric', { ...(precision !== undefined ? { precision } : {}), ...(scale !== undefined ? { scale } : {}) }),
  /** A calendar date as `YYYY-MM-DD`: a date has no time zone, so it is not a `Date`. */
  date: (): SqlType<string> => type('date'),
  timestamp: (): SqlType<Date> => type('timestamp'),
  timestamptz: (): SqlType<Date> => type('timestamptz'),
  json: <T = JsonValue>(): SqlType<T> => type('json'),
  uuid: (): SqlType<string> => type('uuid'),
  blob: (): SqlType<Uint8Array> => type('blob'),
  enum: <const V extends readonly string[]>(values: V, enumName?: string): SqlType<V[number]> =>
    type('enum', { values, ...(enumName !== undefined ? { enumName } : {}) }),
  /**
   * A type the database names itself, written into DDL as given: `types.custom<string>('CHAR(5)')`. Athanor
   * neither checks nor converts its values, so `T` is what the driver hands over (`unknown` unless you say).
   */
  custom: <T = unknown>(sqlName: string): SqlType<T> => type('custom', { sqlName }),
} as const;

/** The JavaScript type a SQL type holds. */
export type TypeOf<S> = S extends SqlType<infer T> ? T : never;

/** Thrown when a value cannot be stored in a column of the given type. */
export function describeType(t: SqlType): string {
  switch (t.kind) {
    case 'varchar':
      return `varchar(${t.length})`;
    case 'numeric':
      return t.precision !== undefined ? `numeric(${t.precision}, ${t.scale ?? 0})` : 'numeric';
    case 'enum':
      return `enum(${(t.values ?? []).join(', ')})`;
    case 'custom':
      return t.sqlName ?? 'custom';
    default:
      return t.kind;
  }
}
