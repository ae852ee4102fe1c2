/**
 * Typed SQL expressions.
 *
 * An {@link Expression} wraps an immutable node and carries the JavaScript
 * type of its value as a type parameter, so `artist.c.name.eq(1)` is a compile
 * error and `select(artist.c.id)` is typed `{ id: number }`. Every method
 * returns a new expression; nothing is ever mutated. Values passed to these
 * methods become bound parameters typed after the other operand, never SQL text.
 */

import { InvalidArgumentError } from '../errors.js';
import { describeType, type SqlType } from '../schema/types.js';
import { describeValue, expectedText, identifierProblem, isWellFormed, loneSurrogate, show } from '../schema/strings.js';
import { InvalidValueError, typeMismatch } from '../schema/validate.js';
import { Placeholder } from './placeholder.js';
import type { BinaryNode, ExprNode, OrderNode, ParamNode, QueryNode, BinaryOperator } from './nodes.js';

/** Anything that can produce a query node (a select or a compound select). */
export interface QueryLike {
  readonly queryNode: QueryNode;
}

/** A value or an expression of the same type. `null` is allowed where the type allows it. */
export type Operand<T> = T | Expression<T> | Expression<NonNullable<T>> | Expression<T | null>;

/**
 * @internal Turn a user value into a node, binding it as a parameter typed like `type`.
 * `method` names the builder method in error messages (`like`, `concat`, ...).
 */
export function toNode(value: unknown, type: SqlType | undefined, method = 'a value'): ExprNode {
  if (value instanceof Expression) {
    // An untyped parameter (a placeholder) takes the type of what it is compared with.
    const n = value.node;
    if (n.kind === 'param' && n.type === undefined && type !== undefined) return { ...n, type };
    return n;
  }
  if (value === null) return NULL_NODE;
  checkBindable(value, type, method);
  const param: ParamNode = { kind: 'param', value, type };
  return param;
}

/**
 * @internal Throws when `value` cannot be bound as a parameter: undefined, a
 * string with a lone surrogate, a function, or an object (a query, a plain
 * object) where a scalar belongs. One check per string: `isWellFormed`.
 */
export function checkBindable(value: unknown, type: SqlType | undefined, method: string): void {
  if (typeof value === 'string') {
    if (!isWellFormed(value)) {
      throw new InvalidArgumentError(
        `${label(method)}: the string ${show(value)} is not well-formed Unicode text (${loneSurrogate(value)}); fix the string (for example with String.prototype.toWellFormed()) before passing it`,
        method,
        value,
      );
    }
    return;
  }
  if (value === undefined) {
    // `= NULL` would silently match nothing: an undefined here is almost always a missing variable.
    throw new InvalidArgumentError(
      `${label(method)}: undefined is not an SQL value: use null for NULL, or leave the condition out`,
      method,
      value,
    );
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new InvalidArgumentError(`${label(method)}: ${describeValue(value)} is not an SQL value`, method, value);
  }
  if (typeof value === 'object' && value !== null && type !== undefined && type.kind !== 'json' && !isScalarObject(value)) {
    const hint = isQueryLike(value) ? ': use query.scalar() for a scalar subquery' : '';
    throw new InvalidArgumentError(`${label(method)}: ${describeValue(value)} is not an SQL value of type ${describeType(type)}${hint}`, method, value);
  }
}

function label(method: string): string {
  return /^[A-Za-z]+$/.test(method) ? `${method}()` : method;
}

/** Objects the dialects bind as scalars. */
function isScalarObject(value: object): boolean {
  return value instanceof Date || value instanceof Uint8Array || value instanceof Placeholder;
}

const NULL_NODE: ExprNode = Object.freeze({ kind: 'keyword', keyword: 'NULL' });

/** @internal */
export function isQueryLike(value: unknown): value is QueryLike {
  return typeof value === 'object' && value !== null && 'queryNode' in value;
}

export class Expression<T> {
  /** @internal Phantom carrier for the value type. */
  declare readonly __value?: T;

  constructor(
    readonly node: ExprNode,
    readonly sqlType: SqlType | undefined,
  ) {}

  // --- comparison -------------------------------------------------------------

  /** `a = b`; comparing with `null` renders `IS NULL`. */
  eq(value: Operand<T> | null): Predicate {
    if (value === null) return this.isNull();
    return this.binary('=', value);
  }
  /** `a <> b`; comparing with `null` renders `IS NOT NULL`. */
  ne(value: Operand<T> | null): Predicate {
    if (value === null) return this.isNotNull();
    return this.binary('<>', value);
  }
  gt(value: Operand<T>): Predicate {
    return this.binary('>', value);
  }
  ge(value: Operand<T>): Predicate {
    return this.binary('>=', value);
  }
  lt(value: Operand<T>): Predicate {
    return this.binary('<', value);
  }
  le(value: Operand<T>): Predicate {
    return this.binary('<=', value);
  }
  isNull(): Predicate {
    return predicate({ kind: 'unary', op: 'IS NULL', operand: this.node });
  }
  isNotNull(): Predicate {
    return predicate({ kind: 'unary', op: 'IS NOT NULL', operand: this.node });
  }
  /** `IN (...)` over a list (an empty list is always false) or a subquery. */
  in(values: readonly Operand<T>[] | QueryLike): Predicate {
    return this.inImpl(values, false);
  }
  /** `NOT IN (...)`; an empty list is always true. */
  notIn(values: readonly Operand<T>[] | QueryLike): Predicate {
    return this.inImpl(values, true);
  }
  between(low: Operand<T>, high: Operand<T>): Predicate {
    return predicate({
      kind: 'between',
      negated: false,
      operand: this.node,
      low: this.operand(low, 'between'),
      high: this.operand(high, 'between'),
    });
  }
  notBetween(low: Operand<T>, high: Operand<T>): Predicate {
    return predicate({
      kind: 'between',
      negated: true,
      operand: this.node,
      low: this.operand(low, 'notBetween'),
      high: this.operand(high, 'notBetween'),
    });
  }
  /**
   * `a LIKE pattern ESCAPE '\'`: `%` matches any run of characters, `_` any one
   * character, and the escape character (backslash unless `options.escape`
   * names another) makes the next character literal, on every database (the
   * ESCAPE clause is always written: SQLite has no default escape character).
   * Case sensitivity is each database's: PostgreSQL compares case, SQLite folds
   * ASCII case, MySQL/MariaDB follow the column's collation (case-sensitive on
   * the `utf8mb4_bin` tables Athanor creates). Use {@link ilike} for a portable
   * case-insensitive match, and {@link contains} to match a string literally.
   * ```ts
   * artist.c.name.like('AC/%');                  // "artist"."name" LIKE ? ESCAPE '\'  -- ['AC/%']
   * artist.c.name.like('100\\%');               // a literal "100%": backslash escapes % (as '100\%' in SQL)
   * artist.c.name.like('100!%', { escape: '!' }); // "artist"."name" LIKE ? ESCAPE '!'  -- the same match
   * ```
   */
  like(pattern: Operand<string>, options?: LikeOptions): Predicate {
    return this.likeOp('LIKE', pattern, options, 'like');
  }
  notLike(pattern: Operand<string>, options?: LikeOptions): Predicate {
    return this.likeOp('NOT LIKE', pattern, options, 'notLike');
  }
  /**
   * Case-insensitive LIKE: native on PostgreSQL, `lower(a) LIKE lower(b)`
   * elsewhere; patterns and escapes as in {@link like}.
   */
  ilike(pattern: Operand<string>, options?: LikeOptions): Predicate {
    return this.likeOp('ILIKE', pattern, options, 'ilike');
  }
  notIlike(pattern: Operand<string>, options?: LikeOptions): Predicate {
    return this.likeOp('NOT ILIKE', pattern, options, 'notIlike');
  }
  /**
   * True where the value contains `text` literally: `%`, `_` and the escape
   * character in `text` are escaped, so they match only themselves (like
   * SQLAlchemy's `contains(text, autoescape=True)`). Case as in {@link like}.
   * ```ts
   * product.c.label.contains('50%_off'); // "product"."label" LIKE ? ESCAPE '\'  -- ['%50\\%\\_off%']
   * ```
   */
  contains(text: string, options?: LikeOptions): Predicate {
    return this.literalMatch('LIKE', text, '%', '%', options, 'contains');
  }
  /** True where the value starts with `text`, matched literally as in {@link contains}. */
  startsWith(text: string, options?: LikeOptions): Predicate {
    return this.literalMatch('LIKE', text, '', '%', options, 'startsWith');
  }
  /** True where the value ends with `text`, matched literally as in {@link contains}. */
  endsWith(text: string, options?: LikeOptions): Predicate {
    return this.literalMatch('LIKE', text, '%', '', options, 'endsWith');
  }
  /** {@link contains}, ignoring case (through {@link ilike}). */
  icontains(text: string, options?: LikeOptions): Predicate {
    return this.literalMatch('ILIKE', text, '%', '%', options, 'icontains');
  }
  /** {@link startsWith}, ignoring case (through {@link ilike}). */
  istartsWith(text: string, options?: LikeOptions): Predicate {
    return this.literalMatch('ILIKE', text, '', '%', options, 'istartsWith');
  }
  /** {@link endsWith}, ignoring case (through {@link ilike}). */
  iendsWith(text: string, options?: LikeOptions): Predicate {
    return this.literalMatch('ILIKE', text, '%', '', options, 'iendsWith');
  }

  // --- arithmetic and strings ---------------------------------------------------

  add(value: Operand<T>): Expression<T> {
    return this.arith('+', value);
  }
  sub(value: Operand<T>): Expression<T> {
    return this.arith('-', value);
  }
  mul(value: Operand<T>): Expression<T> {
    return this.arith('*', value);
  }
  div(value: Operand<T>): Expression<T> {
    return this.arith('/', value);
  }
  mod(value: Operand<T>): Expression<T> {
    return this.arith('%', value);
  }
  neg(): Expression<T> {
    return new Expression<T>({ kind: 'unary', op: '-', operand: this.node }, this.sqlType);
  }
  /** String concatenation: `||`, or `CONCAT()` on MySQL. */
  concat(value: Operand<string | null>): Expression<T> {
    return new Expression<T>(
      { kind: 'binary', op: '||', left: this.node, right: toNode(value, this.sqlType, 'concat') },
      this.sqlType,
    );
  }

  // --- naming and ordering ------------------------------------------------------

  /** Name this expression in a select list: the key of the result row. */
  as<A extends string>(alias: A): Aliased<T, A> {
    return new Aliased<T, A>(this, checkAlias(alias, 'as'));
  }
  asc(): Ordering {
    return new Ordering({ kind: 'order', expr: this.node, direction: 'ASC', nulls: undefined });
  }
  desc(): Ordering {
    return new Ordering({ kind: 'order', expr: this.node, direction: 'DESC', nulls: undefined });
  }

  // --- helpers --------------------------------------------------------------------

  private binary(op: BinaryOperator, value: unknown): Predicate {
    return predicate({ kind: 'binary', op, left: this.node, right: this.operand(value, METHOD_OF[op] ?? op) });
  }

  /**
   * The node of an operand compared with this expression. A plain value
   * compared with a column is checked against the column's type (naming the
   * column, not on the server), which also covers well-formed text; any other
   * value is checked by {@link toNode}. Either way each string is scanned once.
   */
  private operand(value: unknown, method: string): ExprNode {
    if (this.node.kind !== 'column' || value === null || value === undefined || value instanceof Expression) {
      return toNode(value, this.sqlType, method);
    }
    const column = this.node.column;
    const expected = typeMismatch(column.type, value);
    if (expected !== undefined) {
      throw new InvalidValueError(
        `${column.table.name}.${column.name} (${describeType(column.type)}) is compared with ${show(value)}, but expects ${expectedText(expected, value)}`,
        column.table.name,
        column.name,
        value,
      );
    }
    const param: ParamNode = { kind: 'param', value, type: this.sqlType };
    return param;
  }

  private likeOp(op: LikeOperator, pattern: unknown, options: LikeOptions | undefined, method: string): Predicate {
    const escape = likeEscape(options, method);
    if (typeof pattern === 'string') checkPattern(pattern, escape ?? DEFAULT_ESCAPE, method);
    const node: BinaryNode = { kind: 'binary', op, left: this.node, right: toNode(pattern, this.sqlType, method), escape };
    return predicate(node);
  }

  private literalMatch(op: LikeOperator, text: unknown, before: string, after: string, options: LikeOptions | undefined, method: string): Predicate {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError(
        `${method}() takes a string to match literally, got ${describeValue(text)}; for a pattern or an expression use like()`,
        method,
        text,
      );
    }
    checkNoNul(text, method);
    const escape = likeEscape(options, method);
    const pattern = before + escapeLikePattern(text, escape ?? DEFAULT_ESCAPE) + after;
    const node: BinaryNode = { kind: 'binary', op, left: this.node, right: toNode(pattern, this.sqlType, method), escape };
    return predicate(node);
  }

  private arith(op: BinaryOperator, value: unknown): Expression<T> {
    return new Expression<T>({ kind: 'binary', op, left: this.node, right: toNode(value, this.sqlType, METHOD_OF[op] ?? op) }, this.sqlType);
  }

  private inImpl(values: readonly unknown[] | QueryLike, negated: boolean): Predicate {
    if (isQueryLike(values)) {
      return predicate({ kind: 'inSubquery', negated, operand: this.node, query: values.queryNode });
    }
    const method = negated ? 'notIn' : 'in';
    if (!Array.isArray(values)) {
      throw new InvalidArgumentError(`${method}() takes an array of values or a subquery, got ${describeValue(values)}`, method, values);
    }
    return predicate({
      kind: 'inList',
      negated,
      operand: this.node,
      items: values.map((v) => this.operand(v, method)),
    });
  }
}

/** Options of `like()` and the literal matches (`contains()`, ...). */
export interface LikeOptions {
  /**
   * The escape character: one character that is not `%`, `_` or a letter
   * (the ILIKE emulation lower-cases the pattern). Backslash by default.
   */
  readonly escape?: string;
}

type LikeOperator = 'LIKE' | 'NOT LIKE' | 'ILIKE' | 'NOT ILIKE';

/**
 * The escape character every LIKE is compiled with unless another is named: a backslash.
 * ```ts
 * t.c.name.like(`100${DEFAULT_ESCAPE}%`); // matches the text "100%"
 * ```
 */
export const DEFAULT_ESCAPE = '\\';

/** Builder method names of operators, for error messages. */
const METHOD_OF: Partial<Record<BinaryOperator, string>> = {
  '=': 'eq',
  '<>': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
};

/** The explicit escape character of `options` (undefined for the default), checked. */
function likeEscape(options: LikeOptions | undefined, method: string): string | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    throw new InvalidArgumentError(`${method}() takes options such as { escape: '!' }, got ${describeValue(options)}`, method, options);
  }
  const escape: unknown = options.escape;
  if (escape === undefined || escape === DEFAULT_ESCAPE) return undefined;
  if (
    typeof escape !== 'string' ||
    escape.length !== 1 ||
    escape === '%' ||
    escape === '_' ||
    escape.toLowerCase() !== escape.toUpperCase() ||
    !isWellFormed(escape)
  ) {
    throw new InvalidArgumentError(
      `${method}(): the escape character must be one character other than %, _ or a letter, got ${describeValue(escape)}`,
      method,
      escape,
    );
  }
  return escape;
}

/**
 * A pattern that ends with an unpaired escape character means something
 * different on each database (PostgreSQL refuses it, SQLite matches nothing,
 * MySQL a literal escape character): refused here.
 */
function checkPattern(pattern: string, escape: string, method: string): void {
  checkNoNul(pattern, method);
  let run = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === escape; i--) run++;
  if (run % 2 === 1) {
    throw new InvalidArgumentError(
      `${method}(): the pattern ${show(pattern)} ends with the escape character ${JSON.stringify(escape)}; double it to match it literally, or use contains()/startsWith()/endsWith() to match text literally`,
      method,
      pattern,
    );
  }
}

/** SQLite's LIKE stops at a NUL in the pattern (and in the value): a pattern with one would match too much. */
function checkNoNul(pattern: string, method: string): void {
  if (pattern.includes('\0')) {
    throw new InvalidArgumentError(`${method}(): the pattern ${show(pattern)} holds NUL (\\u0000), which SQLite's LIKE reads as its end`, method, pattern);
  }
}

const DEFAULT_SPECIALS = /[\\%_]/g;

/**
 * `text` with `%`, `_` and `escape` escaped, so a LIKE pattern made of it
 * matches it literally (what {@link Expression.contains} and its siblings use).
 * ```ts
 * escapeLikePattern('50%_off');              // '50\\%\\_off'
 * t.c.code.like(`${escapeLikePattern(prefix)}-__`); // the prefix literally, then '-' and two characters
 * ```
 */
export function escapeLikePattern(text: string, escape: string = DEFAULT_ESCAPE): string {
  const specials = escape === DEFAULT_ESCAPE ? DEFAULT_SPECIALS : new RegExp(`[%_${escape.replace(/[\\\]^-]/g, '\\$&')}]`, 'g');
  return text.replace(specials, (c) => escape + c);
}

/** @internal An alias or other name given to a builder, checked to be usable as an identifier. */
export function checkAlias<A>(alias: A, method: string): A {
  const problem = identifierProblem(alias);
  if (problem !== undefined) throw new InvalidArgumentError(`${method}(): ${problem}`, method, alias);
  return alias;
}

/** A boolean SQL expression (a WHERE / ON / HAVING condition). */
export type Predicate = Expression<boolean>;

const BOOLEAN_TYPE: SqlType<boolean> = Object.freeze({ kind: 'boolean' });

/** @internal */
export function predicate(node: ExprNode): Predicate {
  return new Expression<boolean>(node, BOOLEAN_TYPE);
}

/** An expression with a name, for select lists. */
export class Aliased<T, A extends string> {
  constructor(
    readonly expression: Expression<T>,
    readonly alias: A,
  ) {}
}

/** An ORDER BY item. */
export class Ordering {
  constructor(readonly node: OrderNode) {}
  nullsFirst(): Ordering {
    return new Ordering({ ...this.node, nulls: 'FIRST' });
  }
  nullsLast(): Ordering {
    return new Ordering({ ...this.node, nulls: 'LAST' });
  }
}

/** @internal An ORDER BY item's node; anything but an expression or an ordering fails, saying what to pass. */
export function toOrderNode(item: Expression<unknown> | Ordering): OrderNode {
  if (item instanceof Ordering) return item.node;
  if (item instanceof Expression) return { kind: 'order', expr: item.node, direction: 'ASC', nulls: undefined };
  const byName = typeof item === 'string' ? ` (to order by a select-list name, use sql\`\${identifier(${JSON.stringify(item)})}\`)` : '';
  throw new InvalidArgumentError(
    `orderBy() takes columns, expressions, asc(col)/desc(col) (or col.asc()/col.desc()) or sql\`...\`, got ${describeValue(item)}${byName}`,
    'orderBy',
    item,
  );
}

/**
 * @internal The node of an argument that must be an SQL expression (a column,
 * a function call, a predicate, sql``); anything else fails naming `method`.
 */
export function exprNode(value: unknown, method: string, what = 'columns or SQL expressions'): ExprNode {
  if (value instanceof Expression) return value.node;
  throw new InvalidArgumentError(`${label(method)} takes ${what}, got ${describeValue(value)}`, method, value);
}

/** @internal The nodes of several expression arguments (see {@link exprNode}). */
export function exprNodes(values: readonly unknown[], method: string): ExprNode[] {
  const out = new Array<ExprNode>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = exprNode(values[i], method);
  return out;
}
