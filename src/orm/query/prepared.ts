/**
 * Prepared entity queries: a query built, planned and compiled once, run in any session with values for its
 * placeholders (Core's `placeholder('name')`).
 *
 * ```ts
 * const artistById = db.prepare((s) => s.query(Artist).where(Artist.id.eq(placeholder('id'))).options(selectinLoad(Artist.albums)));
 * // per request:
 * const artist = await db.session((s) => artistById.oneOrNull(s, { id: 7 }));
 * // SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."id" = ? LIMIT ?   (compiled once)
 * // SELECT ... FROM "album" WHERE "album"."artist_id" IN (?)
 * ```
 * A query by key, or any query a request runs every time with other values, spends most of its own time building
 * its statement tree, its load plan and its SQL text; a prepared one binds the values and sends the text it
 * compiled the first time (per dialect). Results are what the query itself returns: objects through the session's
 * identity map, eager loads, afterLoad hooks, diagnostics.
 *
 * Placeholders go in the query's own clauses (WHERE, joins' conditions, HAVING); loader options are planned once
 * with the values they were given. Where a session's filters add conditions to the statement (a tenant filter with
 * this session's tenant), the statement is compiled again for that session's values, with the placeholders bound
 * the same way.
 */

import type { Dialect } from '../../core/dialects/dialect.js';
import { bindPlaceholders, StatementTemplate, type PlaceholderValues } from '../../core/engine/prepared.js';
import type { Mapper } from '../mapper.js';
import type { ModelCtor } from '../relationship.js';
import type { Session } from '../session.js';
import { entitySelect, type EntitySelect, type QueryState } from './compile.js';
import { oneOf, oneOrNullOf, readEntities, traceCaller } from './entities.js';
import { positionedState } from './keyset.js';
import type { QueryOption } from './options.js';
import { buildPlan, type EntityPlan } from './plan.js';

type Instance<M> = M extends abstract new (...args: never[]) => infer I ? I : never;

/** Which rows a run asks for: all of them, the first, or at most two (to tell one from several). */
type Cut = 'all' | 'first' | 'oneOrNull';

/** One cut's statement for one dialect: its state, its SELECT and that SELECT compiled with open placeholders. */
interface Compiled {
  readonly state: QueryState;
  readonly select: EntitySelect;
  readonly template: StatementTemplate;
}

/**
 * A query compiled once, run with `all`, `first`, `oneOrNull` or `one` in any session (from
 * {@link Query.prepare} or `db.prepare()`).
 * ```ts
 * const recentByAuthor = db.prepare((s) =>
 *   s.query(Post).where(Post.authorId.eq(placeholder('author'))).orderBy(Post.createdAt.desc()).limit(20));
 * const posts = await recentByAuthor.all(s, { author: 7 });
 * ```
 */
export class PreparedQuery<M extends ModelCtor, R = Instance<M>> {
  private readonly plan: EntityPlan;
  /** Whether the plan loads a relationship of the queried entity by subquery (which embeds the parents' query). */
  private readonly subqueryLoads: boolean;
  private dialect: Dialect | undefined;
  private compiled: { [C in Cut]?: Compiled } = {};

  /** @internal */
  constructor(
    private readonly mapper: Mapper,
    private readonly state: QueryState,
    private readonly loadOptions: readonly QueryOption[],
  ) {
    this.plan = buildPlan(mapper, loadOptions);
    this.subqueryLoads = this.plan.relations.some((r) => r.strategy === 'subquery');
  }

  /** Every matching object, as `Query.all()`. */
  async all(session: Session, values: PlaceholderValues = {}): Promise<R[]> {
    return (await this.run(session, values, 'all')) as R[];
  }

  /** The first matching object, or undefined (LIMIT 1), as `Query.first()`. */
  async first(session: Session, values: PlaceholderValues = {}): Promise<R | undefined> {
    return (await this.run(session, values, 'first'))[0] as R | undefined;
  }

  /** The one matching object, or null; several raise `MultipleResultsError` (LIMIT 2), as `Query.oneOrNull()`. */
  async oneOrNull(session: Session, values: PlaceholderValues = {}): Promise<R | null> {
    return oneOrNullOf(this.mapper, (await this.run(session, values, 'oneOrNull')) as R[]);
  }

  /** The one matching object; none raises `NoResultError`, several `MultipleResultsError`, as `Query.one()`. */
  async one(session: Session, values: PlaceholderValues = {}): Promise<R> {
    return oneOf(this.mapper, await this.oneOrNull(session, values));
  }

  /** The SQL text this query sends on `dialect` (the statement `all()` runs, without a session's filters). */
  sqlFor(dialect: Dialect): string {
    return this.compiledFor(dialect, 'all').template.sql;
  }

  private async run(session: Session, values: PlaceholderValues, cut: Cut): Promise<object[]> {
    session.checkOpen();
    const caller = traceCaller();
    if (session.autoflush && !session.idle()) await session.flush();
    const conn = await session.connection();
    const compiled = this.compiledFor(conn.dialect, cut);
    const filters = session.filters.with(this.state.filters);
    const node = filters.rewrite(compiled.select.node);
    // A session's filters that add conditions make a statement of their own, with this session's values in it.
    const template = node === compiled.select.node ? compiled.template : StatementTemplate.compile(conn.dialect, node);
    const result = await conn.runRaw(template.bind(values));
    // A subquery load embeds the parents' SELECT: with this run's values in it.
    const rootQuery = this.subqueryLoads ? bindPlaceholders(compiled.select.parents, values, compiled.template.names) : undefined;
    const run = { session, mapper: this.mapper, loadOptions: this.loadOptions, plan: this.plan, select: compiled.select, state: compiled.state, filters, rootQuery };
    return await readEntities(run, result, caller);
  }

  private compiledFor(dialect: Dialect, cut: Cut): Compiled {
    if (this.dialect !== dialect) {
      this.dialect = dialect;
      this.compiled = {};
    }
    let compiled = this.compiled[cut];
    if (compiled === undefined) {
      const limited = cut === 'all' ? this.state : { ...this.state, limit: cut === 'first' ? 1 : 2 };
      const state = positionedState(this.mapper, limited, dialect.capabilities);
      const select = entitySelect(this.mapper, state, this.plan);
      compiled = { state, select, template: StatementTemplate.compile(dialect, select.node) };
      this.compiled[cut] = compiled;
    }
    return compiled;
  }
}
