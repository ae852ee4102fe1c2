/**
 * Which filters apply, and putting them into statements.
 *
 * A {@link FilterScope} is what a session's options and then a query's `withFilters` / `withoutFilters` calls
 * leave switched on, with their parameters. Its {@link FilterScope.rewrite} adds every filtered model's condition
 * wherever the model's table is read in a statement: to the WHERE of a SELECT whose FROM names it, to the ON of a
 * JOIN to it (so a LEFT JOIN keeps its parents: a joined eager load of soft-deleted children still returns the
 * parent, with an empty collection), inside subqueries (`any()`, `has()`, a subquery load's parent query, a Core
 * subquery in a WHERE), and to the WHERE of a bulk UPDATE or DELETE of it. The statement count does not change:
 * the conditions go into the statements the query runs anyway. Each condition follows the alias its table has
 * there (`"post_1"."deleted_at" IS NULL`).
 *
 * The unit of work's own statements never go through it: a flush writes and cascades over every row.
 *
 * @internal
 */

import type { DialectCapabilities } from '../../core/dialects/dialect.js';
import { selectStatementNode, updateNode, deleteNode, joinNode } from '../../core/sql/node-factories.js';
import type { DeleteNode, ExprNode, JoinNode, QueryNode, SelectNode, StatementNode, TableMeta, UpdateNode } from '../../core/sql/nodes.js';
import { NodeTransformer } from '../../core/sql/transform.js';
import { FilterParametersError } from '../errors.js';
import type { Mapper } from '../mapper.js';
import { requalify } from '../loading/requalify.js';
import { CannotEvaluate, compileCriteria, NotLoadedColumn } from '../query/evaluate.js';
import { anyFilteredModels, FilterArguments, filteredMappersOf, modelFilters, type AnyQueryFilter, type FilterSwitch } from './define.js';

/** One switch, in the order a session's options and a query's calls give them. */
export type FilterOp =
  | { readonly kind: 'on'; readonly filter: AnyQueryFilter; readonly parameters: unknown }
  | { readonly kind: 'off'; readonly filters: readonly AnyQueryFilter[] | 'all' };

/** The ops of a list of switches (`withFilters(...)`, a session's `filters`). */
export function onOps(switches: readonly FilterSwitch[]): FilterOp[] {
  return switches.map((s): FilterOp => {
    if (!(s instanceof FilterArguments)) return { kind: 'on', filter: s as AnyQueryFilter, parameters: undefined };
    const given = s as FilterArguments<object | void>;
    return { kind: 'on', filter: given.filter as AnyQueryFilter, parameters: given.parameters };
  });
}

/** What a model's condition is in a scope: none, or its node (qualified by its table's name). */
type Resolved = ExprNode | null;

/** Selects a rewrite produced: a second rewrite (a projection used inside another query) leaves them alone. */
const rewritten = new WeakSet<object>();

/** Where a model's condition can be checked in memory, for identity-map hits. */
export type MemoryCheck = 'match' | 'filtered' | 'unknown';

/** @internal */
export class FilterScope {
  /** Every filter at its default: on unless declared `enabled: false`. */
  static readonly defaults = new FilterScope(false, new Map(), new Set());
  /** Every filter off: what the unit of work reads with. */
  static readonly none = new FilterScope(true, new Map(), new Set());

  private readonly conditions = new Map<Mapper, Resolved>();
  private readonly checks = new Map<Mapper, ((values: readonly unknown[]) => boolean) | null>();

  private constructor(
    private readonly allOff: boolean,
    private readonly on: ReadonlyMap<AnyQueryFilter, unknown>,
    private readonly off: ReadonlySet<AnyQueryFilter>,
  ) {}

  /** This scope with `ops` applied in order (the same scope when there are none). */
  with(ops: readonly FilterOp[]): FilterScope {
    if (ops.length === 0) return this;
    let allOff = this.allOff;
    const on = new Map(this.on);
    const off = new Set(this.off);
    for (const op of ops) {
      if (op.kind === 'on') {
        off.delete(op.filter);
        // Parameters given earlier stay when a later switch names the filter without them.
        on.set(op.filter, op.parameters !== undefined ? op.parameters : on.get(op.filter));
      } else if (op.filters === 'all') {
        allOff = true;
        on.clear();
        off.clear();
      } else {
        for (const f of op.filters) {
          on.delete(f);
          off.add(f);
        }
      }
    }
    return new FilterScope(allOff, on, off);
  }

  /** True when `filter` applies in this scope. */
  isActive(filter: AnyQueryFilter): boolean {
    if (this.on.has(filter)) return true;
    if (this.allOff || this.off.has(filter)) return false;
    return filter.enabledByDefault;
  }

  /** The AND of the active conditions of `mapper`, qualified by its table's name; undefined when none applies. */
  conditionFor(mapper: Mapper): ExprNode | undefined {
    let resolved = this.conditions.get(mapper);
    if (resolved === undefined) {
      const parts: ExprNode[] = [];
      for (const mf of modelFilters(mapper)) {
        if (!this.isActive(mf.filter)) continue;
        const parameters = this.on.get(mf.filter);
        if (parameters === undefined && mf.needsParameters) throw new FilterParametersError(mf.filter.name, mapper.name);
        parts.push(mf.conditionNode(parameters as never));
      }
      resolved = parts.length === 0 ? null : parts.length === 1 ? parts[0]! : { kind: 'logical', op: 'AND', operands: parts };
      this.conditions.set(mapper, resolved);
    }
    return resolved ?? undefined;
  }

  /** The condition for `table` read under `alias` (every filtered model mapping it). */
  private conditionForTable(table: TableMeta, alias: string | undefined): ExprNode | undefined {
    const mappers = filteredMappersOf(table);
    if (mappers === undefined) return undefined;
    let out: ExprNode | undefined;
    for (const m of mappers) {
      const c = this.conditionFor(m);
      if (c === undefined) continue;
      const qualified = alias === undefined || alias === table.name ? c : requalify(c, table, alias);
      out = and(out, qualified);
    }
    return out;
  }

  /** `node` with the active filters added wherever a filtered model's table is read. */
  rewrite<N extends StatementNode>(node: N): N {
    if (!anyFilteredModels() || (this.allOff && this.on.size === 0)) return node;
    return new FilterRewrite(this).transformStatement(node) as N;
  }

  /**
   * Whether an object in memory (its column values) passes the model's active conditions: `unknown` when they
   * cannot be evaluated in JavaScript (a subquery, a function, a column not loaded), so the caller asks the
   * database instead.
   */
  check(mapper: Mapper, values: readonly unknown[], text: DialectCapabilities['textComparison']): MemoryCheck {
    const condition = this.conditionFor(mapper);
    if (condition === undefined) return 'match';
    let fn = this.checks.get(mapper);
    if (fn === undefined) {
      try {
        fn = compileCriteria(condition, mapper, text);
      } catch (error) {
        if (!(error instanceof CannotEvaluate)) throw error;
        fn = null;
      }
      this.checks.set(mapper, fn);
    }
    if (fn === null) return 'unknown';
    try {
      return fn(values) ? 'match' : 'filtered';
    } catch (error) {
      if (error instanceof NotLoadedColumn) return 'unknown';
      throw error;
    }
  }

  /** @internal for the rewrite */
  tableCondition(table: TableMeta, alias: string | undefined): ExprNode | undefined {
    return this.conditionForTable(table, alias);
  }
}

function and(a: ExprNode | undefined, b: ExprNode): ExprNode {
  if (a === undefined) return b;
  const left = a.kind === 'logical' && a.op === 'AND' ? a.operands : [a];
  const right = b.kind === 'logical' && b.op === 'AND' ? b.operands : [b];
  return { kind: 'logical', op: 'AND', operands: [...left, ...right] };
}

/**
 * Adds the scope's conditions to every SELECT, JOIN, UPDATE and DELETE reading a filtered table. Children are
 * rewritten first and the added conditions are not walked again, so a condition holding a subquery on its own
 * table cannot recurse.
 */
class FilterRewrite extends NodeTransformer {
  constructor(private readonly scope: FilterScope) {
    super();
  }

  protected override transformSelect(node: SelectNode): QueryNode {
    if (rewritten.has(node)) return node;
    const inner = super.transformSelect(node) as SelectNode;
    let where = inner.where;
    for (const f of inner.from) {
      if (f.kind !== 'tableRef') continue;
      const c = this.scope.tableCondition(f.table, f.alias);
      if (c !== undefined) where = and(where, c);
    }
    let changed = where !== inner.where;
    const joins = inner.joins.map((j): JoinNode => {
      if (j.target.kind !== 'tableRef') return j;
      const c = this.scope.tableCondition(j.target.table, j.target.alias);
      if (c === undefined) return j;
      changed = true;
      return joinNode({ ...j, on: and(j.on, c) });
    });
    if (!changed) return inner;
    const out = selectStatementNode({ ...inner, where, joins });
    rewritten.add(out);
    return out;
  }

  protected override transformUpdate(node: UpdateNode): StatementNode {
    const inner = super.transformUpdate(node) as UpdateNode;
    const c = this.scope.tableCondition(inner.table.table, inner.table.alias);
    return c === undefined ? inner : updateNode({ ...inner, where: and(inner.where, c) });
  }

  protected override transformDelete(node: DeleteNode): StatementNode {
    const inner = super.transformDelete(node) as DeleteNode;
    const c = this.scope.tableCondition(inner.table.table, inner.table.alias);
    return c === undefined ? inner : deleteNode({ ...inner, where: and(inner.where, c) });
  }
}
