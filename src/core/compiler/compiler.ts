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
 * Expressions are written by the base class (expressions.ts); this file holds
 * the statements and clauses, including the many-row writes of a flush
 * (`insertRows`, `updateFromRows`; shared pieces in write-rows.ts).
 */

import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import {
  assertNever,
  type CompoundNode,
  type CteNode,
  type DeleteNode,
  type ExprNode,
  type FromNode,
  type InsertNode,
  type InsertRowsNode,
  type JoinNode,
  type JsonRowsNode,
  type OrderNode,
  type ParamNode,
  type QueryNode,
  type SelectItemNode,
  type SelectNode,
  type StatementKind,
  type StatementNode,
  type TableRefNode,
  type UpdateFromRowsNode,
  type UpdateNode,
} from '../sql/nodes.js';
import { withParameters, type CompiledStatement, type ResultColumn } from './compiled.js';
import { StatementCache } from './cache.js';
import { Placeholder } from '../sql/placeholder.js';
import { inferFrom } from './infer-from.js';
import { SqlWriter } from './writer.js';
import { ExpressionCompiler } from './expressions.js';
import { rowColumnNames, updateFromRowsAsCase } from './write-rows.js';

export type { InListValues } from './in-list.js';
export { SqlWriter } from './writer.js';

export class SqlCompiler extends ExpressionCompiler {
  /** Compiled statements by shape. Disable for benchmarks with `cache.enabled = false`. */
  readonly cache = new StatementCache();

  compile(node: StatementNode): CompiledStatement {
    if (node.kind === 'insertRows' && node.columns.length > 0 && !this.bindsColumnArrays(node)) return this.compileValueRows(node);
    if (!this.cache.enabled) return this.compileUncached(node);
    const w = this.write(node);
    const shared = this.cache.shared(w.sql, resultItems(node));
    if (shared) return withParameters(shared, this.bind(w.params));
    const compiled = this.finish(node, w);
    this.cache.store(compiled);
    return compiled;
  }

  private bind(params: readonly ParamNode[], keepPlaceholders = false): unknown[] {
    const parameters = new Array<unknown>(params.length);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p.value instanceof Placeholder) {
        // A placeholder's value arrives at execution: a prepared statement keeps the marker and binds it per run;
        // a statement compiled to run now has nothing to send for it.
        if (!keepPlaceholders) throw unboundPlaceholder(p.value);
        parameters[i] = p.value;
      } else {
        parameters[i] = this.dialect.bindValue(p.type, p.value);
      }
    }
    return parameters;
  }

  /** @internal Compile, also returning the parameter nodes in placeholder order (for prepared statements). */
  compileWithParams(node: StatementNode): { compiled: CompiledStatement; params: readonly ParamNode[] } {
    const w = this.write(node);
    return { compiled: this.finish(node, w, true), params: w.params };
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

  private finish(node: StatementNode, w: SqlWriter, keepPlaceholders = false): CompiledStatement {
    const parameters = this.bind(w.params, keepPlaceholders);
    const items = resultItems(node);
    const columns: ResultColumn[] = items.map((i) => ({ name: i.alias, type: i.type }));
    const returnsRows = node.kind === 'select' || node.kind === 'compound' || node.kind === 'rawStatement' || items.length > 0;
    // Where the database has no locking reads the SQL leaves the clause out (SQLite): the statement locks nothing, and
    // is the same statement (the same cache entry) as the read without it.
    const locks = this.dialect.capabilities.lockingReads && locksRows(node);
    return { sql: w.sql, parameters, columns, kind: statementKind(node), returnsRows, locksRows: locks, readOnly: readsOnly(node) ? true : undefined };
  }

  /**
   * An `insertRows` as multi-row VALUES, written straight into text and bound
   * values: what {@link insertRows} writes, without a parameter node per value
   * (a flush of 10,000 rows would make 10,000 x columns of them). Its text
   * changes with the number of rows, so the statement cache would keep a
   * template per count; one template per shape is kept instead, for the result
   * columns' identity.
   */
  private compileValueRows(node: InsertRowsNode): CompiledStatement {
    const head = new SqlWriter();
    this.insertRowsHead(node, head);
    head.write(' VALUES ');
    const tail = new SqlWriter();
    this.returning('insert', node.returning, tail);
    const { columns, rows, positions } = node;
    const width = columns.length;
    const parameters = new Array<unknown>(rows.length * width);
    // Plain local arrays and one dialect reference: this loop runs rows x columns times.
    const types = columns.map((c) => c.type);
    const at = [...positions];
    const dialect = this.dialect;
    let p = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let j = 0; j < width; j++) parameters[p++] = dialect.bindValue(types[j], row[at[j]!]);
    }
    let values: string;
    if (this.dialect.capabilities.placeholder === 'question') {
      values = new Array<string>(rows.length).fill(`(${new Array<string>(width).fill('?').join(', ')})`).join(', ');
    } else {
      const parts = new Array<string>(rows.length);
      let n = 1;
      for (let r = 0; r < rows.length; r++) {
        let row = '(';
        for (let j = 0; j < width; j++) row += j === 0 ? this.placeholder(n++) : `, ${this.placeholder(n++)}`;
        parts[r] = row + ')';
      }
      values = parts.join(', ');
    }
    const shape = head.sql + tail.sql;
    let template = this.cache.enabled ? this.rowTemplates.get(shape) : undefined;
    if (!template) {
      template = { sql: shape, parameters: [], columns: node.returning.map((i) => ({ name: i.alias, type: i.type })), kind: 'insert', returnsRows: node.returning.length > 0 };
      if (this.cache.enabled) {
        if (this.rowTemplates.size >= this.cache.maxEntries) this.rowTemplates.clear();
        this.rowTemplates.set(shape, template);
      }
    }
    return withParameters(template, parameters, head.sql + values + tail.sql);
  }

  /** Templates of {@link compileValueRows} by statement shape (the SQL less its rows). */
  private readonly rowTemplates = new Map<string, CompiledStatement>();

  /** True when `node`'s rows go out as one array per column ({@link columnArrays}). */
  private bindsColumnArrays(node: InsertRowsNode): boolean {
    return this.dialect.capabilities.arrayParameters && node.rows.length > 1 && node.columns.length > 0;
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
      case 'insertRows':
        return this.insertRows(node, w);
      case 'updateFromRows':
        return this.updateFromRows(node, w);
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

  /**
   * `items`: writes the select list instead of `node.items` (a JSON aggregate of them), in the query's scope so
   * that its columns resolve as the query's own.
   */
  protected select(node: SelectNode, w: SqlWriter, items?: () => void): void {
    this.ctes(node.ctes, w);
    // No FROM given: the tables of the columns used, less those enclosing queries correlate.
    const from = node.from.length > 0 || node.items.length === 0 ? node.from : inferFrom(node, w.scopes);
    w.scopes.push(from === node.from ? node : { from, joins: node.joins });
    w.write(node.distinct ? 'SELECT DISTINCT ' : 'SELECT ');
    if (items) items();
    else if (node.items.length === 0) w.write('*');
    else {
      node.items.forEach((item, i) => {
        if (i > 0) w.write(', ');
        this.selectItem(item, w);
      });
    }
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
    this.orderBy(byOutputColumn(node), w);
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
      this.insertDefaultValues(node.table, node.rows.length, w);
    } else {
      w.write(` (${node.columns.map((c) => this.quote(c.name)).join(', ')}) VALUES `);
      const rows = node.rows;
      for (let r = 0; r < rows.length; r++) {
        if (r > 0) w.write(', ');
        w.write('(');
        const row = rows[r]!;
        for (let i = 0; i < row.length; i++) {
          if (i > 0) w.write(', ');
          const cell = row[i]!;
          if (cell.kind === 'keyword' && cell.keyword === 'DEFAULT' && !this.dialect.capabilities.defaultInValues) {
            // compileAll() (and so engine.execute) splits such rows by the columns they give; one statement cannot.
            throw new UnsupportedError(
              `insert into "${node.table.table.name}": row ${r} leaves "${node.columns[i]!.name}" to its default, and ${this.dialect.name} has no DEFAULT ` +
                `inside VALUES: these rows need one statement per set of columns given; run it with engine.execute() or compileAll()`,
            );
          }
          this.expr(cell, w, 0);
        }
        w.write(')');
      }
    }
    if (node.onConflict) this.onConflict(node, w);
    this.returning('insert', node.returning, w);
  }

  /** `rows` rows of nothing but defaults. */
  protected insertDefaultValues(table: TableRefNode, rows: number, w: SqlWriter): void {
    if (rows > 1) {
      throw new UnsupportedError(`insert into "${table.table.name}": several rows with no columns given; give at least one column`);
    }
    w.write(' DEFAULT VALUES');
  }

  /** `INSERT INTO t (a, b)` of an `insertRows` (`INSERT INTO t` when it gives no columns). */
  private insertRowsHead(node: InsertRowsNode, w: SqlWriter): void {
    w.write('INSERT INTO ');
    this.tableName(node.table.table, w);
    if (node.columns.length > 0) w.write(` (${node.columns.map((c) => this.quote(c.name)).join(', ')})`);
  }

  /**
   * Rows that give the same columns: `INSERT INTO t (a, b) VALUES (?, ?), ...`,
   * or where the database binds arrays, one array per column
   * ({@link columnArrays}): the same text for any number of rows.
   * ({@link compile} writes the VALUES form without this walk.)
   */
  protected insertRows(node: InsertRowsNode, w: SqlWriter): void {
    this.insertRowsHead(node, w);
    const { columns, rows, positions } = node;
    if (columns.length === 0) {
      this.insertDefaultValues(node.table, rows.length, w);
    } else if (this.bindsColumnArrays(node)) {
      w.write(' ');
      this.columnArrays(
        node,
        columns.map((c, j) => rows.map((row) => this.dialect.bindValue(c.type, row[positions[j]!]))),
        w,
      );
    } else {
      w.write(' VALUES ');
      for (let r = 0; r < rows.length; r++) {
        w.write(r > 0 ? ', (' : '(');
        for (let j = 0; j < columns.length; j++) {
          if (j > 0) w.write(', ');
          this.expr({ kind: 'param', value: rows[r]![positions[j]!], type: columns[j]!.type }, w, 0);
        }
        w.write(')');
      }
    }
    this.returning('insert', node.returning, w);
  }

  /**
   * The row source of an INSERT whose values come as one array per column
   * (`arrays[j]`: `columns[j]`'s values, bound), for dialects with
   * `arrayParameters`.
   */
  protected columnArrays(node: InsertRowsNode, _arrays: readonly (readonly unknown[])[], _w: SqlWriter): void {
    throw new UnsupportedError(`insert into "${node.table.table.name}": ${this.dialect.name} binds no arrays`);
  }

  /**
   * An UPDATE giving each row its own values, in the form the dialect's
   * `bulkUpdate` names: `fromValues`, `cteValues` ({@link updateFromValues}) or
   * `case`; `jsonTable` is written by the dialect that has it.
   */
  protected updateFromRows(node: UpdateFromRowsNode, w: SqlWriter): void {
    const form = this.dialect.capabilities.bulkUpdate;
    switch (form) {
      case 'case':
        return this.statement(updateFromRowsAsCase(node), w);
      case 'fromValues':
      case 'cteValues':
        return this.updateFromValues(node, form === 'cteValues', w);
      case 'jsonTable':
        throw new UnsupportedError(`update of "${node.table.table.name}" from rows: ${this.dialect.name} writes no JSON_TABLE`);
      default:
        return assertNever(form, 'bulk update form');
    }
  }

  /**
   * `UPDATE t SET c = v.c1 FROM (VALUES (...), ...) AS v (k0, c1) WHERE t.k = v.k0`,
   * its first row cast to the columns' types (a database types VALUES columns
   * from the first row); `asCte`: `WITH v (k0, c1) AS (VALUES ...) UPDATE t SET
   * c = v.c1 FROM v WHERE t.k = v.k0` (SQLite, where a CASE of thousands of
   * branches takes quadratic time to prepare).
   */
  protected updateFromValues(node: UpdateFromRowsNode, asCte: boolean, w: SqlWriter): void {
    const names = rowColumnNames(node).map((n) => this.quote(n));
    const v = this.quote('v');
    const t = this.quote(node.table.table.name);
    const rows = (): void => {
      const width = node.keys.length + node.set.length;
      for (let r = 0; r < node.rows.length; r++) {
        w.write(r > 0 ? ', (' : '(');
        const row = node.rows[r]!;
        for (let j = 0; j < width; j++) {
          if (j > 0) w.write(', ');
          const type = (j < node.keys.length ? node.keys[j] : node.set[j - node.keys.length])!.type;
          const value = row[j];
          const cell: ExprNode = value === null ? { kind: 'keyword', keyword: 'NULL' } : { kind: 'param', value, type };
          this.expr(r === 0 && !asCte ? { kind: 'cast', operand: cell, type } : cell, w, 0);
        }
        w.write(')');
      }
    };
    if (asCte) {
      w.write(`WITH ${v} (${names.join(', ')}) AS (VALUES `);
      rows();
      w.write(') ');
    }
    w.write('UPDATE ');
    this.tableName(node.table.table, w);
    w.write(' SET ');
    const sets = node.set.map((c, j) => `${this.quote(c.name)} = ${v}.${names[node.keys.length + j]}`);
    for (const c of node.increment) sets.push(`${this.quote(c.name)} = ${t}.${this.quote(c.name)} + 1`);
    w.write(sets.join(', '));
    for (const a of node.assign) {
      w.write(`${sets.length > 0 || a !== node.assign[0] ? ', ' : ''}${this.quote(a.column.name)} = `);
      this.expr(a.value, w, 0);
    }
    if (asCte) {
      w.write(` FROM ${v}`);
    } else {
      w.write(' FROM (VALUES ');
      rows();
      w.write(`) AS ${v} (${names.join(', ')})`);
    }
    w.write(` WHERE ${node.keys.map((k, j) => `${t}.${this.quote(k.name)} = ${v}.${names[j]}`).join(' AND ')}`);
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

  /**
   * `(SELECT <aggregate of the rows' cells> FROM ... WHERE ...)`: the query's
   * rows as one JSON array of arrays, ordered inside the aggregate. The
   * aggregate is the dialect's ({@link jsonAggregate}), each cell as the
   * dialect encodes its type ({@link jsonCell}).
   */
  protected jsonRows(node: JsonRowsNode, w: SqlWriter): void {
    const q = node.query;
    if (q.orderBy.length > 0 && !this.dialect.capabilities.jsonAggregateOrderBy) {
      throw new UnsupportedError(
        `${this.dialect.name} cannot order the rows of a JSON array aggregate (JSON_ARRAYAGG has no ORDER BY): ` +
          `load this ordered relationship another way (selectinLoad, joinedLoad), or drop its orderBy`,
      );
    }
    w.write('(');
    this.select({ ...q, orderBy: [] }, w, () => this.jsonAggregate(q, w));
    w.write(')');
  }

  /**
   * The aggregate of a {@link jsonRows} subquery: one JSON array per row of
   * `query.items` (each through {@link jsonCell}), in `query.orderBy` order.
   */
  protected jsonAggregate(_query: SelectNode, _w: SqlWriter): void {
    throw new UnsupportedError(`${this.dialect.name} has no JSON array aggregate`);
  }

  /** One cell of a {@link jsonRows} row, as the dialect puts a value of its type into JSON. */
  protected jsonCell(item: SelectItemNode, w: SqlWriter): void {
    this.expr(item.expr, w, 0);
  }

  /** The cells of a {@link jsonRows} row, comma-separated. */
  protected jsonCells(items: readonly SelectItemNode[], w: SqlWriter): void {
    items.forEach((item, i) => {
      if (i > 0) w.write(', ');
      this.jsonCell(item, w);
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
    case 'insertRows':
      return node.returning;
    case 'rawStatement':
    case 'updateFromRows':
      return [];
    default:
      return assertNever(node, 'statement');
  }
}

/** A SELECT, or a compound of them, that locks the rows it reads. */
function locksRows(node: StatementNode): boolean {
  if (node.kind === 'select') return node.lock !== undefined;
  if (node.kind === 'compound') return node.queries.some(locksRows);
  return false;
}

/** A query that locks no row, nor do its branches and CTEs: a replica can run it. */
function readsOnly(node: StatementNode): boolean {
  if (node.kind === 'select') return node.lock === undefined && node.ctes.every((c) => readsOnly(c.query));
  if (node.kind === 'compound') return node.queries.every(readsOnly) && node.ctes.every((c) => readsOnly(c.query));
  return false;
}

function statementKind(node: StatementNode): StatementKind {
  if (node.kind === 'insertRows') return 'insert';
  if (node.kind === 'updateFromRows') return 'update';
  return node.kind;
}

/**
 * A compound's ORDER BY as its output columns: PostgreSQL and MariaDB refuse a table-qualified column there (the
 * tables are inside the branches), so a column the first branch selects is written as that item's output name.
 */
function byOutputColumn(node: CompoundNode): readonly OrderNode[] {
  if (node.orderBy.length === 0) return node.orderBy;
  let first: QueryNode = node;
  while (first.kind === 'compound') first = first.queries[0]!;
  const items = first.items;
  return node.orderBy.map((o) => {
    const e = o.expr;
    if (e.kind !== 'column') return o;
    const item = items.find((i) => i.expr.kind === 'column' && i.expr.column === e.column && i.expr.qualifier === e.qualifier);
    if (!item) return o;
    return Object.freeze({ ...o, expr: Object.freeze({ kind: 'namedColumn' as const, qualifier: undefined, name: item.alias, type: item.type }) });
  });
}

/** A placeholder in a statement run as it is, not prepared: name it, and say how it gets a value. */
function unboundPlaceholder(p: Placeholder): InvalidArgumentError {
  return new InvalidArgumentError(
    `placeholder "${p.name}" has no value: a statement with placeholders runs prepared, with their values ` +
      `(engine.prepare(statement).all({ ${p.name}: ... }), or db.prepare(...) for an ORM query)`,
    p.name,
    p,
  );
}
