/**
 * Typed SQL expressions.
 *
 * An {@link Expression} wraps an immutable node and carries the JavaScript
 * type of its value as a type parameter, so `artist.c.name.eq(1)` is a compile
 * error and `select(artist.c.id)` is typed `{ id: number }`. Every method
 * returns a new expression; nothing is ever mutated. Values passed to these
 * methods become bound parameters typed after the other operand, never SQL text.
 */

import { describeType, type SqlType } from '../schema/types.js';
import { InvalidValueError, typeMismatch } from '../schema/validate.js';
import type { ExprNode, OrderNode, ParamNode, QueryNode, BinaryOperator } from './nodes.js';

/** Anything that can produce a query node (a select or a compound select). */
export interface QueryLike {
  readonly queryNode: QueryNode;
}

/** A value or an expression of the same type. `null` is allowed where the type allows it. */
export type Operand<T> = T | Expression<T> | Expression<NonNullable<T>> | Expression<T | null>;

/** @internal Turn a user value into a node, binding it as a parameter typed like `type`. */
export function toNode(value: unknown, type: SqlType | undefined): ExprNode {
  if (value instanceof Expression) {
    // An untyped parameter (a placeholder) takes the type of what it is compared with.
    const n = value.node;
    if (n.kind === 'param' && n.type === undefined && type !== undefined) return { ...n, type };
    return n;
  }
  if (value === null) return NULL_NODE;
  if (value === undefined) {
    // `= NULL` would silently match nothing: an undefined here is almost always a missing variable.
    throw new TypeError('undefined is not an SQL value: use null for NULL, or leave the condition out');
  }
  const param: ParamNode = { kind: 'param', value, type };
  return param;
}

const NULL_NODE: ExprNode = Object.freeze({ kind: 'keyword', keyword: 'NULL' });

const COMPARISONS: ReadonlySet<BinaryOperator> = new Set(['=', '<>', '<', '<=', '>', '>=']);

function isQueryLike(value: unknown): value is QueryLike {
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
    this.checkOperand(low);
    this.checkOperand(high);
    return predicate({
      kind: 'between',
      negated: false,
      operand: this.node,
      low: toNode(low, this.sqlType),
      high: toNode(high, this.sqlType),
    });
  }
  notBetween(low: Operand<T>, high: Operand<T>): Predicate {
    this.checkOperand(low);
    this.checkOperand(high);
    return predicate({
      kind: 'between',
      negated: true,
      operand: this.node,
      low: toNode(low, this.sqlType),
      high: toNode(high, this.sqlType),
    });
  }
  like(pattern: Operand<string>): Predicate {
    return this.binary('LIKE', pattern);
  }
  notLike(pattern: Operand<string>): Predicate {
    return this.binary('NOT LIKE', pattern);
  }
  /** Case-insensitive LIKE: native on PostgreSQL, `lower(a) LIKE lower(b)` elsewhere. */
  ilike(pattern: Operand<string>): Predicate {
    return this.binary('ILIKE', pattern);
  }
  notIlike(pattern: Operand<string>): Predicate {
    return this.binary('NOT ILIKE', pattern);
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
      { kind: 'binary', op: '||', left: this.node, right: toNode(value, this.sqlType) },
      this.sqlType,
    );
  }

  // --- naming and ordering ------------------------------------------------------

  /** Name this expression in a select list: the key of the result row. */
  as<A extends string>(alias: A): Aliased<T, A> {
    return new Aliased<T, A>(this, alias);
  }
  asc(): Ordering {
    return new Ordering({ kind: 'order', expr: this.node, direction: 'ASC', nulls: undefined });
  }
  desc(): Ordering {
    return new Ordering({ kind: 'order', expr: this.node, direction: 'DESC', nulls: undefined });
  }

  // --- helpers --------------------------------------------------------------------

  private binary(op: BinaryOperator, value: unknown): Predicate {
    if (COMPARISONS.has(op)) this.checkOperand(value);
    return predicate({ kind: 'binary', op, left: this.node, right: toNode(value, this.sqlType) });
  }

  /** A column compared with a plain value of the wrong type fails here, naming the column, not on the server. */
  private checkOperand(value: unknown): void {
    if (this.node.kind !== 'column' || value === null || value === undefined || value instanceof Expression) return;
    const column = this.node.column;
    const expected = typeMismatch(column.type, value);
    if (expected !== undefined) {
      throw new InvalidValueError(
        `${column.table.name}.${column.name} (${describeType(column.type)}) is compared with ${JSON.stringify(value) ?? String(value)}, but expects ${expected}`,
        column.table.name,
        column.name,
        value,
      );
    }
  }

  private arith(op: BinaryOperator, value: unknown): Expression<T> {
    return new Expression<T>({ kind: 'binary', op, left: this.node, right: toNode(value, this.sqlType) }, this.sqlType);
  }

  private inImpl(values: readonly unknown[] | QueryLike, negated: boolean): Predicate {
    if (Array.isArray(values)) for (const v of values) this.checkOperand(v);
    if (isQueryLike(values)) {
      return predicate({ kind: 'inSubquery', negated, operand: this.node, query: values.queryNode });
    }
    if (!Array.isArray(values)) {
      throw new TypeError(`in()/notIn() takes an array or a subquery, got ${typeof values}`);
    }
    return predicate({
      kind: 'inList',
      negated,
      operand: this.node,
      items: values.map((v) => toNode(v, this.sqlType)),
    });
  }
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

/** @internal */
export function toOrderNode(item: Expression<unknown> | Ordering): OrderNode {
  if (item instanceof Ordering) return item.node;
  return { kind: 'order', expr: item.node, direction: 'ASC', nulls: undefined };
}
