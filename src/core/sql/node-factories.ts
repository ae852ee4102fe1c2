/**
 * One factory per node kind: the node's fields in, a frozen node out.
 *
 * Builders and rewriters that make a node from an existing one
 * (`binaryNode({ ...node, left })`) go through these so the result is frozen
 * and carries exactly the fields of its kind: a spread of another kind's node
 * cannot leave a stray field behind, since each factory copies its fields by
 * name. The {@link NodeTransformer} rebuilds every node it changes here.
 *
 * ```ts
 * const n = binaryNode({ op: '=', left: artist.c.id.node, right: paramNode({ value: 1, type: undefined }) });
 * Object.isFrozen(n); // true
 * ```
 * @internal
 */

import type {
  BetweenNode,
  BinaryNode,
  CaseNode,
  CastNode,
  ColumnNode,
  CompoundNode,
  CteNode,
  CteRefNode,
  DeleteNode,
  DerivedTableNode,
  ExcludedNode,
  ExistsNode,
  FunctionNode,
  IdentifierNode,
  InListNode,
  InSubqueryNode,
  InsertNode,
  JoinNode,
  JsonRowsNode,
  KeywordNode,
  LogicalNode,
  NamedColumnNode,
  OnConflictNode,
  OrderNode,
  ParamNode,
  RawFromNode,
  RawNode,
  RawStatementNode,
  ScalarSubqueryNode,
  SelectItemNode,
  SelectNode,
  SetNode,
  TableRefNode,
  TupleNode,
  UnaryNode,
  UpdateNode,
  WindowNode,
} from './nodes.js';

/** The fields of a node, without its `kind` (the factory sets it). */
export type NodeFields<N> = Omit<N, 'kind'>;

/** `"table"."column"`, qualified by `qualifier` (a table name or an alias). */
export function columnNode(f: NodeFields<ColumnNode>): ColumnNode {
  return Object.freeze({ kind: 'column', column: f.column, qualifier: f.qualifier });
}
export function namedColumnNode(f: NodeFields<NamedColumnNode>): NamedColumnNode {
  return Object.freeze({ kind: 'namedColumn', qualifier: f.qualifier, name: f.name, type: f.type });
}
export function paramNode(f: NodeFields<ParamNode>): ParamNode {
  return Object.freeze({ kind: 'param', value: f.value, type: f.type });
}
export function keywordNode(f: NodeFields<KeywordNode>): KeywordNode {
  return Object.freeze({ kind: 'keyword', keyword: f.keyword });
}
export function binaryNode(f: NodeFields<BinaryNode>): BinaryNode {
  return Object.freeze({ kind: 'binary', op: f.op, left: f.left, right: f.right, escape: f.escape });
}
export function logicalNode(f: NodeFields<LogicalNode>): LogicalNode {
  return Object.freeze({ kind: 'logical', op: f.op, operands: f.operands });
}
export function unaryNode(f: NodeFields<UnaryNode>): UnaryNode {
  return Object.freeze({ kind: 'unary', op: f.op, operand: f.operand });
}
export function inListNode(f: NodeFields<InListNode>): InListNode {
  return Object.freeze({ kind: 'inList', negated: f.negated, operand: f.operand, items: f.items });
}
export function inSubqueryNode(f: NodeFields<InSubqueryNode>): InSubqueryNode {
  return Object.freeze({ kind: 'inSubquery', negated: f.negated, operand: f.operand, query: f.query });
}
export function betweenNode(f: NodeFields<BetweenNode>): BetweenNode {
  return Object.freeze({ kind: 'between', negated: f.negated, operand: f.operand, low: f.low, high: f.high });
}
export function functionNode(f: NodeFields<FunctionNode>): FunctionNode {
  return Object.freeze({ kind: 'function', name: f.name, args: f.args, distinct: f.distinct, star: f.star });
}
export function windowNode(f: NodeFields<WindowNode>): WindowNode {
  return Object.freeze({ kind: 'window', fn: f.fn, partitionBy: f.partitionBy, orderBy: f.orderBy });
}
export function caseNode(f: NodeFields<CaseNode>): CaseNode {
  return Object.freeze({ kind: 'case', subject: f.subject, whens: f.whens, else: f.else });
}
export function castNode(f: NodeFields<CastNode>): CastNode {
  return Object.freeze({ kind: 'cast', operand: f.operand, type: f.type });
}
export function scalarSubqueryNode(f: NodeFields<ScalarSubqueryNode>): ScalarSubqueryNode {
  return Object.freeze({ kind: 'scalarSubquery', query: f.query });
}
export function existsNode(f: NodeFields<ExistsNode>): ExistsNode {
  return Object.freeze({ kind: 'exists', negated: f.negated, query: f.query });
}
export function rawNode(f: NodeFields<RawNode>): RawNode {
  return Object.freeze({ kind: 'raw', parts: f.parts, values: f.values });
}
export function identifierNode(f: NodeFields<IdentifierNode>): IdentifierNode {
  return Object.freeze({ kind: 'identifier', path: f.path });
}
export function excludedNode(f: NodeFields<ExcludedNode>): ExcludedNode {
  return Object.freeze({ kind: 'excluded', column: f.column });
}
export function tupleNode(f: NodeFields<TupleNode>): TupleNode {
  return Object.freeze({ kind: 'tuple', items: f.items });
}

export function jsonRowsNode(f: NodeFields<JsonRowsNode>): JsonRowsNode {
  return Object.freeze({ kind: 'jsonRows', query: f.query });
}

/** A select-list item (it has no `kind`: it only appears in select lists and RETURNING). */
export function selectItemNode(f: SelectItemNode): SelectItemNode {
  return Object.freeze({ expr: f.expr, alias: f.alias, explicitAlias: f.explicitAlias, type: f.type });
}
export function orderNode(f: NodeFields<OrderNode>): OrderNode {
  return Object.freeze({ kind: 'order', expr: f.expr, direction: f.direction, nulls: f.nulls });
}
export function tableRefNode(f: NodeFields<TableRefNode>): TableRefNode {
  return Object.freeze({ kind: 'tableRef', table: f.table, alias: f.alias });
}
export function derivedTableNode(f: NodeFields<DerivedTableNode>): DerivedTableNode {
  return Object.freeze({ kind: 'derivedTable', query: f.query, alias: f.alias });
}
export function cteRefNode(f: NodeFields<CteRefNode>): CteRefNode {
  return Object.freeze({ kind: 'cteRef', name: f.name, alias: f.alias });
}
export function rawFromNode(f: NodeFields<RawFromNode>): RawFromNode {
  return Object.freeze({ kind: 'rawFrom', raw: f.raw });
}
export function joinNode(f: NodeFields<JoinNode>): JoinNode {
  return Object.freeze({ kind: 'join', type: f.type, target: f.target, on: f.on });
}
export function cteNode(f: NodeFields<CteNode>): CteNode {
  return Object.freeze({ kind: 'cte', name: f.name, columns: f.columns, query: f.query, recursive: f.recursive });
}
export function setNode(f: SetNode): SetNode {
  return Object.freeze({ column: f.column, value: f.value });
}
export function onConflictNode(f: NodeFields<OnConflictNode>): OnConflictNode {
  return Object.freeze({ kind: 'onConflict', target: f.target, action: f.action, set: f.set, where: f.where });
}

export function selectStatementNode(f: NodeFields<SelectNode>): SelectNode {
  return Object.freeze({
    kind: 'select',
    ctes: f.ctes,
    distinct: f.distinct,
    items: f.items,
    from: f.from,
    joins: f.joins,
    where: f.where,
    groupBy: f.groupBy,
    having: f.having,
    orderBy: f.orderBy,
    limit: f.limit,
    offset: f.offset,
    lock: f.lock,
  });
}
export function compoundNode(f: NodeFields<CompoundNode>): CompoundNode {
  return Object.freeze({ kind: 'compound', ctes: f.ctes, op: f.op, queries: f.queries, orderBy: f.orderBy, limit: f.limit, offset: f.offset });
}
export function insertNode(f: NodeFields<InsertNode>): InsertNode {
  return Object.freeze({
    kind: 'insert',
    ctes: f.ctes,
    table: f.table,
    columns: f.columns,
    rows: f.rows,
    source: f.source,
    onConflict: f.onConflict,
    returning: f.returning,
  });
}
export function updateNode(f: NodeFields<UpdateNode>): UpdateNode {
  return Object.freeze({ kind: 'update', ctes: f.ctes, table: f.table, set: f.set, from: f.from, where: f.where, returning: f.returning });
}
export function deleteNode(f: NodeFields<DeleteNode>): DeleteNode {
  return Object.freeze({ kind: 'delete', ctes: f.ctes, table: f.table, using: f.using, where: f.where, returning: f.returning });
}
export function rawStatementNode(f: NodeFields<RawStatementNode>): RawStatementNode {
  return Object.freeze({ kind: 'rawStatement', raw: f.raw });
}
