/**
 * A tree transformer over every node kind: the one way to rewrite a
 * statement or an expression (requalify columns to an alias, swap a table for
 * a derived table, ...).
 *
 * Each node kind has a `transformXxx` method; the default visits the node's
 * children and returns the node itself when none changed, so a rewrite that
 * touches one column keeps every other subtree (and compile-cache keys built
 * on node identity) as they were. A changed node is rebuilt through its
 * factory in `node-factories.ts`, frozen. A subclass overrides the kinds it
 * rewrites and calls `super` for the rest. The dispatch switches are
 * exhaustive (`assertNever`): a new node kind does not compile until this file
 * says how to walk it, which an ad-hoc walker with `default: return node`
 * never did (it silently skipped `raw`, `window`, `exists`, ...).
 *
 * ```ts
 * class ToAlias extends NodeTransformer {
 *   protected override transformColumn(node: ColumnNode): ExprNode {
 *     return node.qualifier === 'song' ? Object.freeze({ ...node, qualifier: 'song_1' }) : node;
 *   }
 * }
 * new ToAlias().transformExpr(sql`${song.c.title} COLLATE NOCASE`.node);
 * // "song_1"."title" COLLATE NOCASE
 * ```
 * @internal
 */

import {
  betweenNode,
  binaryNode,
  caseNode,
  castNode,
  compoundNode,
  cteNode,
  deleteNode,
  derivedTableNode,
  existsNode,
  functionNode,
  inListNode,
  inSubqueryNode,
  insertNode,
  joinNode,
  jsonRowsNode,
  logicalNode,
  onConflictNode,
  orderNode,
  rawFromNode,
  rawNode,
  rawStatementNode,
  scalarSubqueryNode,
  selectItemNode,
  selectStatementNode,
  setNode,
  tupleNode,
  unaryNode,
  updateNode,
  windowNode,
} from './node-factories.js';
import {
  assertNever,
  type BetweenNode,
  type BinaryNode,
  type CaseNode,
  type CastNode,
  type ColumnNode,
  type CompoundNode,
  type CteNode,
  type CteRefNode,
  type DeleteNode,
  type DerivedTableNode,
  type ExcludedNode,
  type ExistsNode,
  type ExprNode,
  type FromNode,
  type FunctionNode,
  type IdentifierNode,
  type InListNode,
  type InSubqueryNode,
  type InsertNode,
  type JoinNode,
  type JsonRowsNode,
  type KeywordNode,
  type LogicalNode,
  type NamedColumnNode,
  type OnConflictNode,
  type OrderNode,
  type ParamNode,
  type QueryNode,
  type RawFromNode,
  type RawNode,
  type RawStatementNode,
  type ScalarSubqueryNode,
  type SelectItemNode,
  type SelectNode,
  type SetNode,
  type StatementNode,
  type TableRefNode,
  type TupleNode,
  type UnaryNode,
  type UpdateNode,
  type WindowNode,
  type InsertRowsNode,
  type UpdateFromRowsNode,
} from './nodes.js';

/**
 * `items` mapped through `fn`: the same array when every item came back
 * unchanged (no allocation on the common path), else a new frozen one.
 */
function mapSame<T>(items: readonly T[], fn: (item: T) => T): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const next = fn(item);
    if (out === undefined && next !== item) out = items.slice(0, i);
    if (out !== undefined) out.push(next);
  }
  return out === undefined ? items : Object.freeze(out);
}

function mapOptional<T>(item: T | undefined, fn: (item: T) => T): T | undefined {
  return item === undefined ? undefined : fn(item);
}

/**
 * Rewrites statement and expression trees; the identity transform unless a
 * subclass overrides some `transformXxx` methods. See the module comment.
 * @internal
 */
export class NodeTransformer {
  // --- entry points ------------------------------------------------------------

  transformStatement(node: StatementNode): StatementNode {
    switch (node.kind) {
      case 'select':
      case 'compound':
        return this.transformQuery(node);
      case 'insert':
        return this.transformInsert(node);
      case 'update':
        return this.transformUpdate(node);
      case 'delete':
        return this.transformDelete(node);
      case 'rawStatement':
        return this.transformRawStatement(node);
      case 'insertRows':
        return this.transformInsertRows(node);
      case 'updateFromRows':
        return this.transformUpdateFromRows(node);
      default:
        return assertNever(node, 'statement');
    }
  }

  transformQuery(node: QueryNode): QueryNode {
    switch (node.kind) {
      case 'select':
        return this.transformSelect(node);
      case 'compound':
        return this.transformCompound(node);
      default:
        return assertNever(node, 'query');
    }
  }

  transformExpr(node: ExprNode): ExprNode {
    switch (node.kind) {
      case 'column':
        return this.transformColumn(node);
      case 'namedColumn':
        return this.transformNamedColumn(node);
      case 'param':
        return this.transformParam(node);
      case 'keyword':
        return this.transformKeyword(node);
      case 'binary':
        return this.transformBinary(node);
      case 'logical':
        return this.transformLogical(node);
      case 'unary':
        return this.transformUnary(node);
      case 'inList':
        return this.transformInList(node);
      case 'inSubquery':
        return this.transformInSubquery(node);
      case 'between':
        return this.transformBetween(node);
      case 'function':
        return this.transformFunction(node);
      case 'window':
        return this.transformWindow(node);
      case 'case':
        return this.transformCase(node);
      case 'cast':
        return this.transformCast(node);
      case 'scalarSubquery':
        return this.transformScalarSubquery(node);
      case 'exists':
        return this.transformExists(node);
      case 'raw':
        return this.transformRaw(node);
      case 'identifier':
        return this.transformIdentifier(node);
      case 'excluded':
        return this.transformExcluded(node);
      case 'tuple':
        return this.transformTuple(node);
      case 'jsonRows':
        return this.transformJsonRows(node);
      default:
        return assertNever(node, 'expression');
    }
  }

  transformFrom(node: FromNode): FromNode {
    switch (node.kind) {
      case 'tableRef':
        return this.transformTableRef(node);
      case 'derivedTable':
        return this.transformDerivedTable(node);
      case 'cteRef':
        return this.transformCteRef(node);
      case 'rawFrom':
        return this.transformRawFrom(node);
      default:
        return assertNever(node, 'FROM item');
    }
  }

  transformOrder(node: OrderNode): OrderNode {
    const expr = this.transformExpr(node.expr);
    return expr === node.expr ? node : orderNode({ ...node, expr });
  }

  // --- leaves: nothing below them to visit -----------------------------------------

  protected transformColumn(node: ColumnNode): ExprNode {
    return node;
  }
  protected transformNamedColumn(node: NamedColumnNode): ExprNode {
    return node;
  }
  protected transformParam(node: ParamNode): ExprNode {
    return node;
  }
  protected transformKeyword(node: KeywordNode): ExprNode {
    return node;
  }
  protected transformIdentifier(node: IdentifierNode): ExprNode {
    return node;
  }
  /** `excluded.col` names a column of the row being inserted, not of a table in FROM. */
  protected transformExcluded(node: ExcludedNode): ExprNode {
    return node;
  }

  // --- expressions with children -------------------------------------------------------

  protected transformBinary(node: BinaryNode): ExprNode {
    const left = this.transformExpr(node.left);
    const right = this.transformExpr(node.right);
    return left === node.left && right === node.right ? node : binaryNode({ ...node, left, right });
  }
  protected transformLogical(node: LogicalNode): ExprNode {
    const operands = this.exprs(node.operands);
    return operands === node.operands ? node : logicalNode({ ...node, operands });
  }
  protected transformUnary(node: UnaryNode): ExprNode {
    const operand = this.transformExpr(node.operand);
    return operand === node.operand ? node : unaryNode({ ...node, operand });
  }
  protected transformInList(node: InListNode): ExprNode {
    const operand = this.transformExpr(node.operand);
    const items = this.exprs(node.items);
    return operand === node.operand && items === node.items ? node : inListNode({ ...node, operand, items });
  }
  protected transformInSubquery(node: InSubqueryNode): ExprNode {
    const operand = this.transformExpr(node.operand);
    const query = this.transformQuery(node.query);
    return operand === node.operand && query === node.query ? node : inSubqueryNode({ ...node, operand, query });
  }
  protected transformBetween(node: BetweenNode): ExprNode {
    const operand = this.transformExpr(node.operand);
    const low = this.transformExpr(node.low);
    const high = this.transformExpr(node.high);
    return operand === node.operand && low === node.low && high === node.high ? node : betweenNode({ ...node, operand, low, high });
  }
  /** Returns a function node: a window's function must stay one. */
  protected transformFunction(node: FunctionNode): FunctionNode {
    const args = this.exprs(node.args);
    return args === node.args ? node : functionNode({ ...node, args });
  }
  protected transformWindow(node: WindowNode): ExprNode {
    const fn = this.transformFunction(node.fn);
    const partitionBy = this.exprs(node.partitionBy);
    const orderBy = this.orders(node.orderBy);
    return fn === node.fn && partitionBy === node.partitionBy && orderBy === node.orderBy ? node : windowNode({ fn, partitionBy, orderBy });
  }
  protected transformCase(node: CaseNode): ExprNode {
    const subject = mapOptional(node.subject, (e) => this.transformExpr(e));
    const whens = mapSame(node.whens, (w) => {
      const when = this.transformExpr(w.when);
      const then = this.transformExpr(w.then);
      return when === w.when && then === w.then ? w : Object.freeze({ when, then });
    });
    const otherwise = mapOptional(node.else, (e) => this.transformExpr(e));
    return subject === node.subject && whens === node.whens && otherwise === node.else ? node : caseNode({ subject, whens, else: otherwise });
  }
  protected transformCast(node: CastNode): ExprNode {
    const operand = this.transformExpr(node.operand);
    return operand === node.operand ? node : castNode({ ...node, operand });
  }
  protected transformScalarSubquery(node: ScalarSubqueryNode): ExprNode {
    const query = this.transformQuery(node.query);
    return query === node.query ? node : scalarSubqueryNode({ query });
  }
  protected transformExists(node: ExistsNode): ExprNode {
    const query = this.transformQuery(node.query);
    return query === node.query ? node : existsNode({ ...node, query });
  }
  /** Returns a raw node: raw FROM items and raw statements hold one. */
  protected transformRaw(node: RawNode): RawNode {
    const values = this.exprs(node.values);
    return values === node.values ? node : rawNode({ ...node, values });
  }
  protected transformTuple(node: TupleNode): ExprNode {
    const items = this.exprs(node.items);
    return items === node.items ? node : tupleNode({ items });
  }
  /** Its rows are a SELECT (a rewrite adding filters to SELECTs reaches them); it must stay one. */
  protected transformJsonRows(node: JsonRowsNode): ExprNode {
    const query = this.transformQuery(node.query);
    if (query === node.query) return node;
    if (query.kind !== 'select') throw new Error('internal: the rows of a jsonRows node must stay a SELECT');
    return jsonRowsNode({ query });
  }

  // --- clauses ---------------------------------------------------------------------------

  protected transformSelectItem(node: SelectItemNode): SelectItemNode {
    const expr = this.transformExpr(node.expr);
    return expr === node.expr ? node : selectItemNode({ ...node, expr });
  }
  /** Returns a table reference: INSERT, UPDATE and DELETE name one. */
  protected transformTableRef(node: TableRefNode): TableRefNode {
    return node;
  }
  protected transformDerivedTable(node: DerivedTableNode): FromNode {
    const query = this.transformQuery(node.query);
    return query === node.query ? node : derivedTableNode({ ...node, query });
  }
  protected transformCteRef(node: CteRefNode): FromNode {
    return node;
  }
  protected transformRawFrom(node: RawFromNode): FromNode {
    const raw = this.transformRaw(node.raw);
    return raw === node.raw ? node : rawFromNode({ raw });
  }
  protected transformJoin(node: JoinNode): JoinNode {
    const target = this.transformFrom(node.target);
    const on = mapOptional(node.on, (e) => this.transformExpr(e));
    return target === node.target && on === node.on ? node : joinNode({ ...node, target, on });
  }
  protected transformCte(node: CteNode): CteNode {
    const query = this.transformQuery(node.query);
    return query === node.query ? node : cteNode({ ...node, query });
  }
  protected transformSet(node: SetNode): SetNode {
    const value = this.transformExpr(node.value);
    return value === node.value ? node : setNode({ ...node, value });
  }
  protected transformOnConflict(node: OnConflictNode): OnConflictNode {
    const set = mapSame(node.set, (s) => this.transformSet(s));
    const where = mapOptional(node.where, (e) => this.transformExpr(e));
    return set === node.set && where === node.where ? node : onConflictNode({ ...node, set, where });
  }

  // --- statements ----------------------------------------------------------------------

  protected transformSelect(node: SelectNode): QueryNode {
    const ctes = this.ctes(node.ctes);
    const items = mapSame(node.items, (i) => this.transformSelectItem(i));
    const from = this.froms(node.from);
    const joins = mapSame(node.joins, (j) => this.transformJoin(j));
    const where = mapOptional(node.where, (e) => this.transformExpr(e));
    const groupBy = this.exprs(node.groupBy);
    const having = mapOptional(node.having, (e) => this.transformExpr(e));
    const orderBy = this.orders(node.orderBy);
    const limit = mapOptional(node.limit, (e) => this.transformExpr(e));
    const offset = mapOptional(node.offset, (e) => this.transformExpr(e));
    const same =
      ctes === node.ctes &&
      items === node.items &&
      from === node.from &&
      joins === node.joins &&
      where === node.where &&
      groupBy === node.groupBy &&
      having === node.having &&
      orderBy === node.orderBy &&
      limit === node.limit &&
      offset === node.offset;
    return same ? node : selectStatementNode({ ...node, ctes, items, from, joins, where, groupBy, having, orderBy, limit, offset });
  }
  protected transformCompound(node: CompoundNode): QueryNode {
    const ctes = this.ctes(node.ctes);
    const queries = mapSame(node.queries, (q) => this.transformQuery(q));
    const orderBy = this.orders(node.orderBy);
    const limit = mapOptional(node.limit, (e) => this.transformExpr(e));
    const offset = mapOptional(node.offset, (e) => this.transformExpr(e));
    const same = ctes === node.ctes && queries === node.queries && orderBy === node.orderBy && limit === node.limit && offset === node.offset;
    return same ? node : compoundNode({ ...node, ctes, queries, orderBy, limit, offset });
  }
  protected transformInsert(node: InsertNode): StatementNode {
    const ctes = this.ctes(node.ctes);
    const table = this.transformTableRef(node.table);
    const rows = mapSame(node.rows, (r) => this.exprs(r));
    const source = mapOptional(node.source, (q) => this.transformQuery(q));
    const onConflict = mapOptional(node.onConflict, (o) => this.transformOnConflict(o));
    const returning = mapSame(node.returning, (i) => this.transformSelectItem(i));
    const same =
      ctes === node.ctes && table === node.table && rows === node.rows && source === node.source && onConflict === node.onConflict && returning === node.returning;
    return same ? node : insertNode({ ...node, ctes, table, rows, source, onConflict, returning });
  }
  /** Its rows are values, not nodes: only the target table and RETURNING hold anything to rewrite. */
  protected transformInsertRows(node: InsertRowsNode): StatementNode {
    const table = this.transformTableRef(node.table);
    const returning = mapSame(node.returning, (i) => this.transformSelectItem(i));
    return table === node.table && returning === node.returning ? node : Object.freeze({ ...node, table, returning });
  }
  protected transformUpdateFromRows(node: UpdateFromRowsNode): StatementNode {
    const table = this.transformTableRef(node.table);
    const assign = mapSame(node.assign, (s) => this.transformSet(s));
    return table === node.table && assign === node.assign ? node : Object.freeze({ ...node, table, assign });
  }
  protected transformUpdate(node: UpdateNode): StatementNode {
    const ctes = this.ctes(node.ctes);
    const table = this.transformTableRef(node.table);
    const set = mapSame(node.set, (s) => this.transformSet(s));
    const from = this.froms(node.from);
    const where = mapOptional(node.where, (e) => this.transformExpr(e));
    const returning = mapSame(node.returning, (i) => this.transformSelectItem(i));
    const same = ctes === node.ctes && table === node.table && set === node.set && from === node.from && where === node.where && returning === node.returning;
    return same ? node : updateNode({ ...node, ctes, table, set, from, where, returning });
  }
  protected transformDelete(node: DeleteNode): StatementNode {
    const ctes = this.ctes(node.ctes);
    const table = this.transformTableRef(node.table);
    const using = this.froms(node.using);
    const where = mapOptional(node.where, (e) => this.transformExpr(e));
    const returning = mapSame(node.returning, (i) => this.transformSelectItem(i));
    const same = ctes === node.ctes && table === node.table && using === node.using && where === node.where && returning === node.returning;
    return same ? node : deleteNode({ ...node, ctes, table, using, where, returning });
  }
  protected transformRawStatement(node: RawStatementNode): StatementNode {
    const raw = this.transformRaw(node.raw);
    return raw === node.raw ? node : rawStatementNode({ raw });
  }

  // --- lists -------------------------------------------------------------------------------

  private exprs(nodes: readonly ExprNode[]): readonly ExprNode[] {
    return mapSame(nodes, (e) => this.transformExpr(e));
  }
  private orders(nodes: readonly OrderNode[]): readonly OrderNode[] {
    return mapSame(nodes, (o) => this.transformOrder(o));
  }
  private froms(nodes: readonly FromNode[]): readonly FromNode[] {
    return mapSame(nodes, (f) => this.transformFrom(f));
  }
  private ctes(nodes: readonly CteNode[]): readonly CteNode[] {
    return mapSame(nodes, (c) => this.transformCte(c));
  }
}
