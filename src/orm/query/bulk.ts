/**
 * Bulk UPDATE and DELETE by criteria: one statement however many rows match
 * (the seed's `query.update({...}, synchronize_session=False)`).
 *
 * ```ts
 * await s.query(User).where(User.id.in(ids)).update({ acctActive: true }, { synchronize: 'evaluate' });
 * // UPDATE "user" SET "acct_active" = ? WHERE "user"."id" IN (?, ?, ?)
 * ```
 * The statement bypasses the unit of work; `synchronize` decides what happens
 * to matching objects already in the session:
 * - `'evaluate'`: the WHERE is evaluated in JavaScript on the session's objects of
 *   that model; matches get the new values (SQL expressions expire the column
 *   instead) or, for DELETE, leave the session. Criteria it cannot evaluate
 *   (joins, subqueries, functions) are an error.
 * - `'fetch'`: the matching keys are read (RETURNING where the database has it,
 *   else one SELECT before the statement) and those objects are updated / removed.
 * - `'auto'` (default): `'evaluate'` when possible, else `'fetch'`.
 * - `false`: nothing in memory changes; objects in the session may be stale
 *   until refreshed. The cheapest, and right when none are loaded.
 *
 * Columns declared with `onUpdate()` that `values` leaves out are set as a flush
 * would set them (a function is called once: the statement is one), and
 * synchronized like the values given.
 *
 * @internal
 */

import { onUpdateValue, type Column } from '../../core/schema/column.js';
import { predicate, type Predicate } from '../../core/sql/expression.js';
import { deleteFrom, update, type SetValues } from '../../core/sql/dml.js';
import { tuple } from '../../core/sql/functions.js';
import type { ExprNode, SelectNode, StatementNode } from '../../core/sql/nodes.js';
import type { SelectItem } from '../../core/sql/select.js';
import { Expression } from '../../core/sql/expression.js';
import { InvalidRequestError } from '../errors.js';
import type { Mapper } from '../mapper.js';
import type { Session } from '../session.js';
import { NOT_LOADED, STATE, type InstanceState } from '../state.js';
import type { ModelColumns } from './aliased.js';
import { baseSelect, type QueryState } from './compile.js';
import { CannotEvaluate, compileCriteria, NotLoadedColumn } from './evaluate.js';
import { softDeleteOf } from '../filters/define.js';
import type { FilterScope } from '../filters/scope.js';
import { andNodes } from '../../core/sql/select.js';

/** Values for a bulk UPDATE: the model's columns, each a value or an SQL expression. */
export type BulkValues<M> = SetValues<ModelColumns<M>>;

export interface BulkOptions {
  /** What happens to matching objects already in the session (default `'auto'`). */
  synchronize?: 'auto' | 'evaluate' | 'fetch' | false;
  /**
   * `delete()` of a model that soft-deletes: DELETE the rows instead of setting their soft-delete column (which
   * `delete()` does by default, on the rows not deleted yet).
   */
  hard?: boolean;
  /**
   * Commit the session right after the statement, as `execute(..., { commit: true })` does: where the statement is
   * the unit of work's only write, it runs alone, atomic on its own, without BEGIN/COMMIT (one round trip instead of
   * three); otherwise in the transaction, which then commits.
   * ```ts
   * await s.query(User).where(User.emailVerified.eq(false)).update({ active: false }, { synchronize: false, commit: true });
   * // UPDATE "user" SET "active" = ? WHERE "user"."email_verified" = ?   (alone: no BEGIN, no COMMIT)
   * ```
   */
  commit?: boolean;
}

type Mode = 'evaluate' | 'fetch' | false;

function pkColumns(mapper: Mapper): Column<unknown>[] {
  return mapper.primaryKeyIndexes.map((i) => mapper.columns[i] as Column<unknown>);
}

/** The WHERE of the statement: the query's own, or `pk IN (subquery)` when joins or a LIMIT shape it. */
function criteria(mapper: Mapper, state: QueryState): { where: Predicate | undefined; simple: boolean } {
  const simple = state.joins.length === 0 && state.limit === undefined && state.offset === undefined && state.groupBy.length === 0 && !state.distinct;
  if (simple) return { where: state.where ? predicate(state.where) : undefined, simple };
  const pk = pkColumns(mapper);
  const inner = baseSelect(mapper, { ...state, orderBy: state.limit !== undefined ? state.orderBy : [] }, pk.map((c, i) => ({ expr: c.node, alias: `k${i}`, explicitAlias: true, type: c.type })));
  // MySQL refuses a subquery on the table being changed unless it is materialized: wrap it once more.
  const outer: SelectNode = {
    ...inner,
    distinct: false,
    items: pk.map((c, i) => ({ expr: { kind: 'namedColumn', qualifier: 'anon_1', name: `k${i}`, type: c.type }, alias: `k${i}`, explicitAlias: false, type: c.type })),
    from: [{ kind: 'derivedTable', query: inner, alias: 'anon_1' }],
    joins: [],
    where: undefined,
    groupBy: [],
    having: undefined,
    orderBy: [],
    limit: undefined,
    offset: undefined,
  };
  const operand: ExprNode = pk.length === 1 ? pk[0]!.node : tuple(...pk).node;
  return { where: predicate({ kind: 'inSubquery', negated: false, operand, query: outer }), simple };
}

function modeFor(session: Session, requested: BulkOptions['synchronize'], mapper: Mapper, state: QueryState, filters: FilterScope, simple: boolean): { mode: Mode; matches?: (v: readonly unknown[]) => boolean } {
  const wanted = requested ?? 'auto';
  if (wanted === false || wanted === 'fetch') return { mode: wanted };
  try {
    if (!simple) throw new CannotEvaluate('joins, LIMIT or GROUP BY');
    // The statement matches the filters' conditions too: so must the objects updated in memory.
    const filter = filters.conditionFor(mapper);
    const where = filter === undefined ? state.where : andNodes(state.where, [predicate(filter)]);
    return { mode: 'evaluate', matches: compileCriteria(where, mapper, session.dialect.capabilities.textComparison) };
  } catch (error) {
    if (!(error instanceof CannotEvaluate)) throw error;
    if (wanted === 'evaluate') {
      throw new InvalidRequestError(
        `${mapper.name} bulk statement: synchronize 'evaluate' cannot evaluate ${error.message} in memory; use synchronize: 'fetch' (or false)`,
      );
    }
    return { mode: 'fetch' };
  }
}

/** Objects of `mapper` in the session that the criteria match (and those it cannot tell, as `unsure`). */
function evaluated(session: Session, mapper: Mapper, matches: (v: readonly unknown[]) => boolean): { sure: InstanceState[]; unsure: InstanceState[] } {
  const sure: InstanceState[] = [];
  const unsure: InstanceState[] = [];
  session.identityMap.forEachOf(mapper, (obj) => {
    const st = (obj as { [STATE]: InstanceState })[STATE];
    try {
      if (matches(st.values)) sure.push(st);
    } catch (error) {
      if (!(error instanceof NotLoadedColumn)) throw error;
      unsure.push(st);
    }
  });
  return { sure, unsure };
}

function statesFor(session: Session, mapper: Mapper, keys: readonly unknown[]): InstanceState[] {
  const out: InstanceState[] = [];
  for (const k of keys) {
    const obj = session.identityMap.get(mapper, k);
    if (obj) out.push((obj as { [STATE]: InstanceState })[STATE]);
  }
  return out;
}

function rowKey(mapper: Mapper, row: Record<string, unknown>): unknown {
  const pk = pkColumns(mapper);
  const values = new Array<unknown>(mapper.columns.length);
  pk.forEach((c, i) => (values[mapper.primaryKeyIndexes[i]!] = row[`k${i}`] ?? row[c.key]));
  return mapper.identityKey(values);
}

async function selectKeys(session: Session, mapper: Mapper, state: QueryState, filters: FilterScope): Promise<unknown[]> {
  const pk = pkColumns(mapper);
  const node = filters.rewrite(baseSelect(mapper, { ...state, orderBy: [] }, pk.map((c, i) => ({ expr: c.node, alias: `k${i}`, explicitAlias: true, type: c.type }))));
  const result = await session.run(node);
  const decoders = pk.map((c) => session.dialect.decoder(c.type));
  return result.rows.map((r) => {
    const row: Record<string, unknown> = {};
    pk.forEach((_, i) => {
      const d = decoders[i];
      row[`k${i}`] = d && r[i] !== null ? d(r[i]) : r[i];
    });
    return rowKey(mapper, row);
  });
}

/** A statement that can add RETURNING (Core's UPDATE and DELETE builders). */
interface Returnable {
  readonly node: StatementNode;
  returning(...items: SelectItem[]): { readonly node: StatementNode };
}

/**
 * Run a bulk UPDATE / DELETE; with `synchronize: 'fetch'`, also learn which rows it touched: through
 * RETURNING where the database has it, else by selecting their keys first.
 */
async function runBulk(
  session: Session,
  mapper: Mapper,
  state: QueryState,
  filters: FilterScope,
  base: Returnable,
  mode: Mode,
  canReturn: boolean,
  commit: boolean,
): Promise<{ keys: unknown[] | undefined; rowCount: number }> {
  if (mode === 'fetch' && canReturn) {
    const pk = pkColumns(mapper);
    const result = await session.execute({ node: filters.rewrite(base.returning(...pk.map((c, i) => c.as(`k${i}`))).node) }, { commit });
    return { keys: result.rows.map((r) => rowKey(mapper, r as Record<string, unknown>)), rowCount: result.rowCount };
  }
  const keys = mode === 'fetch' ? await selectKeys(session, mapper, state, filters) : undefined;
  return { keys, rowCount: (await session.execute({ node: filters.rewrite(base.node) }, { commit })).rowCount };
}

/** @internal `Query.update()`. */
export async function bulkUpdate(session: Session, mapper: Mapper, state: QueryState, filters: FilterScope, given: Record<string, unknown>, options: BulkOptions): Promise<number> {
  if (session.autoflush) await session.flush();
  // Columns declared with onUpdate() that `given` leaves out are set too (a function once, for the one statement),
  // and so reach the session's objects like the values given.
  const values = withOnUpdateValues(mapper, given);
  const { where, simple } = criteria(mapper, state);
  const { mode, matches } = modeFor(session, options.synchronize, mapper, state, filters, simple);
  const base = update(mapper.table).set(values as never).where(where);
  const { keys, rowCount } = await runBulk(session, mapper, state, filters, base, mode, session.dialect.capabilities.returning.update, options.commit === true);
  if (mode === false) return rowCount;
  const columns = Object.keys(values).filter((k) => values[k] !== undefined).map((k) => [mapper.columnIndex(k), values[k]] as const);
  const apply = (st: InstanceState, expire: boolean) => {
    for (const [i, v] of columns) {
      st.values[i] = expire || v instanceof Expression ? NOT_LOADED : v;
      st.original?.delete(i);
    }
  };
  if (mode === 'evaluate') {
    const { sure, unsure } = evaluated(session, mapper, matches!);
    for (const st of sure) apply(st, false);
    for (const st of unsure) apply(st, true);
  } else {
    for (const st of statesFor(session, mapper, keys!)) apply(st, false);
  }
  return rowCount;
}

function withOnUpdateValues(mapper: Mapper, given: Record<string, unknown>): Record<string, unknown> {
  if (mapper.onUpdateIndexes.length === 0) return given;
  const values = { ...given };
  for (const i of mapper.onUpdateIndexes) {
    const column = mapper.columns[i]!;
    if (values[column.key] === undefined) values[column.key] = onUpdateValue(column);
  }
  return values;
}

/**
 * @internal `Query.delete()`. A model that soft-deletes gets an UPDATE of its soft-delete column on the matching
 * rows not deleted yet (`{ hard: true }`: a DELETE). Bulk statements never cascade.
 */
export async function bulkDelete(session: Session, mapper: Mapper, state: QueryState, filters: FilterScope, options: BulkOptions): Promise<number> {
  const sd = softDeleteOf(mapper);
  if (sd && options.hard !== true) {
    const active: QueryState = { ...state, where: andNodes(state.where, [sd.condition as Predicate]) };
    return bulkUpdate(session, mapper, active, filters, { [sd.column.key]: sd.deletedValue(new Date()) }, options);
  }
  if (session.autoflush) await session.flush();
  const { where, simple } = criteria(mapper, state);
  const { mode, matches } = modeFor(session, options.synchronize, mapper, state, filters, simple);
  const base = deleteFrom(mapper.table).where(where);
  const { keys, rowCount } = await runBulk(session, mapper, state, filters, base, mode, session.dialect.capabilities.returning.delete, options.commit === true);
  if (mode === false) return rowCount;
  // An object whose deciding column was not loaded may or may not be gone: evaluate keeps it (SQLAlchemy does too).
  const gone = mode === 'evaluate' ? evaluated(session, mapper, matches!).sure : statesFor(session, mapper, keys!);
  for (const st of gone) session.forgetDeleted(st);
  return rowCount;
}
