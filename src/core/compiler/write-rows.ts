/**
 * What every dialect shares about the statements that write many rows
 * (`insertRows`, `updateFromRows`): how many rows one statement carries,
 * the names of the row source's columns, and the CASE form of an update
 * for databases with no better one.
 *
 * @internal
 */

import { chunk } from '../chunk.js';
import type { DialectCapabilities } from '../dialects/dialect.js';
import type { ColumnNode, ExprNode, InsertRowsNode, SetNode, UpdateFromRowsNode, UpdateNode } from '../sql/nodes.js';

/** Rows per array-bound INSERT: no parameter limit applies, this only bounds one statement's size. */
export const ARRAY_INSERT_ROWS = 50_000;

/** Parameters kept free under the limit for what an UPDATE binds besides its rows. */
const UPDATE_SPARE_PARAMETERS = 10;

/** A run of `node`'s rows as a node of its own. */
export function withRows<N extends InsertRowsNode | UpdateFromRowsNode>(node: N, rows: readonly (readonly unknown[])[]): N {
  return Object.freeze(Object.assign({}, node, { rows }));
}

/**
 * The rows of `node` in statements under the bound-parameter limit, in
 * order: an INSERT of no columns is one row each (`DEFAULT VALUES`); one
 * bound as column arrays carries up to {@link ARRAY_INSERT_ROWS}.
 */
export function splitRowsByParameters<N extends InsertRowsNode | UpdateFromRowsNode>(node: N, caps: DialectCapabilities): N[] {
  let perStatement: number;
  if (node.kind === 'insertRows') {
    const width = node.columns.length;
    perStatement = width === 0 ? 1 : caps.arrayParameters && node.rows.length > 1 ? ARRAY_INSERT_ROWS : Math.floor(caps.maxBindParameters / width);
  } else {
    const keys = node.keys.length;
    const set = node.set.length;
    // CASE binds the keys once per set column (in WHEN) and once more in WHERE.
    const perRow = caps.bulkUpdate === 'case' ? keys * (set + 1) + set : keys + set;
    perStatement = Math.floor((caps.maxBindParameters - UPDATE_SPARE_PARAMETERS) / perRow);
  }
  if (node.rows.length <= perStatement) return [node];
  return chunk(node.rows, perStatement).map((rows) => withRows(node, rows));
}

/** The row source's column names: `k0`, `k1` for the keys, then `c<n>` for the values (n counting on from the keys). */
export function rowColumnNames(node: UpdateFromRowsNode): string[] {
  const names: string[] = [];
  for (let j = 0; j < node.keys.length; j++) names.push(`k${j}`);
  for (let j = 0; j < node.set.length; j++) names.push(`c${node.keys.length + j}`);
  return names;
}

const NULL_NODE: ExprNode = Object.freeze({ kind: 'keyword', keyword: 'NULL' });
const ONE: ExprNode = Object.freeze({ kind: 'raw', parts: ['1'], values: [] });

/**
 * `UPDATE t SET c = CASE k WHEN ? THEN ? ... END WHERE k IN (...)`: the
 * form every database runs, for dialects without a row source to join
 * (a composite key: `CASE WHEN a = ? AND b = ? THEN ...`, `(a, b) IN (...)`).
 */
export function updateFromRowsAsCase(node: UpdateFromRowsNode): UpdateNode {
  const qualifier = node.table.table.name;
  const keys: ColumnNode[] = node.keys.map((column) => ({ kind: 'column', column, qualifier }));
  const value = (v: unknown, j: number): ExprNode => (v === null ? NULL_NODE : { kind: 'param', value: v, type: (j < keys.length ? node.keys[j] : node.set[j - keys.length])!.type });
  const keyMatch = (row: readonly unknown[]): ExprNode =>
    keys.length === 1 ? value(row[0], 0) : { kind: 'logical', op: 'AND', operands: keys.map((k, j) => ({ kind: 'binary', op: '=', left: k, right: value(row[j], j) })) };
  const set: SetNode[] = node.set.map((column, s) => ({
    column,
    value: {
      kind: 'case',
      subject: keys.length === 1 ? keys[0] : undefined,
      whens: node.rows.map((row) => ({ when: keyMatch(row), then: value(row[keys.length + s], keys.length + s) })),
      else: undefined,
    },
  }));
  for (const column of node.increment) set.push({ column, value: { kind: 'binary', op: '+', left: { kind: 'column', column, qualifier }, right: ONE } });
  set.push(...node.assign);
  const where: ExprNode =
    keys.length === 1
      ? { kind: 'inList', negated: false, operand: keys[0]!, items: node.rows.map((row) => value(row[0], 0)) }
      : { kind: 'inList', negated: false, operand: { kind: 'tuple', items: keys }, items: node.rows.map((row) => ({ kind: 'tuple', items: keys.map((_, j) => value(row[j], j)) })) };
  return { kind: 'update', ctes: [], table: node.table, set, from: [], where, returning: [] };
}
