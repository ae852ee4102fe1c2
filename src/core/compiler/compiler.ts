/**
 * The statement compiler: one walk over the syntax tree that writes SQL text
 * and collects bound parameters.
 *
 * Dialects subclass it and override only the hooks whose SQL differs
 * (placeholders, quoting, LIMIT forms, upsert, ILIKE, NULLS ordering, ...),
 * branching on capability flags rather than on the dialect's name. Every node
 * kind is handled in an exhaustive `switch`, so a new kind is a type error here.
 *
 * Statements are always compiled (cheaper than building a cache key); those
 * with the same SQL text share one template (see {@link StatementCache}).
 */

import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { Dialect } from '../dialects/dialect.js';
import {
  assertNever,
  type ColumnMeta,
  type CompoundNode,
  type CteNode,
  type DeleteNode,
  type ExprNode,
  type FromNode,
  type InsertNode,
  type JoinNode,
  type OrderNode,
  type ParamNode,
  type QueryNode,
  type RawNode,
  type SelectItemNode,
  type SelectNode,
  type StatementNode,
  type UpdateNode,
} from '../sql/nodes.js';
import type { CompiledStatement, ResultColumn } from './compiled.js';
import { StatementCache } from './cache.js';
import { Placeholder } from '../sql/placeholder.js';
import { inferFrom, type FromScope } from './infer-from.js';
import { PRECEDENCE } from './precedence.js';
import { inListValues, type InListValues } from './in-list.js';

export type { InListValues } from './in-list.js';

/** @internal Accumulates SQL text and the parameter nodes in placeholder order. */
export class SqlWriter {
  sql = '';
  /** DDL cannot bind parameters: values are written as literals instead. */
  inlineParams = false;
  /** DDL expressions (CHECK, partial index WHERE) name columns without their table. */
  unqualifiedColumns = false;
  /** Set when the statement would pass the bound-parameter limit: every IN list the dialect can bind whole is. */
  longInLists = false;
  readonly params: ParamNode[] = [];
  /** What the statements enclosing the one being written provide to it (innermost last), for correlation. */
  readonly scopes: FromScope[] = [];
  write(text: string): this {
    this.sql += text;
    return this;
  }
}

/** Lists shorter than this always keep one placeholder per value (they read better and are never what passes a limit). */
const LONG_IN_MIN = 10;

/** Raw SQL text that ends in `AS `: the identifier interpolated next is a column alias. */
const AS_BEFORE = /\bAS\s+$/i;

export class SqlCompiler {
  /** Compiled statements by shape. Disable for benchmarks with `cache.enabled = false`. */
  readonly cache = new StatementCache();

  constructor(protected readonly dialect: Dialect) {}

  compile(node: StatementNode): CompiledStatement {
    if (!this.cache.enabled) return this.compileUncached(node);
    const w = this.write(node);
    const shared = this.cache.shared(w.sql, resultItems(node));
    if (shared) return { ...shared, parameters: this.bind(w.params) };
    const compiled = this.finish(node, w);
    this.cache.store(compiled);
    return compiled;
  }

  private bind(params: readonly ParamNode[]): unknown[] {
    const parameters = new Array<unknown>(params.length);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      // A placeholder's value arrives at execution (prepared statements): keep the marker.
      parameters[i] = p.value instanceof Placeholder ? p.value : this.dialect.bindValue(p.type, p.value);
    }
    return parameters;
  }

  /** @internal Compile, also returning the parameter nodes in placeholder order (for prepared statements). */
  compileWithParams(node: StatementNode): { compiled: CompiledStatement; params: readonly ParamNode[] } {
    const w = this.write(node);
    return { compiled: this.finish(node, w), params: w.params };
  }

  /** An expression as SQL text with its values inlined as literals (for DDL). */
  inlineExpression(node: ExprNode): string {
    const w = new SqlWriter();
    w.inlineParams = true;
    w.unqualifiedColumns = true;
    this.expr(node, w, 0);
    return w.sql;
  }

  /** Compile without consulting or filling the cache. */
  compileUncached(node: StatementNode): CompiledStatement {
    return this.finish(node, this.write(node));
  }

  /**
   * Write a statement. One that would bind more values than the dialect allows
   * is written again with its IN lists as whole-list parameters, so statements
   * that fit keep one placeholder per value and their SQL text.
   */
  private write(node: StatementNode): SqlWriter {
    const w = new SqlWriter();
    this.statement(node, w);
    if (w.params.length <= this.dialect.capabilities.maxBindParameters) return w;
    const again = new SqlWriter();
    again.longInLists = true;
    this.statement(node, again);
    return again;
  }

  private finish(node: StatementNode, w: SqlWriter): CompiledStatement {
    const parameters = this.bind(w.params);
    const items = resultItems(node);
    const columns: ResultColumn[] = items.map((i) => ({ name: i.alias, type: i.type }));
    const returnsRows = node.kind === 'select' || node.kind === 'compound' || node.kind === 'rawStatement' || items.length > 0;
    return { sql: w.sql, parameters, columns, kind: node.kind, returnsRows };
  }

  // ---------------------------------------------------------------------------
  // Statements

  statement(node: StatementNode, w: SqlWriter): void {
    switch (node.kind) {
      case 'select':
        return this.select(node, w);
      case 'compound':
        return this.compound(node, w);
      case 'insert':
        return this.insert(node, w);
      case 'update':
        if (node.set.length === 0) throw new InvalidArgumentError(`update "${node.table.table.name}": nothing to set: call set({ ... }) with at least one column`, 'set', node.set);
        w.scopes.push({ from: [node.table, ...node.from], joins: [] });
        this.update(node, w);
        w.scopes.pop();
        return;
      case 'delete':
        w.scopes.push({ from: [node.table, ...node.using], joins: [] });
        this.delete(node, w);
        w.scopes.pop();
        return;
      case 'rawStatement':
        return this.raw(node.raw, w);
      default:
        return assertNever(node, 'statement');
    }
  }

  protected query(node: QueryNode, w: SqlWriter): void {
    if (node.kind === 'select') this.select(node, w);
    else this.compound(node, w);
  }

  protected ctes(ctes: readonly CteNode[], w: SqlWriter): void {
    if (ctes.length === 0) return;
    w.write(ctes.some((c) => c.recursive) ? 'WITH RECURSIVE ' : 'WITH ');
    ctes.forEach((cte, i) => {
      if (i > 0) w.write(', ');
      w.write(this.quoteAlias(cte.name, 'name'));
      if (cte.columns) w.write(` (${cte.columns.map((c) => this.quoteAlias(c, 'alias')).join(', ')})`);
      w.write(' AS (');
      this.query(cte.query, w);
      w.write(')');
    });
    w.write(' ');
  }

  protected select(node: SelectNode, w: SqlWriter): void {
    this.ctes(node.ctes, w);
    // No FROM given: the tables of the columns used, less those enclosing queries correlate.
    const from = node.from.length > 0 || node.items.length === 0 ? node.from : inferFrom(node, w.scopes);
    w.scopes.push(from === node.from ? node : { from, joins: node.joins });
    w.write(node.distinct ? 'SELECT DISTINCT ' : 'SELECT ');
    if (node.items.length === 0) w.write('*');
    node.items.forEach((item, i) => {
      if (i > 0) w.write(', ');
      this.selectItem(item, w);
    });
    if (from.length > 0) {
      w.write(' FROM ');
      from.forEach((f, i) => {
        if (i > 0) w.write(', ');
        this.fromItem(f, w);
      });
    }
    for (const join of node.joins) this.join(join, w);
    if (node.where) {
      w.write(' WHERE ');
      this.expr(node.where, w, 0);
    }
    if (node.groupBy.length > 0) {
      w.write(' GROUP BY ');
      this.list(node.groupBy, w);
    }
    if (node.having) {
      w.write(' HAVING ');
      this.expr(node.having, w, 0);
    }
    this.orderBy(node.orderBy, w);
    this.limitOffset(node.limit, node.offset, w);
    if (node.lock) this.lock(node.lock, w);
    w.scopes.pop();
  }

  protected selectItem(item: SelectItemNode, w: SqlWriter): void {
    this.expr(item.expr, w, 0);
    if (item.explicitAlias || !this.rendersOwnName(item)) w.write(` AS ${this.quoteAlias(item.alias, 'alias')}`);
  }

  /** True when the item's SQL already produces a result column called `item.alias`. */
  private rendersOwnName(item: SelectItemNode): boolean {
    const e = item.expr;
    if (e.kind === 'column') return e.column.name === item.alias;
    if (e.kind === 'namedColumn') return e.name === item.alias;
    return false;
  }

  protected compound(node: CompoundNode, w: SqlWriter): void {
    this.ctes(node.ctes, w);
    node.queries.forEach((q, i) => {
      if (i > 0) w.write(` ${node.op} `);
      const needsWrap = q.kind === 'compound' || q.orderBy.length > 0 || q.limit !== undefined || q.offset !== undefined;
      if (!needsWrap) {
        this.query(q, w);
      } else if (this.dialect.capabilities.parenthesizedCompoundMembers) {
        w.write('(');
        this.query(q, w);
        w.write(')');
      } else {
        w.write('SELECT * FROM (');
        this.query(q, w);
        w.write(')');
      }
    });
    this.orderBy(node.orderBy, w);
    this.limitOffset(node.limit, node.offset, w);
  }

  protected insert(node: InsertNode, w: SqlWriter): void {
    this.ctes(node.ctes, w);
    w.write('INSERT INTO ');
    this.tableName(node.table.table, w);
    if (node.source) {
      w.write(` (${node.columns.map((c) => this.quote(c.name)).join(', ')}) `);
      this.query(node.source, w);
    } else if (node.columns.length === 0) {
      this.insertDefaultValues(node, w);
    } else {
      w.write(` (${node.columns.map((c) => this.quote(c.name)).join(', ')}) VALUES `);
      const rows = node.rows;
      for (let r = 0; r < rows.length; r++) {
        if (r > 0) w.write(', ');
        w.write('(');
        const row = rows[r]!;
        for (let i = 0; i < row.length; i++) {
          if (i > 0) w.write(', ');
          this.expr(row[i]!, w, 0);
        }
        w.write(')');
      }
    }
    if (node.onConflict) this.onConflict(node, w);
    this.returning('insert', node.returning, w);
  }

  /** A row of nothing but defaults. */
  protected insertDefaultValues(node: InsertNode, w: SqlWriter): void {
    if (node.rows.length > 1) {
      throw new UnsupportedError(
        `insert into "${node.table.table.name}": several rows with no columns given; give at least one column`,
      );
    }
    w.write(' DEFAULT VALUES');
  }

  protected onConflict(node: InsertNode, w: SqlWriter): void {
    const oc = node.onConflict!;
    w.write(' ON CONFLICT');
    if (oc.target.length > 0) w.write(` (${oc.target.map((c) => this.quote(c.name)).join(', ')})`);
    if (oc.action === 'nothing') {
      w.write(' DO NOTHING');
      return;
    }
    w.write(' DO UPDATE SET ');
    oc.set.forEach((s, i) => {
      if (i > 0) w.write(', ');
      w.write(`${this.quote(s.column.name)} = `);
      this.expr(s.value, w, 0);
    });
    if (oc.where) {
      w.write(' WHERE ');
      this.expr(oc.where, w, 0);
    }
  }

  protected update(node: UpdateNode, w: SqlWriter): void {
    this.ctes(node.ctes, w);
    w.write('UPDATE ');
    this.tableName(node.table.table, w);
    w.write(' SET ');
    node.set.forEach((s, i) => {
      if (i > 0) w.write(', ');
      w.write(`${this.quote(s.column.name)} = `);
      this.expr(s.value, w, 0);
    });
    if (node.from.length > 0) {
      w.write(' FROM ');
      node.from.forEach((f, i) => {
        if (i > 0) w.write(', ');
        this.fromItem(f, w);
      });
    }
    if (node.where) {
      w.write(' WHERE ');
      this.expr(node.where, w, 0);
    }
    this.returning('update', node.returning, w);
  }

  protected delete(node: DeleteNode, w: SqlWriter): void {
    this.ctes(node.ctes, w);
    w.write('DELETE FROM ');
    this.tableName(node.table.table, w);
    if (node.using.length > 0) {
      if (this.dialect.capabilities.deleteUsing !== 'using') {
        throw new UnsupportedError(`DELETE ... USING is not supported by ${this.dialect.name}; use a subquery in WHERE`);
      }
      w.write(' USING ');
      node.using.forEach((f, i) => {
        if (i > 0) w.write(', ');
        this.fromItem(f, w);
      });
    }
    if (node.where) {
      w.write(' WHERE ');
      this.expr(node.where, w, 0);
    }
    this.returning('delete', node.returning, w);
  }

  protected returning(kind: 'insert' | 'update' | 'delete', items: readonly SelectItemNode[], w: SqlWriter): void {
    if (items.length === 0) return;
    if (!this.dialect.capabilities.returning[kind]) {
      throw new UnsupportedError(`${kind.toUpperCase()} ... RETURNING is not supported by ${this.dialect.name}`);
    }
    w.write(' RETURNING ');
    items.forEach((item, i) => {
      if (i > 0) w.write(', ');
      this.selectItem(item, w);
    });
  }

  // ---------------------------------------------------------------------------
  // Clauses

  protected tableName(table: { name: string; schema: string | undefined }, w: SqlWriter): void {
    if (table.schema) w.write(`${this.quote(table.schema)}.`);
    w.write(this.quote(table.name));
  }

  protected fromItem(node: FromNode, w: SqlWriter): void {
    switch (node.kind) {
      case 'tableRef':
        this.tableName(node.table, w);
        if (node.alias) w.write(` AS ${this.quoteAlias(node.alias, 'name')}`);
        return;
      case 'derivedTable': {
        // A derived table cannot refer to its siblings in the FROM list being written: no correlation with them.
        const siblings = w.scopes.pop();
        w.write('(');
        this.query(node.query, w);
        w.write(`) AS ${this.quoteAlias(node.alias, 'name')}`);
        if (siblings) w.scopes.push(siblings);
        return;
      }
      case 'cteRef':
        w.write(this.quote(node.name));
        if (node.alias) w.write(` AS ${this.quoteAlias(node.alias, 'name')}`);
        return;
      case 'rawFrom':
        this.raw(node.raw, w);
        return;
      default:
        return assertNever(node, 'FROM item');
    }
  }

  protected join(node: JoinNode, w: SqlWriter): void {
    const caps = this.dialect.capabilities;
    if (node.type === 'FULL' && !caps.fullJoin) {
      throw new UnsupportedError(`FULL JOIN is not supported by ${this.dialect.name}; combine a LEFT and a RIGHT join with UNION`);
    }
    if (node.type === 'RIGHT' && !caps.rightJoin) {
      throw new UnsupportedError(`RIGHT JOIN is not supported by ${this.dialect.name}; swap the tables and use a LEFT JOIN`);
    }
    w.write(node.type === 'INNER' ? ' JOIN ' : ` ${node.type} JOIN `);
    this.fromItem(node.target, w);
    if (node.on) {
      w.write(' ON ');
      this.expr(node.on, w, 0);
    }
  }

  protected orderBy(items: readonly OrderNode[], w: SqlWriter): void {
    if (items.length === 0) return;
    w.write(' ORDER BY ');
    items.forEach((o, i) => {
      if (i > 0) w.write(', ');
      this.orderItem(o, w);
    });
  }

  protected orderItem(o: OrderNode, w: SqlWriter): void {
    if (o.nulls && !this.dialect.capabilities.nullsOrdering) {
      // Emulation: sort on "is null" first. NULLS FIRST: nulls (1) before values (0).
      this.expr(o.expr, w, PRECEDENCE['IS']!);
      w.write(o.nulls === 'FIRST' ? ' IS NULL DESC, ' : ' IS NULL, ');
      this.expr(o.expr, w, 0);
      if (o.direction === 'DESC') w.write(' DESC');
      return;
    }
    this.expr(o.expr, w, 0);
    if (o.direction === 'DESC') w.write(' DESC');
    if (o.nulls) w.write(` NULLS ${o.nulls}`);
  }

  protected limitOffset(limit: ExprNode | undefined, offset: ExprNode | undefined, w: SqlWriter): void {
    if (limit) {
      w.write(' LIMIT ');
      this.expr(limit, w, 0);
    }
    if (offset) {
      if (!limit) this.limitForOffsetOnly(w);
      w.write(' OFFSET ');
      this.expr(offset, w, 0);
    }
  }

  /** Dialects that require LIMIT before OFFSET write an unbounded one here. */
  protected limitForOffsetOnly(_w: SqlWriter): void {}

  protected lock(lock: 'UPDATE' | 'SHARE', w: SqlWriter): void {
    const caps = this.dialect.capabilities;
    if (!caps.lockingReads) return;
    if (lock === 'UPDATE') w.write(' FOR UPDATE');
    else w.write(caps.forShare ? ' FOR SHARE' : ' LOCK IN SHARE MODE');
  }

  // ---------------------------------------------------------------------------
  // Expressions

  protected list(nodes: readonly ExprNode[], w: SqlWriter): void {
    for (let i = 0; i < nodes.length; i++) {
      if (i > 0) w.write(', ');
      this.expr(nodes[i]!, w, 0);
    }
  }

  /**
   * Write an expression. `outer` is the precedence of the surrounding operator:
   * the expression is parenthesized when it binds less tightly.
   */
  expr(node: ExprNode, w: SqlWriter, outer: number): void {
    switch (node.kind) {
      case 'column':
        if (node.qualifier !== undefined && !w.unqualifiedColumns) w.write(`${this.quote(node.qualifier)}.`);
        w.write(this.quote(node.column.name));
        return;
      case 'namedColumn':
        if (node.qualifier !== undefined) w.write(`${this.quote(node.qualifier)}.`);
        w.write(this.quote(node.name));
        return;
      case 'param':
        if (w.inlineParams) {
          w.write(this.dialect.literal(this.dialect.bindValue(node.type, node.value)));
          return;
        }
        w.params.push(node);
        w.write(this.placeholder(w.params.length));
        return;
      case 'keyword':
        w.write(this.keyword(node.keyword));
        return;
      case 'binary':
        if (node.op === 'LIKE' || node.op === 'NOT LIKE' || node.op === 'ILIKE' || node.op === 'NOT ILIKE') {
          return this.like(node.op, node.left, node.right, node.escape ?? '\\', w, outer);
        }
        return this.binary(node.op, node.left, node.right, w, outer);
      case 'logical': {
        const prec = PRECEDENCE[node.op]!;
        const open = prec < outer;
        if (open) w.write('(');
        node.operands.forEach((o, i) => {
          if (i > 0) w.write(` ${node.op} `);
          this.expr(o, w, prec + 1);
        });
        if (open) w.write(')');
        return;
      }
      case 'unary':
        if (node.op === 'NOT') {
          const open = PRECEDENCE['NOT']! < outer;
          if (open) w.write('(');
          w.write('NOT ');
          this.expr(node.operand, w, PRECEDENCE['NOT']!);
          if (open) w.write(')');
        } else if (node.op === '-') {
          w.write('-');
          this.expr(node.operand, w, 8);
        } else {
          const open = 4 < outer;
          if (open) w.write('(');
          this.expr(node.operand, w, 5);
          w.write(` ${node.op}`);
          if (open) w.write(')');
        }
        return;
      case 'inList':
        return this.inList(node.operand, node.items, node.negated, w, outer);
      case 'inSubquery': {
        const open = 4 < outer;
        if (open) w.write('(');
        this.expr(node.operand, w, 5);
        w.write(node.negated ? ' NOT IN (' : ' IN (');
        this.query(node.query, w);
        w.write(')');
        if (open) w.write(')');
        return;
      }
      case 'between': {
        const open = 4 < outer;
        if (open) w.write('(');
        this.expr(node.operand, w, 5);
        w.write(node.negated ? ' NOT BETWEEN ' : ' BETWEEN ');
        this.expr(node.low, w, 5);
        w.write(' AND ');
        this.expr(node.high, w, 5);
        if (open) w.write(')');
        return;
      }
      case 'function':
        this.functionCall(node.name, node.args, node.distinct, node.star, w);
        return;
      case 'window':
        this.functionCall(node.fn.name, node.fn.args, node.fn.distinct, node.fn.star, w);
        w.write(' OVER (');
        if (node.partitionBy.length > 0) {
          w.write('PARTITION BY ');
          this.list(node.partitionBy, w);
        }
        if (node.orderBy.length > 0) {
          if (node.partitionBy.length > 0) w.write(' ');
          w.write('ORDER BY ');
          node.orderBy.forEach((o, i) => {
            if (i > 0) w.write(', ');
            this.orderItem(o, w);
          });
        }
        w.write(')');
        return;
      case 'case':
        w.write('CASE');
        if (node.subject) {
          w.write(' ');
          this.expr(node.subject, w, 0);
        }
        for (const { when, then } of node.whens) {
          w.write(' WHEN ');
          this.expr(when, w, 0);
          w.write(' THEN ');
          this.expr(then, w, 0);
        }
        if (node.else) {
          w.write(' ELSE ');
          this.expr(node.else, w, 0);
        }
        w.write(' END');
        return;
      case 'cast':
        w.write('CAST(');
        this.expr(node.operand, w, 0);
        w.write(` AS ${this.dialect.typeName(node.type, 'cast')})`);
        return;
      case 'scalarSubquery':
        w.write('(');
        this.query(node.query, w);
        w.write(')');
        return;
      case 'exists':
        w.write(node.negated ? 'NOT EXISTS (' : 'EXISTS (');
        this.query(node.query, w);
        w.write(')');
        return;
      case 'raw':
        return this.raw(node, w);
      case 'identifier':
        w.write(node.path.map((p) => this.quoteAlias(p, 'any')).join('.'));
        return;
      case 'excluded':
        this.excluded(node.column, w);
        return;
      case 'tuple':
        w.write('(');
        this.list(node.items, w);
        w.write(')');
        return;
      default:
        return assertNever(node, 'expression');
    }
  }

  /** `a LIKE b ESCAPE 'c'`, always with ESCAPE: SQLite has none by default, PostgreSQL and MySQL backslash. */
  protected like(op: 'LIKE' | 'NOT LIKE' | 'ILIKE' | 'NOT ILIKE', left: ExprNode, right: ExprNode, escape: string, w: SqlWriter, outer: number): void {
    const open = 4 < outer;
    if (open) w.write('(');
    if ((op === 'ILIKE' || op === 'NOT ILIKE') && !this.dialect.capabilities.ilike) {
      // lower(a) LIKE lower(b): case-insensitive on every collation.
      w.write('lower(');
      this.expr(left, w, 0);
      w.write(op === 'NOT ILIKE' ? ') NOT LIKE lower(' : ') LIKE lower(');
      this.expr(right, w, 0);
      w.write(')');
    } else {
      this.expr(left, w, 4);
      w.write(` ${op} `);
      this.expr(right, w, 5);
    }
    w.write(` ESCAPE ${this.likeEscape(escape)}`);
    if (open) w.write(')');
  }

  /** The escape character of a LIKE as an SQL string literal. */
  protected likeEscape(escape: string): string {
    return `'${escape === "'" ? "''" : escape}'`;
  }

  protected binary(op: string, left: ExprNode, right: ExprNode, w: SqlWriter, outer: number): void {
    if (op === '||' && !this.dialect.capabilities.concatOperator) {
      w.write('CONCAT(');
      this.expr(left, w, 0);
      w.write(', ');
      this.expr(right, w, 0);
      w.write(')');
      return;
    }
    const prec = PRECEDENCE[op] ?? 4;
    const open = prec < outer;
    if (open) w.write('(');
    this.expr(left, w, prec);
    w.write(` ${op} `);
    // Right operand binds one tighter so `a - (b - c)` keeps its parentheses.
    this.expr(right, w, prec + 1);
    if (open) w.write(')');
  }

  protected inList(operand: ExprNode, items: readonly ExprNode[], negated: boolean, w: SqlWriter, outer: number): void {
    if (items.length === 0) {
      // x IN () is always false, x NOT IN () always true (even for NULL x, as in SQLAlchemy).
      w.write(negated ? '1 = 1' : '1 = 0');
      return;
    }
    if (this.writeValueList(operand, items, negated, w, outer)) return;
    if (operand.kind === 'tuple' && !this.dialect.capabilities.rowValueIn) {
      // (a, b) IN ((1, 2), (3, 4))  ->  (a = 1 AND b = 2) OR (a = 3 AND b = 4)
      const open = (negated ? 3 : 1) < outer || negated;
      if (negated) w.write('NOT ');
      if (open) w.write('(');
      items.forEach((item, i) => {
        if (i > 0) w.write(' OR ');
        if (item.kind !== 'tuple' || item.items.length !== operand.items.length) {
          throw new TypeError('a row-value IN needs tuples of the same width on both sides');
        }
        w.write('(');
        operand.items.forEach((col, j) => {
          if (j > 0) w.write(' AND ');
          this.expr(col, w, 5);
          w.write(' = ');
          this.expr(item.items[j]!, w, 5);
        });
        w.write(')');
      });
      if (open) w.write(')');
      return;
    }
    const open = 4 < outer;
    if (open) w.write('(');
    this.expr(operand, w, 5);
    w.write(negated ? ' NOT IN (' : ' IN (');
    this.list(items, w);
    w.write(')');
    if (open) w.write(')');
  }

  /** A list of bound values the dialect binds whole (see {@link valueList}); false to write it item by item. */
  private writeValueList(operand: ExprNode, items: readonly ExprNode[], negated: boolean, w: SqlWriter, outer: number): boolean {
    if (w.inlineParams || items.length < LONG_IN_MIN) return false;
    const width = operand.kind === 'tuple' ? operand.items.length : 1;
    if (!w.longInLists && items.length < this.valueListMin(width)) return false;
    const values = inListValues(operand, items, (type, value) => this.dialect.bindValue(type, value));
    if (!values) return false;
    const mark = w.sql.length;
    const params = w.params.length;
    const open = 4 < outer;
    if (open) w.write('(');
    if (!this.valueList(operand, values, negated, w)) {
      w.sql = w.sql.slice(0, mark);
      w.params.length = params;
      return false;
    }
    if (open) w.write(')');
    return true;
  }

  /**
   * The fewest items from which this dialect writes a list of bound values
   * through {@link valueList} even when the statement is under the parameter
   * limit (PostgreSQL: 10, for one statement text whatever the list's length).
   * Past the limit every list of at least ten values goes there.
   */
  protected valueListMin(_width: number): number {
    return Infinity;
  }

  /**
   * Write `operand IN (values)` (or NOT IN) with a few bound parameters whatever
   * the number of values, keeping IN's meaning, NULLs included: a dialect writes
   * an array comparison or a subquery over a bound document. Returns false (having
   * written nothing) where it cannot bind these values so; the list is then
   * written with one placeholder per value.
   */
  protected valueList(_operand: ExprNode, _values: InListValues, _negated: boolean, _w: SqlWriter): boolean {
    return false;
  }

  /** @internal Bind one parameter (a dialect's whole-list value) and write its placeholder. */
  protected bindWhole(value: unknown, w: SqlWriter): string {
    w.params.push({ kind: 'param', value, type: undefined });
    return this.placeholder(w.params.length);
  }

  protected functionCall(name: string, args: readonly ExprNode[], distinct: boolean, star: boolean, w: SqlWriter): void {
    w.write(`${name}(`);
    if (star) w.write('*');
    else {
      if (distinct) w.write('DISTINCT ');
      this.list(args, w);
    }
    w.write(')');
  }

  protected excluded(column: ColumnMeta, w: SqlWriter): void {
    w.write(`excluded.${this.quote(column.name)}`);
  }

  protected raw(node: RawNode, w: SqlWriter): void {
    const { parts, values } = node;
    for (let i = 0; i < parts.length; i++) {
      w.write(parts[i]!);
      const v = values[i];
      // `AS ${identifier(x)}` names a result column: checked as an alias (MySQL drops an alias's leading spaces).
      if (v?.kind === 'identifier' && v.path.length === 1 && AS_BEFORE.test(parts[i]!)) w.write(this.quoteAlias(v.path[0]!, 'alias'));
      else if (v !== undefined) this.expr(v, w, 0);
    }
  }

  protected keyword(k: 'NULL' | 'TRUE' | 'FALSE' | 'DEFAULT' | 'CURRENT_TIMESTAMP' | 'CURRENT_DATE'): string {
    return k;
  }

  protected placeholder(index: number): string {
    return this.dialect.capabilities.placeholder === 'dollar' ? `$${index}` : '?';
  }

  protected quote(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  /** A name the statement introduces (alias, CTE), refused where the database would refuse or alter it. */
  protected quoteAlias(name: string, kind: 'name' | 'alias' | 'any'): string {
    const problem = this.dialect.identifierProblem(name, kind);
    if (problem !== undefined) throw new InvalidArgumentError(`${kind} ${JSON.stringify(name)}: ${problem}`, 'as', name);
    return this.dialect.quoteIdentifier(name);
  }
}

function resultItems(node: StatementNode): readonly SelectItemNode[] {
  switch (node.kind) {
    case 'select':
      return node.items;
    case 'compound':
      return resultItems(node.queries[0]!);
    case 'insert':
    case 'update':
    case 'delete':
      return node.returning;
    case 'rawStatement':
      return [];
    default:
      return assertNever(node, 'statement');
  }
}
