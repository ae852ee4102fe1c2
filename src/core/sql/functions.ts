/**
 * Functions, logical connectives, CASE, CAST and window functions.
 *
 * ```ts
 * select({ artistId: album.c.artistId, albums: count() }).from(album).groupBy(album.c.artistId)
 * // SELECT "album"."artist_id" AS "artistId", count(*) AS "albums" FROM "album" GROUP BY "album"."artist_id"
 * ```
 */

import type { Column } from '../schema/column.js';
import { types, type SqlType } from '../schema/types.js';
import { InvalidArgumentError } from '../errors.js';
import { Expression, Ordering, exprNode, exprNodes, predicate, toNode, toOrderNode, type Operand, type Predicate } from './expression.js';
import type { ExprNode, FunctionNode } from './nodes.js';

const NUMBER = types.double();
const INTEGER = types.integer();
const TEXT = types.text();

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fnNode(name: string, args: readonly ExprNode[], distinct = false, star = false): FunctionNode {
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new InvalidArgumentError(`fn(): a function name must be a plain identifier such as "json_extract", got ${JSON.stringify(name)}`, 'fn', name);
  }
  return { kind: 'function', name, args, distinct, star };
}

/** AND of the given conditions (undefined ones are skipped; none at all is TRUE). */
export function and(...conditions: (Predicate | undefined)[]): Predicate {
  return logical('AND', conditions);
}
/** OR of the given conditions (none at all is FALSE). */
export function or(...conditions: (Predicate | undefined)[]): Predicate {
  return logical('OR', conditions);
}
function logical(op: 'AND' | 'OR', conditions: (Predicate | undefined)[]): Predicate {
  const operands: ExprNode[] = [];
  for (const c of conditions) {
    if (c === undefined) continue;
    const node = exprNode(c, op === 'AND' ? 'and' : 'or', 'conditions such as t.c.id.eq(1) (undefined ones are skipped)');
    if (node.kind === 'logical' && node.op === op) operands.push(...node.operands);
    else operands.push(node);
  }
  if (operands.length === 0) return predicate({ kind: 'keyword', keyword: op === 'AND' ? 'TRUE' : 'FALSE' });
  if (operands.length === 1) return predicate(operands[0]!);
  return predicate({ kind: 'logical', op, operands });
}
export function not(condition: Predicate): Predicate {
  return predicate({ kind: 'unary', op: 'NOT', operand: exprNode(condition, 'not', 'a condition') });
}

/** `count(*)`, or `count(expr)` (non-null values). */
export function count(expr?: Expression<unknown>): Expression<number> {
  return new Expression<number>(expr === undefined ? fnNode('count', [], false, true) : fnNode('count', [exprNode(expr, 'count')]), INTEGER);
}
export function countDistinct(expr: Expression<unknown>): Expression<number> {
  return new Expression<number>(fnNode('count', [exprNode(expr, 'countDistinct')], true), INTEGER);
}
/** `sum(expr)`: null over no rows. Sums of numerics stay strings. */
export function sum<T extends number | string | null>(expr: Expression<T>): Expression<T | null> {
  return new Expression<T | null>(fnNode('sum', [exprNode(expr, 'sum')]), expr.sqlType);
}
export function avg(expr: Expression<number | string | null>): Expression<number | null> {
  return new Expression<number | null>(fnNode('avg', [exprNode(expr, 'avg')]), NUMBER);
}
export function min<T>(expr: Expression<T>): Expression<T | null> {
  return new Expression<T | null>(fnNode('min', [exprNode(expr, 'min')]), expr.sqlType);
}
export function max<T>(expr: Expression<T>): Expression<T | null> {
  return new Expression<T | null>(fnNode('max', [exprNode(expr, 'max')]), expr.sqlType);
}
export function lower(expr: Expression<string | null>): Expression<string> {
  return new Expression<string>(fnNode('lower', [exprNode(expr, 'lower')]), TEXT);
}
export function upper(expr: Expression<string | null>): Expression<string> {
  return new Expression<string>(fnNode('upper', [exprNode(expr, 'upper')]), TEXT);
}
/** `coalesce(a, b, ...)`: the first non-null. */
export function coalesce<T>(first: Expression<T>, ...rest: Operand<NonNullable<T>>[]): Expression<NonNullable<T>> {
  return new Expression<NonNullable<T>>(
    fnNode('coalesce', [exprNode(first, 'coalesce', 'an expression first'), ...rest.map((r) => toNode(r, first.sqlType, 'coalesce'))]),
    first.sqlType,
  );
}

/** Any SQL function by name; the name is checked to be a plain identifier. */
export function fn<T>(name: string, args: readonly (Expression<unknown> | string | number | boolean | null)[], type?: SqlType<T>): Expression<T> {
  if (!Array.isArray(args)) throw new InvalidArgumentError(`fn("${name}") takes its arguments as an array, got ${typeof args}`, 'fn', args);
  return new Expression<T>(fnNode(name, args.map((a) => toNode(a, undefined, 'fn'))), type);
}

/** A bound parameter with an explicit type. */
export function param<T>(value: T, type?: SqlType<T>): Expression<T> {
  return new Expression<T>(toNode(value, type, 'param'), type);
}

/** `CAST(expr AS type)`. */
export function cast<T>(expr: Expression<unknown> | string | number, type: SqlType<T>): Expression<T> {
  return new Expression<T>({ kind: 'cast', operand: toNode(expr, undefined, 'cast'), type }, type);
}

/**
 * `CASE WHEN ... THEN ... ELSE ... END`.
 * ```ts
 * caseWhen([[track.c.milliseconds.gt(300000), 'long']], 'short')
 * ```
 */
export function caseWhen<T>(
  whens: readonly (readonly [Predicate, Operand<T>])[],
  otherwise?: Operand<T>,
): Expression<T> {
  const type = whens.map(([, then]) => (then instanceof Expression ? then.sqlType : undefined)).find((t) => t);
  return new Expression<T>(
    {
      kind: 'case',
      subject: undefined,
      whens: whens.map(([when, then]) => ({ when: exprNode(when, 'caseWhen', '[condition, value] pairs'), then: toNode(then, type, 'caseWhen') })),
      else: otherwise === undefined ? undefined : toNode(otherwise, type, 'caseWhen'),
    },
    type,
  );
}

/** A window function call: `rowNumber().over({ partitionBy: [...], orderBy: [...] })`. */
export class WindowFunction<T> {
  constructor(private readonly fn: FunctionNode, private readonly type: SqlType | undefined) {}
  over(spec: { partitionBy?: Expression<unknown>[]; orderBy?: (Expression<unknown> | Ordering)[] } = {}): Expression<T> {
    return new Expression<T>(
      {
        kind: 'window',
        fn: this.fn,
        partitionBy: exprNodes(spec.partitionBy ?? [], 'over'),
        orderBy: (spec.orderBy ?? []).map(toOrderNode),
      },
      this.type,
    );
  }
}
export function rowNumber(): WindowFunction<number> {
  return new WindowFunction<number>(fnNode('row_number', []), INTEGER);
}
export function rank(): WindowFunction<number> {
  return new WindowFunction<number>(fnNode('rank', []), INTEGER);
}
export function denseRank(): WindowFunction<number> {
  return new WindowFunction<number>(fnNode('dense_rank', []), INTEGER);
}
/** An aggregate as a window function: `over(sum(x))({ partitionBy: [...] })`. */
export function windowOf<T>(aggregate: Expression<T>): WindowFunction<T> {
  if (!(aggregate instanceof Expression) || aggregate.node.kind !== 'function') {
    throw new InvalidArgumentError('windowOf() takes a function call such as sum(x)', 'windowOf', aggregate);
  }
  return new WindowFunction<T>(aggregate.node, aggregate.sqlType);
}

/** In an upsert's update set: the value the conflicting INSERT tried to write. */
export function excluded<T>(column: Column<T>): Expression<T> {
  return new Expression<T>({ kind: 'excluded', column }, column.sqlType);
}

/** A row value `(a, b)`: for composite-key comparisons and composite IN. */
export function tuple(...items: Expression<unknown>[]): Expression<unknown[]> {
  return new Expression<unknown[]>({ kind: 'tuple', items: exprNodes(items, 'tuple') }, undefined);
}

/**
 * `expr ASC` as a function, like SQLAlchemy's `asc()`: `orderBy(asc(t.c.name))`
 * is `orderBy(t.c.name.asc())`.
 */
export function asc(expr: Expression<unknown>): Ordering {
  return new Ordering({ kind: 'order', expr: exprNode(expr, 'asc'), direction: 'ASC', nulls: undefined });
}
/** `expr DESC`: `orderBy(desc(t.c.id))` is `orderBy(t.c.id.desc())`. */
export function desc(expr: Expression<unknown>): Ordering {
  return new Ordering({ kind: 'order', expr: exprNode(expr, 'desc'), direction: 'DESC', nulls: undefined });
}

/** SQL keyword constants. */
export const currentTimestamp = (): Expression<Date> =>
  new Expression<Date>({ kind: 'keyword', keyword: 'CURRENT_TIMESTAMP' }, types.timestamp());
export const currentDate = (): Expression<string> =>
  new Expression<string>({ kind: 'keyword', keyword: 'CURRENT_DATE' }, types.date());

const NULL_KEY: ExprNode = Object.freeze({ kind: 'keyword', keyword: 'NULL' });

/**
 * `key IN (...)` for one column, `(a, b) IN ((...), ...)` for several: the
 * rows whose key is one of `keys` (each key one value per column, bound as
 * that column's type). Keys are taken as they are, not checked one by one
 * against the column as `col.in(values)` checks a user's values: they are
 * keys read from the database or held by loaded objects, often thousands.
 *
 * ```ts
 * keysIn([song.c.id], [[1], [2]]);
 * // "song"."id" IN (?, ?)
 * keysIn([link.c.songId, link.c.tagId], [[1, 7], [2, 7]]);
 * // ("link"."song_id", "link"."tag_id") IN ((?, ?), (?, ?))
 * ```
 */
export function keysIn(columns: readonly Expression<unknown>[], keys: readonly (readonly unknown[])[]): Predicate {
  const cell = (value: unknown, type: SqlType | undefined): ExprNode => (value === null ? NULL_KEY : { kind: 'param', value, type });
  const items = new Array<ExprNode>(keys.length);
  if (columns.length === 1) {
    const type = columns[0]!.sqlType;
    for (let i = 0; i < keys.length; i++) items[i] = cell(keys[i]![0], type);
    return predicate({ kind: 'inList', negated: false, operand: columns[0]!.node, items });
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    items[i] = { kind: 'tuple', items: columns.map((c, j) => cell(key[j], c.sqlType)) };
  }
  return predicate({ kind: 'inList', negated: false, operand: { kind: 'tuple', items: columns.map((c) => c.node) }, items });
}
