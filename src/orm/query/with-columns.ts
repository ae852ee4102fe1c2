/**
 * Entities and computed columns in one query: each row's entity (through the identity map, with its eager loads)
 * beside the values of expressions the same SELECT computes — aggregates over a join, a scalar subquery, a window
 * function. SQLAlchemy's `select(Post, func.count(Comment.id))`; no second query, no hand-made join of the results.
 *
 * ```ts
 * const rows = await s.query(Post)
 *   .outerJoin(Post.comments)
 *   .groupBy(Post.id)
 *   .withColumns({ comments: count(Comment.id) })
 *   .orderBy(Post.id)
 *   .all();
 * for (const [post, { comments }] of rows) console.log(post.title, comments);
 * // SELECT "post"."id", "post"."title", ..., count("comment"."id") AS "comments" FROM "post"
 * //   LEFT OUTER JOIN "comment" ON "post"."id" = "comment"."post_id" GROUP BY "post"."id" ORDER BY "post"."id"
 * ```
 * One result per row, in the query's order: a join without GROUP BY that repeats an entity gives it once per row,
 * each time with that row's values.
 */

import type { Expression, Ordering, Predicate } from '../../core/sql/expression.js';
import type { SelectItemNode, SelectNode } from '../../core/sql/nodes.js';
import { MultipleResultsError, NoResultError } from '../../core/errors.js';
import type { Decoder } from '../../core/dialects/dialect.js';
import { InvalidRequestError } from '../errors.js';
import type { ModelCtor } from '../relationship.js';
import type { Session } from '../session.js';
import { STATE, type InstanceState } from '../state.js';
import { entityShape, RowHydrator } from '../loading/hydrate.js';
import { loadPlan } from '../loading/strategies/index.js';
import { strategyContext } from '../loading/strategy.js';
import { entitySelect } from './compile.js';
import { buildPlan, type EntityPlan } from './plan.js';
import type { Loaded, OptionsOverlay, QueryOption } from './options.js';
import type { Query } from './query.js';
import type { FilterScope } from '../filters/scope.js';

/** The computed columns of {@link Query.withColumns}, by name. */
export type ComputedColumns = Readonly<Record<string, Expression<unknown>>>;

/** The values a row holds for `C`: each expression's value type. */
export type ComputedValues<C extends ComputedColumns> = { -readonly [K in keyof C]: C[K] extends Expression<infer T> ? T : never };

/**
 * The rows of an entity query with computed columns: `[entity, values]` pairs (made by {@link Query.withColumns}).
 *
 * ```ts
 * const [post, { comments }] = await s.query(Post).outerJoin(Post.comments).groupBy(Post.id)
 *   .withColumns({ comments: count(Comment.id) }).where(Post.id.eq(1)).one();
 * ```
 */
export class EntityColumnsQuery<M extends ModelCtor, R, V> {
  /** @internal */
  constructor(
    private readonly session: Session,
    private readonly query: Query<M, R>,
    private readonly columns: ComputedColumns,
  ) {}

  private with(query: Query<M, R>): EntityColumnsQuery<M, R, V> {
    return new EntityColumnsQuery<M, R, V>(this.session, query, this.columns);
  }

  /** WHERE, as {@link Query.where}. */
  where(...conditions: (Predicate | undefined)[]): EntityColumnsQuery<M, R, V> {
    return this.with(this.query.where(...conditions));
  }
  /** HAVING, as {@link Query.having}: a condition on the computed columns' aggregates. */
  having(...conditions: Predicate[]): EntityColumnsQuery<M, R, V> {
    return this.with(this.query.having(...conditions));
  }
  /** ORDER BY, as {@link Query.orderBy}; an aggregate orders too (`count(Comment.id).desc()`). */
  orderBy(...items: (Expression<unknown> | Ordering)[]): EntityColumnsQuery<M, R, V> {
    return this.with(this.query.orderBy(...items));
  }
  /** Loader options for the entities, as {@link Query.options} (a joined load is refused: it would repeat rows). */
  options<O extends QueryOption[]>(...opts: O): EntityColumnsQuery<M, Loaded<R, OptionsOverlay<M, O>>, V> {
    return new EntityColumnsQuery<M, Loaded<R, OptionsOverlay<M, O>>, V>(this.session, this.query.options(...opts), this.columns);
  }
  limit(n: number | bigint): EntityColumnsQuery<M, R, V> {
    return this.with(this.query.limit(n));
  }
  offset(n: number | bigint): EntityColumnsQuery<M, R, V> {
    return this.with(this.query.offset(n));
  }

  /** The SELECT `all()` runs, filters included (for `explain()` or logging). */
  selectNode(): SelectNode {
    return this.build().node;
  }

  /** The statement, and what reading its rows needs: the plan, the filters, where the computed columns start. */
  private build(): { node: SelectNode; parents: SelectNode; plan: EntityPlan; filters: FilterScope; backwards: boolean; offset: number; items: readonly SelectItemNode[] } {
    const q = this.query;
    const plan = buildPlan(q.mapper, q.loadOptions);
    const state = q.positioned();
    const sel = entitySelect(q.mapper, state, plan);
    if (sel.setup.loadedByQuery.size > 0 || sel.setup.joins.length > 0) {
      // A joined load repeats each entity over its children's rows, which every aggregate would count; a json load
      // reshapes the statement around its parents (a derived table under a LIMIT) where the columns are written.
      throw new InvalidRequestError(
        `withColumns() cannot be combined with a relationship loaded by the same statement (joinedLoad, jsonLoad, lazy: 'joined' or 'json'); load it with selectinLoad() instead (one more statement for the whole result)`,
      );
    }
    const items: SelectItemNode[] = Object.entries(this.columns).map(([name, e]) => ({ expr: e.node, alias: name, explicitAlias: true, type: e.sqlType }));
    const node: SelectNode = { ...sel.node, items: [...sel.node.items, ...items] };
    const filters = q.filterScope();
    return { node: filters.rewrite(node), parents: sel.parents, plan, filters, backwards: state.keyset?.backwards === true, offset: sel.node.items.length, items };
  }

  /** Every row as `[entity, values]`. */
  async all(): Promise<[R, V][]> {
    const session = this.session;
    if (session.autoflush) await session.flush();
    const q = this.query;
    const { node, parents, plan, filters, backwards, offset, items } = this.build();
    const result = await session.run(node);
    const ctx = session.loaderContext(filters);
    const group = q.newGroup();
    const hydrator = new RowHydrator(ctx, entityShape(q.mapper, plan.columnIndexes, 0), group);
    const dialect = session.dialect;
    const decoders: (Decoder | undefined)[] = items.map((item) => (item.type ? dialect.decoder(item.type) : undefined));
    const names = items.map((item) => item.alias);
    const out: [R, V][] = [];
    const states: InstanceState[] = [];
    const seen = new Set<object>();
    for (const row of result.rows) {
      const obj = hydrator.row(row);
      if (obj === undefined) continue;
      if (!seen.has(obj)) {
        seen.add(obj);
        states.push((obj as { [STATE]: InstanceState })[STATE]);
      }
      const values: Record<string, unknown> = {};
      for (let j = 0; j < names.length; j++) {
        const raw = row[offset + j];
        const d = decoders[j];
        values[names[j]!] = raw === null || raw === undefined || d === undefined ? (raw ?? null) : d(raw);
      }
      out.push([obj as R, values as V]);
    }
    if (backwards) out.reverse();
    if (plan.relations.length > 0) {
      const sctx = strategyContext(ctx, session.batchLazyLoads, new Set(), parents, plan);
      await loadPlan(sctx, plan, states);
    }
    await session.runAfterLoad();
    return out;
  }

  async first(): Promise<[R, V] | undefined> {
    return (await this.limit(1).all())[0];
  }
  async oneOrNull(): Promise<[R, V] | null> {
    const rows = await this.limit(2).all();
    if (rows.length > 1) throw new MultipleResultsError(`${this.query.mapper.name} query with columns returned more than one row`);
    return rows[0] ?? null;
  }
  async one(): Promise<[R, V]> {
    const row = await this.oneOrNull();
    if (row === null) throw new NoResultError(`${this.query.mapper.name} query with columns returned no row`);
    return row;
  }
}
