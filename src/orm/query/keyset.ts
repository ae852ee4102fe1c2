/**
 * Keyset (cursor) pagination: a page is "the next n rows after this one in this order", found by a WHERE on the
 * sort keys instead of an OFFSET, so a page costs the same wherever it is and rows inserted or deleted meanwhile
 * neither repeat nor skip rows.
 *
 * ```ts
 * const page = await s.query(Post).orderBy(Post.createdAt.desc()).paginate({ first: 20 });
 * const next = await s.query(Post).orderBy(Post.createdAt.desc()).paginate({ first: 20, after: page.endCursor });
 * // SELECT ... FROM "post" WHERE ("post"."created_at", "post"."id") < (?, ?) ORDER BY "post"."created_at" DESC, "post"."id" DESC LIMIT ?
 * ```
 * - The primary key is appended to the ordering (in the direction of its last key) unless it is there, so rows
 *   that tie on the sort columns still have one order: every row comes exactly once.
 * - Where every key sorts the same way, the position is one row-value comparison `(a, b) > (?, ?)` (an index on
 *   `(a, b)` serves it); mixed directions use the expanded form `a >= ? AND (a > ? OR (a = ? AND b < ?))`.
 * - Sort keys are the queried model's own NOT NULL columns. A nullable column is refused (`PaginationError`):
 *   databases disagree on where NULLs sort, and no comparison finds the rows after a NULL.
 * - A cursor is opaque text (base64url JSON) naming the model, the ordering and the key values of one row. It is
 *   checked when given: garbage, another model's cursor, another ordering's, or a value its column cannot hold
 *   raise `InvalidCursorError`. It is not signed: a client can forge a position, never SQL (values are bound).
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import { checkColumnValue, InvalidValueError } from '../../core/schema/validate.js';
import type { DialectCapabilities } from '../../core/dialects/dialect.js';
import type { ExprNode, OrderNode } from '../../core/sql/nodes.js';
import { InvalidCursorError, PaginationError } from '../errors.js';
import type { Mapper } from '../mapper.js';
import type { ModelCtor } from '../relationship.js';
import { NOT_LOADED, type InstanceState } from '../state.js';
import { predicate } from '../../core/sql/expression.js';
import { andNodes } from '../../core/sql/select.js';
import type { QueryState } from './compile.js';

declare const cursorModel: unique symbol;

/**
 * A keyset-pagination cursor: opaque text naming one row's position in one ordering of model `M`'s rows
 * (`page.endCursor`). Send it to clients as it is; what comes back is checked (`InvalidCursorError`).
 *
 * ```ts
 * const page = await s.query(Post).orderBy(Post.id).paginate({ first: 10 });
 * const cursor: PageCursor<typeof Post> | undefined = page.endCursor;
 * ```
 */
export type PageCursor<M extends ModelCtor = ModelCtor> = string & { readonly [cursorModel]: M };

/** One sort key of a paginated query: a NOT NULL column of the model and its direction. @internal */
export interface SortKey {
  readonly column: Column<unknown>;
  readonly index: number;
  readonly direction: 'ASC' | 'DESC';
}

/** A cursor read back: which ordering it was written for, and the key values. @internal */
export interface DecodedCursor {
  readonly ordering: string;
  readonly values: readonly unknown[];
  /** The text it came from (for messages). */
  readonly text: string;
}

/** Where a query is positioned: after a cursor, before one, or between two; fetched backwards for `last` / before. @internal */
export interface KeysetState {
  readonly after: DecodedCursor | undefined;
  readonly before: DecodedCursor | undefined;
  readonly backwards: boolean;
}

function describeOrder(o: OrderNode): string {
  const e = o.expr;
  if (e.kind === 'column') return `${e.qualifier ?? e.column.table.name}.${e.column.name}`;
  return `an ${e.kind} expression`;
}

/** The sort keys of a query ordered by `orderBy`, the primary key appended; refuses what keyset paging cannot use. @internal */
export function sortKeys(mapper: Mapper, orderBy: readonly OrderNode[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const o of orderBy) {
    const e = o.expr;
    if (e.kind !== 'column' || e.column.table !== mapper.table || (e.qualifier !== undefined && e.qualifier !== mapper.table.name)) {
      throw new PaginationError(
        `${mapper.name}: keyset pagination orders by ${mapper.name}'s own columns, and this query orders by ${describeOrder(o)}; ` +
          'order by columns of the queried model (a computed order needs a column holding it)',
      );
    }
    const index = mapper.columnIndex(e.column.key);
    const column = mapper.columns[index]!;
    if (!column.notNull) {
      throw new PaginationError(
        `${mapper.name}: keyset pagination cannot order by ${mapper.table.name}.${column.name}: the column is nullable, and databases ` +
          'disagree on where NULLs sort (no comparison finds the rows after a NULL); order by NOT NULL columns (declare it .notNull())',
      );
    }
    if (keys.some((k) => k.index === index)) continue;
    keys.push({ column, index, direction: o.direction });
  }
  const last = keys[keys.length - 1]?.direction ?? 'ASC';
  for (const i of mapper.primaryKeyIndexes) {
    if (!keys.some((k) => k.index === i)) keys.push({ column: mapper.columns[i]!, index: i, direction: last });
  }
  return keys;
}

/** The ordering a cursor is written for: keys and directions, as text. */
function orderingText(keys: readonly SortKey[]): string {
  return keys.map((k) => `${k.column.key}:${k.direction === 'ASC' ? 'a' : 'd'}`).join(',');
}

/** The ORDER BY of the sort keys (reversed when fetching backwards). @internal */
export function keyOrder(keys: readonly SortKey[], reverse: boolean): OrderNode[] {
  return keys.map((k) => ({ kind: 'order', expr: k.column.node, direction: reverse === (k.direction === 'ASC') ? 'DESC' : 'ASC', nulls: undefined }));
}

// ---------------------------------------------------------------------------
// Cursor text

type Cell = string | number | boolean | { d: string } | { n: string } | { b: string };

function encodeValue(v: unknown): Cell {
  if (v instanceof Date) return { d: v.toISOString() };
  if (typeof v === 'bigint') return { n: v.toString() };
  if (v instanceof Uint8Array) return { b: Buffer.from(v).toString('base64') };
  return v as string | number | boolean;
}

function decodeValue(c: unknown): unknown {
  if (c === null || typeof c === 'string' || typeof c === 'number' || typeof c === 'boolean') return c;
  if (typeof c === 'object' && c !== null && !Array.isArray(c)) {
    const o = c as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o['d'] === 'string') {
        const d = new Date(o['d']);
        if (!Number.isNaN(d.getTime())) return d;
      }
      if (typeof o['n'] === 'string' && /^-?\d+$/.test(o['n'])) return BigInt(o['n']);
      if (typeof o['b'] === 'string') return new Uint8Array(Buffer.from(o['b'], 'base64'));
    }
  }
  throw new Error('a key value of an unknown form');
}

/** The cursor of one object in an ordering. @internal */
export function encodeCursor(mapper: Mapper, keys: readonly SortKey[], state: InstanceState): string {
  const values = keys.map((k) => {
    const v = state.values[k.index];
    if (v === NOT_LOADED || v === undefined) {
      throw new PaginationError(`${mapper.name}: cannot write a cursor for an object whose ${mapper.name}.${k.column.key} is not loaded (undefer it)`);
    }
    return encodeValue(v);
  });
  return Buffer.from(JSON.stringify({ m: mapper.name, o: orderingText(keys), k: values }), 'utf8').toString('base64url');
}

/** Read a cursor's text: its shape and its model (the ordering and values are checked against the query when it runs). @internal */
export function decodeCursor(mapper: Mapper, text: unknown): DecodedCursor {
  if (typeof text !== 'string' || text.length === 0) throw new InvalidCursorError(mapper.name, `a cursor is a non-empty string, got ${text === '' ? 'an empty string' : typeof text}`);
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new InvalidCursorError(mapper.name, 'not a cursor Athanor wrote (not base64url text)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(mapper.name, 'not a cursor Athanor wrote (not base64url JSON)');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidCursorError(mapper.name, 'not a cursor Athanor wrote (no position in it)');
  const { m, o, k } = parsed as Record<string, unknown>;
  if (typeof m !== 'string' || typeof o !== 'string' || !Array.isArray(k)) throw new InvalidCursorError(mapper.name, 'not a cursor Athanor wrote (no position in it)');
  if (m !== mapper.name) throw new InvalidCursorError(mapper.name, `it was written for ${m}, not ${mapper.name}`);
  let values: unknown[];
  try {
    values = k.map(decodeValue);
  } catch (error) {
    throw new InvalidCursorError(mapper.name, (error as Error).message);
  }
  return { ordering: o, values, text };
}

/** A decoded cursor's values checked against the query's sort keys: the same ordering, values their columns take. */
function valuesFor(mapper: Mapper, keys: readonly SortKey[], cursor: DecodedCursor): readonly unknown[] {
  const wanted = orderingText(keys);
  if (cursor.ordering !== wanted) {
    throw new InvalidCursorError(mapper.name, `it was written for the ordering (${cursor.ordering}), and this query orders by (${wanted})`);
  }
  if (cursor.values.length !== keys.length) throw new InvalidCursorError(mapper.name, `it holds ${cursor.values.length} key values for ${keys.length} sort keys`);
  keys.forEach((key, i) => {
    try {
      checkColumnValue(key.column, cursor.values[i]);
    } catch (error) {
      if (error instanceof InvalidValueError) throw new InvalidCursorError(mapper.name, `its value for ${error.message}`);
      throw error;
    }
  });
  return cursor.values;
}

// ---------------------------------------------------------------------------
// The position as a predicate

function param(key: SortKey, value: unknown): ExprNode {
  return { kind: 'param', value, type: key.column.type };
}

function binary(op: '<' | '>' | '=' | '<=' | '>=', left: ExprNode, right: ExprNode): ExprNode {
  return { kind: 'binary', op, left, right };
}

function and(operands: ExprNode[]): ExprNode {
  return operands.length === 1 ? operands[0]! : { kind: 'logical', op: 'AND', operands };
}

/**
 * Rows strictly after (`after`) or before the position `values` in the ordering `keys`: one row-value
 * comparison when every key sorts the same way (and the database compares row values), else the expanded form,
 * led by a bound on the first key so an index on it narrows the scan.
 */
function positionPredicate(keys: readonly SortKey[], values: readonly unknown[], side: 'after' | 'before', capabilities: DialectCapabilities): ExprNode {
  const opOf = (k: SortKey): '<' | '>' => ((k.direction === 'ASC') === (side === 'after') ? '>' : '<');
  const first = keys[0]!;
  const oneWay = keys.every((k) => k.direction === first.direction);
  if (keys.length === 1) return binary(opOf(first), first.column.node, param(first, values[0]));
  if (oneWay && capabilities.rowValueComparison) {
    return binary(opOf(first), { kind: 'tuple', items: keys.map((k) => k.column.node) }, { kind: 'tuple', items: keys.map((k, i) => param(k, values[i])) });
  }
  const branches: ExprNode[] = keys.map((k, i) => and([...keys.slice(0, i).map((e, j) => binary('=', e.column.node, param(e, values[j]))), binary(opOf(k), k.column.node, param(k, values[i]))]));
  const bound = binary(opOf(first) === '>' ? '>=' : '<=', first.column.node, param(first, values[0]));
  return { kind: 'logical', op: 'AND', operands: [bound, { kind: 'logical', op: 'OR', operands: branches }] };
}

/** The WHERE terms of a keyset position (after and/or before). @internal */
export function keysetPredicates(mapper: Mapper, keys: readonly SortKey[], keyset: KeysetState, capabilities: DialectCapabilities): ExprNode[] {
  const out: ExprNode[] = [];
  if (keyset.after) out.push(positionPredicate(keys, valuesFor(mapper, keys, keyset.after), 'after', capabilities));
  if (keyset.before) out.push(positionPredicate(keys, valuesFor(mapper, keys, keyset.before), 'before', capabilities));
  return out;
}

/**
 * Options of `Query.paginate()`: `first` rows (after a cursor), or the `last` rows (before one).
 * ```ts
 * const options: PaginateOptions<typeof Post> = { first: 20, after: cursor }; // the client's ?after=
 * ```
 */
export type PaginateOptions<M extends ModelCtor> =
  | { readonly first: number; readonly after?: PageCursor<M> | string | undefined; readonly before?: PageCursor<M> | string | undefined; readonly last?: undefined }
  | { readonly last: number; readonly before?: PageCursor<M> | string | undefined; readonly after?: PageCursor<M> | string | undefined; readonly first?: undefined };

/**
 * One page of a keyset-paginated query, in the query's order.
 *
 * ```ts
 * const page = await s.query(Post).orderBy(Post.createdAt.desc()).paginate({ first: 20, after: cursor });
 * render(page.items);
 * if (page.hasNextPage) nextPageLink(page.endCursor);
 * ```
 */
export interface Page<R, M extends ModelCtor> {
  readonly items: R[];
  /** The cursor of the first item (for the page before: `{ last, before: startCursor }`); undefined when empty. */
  readonly startCursor: PageCursor<M> | undefined;
  /** The cursor of the last item (for the next page: `{ first, after: endCursor }`); undefined when empty. */
  readonly endCursor: PageCursor<M> | undefined;
  /** Rows come after this page (known from one extra row fetched; for `last`: a `before` cursor was given). */
  readonly hasNextPage: boolean;
  /** Rows come before this page (for `last`: one extra row fetched; for `first`: an `after` cursor was given). */
  readonly hasPreviousPage: boolean;
}

/** The state the statements are built from: with a keyset position, its WHERE terms and ORDER BY. */
export function positionedState(mapper: Mapper, st: QueryState, capabilities: DialectCapabilities): QueryState {
  const keyset = st.keyset;
  if (keyset === undefined) return st;
  if (st.offset !== undefined) throw new PaginationError(`${mapper.name}: a keyset-paginated query takes no offset(); the cursor says where the page starts`);
  const keys = sortKeys(mapper, st.orderBy);
  const terms = keysetPredicates(mapper, keys, keyset, capabilities);
  return { ...st, where: andNodes(st.where, terms.map((t) => predicate(t))), orderBy: keyOrder(keys, keyset.backwards) };
}
