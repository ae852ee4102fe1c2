/**
 * Entity queries on a session.
 *
 * ```ts
 * const artists = await s.query(Artist)
 *   .where(Artist.name.like('A%'))
 *   .orderBy(Artist.name)
 *   .options(selectinLoad(Artist.songs))
 *   .all();
 * // SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."name" LIKE ? ESCAPE '\' ORDER BY "artist"."name"
 * // SELECT ... FROM "song" WHERE "song"."artist_id" IN (?, ?, ...)
 * ```
 * Builders are immutable. Results pass through the identity map and come back
 * once per entity even when joins repeat it; objects from one result are
 * siblings, so a lazy load on one loads the relationship for all of them.
 * `count()` and `exists()` run on the server; `select(...)` returns plain rows.
 */

import type { Column } from '../../core/schema/column.js';
import type { Expression, Ordering, Predicate } from '../../core/sql/expression.js';
import { exprNodes, toOrderNode } from '../../core/sql/expression.js';
import { and } from '../../core/sql/functions.js';
import { andNodes, checkRowCount, SelectStatement, toSelectItems, type RowOfItems, type SelectItem } from '../../core/sql/select.js';
import type { FromNode, JoinNode, SelectNode } from '../../core/sql/nodes.js';
import { InvalidRequestError } from '../errors.js';
import { isModel, mapperOf, type Mapper } from '../mapper.js';
import { joinCondition, RelationshipAttribute, type ModelCtor } from '../relationship.js';
import type { Session } from '../session.js';
import { STATE, type InstanceState, type LoadGroup } from '../state.js';
import { entityShape, RowHydrator } from '../loading/hydrate.js';
import { strategyFor } from '../loading/strategies/index.js';
import { newLoadGroup, oneOf, oneOrNullOf, readEntities, traceCaller } from './entities.js';
import { PreparedQuery } from './prepared.js';
import { aliasInfo, type AliasedModel } from './aliased.js';
import { bulkDelete, bulkUpdate, type BulkOptions, type BulkValues } from './bulk.js';
import { countSelect, EMPTY_STATE, entitySelect, existsSelect, rowCount, type QueryState } from './compile.js';
import type { Loaded, OptionsOverlay, QueryOption } from './options.js';
import { buildPlan } from './plan.js';
import { ProjectionQuery } from './projection.js';
import { EntityColumnsQuery, type ComputedColumns, type ComputedValues } from './with-columns.js';
import type { AnyQueryFilter, FilterSwitch } from '../filters/define.js';
import { onOps, type FilterScope } from '../filters/scope.js';
import { decodeCursor, encodeCursor, positionedState, sortKeys, type Page, type PageCursor, type PaginateOptions } from './keyset.js';
import { PaginationError } from '../errors.js';

type Instance<M> = M extends abstract new (...args: never[]) => infer I ? I : never;

/** What `join()` accepts as its target: a relationship, a model, or an alias. */
export type JoinTarget = RelationshipAttribute | ModelCtor | AliasedModel<ModelCtor>;

/** Options of {@link Query.stream}. */
export interface EntityStreamOptions {
  /** Rows per batch (default 1000). */
  batchSize?: number;
  /** Remove each batch's unchanged objects from the identity map before the next batch, so memory stays bounded. */
  clearIdentityMap?: boolean;
}

export class Query<M extends ModelCtor, R = Instance<M>> {
  /** @internal */
  constructor(
    protected readonly session: Session,
    /** @internal */
    readonly mapper: Mapper,
    /** @internal */
    readonly state: QueryState = { ...EMPTY_STATE, tables: [mapper.table.name] },
    /** @internal */
    readonly loadOptions: readonly QueryOption[] = [],
  ) {}

  private with(change: Partial<QueryState>): Query<M, R> {
    return new Query<M, R>(this.session, this.mapper, { ...this.state, ...change }, this.loadOptions);
  }

  /** WHERE; several calls (or arguments) are joined with AND. */
  where(...conditions: (Predicate | undefined)[]): Query<M, R> {
    return this.with({ where: andNodes(this.state.where, conditions) });
  }
  /** Same as {@link where} (SQLAlchemy's name). */
  filter(...conditions: (Predicate | undefined)[]): Query<M, R> {
    return this.where(...conditions);
  }
  /** Equality on the queried model's columns: `filterBy({ acctActive: true })`. */
  filterBy(values: Partial<Record<string & keyof R, unknown>>): Query<M, R> {
    const m = this.mapper;
    const terms = Object.entries(values).map(([k, v]) => (m.columns[m.columnIndex(k)] as Column<unknown>).eq(v));
    return this.where(...terms);
  }
  orderBy(...items: (Expression<unknown> | Ordering)[]): Query<M, R> {
    return this.with({ orderBy: [...this.state.orderBy, ...items.map(toOrderNode)] });
  }
  /**
   * LIMIT: a non-negative integer, or a placeholder for a prepared query (its value checked as an integer).
   * ```ts
   * const page = db.prepare((s) => s.query(User).orderBy(User.id).limit(placeholder('n')).offset(placeholder('skip')));
   * await page.all(s, { n: 20, skip: 40 });
   * ```
   */
  limit(n: number | bigint | Expression<number> | Expression<unknown>): Query<M, R> {
    return this.with({ limit: rowCount(n, 'limit') });
  }
  /** OFFSET, as {@link limit}. */
  offset(n: number | bigint | Expression<number> | Expression<unknown>): Query<M, R> {
    return this.with({ offset: rowCount(n, 'offset') });
  }
  distinct(): Query<M, R> {
    return this.with({ distinct: true });
  }
  groupBy(...exprs: Expression<unknown>[]): Query<M, R> {
    return this.with({ groupBy: [...this.state.groupBy, ...exprNodes(exprs, 'groupBy')] });
  }
  having(...conditions: Predicate[]): Query<M, R> {
    return this.with({ having: andNodes(this.state.having, conditions, 'having') });
  }

  /**
   * Switch filters on for this query (over the session's): opt-in filters, or parameters other than the
   * session's. They apply to this query's statements and its eager loads.
   * ```ts
   * await s.query(Post).withFilters(published, tenant.with({ id: 8 })).all();
   * // SELECT ... FROM "post" WHERE "post"."published_at" IS NOT NULL AND "post"."tenant_id" = ? AND ...
   * ```
   */
  withFilters(...filters: FilterSwitch[]): Query<M, R> {
    return this.with({ filters: [...this.state.filters, ...onOps(filters)] });
  }

  /**
   * Switch filters off for this query and its eager loads: those named, or every one when none is named.
   * ```ts
   * await s.query(Post).withoutFilters(softDeleteFilter).all(); // deleted posts too
   * await s.query(Post).withoutFilters().all();                 // no filter at all
   * ```
   */
  withoutFilters(...filters: AnyQueryFilter[]): Query<M, R> {
    return this.with({ filters: [...this.state.filters, { kind: 'off', filters: filters.length === 0 ? 'all' : filters }] });
  }

  /**
   * Keyset pagination: the rows after `cursor` in this query's order (the primary key appended as tie-breaker).
   * Usually through {@link paginate}; with `limit()` and `all()` it reads one page.
   * ```ts
   * await s.query(Post).orderBy(Post.createdAt.desc()).after(cursor).limit(20).all();
   * // SELECT ... WHERE ("post"."created_at", "post"."id") < (?, ?) ORDER BY "post"."created_at" DESC, "post"."id" DESC LIMIT ?
   * ```
   * A cursor that is not one (garbage, another model's, another ordering's) raises `InvalidCursorError`.
   */
  after(cursor: PageCursor<M> | string): Query<M, R> {
    const k = this.state.keyset;
    return this.with({ keyset: { after: decodeCursor(this.mapper, cursor), before: k?.before, backwards: false } });
  }

  /**
   * The rows before `cursor` in this query's order; with `limit(n)`, the n rows just before it (read backwards,
   * returned in the query's order). See {@link after}.
   */
  before(cursor: PageCursor<M> | string): Query<M, R> {
    const k = this.state.keyset;
    return this.with({ keyset: { after: k?.after, before: decodeCursor(this.mapper, cursor), backwards: k?.after === undefined } });
  }

  /**
   * One page by keyset pagination: the `first` rows (after the cursor `after`), or the `last` rows (before the
   * cursor `before`), with the cursors of its ends. One statement (it reads one row more to know whether another
   * page follows). Sort keys must be NOT NULL columns of the model (`PaginationError` otherwise).
   * ```ts
   * const q = s.query(Post).where(Post.authorId.eq(7)).orderBy(Post.createdAt.desc());
   * const page1 = await q.paginate({ first: 20 });
   * const page2 = await q.paginate({ first: 20, after: page1.endCursor });
   * const back = await q.paginate({ last: 20, before: page2.startCursor }); // page1 again
   * ```
   */
  async paginate(options: PaginateOptions<M>): Promise<Page<R, M>> {
    const forward = options.first !== undefined;
    if (forward === (options.last !== undefined)) throw new PaginationError(`${this.mapper.name}: paginate() takes either { first } or { last }`);
    const n = checkRowCount((forward ? options.first : options.last)!, 'paginate');
    const keyset = {
      after: options.after === undefined ? undefined : decodeCursor(this.mapper, options.after),
      before: options.before === undefined ? undefined : decodeCursor(this.mapper, options.before),
      backwards: !forward,
    };
    const rows = await this.with({ keyset, limit: n + 1 }).all();
    const more = rows.length > n;
    const items = !more ? rows : forward ? rows.slice(0, n) : rows.slice(rows.length - n);
    const keys = sortKeys(this.mapper, this.state.orderBy);
    const cursor = (obj: R | undefined): PageCursor<M> | undefined => (obj === undefined ? undefined : (encodeCursor(this.mapper, keys, stateOfObj(obj as object)) as PageCursor<M>));
    return {
      items,
      startCursor: cursor(items[0]),
      endCursor: cursor(items[items.length - 1]),
      hasNextPage: forward ? more : keyset.before !== undefined,
      hasPreviousPage: forward ? keyset.after !== undefined : more,
    };
  }

  /** The cursor of `obj` in this query's order (for `after()` / `before()`). */
  cursorOf(obj: R): PageCursor<M> {
    return encodeCursor(this.mapper, sortKeys(this.mapper, this.state.orderBy), stateOfObj(obj as object)) as PageCursor<M>;
  }

  /** @internal The state the statements are built from: with a keyset position, its WHERE terms and ORDER BY. */
  positioned(): QueryState {
    return positionedState(this.mapper, this.state, this.session.dialect.capabilities);
  }

  /** @internal The filters this query applies: the session's, then this query's switches. */
  filterScope(): FilterScope {
    return this.session.filters.with(this.state.filters);
  }

  /**
   * INNER JOIN along a relationship (`join(Person.address)`), to an alias along
   * a relationship (`join(Manager, Person.manager)`), or to a model or alias
   * with an explicit condition (`join(Address, Person.addressId.eq(Address.id))`).
   * ```ts
   * s.query(Person).join(Person.address).where(Address.city.eq('Paris'))
   * // SELECT ... FROM "person" JOIN "address" ON "person"."address_id" = "address"."id" WHERE "address"."city" = ?
   * ```
   * Joins filter; they do not load the relationship (use `joinedLoad` for that).
   */
  join(target: JoinTarget, on?: RelationshipAttribute | Predicate): Query<M, R> {
    return this.addJoin('INNER', target, on);
  }
  /** LEFT OUTER JOIN; same arguments as {@link join}. */
  outerJoin(target: JoinTarget, on?: RelationshipAttribute | Predicate): Query<M, R> {
    return this.addJoin('LEFT', target, on);
  }

  private addJoin(type: 'INNER' | 'LEFT', target: JoinTarget, on: RelationshipAttribute | Predicate | undefined): Query<M, R> {
    const st = this.state;
    if (target instanceof RelationshipAttribute) {
      if (on !== undefined) throw new InvalidRequestError(`join(${target.name}, ...): a relationship join takes no condition`);
      const tname = target.r.target.table.name;
      if (st.joinedRelationships.includes(target.name)) {
        throw new InvalidRequestError(
          `${target.name} is already joined in this query; to join it twice, join an alias: ` +
            `\`const ${target.r.target.name}2 = aliased(${target.r.target.name}); q.join(${target.r.target.name}2, ${target.name})\``,
        );
      }
      if (st.tables.includes(tname)) {
        throw new InvalidRequestError(
          `join(${target.name}): table "${tname}" is already in this query, so its columns would be ambiguous. ` +
            `Join an alias: \`const ${target.r.target.name}2 = aliased(${target.r.target.name}); q.join(${target.r.target.name}2, ${target.name})\``,
        );
      }
      this.checkParent(target);
      const joins = relationshipJoins(type, target, target.r.target.table.fromNode, tname);
      return this.with({ joins: [...st.joins, ...joins], tables: [...st.tables, tname], joinedRelationships: [...st.joinedRelationships, target.name] });
    }
    const alias = aliasInfo(target);
    let fromNode: FromNode;
    let qualifier: string;
    let mapper: Mapper;
    if (alias) {
      fromNode = alias.fromNode;
      qualifier = alias.name;
      mapper = alias.mapper;
    } else if (isModel(target)) {
      mapper = mapperOf(target);
      fromNode = mapper.table.fromNode;
      qualifier = mapper.table.name;
      if (st.tables.includes(qualifier)) {
        throw new InvalidRequestError(`join(${mapper.name}): table "${qualifier}" is already in this query; join an alias: \`aliased(${mapper.name})\``);
      }
    } else {
      throw new InvalidRequestError('join() takes a relationship (Person.address), a model, or an alias from aliased()');
    }
    const tables = alias ? st.tables : [...st.tables, qualifier];
    if (on instanceof RelationshipAttribute) {
      if (on.r.target !== mapper) throw new InvalidRequestError(`join(${qualifier}, ${on.name}): ${on.name} leads to ${on.r.target.name}, not ${mapper.name}`);
      this.checkParent(on);
      if (alias && st.joinedRelationships.includes(`${on.name}@${qualifier}`)) {
        throw new InvalidRequestError(`${on.name} is already joined to alias "${qualifier}"`);
      }
      const joins = relationshipJoins(type, on, fromNode, qualifier);
      return this.with({ joins: [...st.joins, ...joins], tables, joinedRelationships: [...st.joinedRelationships, alias ? `${on.name}@${qualifier}` : on.name] });
    }
    if (on === undefined) {
      throw new InvalidRequestError(`join(${qualifier}) needs a relationship or a condition: join(${qualifier}, Parent.relationship) or join(${qualifier}, cond)`);
    }
    const join: JoinNode = { kind: 'join', type, target: fromNode, on: on.node };
    return this.with({ joins: [...st.joins, join], tables });
  }

  private checkParent(attr: RelationshipAttribute): void {
    const parent = attr.parent!;
    if (!this.state.tables.includes(parent.table.name)) {
      throw new InvalidRequestError(`join(${attr.name}): ${parent.name} is not in this query yet; join it first`);
    }
  }

  /**
   * Loading options: relationship strategies and column options. Eager
   * options show in the result type: after `selectinLoad(Artist.songs)`,
   * `artist.songs` is a `Collection<Song>`.
   */
  options<O extends QueryOption[]>(...opts: O): Query<M, Loaded<R, OptionsOverlay<M, O>>> {
    return new Query<M, Loaded<R, OptionsOverlay<M, O>>>(this.session, this.mapper, this.state, [...this.loadOptions, ...opts]);
  }

  /**
   * A projection: plain typed rows of columns and expressions — no entities,
   * no identity map, no change tracking (SQLAlchemy's `with_entities`).
   * ```ts
   * await s.query(User).where(User.acctActive.eq(true)).select(User.username, User.email).all();
   * // SELECT "user"."username", "user"."email" FROM "user" WHERE "user"."acct_active" = ?
   * ```
   */
  select<I extends SelectItem[]>(...items: I): ProjectionQuery<RowOfItems<I>> {
    // Filters go in now: the projection may be used as a subquery of a Core statement, which no session rewrites.
    const node: SelectNode = this.filterScope().rewrite({ ...this.parentsSelect(), items: toSelectItems(items) });
    return new ProjectionQuery<RowOfItems<I>>(this.session, new SelectStatement<RowOfItems<I>>(node));
  }
  /**
   * The entities with columns computed by the same SELECT beside each: rows of `[entity, values]`. The entities
   * go through the identity map and get their eager loads as with `all()`; the values are decoded by their
   * expressions' types. The way to read posts with their comment counts in one statement:
   * ```ts
   * const rows = await s.query(Post).outerJoin(Post.comments).groupBy(Post.id)
   *   .withColumns({ comments: count(Comment.id) }).orderBy(count(Comment.id).desc()).all();
   * for (const [post, { comments }] of rows) console.log(post.title, comments);
   * // SELECT "post"."id", ..., count("comment"."id") AS "comments" FROM "post"
   * //   LEFT OUTER JOIN "comment" ON "post"."id" = "comment"."post_id" GROUP BY "post"."id" ORDER BY count("comment"."id") DESC
   * ```
   */
  withColumns<C extends ComputedColumns>(columns: C): EntityColumnsQuery<M, R, ComputedValues<C>> {
    if (Object.keys(columns).length === 0) throw new InvalidRequestError('withColumns() needs at least one column: { name: expression }');
    return new EntityColumnsQuery<M, R, ComputedValues<C>>(this.session, this, columns);
  }

  /** Same as {@link select} (SQLAlchemy's name). */
  withEntities<I extends SelectItem[]>(...items: I): ProjectionQuery<RowOfItems<I>> {
    return this.select(...items);
  }

  /** @internal The query's SELECT of the queried entity's columns (no eager loads). */
  parentsSelect(): SelectNode {
    return entitySelect(this.mapper, this.positioned(), buildPlan(this.mapper, [])).parents;
  }

  /** @internal The SELECT `all()` runs (its filters included). */
  selectNode(): SelectNode {
    return this.filterScope().rewrite(entitySelect(this.mapper, this.positioned(), buildPlan(this.mapper, this.loadOptions)).node);
  }

  async all(): Promise<R[]> {
    const session = this.session;
    const caller = traceCaller();
    if (session.autoflush) await session.flush();
    const plan = buildPlan(this.mapper, this.loadOptions);
    const state = this.positioned();
    const select = entitySelect(this.mapper, state, plan);
    const filters = this.filterScope();
    const result = await session.run(filters.rewrite(select.node));
    return (await readEntities({ session, mapper: this.mapper, loadOptions: this.loadOptions, plan, select, state, filters }, result, caller)) as R[];
  }

  /**
   * This query compiled once, to run again in any session with values for its placeholders: no building, no
   * compiling, no load plan per call. See {@link PreparedQuery}.
   * ```ts
   * const artistById = s.query(Artist).where(Artist.id.eq(placeholder('id'))).options(selectinLoad(Artist.albums)).prepare();
   * const artist = await db.session((other) => artistById.oneOrNull(other, { id: 7 }));
   * ```
   */
  prepare(): PreparedQuery<M, R> {
    return new PreparedQuery<M, R>(this.mapper, this.state, this.loadOptions);
  }

  /** @internal The load group of one result (sibling batching, as the query's options say). */
  newGroup(): LoadGroup {
    return newLoadGroup(this.loadOptions);
  }

  async first(): Promise<R | undefined> {
    return (await this.limit(1).all())[0];
  }

  async oneOrNull(): Promise<R | null> {
    return oneOrNullOf(this.mapper, await this.limit(2).all());
  }

  async one(): Promise<R> {
    return oneOf(this.mapper, await this.oneOrNull());
  }

  /**
   * The object with this primary key: from the identity map without SQL when
   * it is there, else with this query's options.
   */
  async get(pk: unknown): Promise<R | undefined> {
    const m = this.mapper;
    const hit = this.session.identityMap.get(m, m.identityKeyOf(pk));
    if (hit && !this.session.deleted.has(stateOfObj(hit))) {
      // A filtered-out object is not returned, as the query would not return its row; unknown in memory: ask SQL.
      const verdict = this.filterScope().check(m, stateOfObj(hit).values, this.session.dialect.capabilities.textComparison);
      if (verdict === 'match') return hit as R;
      if (verdict === 'filtered') return undefined;
    }
    const parts = m.primaryKeyIndexes.length === 1 ? [m.identityKeyOf(pk)] : Array.isArray(pk) ? pk : m.primaryKeyIndexes.map((i) => (pk as Record<string, unknown>)[m.columns[i]!.key]);
    const where = and(...m.primaryKeyIndexes.map((i, j) => (m.columns[i] as Column<unknown>).eq(parts[j])));
    return (await this.where(where).oneOrNull()) ?? undefined;
  }

  /**
   * The number of matching entities, counted by the database.
   * ```ts
   * await s.query(User).filterBy({ acctActive: true }).count();
   * // SELECT count(*) AS "count" FROM "user" WHERE "user"."acct_active" = ?
   * ```
   * With joins it counts distinct primary keys (the entities `all()` returns); with
   * LIMIT, OFFSET, DISTINCT or GROUP BY it counts the rows of the query as a subquery.
   */
  async count(): Promise<number> {
    if (this.session.autoflush) await this.session.flush();
    const result = await this.session.run(this.filterScope().rewrite(countSelect(this.mapper, this.positioned())));
    return Number(result.rows[0]?.[0] ?? 0);
  }

  /** True when at least one entity matches: `SELECT EXISTS (SELECT 1 FROM ... WHERE ...)`. */
  async exists(): Promise<boolean> {
    if (this.session.autoflush) await this.session.flush();
    const result = await this.session.run(this.filterScope().rewrite(existsSelect(this.mapper, this.positioned())));
    const v = result.rows[0]?.[0];
    return v === true || v === 1 || v === '1' || v === 1n || v === 't';
  }

  /**
   * UPDATE the matching rows in one statement. `synchronize` says what happens
   * to matching objects already in the session (see {@link BulkOptions}).
   * ```ts
   * await s.query(User).where(User.id.in(ids)).update({ acctActive: true }, { synchronize: false });
   * // UPDATE "user" SET "acct_active" = ? WHERE "user"."id" IN (?, ?, ?)
   * ```
   */
  async update(values: BulkValues<M>, options: BulkOptions = {}): Promise<number> {
    return bulkUpdate(this.session, this.mapper, this.positioned(), this.filterScope(), values as Record<string, unknown>, options);
  }

  /** DELETE the matching rows in one statement; see {@link update} for `synchronize`. */
  async delete(options: BulkOptions = {}): Promise<number> {
    return bulkDelete(this.session, this.mapper, this.positioned(), this.filterScope(), options);
  }

  /**
   * The entities in batches, read through a cursor (SQLAlchemy's `yield_per`).
   * ```ts
   * for await (const batch of s.query(Track).stream({ batchSize: 1000, clearIdentityMap: true })) { ... }
   * ```
   * Eager loads other than joined to-one relationships cannot run while the
   * cursor holds the connection, and neither can other queries of this session
   * inside the loop: collect what you need, then load after the loop.
   */
  async *stream(options: EntityStreamOptions = {}): AsyncGenerator<R[], void, undefined> {
    const session = this.session;
    const plan = buildPlan(this.mapper, this.loadOptions);
    const blocked = plan.relations.find((n) => !strategyFor(n.strategy).streamable(n));
    if (blocked) {
      throw new InvalidRequestError(
        `stream(): ${blocked.attr.name} loads with "${blocked.strategy}", which needs the connection the cursor holds; ` +
          `load it after the loop (session.load / selectinLoad on a follow-up query), or use lazyLoad(${blocked.attr.name})`,
      );
    }
    if (session.autoflush) await session.flush();
    const sel = entitySelect(this.mapper, this.positioned(), plan);
    const filters = this.filterScope();
    const conn = await session.connection();
    const ctx = session.loaderContext(filters);
    const shape = entityShape(this.mapper, plan.columnIndexes, 0);
    let previous: object[] = [];
    for await (const rows of conn.streamRaw(conn.dialect.compile(filters.rewrite(sel.node)), options.batchSize ?? 1000)) {
      if (options.clearIdentityMap) for (const obj of previous) session.release(obj);
      const group = this.newGroup();
      const joined = sel.setup.rows(ctx);
      const batch: object[] = [];
      const hydrator = new RowHydrator(ctx, shape, group);
      for (const row of rows) {
        const obj = hydrator.row(row);
        if (!obj) continue;
        batch.push(obj);
        joined?.row(row, obj);
      }
      joined?.finish();
      previous = batch;
      await session.runAfterLoad();
      yield batch as R[];
    }
    if (options.clearIdentityMap) for (const obj of previous) session.release(obj);
  }
}

function stateOfObj(obj: object): InstanceState {
  return (obj as { [STATE]: InstanceState })[STATE];
}


/** The JOIN(s) for a relationship from its parent's table to `target` (the target table or an alias of it). */
function relationshipJoins(type: 'INNER' | 'LEFT', attr: RelationshipAttribute, target: FromNode, qualifier: string): JoinNode[] {
  const { pairs, direction } = attr.r;
  const childCol = (c: Column<unknown>) => c.withQualifier(qualifier);
  if (direction === 'manyToMany') {
    const secondary = attr.options.secondary!;
    const toLink = and(...pairs.local.map((l, i) => l.eq(pairs.secondaryLocal![i]!)));
    const toTarget = and(...pairs.secondaryRemote!.map((s, i) => s.eq(childCol(pairs.remote[i]!))));
    return [
      { kind: 'join', type, target: secondary.fromNode, on: toLink.node },
      { kind: 'join', type, target, on: toTarget.node },
    ];
  }
  return [{ kind: 'join', type, target, on: joinCondition(attr, (c) => c, childCol).node }];
}
