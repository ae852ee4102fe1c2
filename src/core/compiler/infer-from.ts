/**
 * FROM inferred from the columns a SELECT uses, as SQLAlchemy does:
 * `select(t.c.id).where(t.c.name.eq('x'))` reads `FROM t`.
 *
 * Inference happens while compiling, because only then is it known which
 * queries enclose a subquery: a table that an enclosing query's FROM (or
 * JOIN) provides is correlated, not added to the subquery's FROM, so
 * `exists(select(song.c.id).where(song.c.artistId.eq(artist.c.id)))` inside
 * a query over `artist` stays correlated. Only a SELECT with no FROM and no
 * base table of its own gets one; a query that names its FROM is left as is.
 */

import { InvalidArgumentError } from '../errors.js';
import { assertNever, type ExprNode, type FromNode, type JoinNode, type OrderNode, type SelectNode, type TableRefNode } from '../sql/nodes.js';

/** What one enclosing statement provides to the subqueries inside it. */
export interface FromScope {
  readonly from: readonly FromNode[];
  readonly joins: readonly JoinNode[];
}

/** The name a FROM item is referred to by: a table's name or alias, a derived table's alias, a CTE's name. */
export function sourceName(node: FromNode): string | undefined {
  switch (node.kind) {
    case 'tableRef':
      return node.alias ?? node.table.name;
    case 'derivedTable':
      return node.alias;
    case 'cteRef':
      return node.alias ?? node.name;
    case 'rawFrom':
      return undefined;
    default:
      return assertNever(node, 'FROM item');
  }
}

function provides(scope: FromScope, name: string): boolean {
  for (const f of scope.from) if (sourceName(f) === name) return true;
  for (const j of scope.joins) if (sourceName(j.target) === name) return true;
  return false;
}

/**
 * The FROM list of `node`, which names none: the tables of the columns its
 * select list, joins, WHERE, GROUP BY, HAVING and ORDER BY use, in the order
 * first used, minus the tables its joins bring and those `enclosing` queries
 * provide (correlation). Empty when nothing is left (a select of literals, or
 * a fully correlated subquery).
 */
export function inferFrom(node: SelectNode, enclosing: readonly FromScope[]): FromNode[] {
  const found: FromNode[] = [];
  const seen = new Set<string>();
  const own: FromScope = { from: [], joins: node.joins };
  const visit = (e: ExprNode | undefined): void => {
    if (e !== undefined) walk(e, (qualifier, table, column) => {
      if (seen.has(qualifier)) return;
      seen.add(qualifier);
      if (provides(own, qualifier)) return;
      for (let i = enclosing.length - 1; i >= 0; i--) if (provides(enclosing[i]!, qualifier)) return;
      if (table === undefined) {
        throw new InvalidArgumentError(
          `select(): the column "${qualifier}"."${column}" comes from a derived table or CTE that is not in FROM: add it with .from(...)`,
          'from',
          qualifier,
        );
      }
      found.push(table);
    });
  };
  for (const item of node.items) visit(item.expr);
  for (const join of node.joins) visit(join.on);
  visit(node.where);
  for (const g of node.groupBy) visit(g);
  visit(node.having);
  for (const o of node.orderBy) visit(o.expr);
  return found;
}

/**
 * Calls `use` for every qualified column reference in `e`, outside subqueries
 * (a subquery's columns belong to its own FROM). `table` is the FROM item to
 * add for a table column; undefined for a column of a derived table or CTE.
 */
function walk(e: ExprNode, use: (qualifier: string, table: TableRefNode | undefined, column: string) => void): void {
  const all = (nodes: readonly ExprNode[]) => {
    for (const n of nodes) walk(n, use);
  };
  const orders = (nodes: readonly OrderNode[]) => {
    for (const o of nodes) walk(o.expr, use);
  };
  switch (e.kind) {
    case 'column':
      if (e.qualifier !== undefined) {
        const table = e.column.table;
        use(e.qualifier, { kind: 'tableRef', table, alias: e.qualifier === table.name ? undefined : e.qualifier }, e.column.name);
      }
      return;
    case 'namedColumn':
      if (e.qualifier !== undefined) use(e.qualifier, undefined, e.name);
      return;
    case 'param':
    case 'keyword':
    case 'identifier':
    case 'excluded':
    case 'scalarSubquery':
    case 'exists':
    case 'jsonRows':
      return;
    case 'binary':
      walk(e.left, use);
      walk(e.right, use);
      return;
    case 'logical':
      all(e.operands);
      return;
    case 'unary':
      walk(e.operand, use);
      return;
    case 'inList':
      walk(e.operand, use);
      all(e.items);
      return;
    case 'inSubquery':
      walk(e.operand, use);
      return;
    case 'between':
      walk(e.operand, use);
      walk(e.low, use);
      walk(e.high, use);
      return;
    case 'function':
      all(e.args);
      return;
    case 'window':
      all(e.fn.args);
      all(e.partitionBy);
      orders(e.orderBy);
      return;
    case 'case':
      if (e.subject) walk(e.subject, use);
      for (const w of e.whens) {
        walk(w.when, use);
        walk(w.then, use);
      }
      if (e.else) walk(e.else, use);
      return;
    case 'cast':
      walk(e.operand, use);
      return;
    case 'raw':
      all(e.values);
      return;
    case 'tuple':
      all(e.items);
      return;
    default:
      return assertNever(e, 'expression');
  }
}
