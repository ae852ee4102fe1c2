/**
 * Point column references of one table at another name (an alias or a
 * derived table), for orderings and conditions written against the model but
 * rendered against an alias: a relationship's `orderBy: [song.c.title]` in a
 * joined load reads `ORDER BY "song_1"."title"`. The rewrite reaches every
 * node kind (it is a {@link NodeTransformer}), so a column inside `sql`
 * fragments, window functions, CASE, casts and correlated subqueries moves
 * with the rest.
 *
 * @internal
 */

import { columnNode } from '../../core/sql/node-factories.js';
import type { ColumnNode, ExprNode, OrderNode, QueryNode, SelectNode, TableMeta } from '../../core/sql/nodes.js';
import { NodeTransformer } from '../../core/sql/transform.js';

class Requalify extends NodeTransformer {
  constructor(
    private readonly table: TableMeta,
    private readonly qualifier: string,
  ) {
    super();
  }

  protected override transformColumn(node: ColumnNode): ExprNode {
    const { table } = this;
    if (node.column.table !== table || (node.qualifier !== table.name && node.qualifier !== undefined)) return node;
    return columnNode({ ...node, qualifier: this.qualifier });
  }

  /**
   * A subquery with the table in its own FROM (unaliased) shadows the outer
   * one: its `"song"."title"` is its own row's, so it stays as written. A
   * subquery without it is correlated to the outer table and follows the alias.
   */
  protected override transformSelect(node: SelectNode): QueryNode {
    const own = (f: SelectNode['from'][number]) => f.kind === 'tableRef' && f.table === this.table && f.alias === undefined;
    if (node.from.some(own) || node.joins.some((j) => own(j.target))) return node;
    return super.transformSelect(node);
  }
}

/** Column references of `table` (not of its aliases) qualified by `qualifier`. */
export function requalify(node: ExprNode, table: TableMeta, qualifier: string): ExprNode {
  return new Requalify(table, qualifier).transformExpr(node);
}

/** {@link requalify} for an ORDER BY item. */
export function requalifyOrder(order: OrderNode, table: TableMeta, qualifier: string): OrderNode {
  return new Requalify(table, qualifier).transformOrder(order);
}
