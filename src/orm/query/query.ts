/**
 * Entity queries on a session.
 *
 * ```ts
 * const artists = await s.query(Artist).where(Artist.name.like('A%')).orderBy(Artist.name).all();
 * // SELECT "artist"."id", "artist"."name" FROM "artist" WHERE "artist"."name" LIKE ? ORDER BY "artist"."name"
 * ```
 * Results pass through the identity map; objects from one result are
 * siblings, so a lazy load on one loads the relationship for all of them.
 */

import type { Expression, Ordering, Predicate } from '../../core/sql/expression.js';
import { toOrderNode } from '../../core/sql/expression.js';
import { andNodes } from '../../core/sql/select.js';
import type { ExprNode, OrderNode, SelectNode } from '../../core/sql/nodes.js';
import { MultipleResultsError, NoResultError } from '../../core/errors.js';
import type { Mapper } from '../mapper.js';
import type { ModelCtor } from '../relationship.js';
import type { Session } from '../session.js';
import { LoadGroup } from '../state.js';
import { entitySelectItems, entityShape, hydrateRow } from '../loading/hydrate.js';

type Instance<M> = M extends abstract new (...args: never[]) => infer I ? I : never;

interface QueryState {
  readonly where: ExprNode | undefined;
  readonly orderBy: readonly OrderNode[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  readonly distinct: boolean;
}

export class Query<M extends ModelCtor, R = Instance<M>> {
  constructor(
    protected readonly session: Session,
    protected readonly mapper: Mapper,
    protected readonly state: QueryState = { where: undefined, orderBy: [], limit: undefined, offset: undefined, distinct: false },
  ) {}

  protected with(change: Partial<QueryState>): this {
    const Ctor = this.constructor as new (s: Session, m: Mapper, st: QueryState) => this;
    return new Ctor(this.session, this.mapper, { ...this.state, ...change });
  }

  where(...conditions: (Predicate | undefined)[]): this {
    return this.with({ where: andNodes(this.state.where, conditions) });
  }
  orderBy(...items: (Expression<unknown> | Ordering)[]): this {
    return this.with({ orderBy: [...this.state.orderBy, ...items.map(toOrderNode)] });
  }
  limit(n: number): this {
    return this.with({ limit: n });
  }
  offset(n: number): this {
    return this.with({ offset: n });
  }
  distinct(): this {
    return this.with({ distinct: true });
  }

  /** @internal The SELECT this query runs. */
  selectNode(): SelectNode {
    const m = this.mapper;
    const cols = m.columns.map((_, i) => i);
    return {
      kind: 'select',
      ctes: [],
      distinct: this.state.distinct,
      items: entitySelectItems(m, cols, m.table.name),
      from: [m.table.fromNode],
      joins: [],
      where: this.state.where,
      groupBy: [],
      having: undefined,
      orderBy: this.state.orderBy,
      limit: this.state.limit === undefined ? undefined : { kind: 'param', value: this.state.limit, type: { kind: 'integer' } },
      offset: this.state.offset === undefined ? undefined : { kind: 'param', value: this.state.offset, type: { kind: 'integer' } },
      lock: undefined,
    };
  }

  async all(): Promise<R[]> {
    const session = this.session;
    if (session.autoflush) await session.flush();
    const result = await session.run(this.selectNode());
    const group = new LoadGroup();
    const shape = entityShape(this.mapper, this.mapper.columns.map((_, i) => i), 0);
    const ctx = session.loaderContext();
    const out: R[] = [];
    for (const row of result.rows) {
      const obj = hydrateRow(ctx, shape, row, group);
      if (obj) out.push(obj as R);
    }
    return out;
  }

  async first(): Promise<R | undefined> {
    return (await this.limit(1).all())[0];
  }

  async oneOrNull(): Promise<R | null> {
    const rows = await this.limit(2).all();
    if (rows.length > 1) throw new MultipleResultsError(`${this.mapper.name} query returned more than one row`);
    return rows[0] ?? null;
  }

  async one(): Promise<R> {
    const r = await this.oneOrNull();
    if (r === null) throw new NoResultError(`${this.mapper.name} query returned no row`);
    return r;
  }
}
