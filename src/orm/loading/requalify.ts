/**
 * Point column references of one table at another name (an alias or a
 * derived table), for orderings and conditions written against the model but
 * rendered against an alias. Nodes of other kinds are left as they are: they
 * do not name the table.
 *
 * @internal
 */

import type { ExprNode, OrderNode, TableMeta } from '../../core/sql/nodes.js';

export type ColumnRewrite = (node: Extract<ExprNode, { kind: 'column' }>) => ExprNode | undefined;

/** Rewrite column nodes of `table` with `to`; `undefined` from `to` keeps the node. */
export function rewriteColumns(node: ExprNode, rewrite: ColumnRewrite): ExprNode {
  const r = (n: ExprNode): ExprNode => rewriteColumns(n, rewrite);
  switch (node.kind) {
    case 'column':
      return rewrite(node) ?? node;
    case 'binary':
      return { ...node, left: r(node.left), right: r(node.right) };
    case 'logical':
      return { ...node, operands: node.operands.map(r) };
    case 'unary':
      return { ...node, operand: r(node.operand) };
    case 'inList':
      return { ...node, operand: r(node.operand), items: node.items.map(r) };
    case 'inSubquery':
      return { ...node, operand: r(node.operand) };
    case 'between':
      return { ...node, operand: r(node.operand), low: r(node.low), high: r(node.high) };
    case 'function':
      return { ...node, args: node.args.map(r) };
    case 'case':
      return {
        ...node,
        subject: node.subject && r(node.subject),
        whens: node.whens.map((w) => ({ when: r(w.when), then: r(w.then) })),
        else: node.else && r(node.else),
      };
    case 'cast':
      return { ...node, operand: r(node.operand) };
    case 'tuple':
      return { ...node, items: node.items.map(r) };
    default:
      return node;
  }
}

/** Column references of `table` (not of its aliases) qualified by `qualifier`. */
export function requalify(node: ExprNode, table: TableMeta, qualifier: string): ExprNode {
  return rewriteColumns(node, (c) => (c.column.table === table && (c.qualifier === table.name || c.qualifier === undefined) ? { ...c, qualifier } : undefined));
}

export function requalifyOrder(order: OrderNode, table: TableMeta, qualifier: string): OrderNode {
  return { ...order, expr: requalify(order.expr, table, qualifier) };
}
