/**
 * The expression half of the statement compiler: every expression node kind,
 * written as SQL text with its values collected as parameters. The statement
 * half ({@link SqlCompiler}) extends it; dialects override the hooks of both.
 */

import { InvalidArgumentError } from '../errors.js';
import type { Dialect } from '../dialects/dialect.js';
import { assertNever, type ColumnMeta, type ExprNode, type JsonRowsNode, type OrderNode, type QueryNode, type RawNode } from '../sql/nodes.js';
import { PRECEDENCE } from './precedence.js';
import { inListValues, type InListValues } from './in-list.js';
import { SqlWriter } from './writer.js';

/** Lists shorter than this always keep one placeholder per value (they read better and are never what passes a limit). */
const LONG_IN_MIN = 10;

/** Raw SQL text that ends in `AS `: the identifier interpolated next is a column alias. */
const AS_BEFORE = /\bAS\s+$/i;

export abstract class ExpressionCompiler {
  constructor(protected readonly dialect: Dialect) {}

  /** A query inside an expression (a subquery): written by the statement half. */
  protected abstract query(node: QueryNode, w: SqlWriter): void;

  /** A subquery of rows as one JSON array (see {@link JsonRowsNode}): written by the statement half. */
  protected abstract jsonRows(node: JsonRowsNode, w: SqlWriter): void;

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
      case 'jsonRows':
        return this.jsonRows(node, w);
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
          throw new InvalidArgumentError('a row-value IN needs tuples of the same width on both sides', 'in', item);
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
