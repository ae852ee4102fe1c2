/**
 * Projections: a query's rows as plain typed objects — columns, expressions,
 * aggregates, related columns through joins. No entity is built, nothing
 * enters the identity map, nothing is tracked, which makes them the cheap way
 * to read what a page or a report shows.
 *
 * ```ts
 * const rows = await s.query(Customer)
 *   .join(Customer.supportRep)
 *   .select(Employee.lastName, count().as('customers'))
 *   .groupBy(Employee.lastName)
 *   .all();
 * // SELECT "employee"."last_name", count(*) AS "customers" FROM "customer"
 * //   JOIN "employee" ON "customer"."support_rep_id" = "employee"."id" GROUP BY "employee"."last_name"
 * ```
 * A projection is also a subquery: `Artist.id.in(q)`, `q.as('t')` in FROM, `q.scalar()`.
 */

import type { Expression, Ordering, Predicate, QueryLike } from '../../core/sql/expression.js';
import type { DerivedTable, SelectStatement } from '../../core/sql/select.js';
import type { QueryNode } from '../../core/sql/nodes.js';
import { MultipleResultsError, NoResultError } from '../../core/errors.js';
import type { Session } from '../session.js';

export class ProjectionQuery<Row> implements QueryLike {
  /** @internal */
  constructor(
    private readonly session: Session,
    /** The Core statement this projection runs. */
    readonly statement: SelectStatement<Row>,
  ) {}

  private with(statement: SelectStatement<Row>): ProjectionQuery<Row> {
    return new ProjectionQuery<Row>(this.session, statement);
  }

  get queryNode(): QueryNode {
    return this.statement.queryNode;
  }

  where(...conditions: (Predicate | undefined)[]): ProjectionQuery<Row> {
    return this.with(this.statement.where(...conditions));
  }
  groupBy(...exprs: Expression<unknown>[]): ProjectionQuery<Row> {
    return this.with(this.statement.groupBy(...exprs));
  }
  having(...conditions: Predicate[]): ProjectionQuery<Row> {
    return this.with(this.statement.having(...conditions));
  }
  orderBy(...items: (Expression<unknown> | Ordering)[]): ProjectionQuery<Row> {
    return this.with(this.statement.orderBy(...items));
  }
  limit(n: number | bigint): ProjectionQuery<Row> {
    return this.with(this.statement.limit(n));
  }
  offset(n: number | bigint): ProjectionQuery<Row> {
    return this.with(this.statement.offset(n));
  }
  distinct(): ProjectionQuery<Row> {
    return this.with(this.statement.distinct());
  }

  /** This projection as a derived table: `select(t.c.n).from(q.as('t'))`. */
  as<A extends string>(alias: A): DerivedTable<Row> {
    return this.statement.as(alias);
  }
  /** This projection as a scalar subquery (its first column). */
  scalar<T = Row[keyof Row]>(): Expression<T> {
    return this.statement.scalar<T>();
  }

  async all(): Promise<Row[]> {
    return (await this.session.execute(this.statement)).rows as Row[];
  }
  async first(): Promise<Row | undefined> {
    return (await this.limit(1).all())[0];
  }
  async oneOrNull(): Promise<Row | null> {
    const rows = await this.limit(2).all();
    if (rows.length > 1) throw new MultipleResultsError('projection returned more than one row');
    return rows[0] ?? null;
  }
  async one(): Promise<Row> {
    const r = await this.oneOrNull();
    if (r === null) throw new NoResultError('projection returned no row');
    return r;
  }
  /** The first column of the first row (undefined when there is none). */
  async value(): Promise<Row[keyof Row] | undefined> {
    const row = await this.first();
    if (row === undefined) return undefined;
    return Object.values(row as object)[0] as Row[keyof Row];
  }
}
