/**
 * Query filters: named conditions a model declares once and every ORM query of it applies — its own queries,
 * every relationship load of it whatever the strategy, joins to it, `get()` by key — unless a query or a session
 * switches them off (Hibernate's `@Filter`, MikroORM's filters, SQLAlchemy's `with_loader_criteria`).
 *
 * ```ts
 * export const tenant = defineFilter<{ id: number }>('tenant');              // parameters given per session
 * export const published = defineFilter('published', { enabled: false });   // opt-in
 *
 * @mapped
 * export class Post extends Model(postTable) {
 *   static readonly tenant = tenant.on((p) => postTable.c.tenantId.eq(p.id));
 *   static readonly published = published.on(postTable.c.publishedAt.isNotNull());
 *   static readonly deleted = softDelete(postTable.c.deletedAt);            // the built-in `softDeleteFilter`
 * }
 *
 * await db.session(async (s) => {
 *   await s.query(Post).all();
 *   // SELECT ... FROM "post" WHERE "post"."tenant_id" = ? AND "post"."deleted_at" IS NULL
 * }, { filters: [tenant.with({ id: 7 })] });
 * ```
 * A filter is a value, not a string: the session option, `withFilters` and `withoutFilters` take the filter
 * itself, so a misspelt name cannot compile and the parameters are typed by the filter's declaration. One filter
 * may carry a condition on many models (every tenant-scoped model declares `tenant.on(...)`); each condition is
 * written against its own model's table, and follows the alias a join gives the table.
 */

import type { Column } from '../../core/schema/column.js';
import type { Predicate } from '../../core/sql/expression.js';
import type { ExprNode, TableMeta } from '../../core/sql/nodes.js';
import { InvalidRequestError } from '../errors.js';
import type { Mapper } from '../mapper.js';

/**
 * Options of {@link defineFilter}.
 * ```ts
 * const drafts = defineFilter('drafts', { enabled: false }); // only where a query or session asks for it
 * ```
 */
export interface FilterOptions {
  /**
   * On for every query unless a query or session switches it off (the default), or, with `false`, only where a
   * session's `filters` or a query's `withFilters` names it. A filter with parameters is on by default too: a
   * session that does not give them gets a `FilterParametersError` rather than every tenant's rows.
   */
  readonly enabled?: boolean;
}

/**
 * What a model's condition for filter `P` is: a predicate, or a function of the filter's parameters.
 * ```ts
 * const condition: FilterConditionOf<{ id: number }> = (p) => postTable.c.tenantId.eq(p.id);
 * ```
 */
export type FilterConditionOf<P> = [P] extends [void] ? Predicate | (() => Predicate) : (parameters: P) => Predicate;

/**
 * A named query filter: its name (for messages), whether it is on by default, and the type of its parameters
 * (`void` for none). Models attach their condition with {@link QueryFilter.on}.
 *
 * ```ts
 * const tenant = defineFilter<{ id: number }>('tenant');
 * @mapped
 * class Post extends Model(postTable) {
 *   static readonly tenant = tenant.on((p) => postTable.c.tenantId.eq(p.id));
 * }
 * await db.session(async (s) => { ... }, { filters: [tenant.with({ id: 7 })] });
 * ```
 */
export class QueryFilter<P extends object | void = void> {
  /** @internal phantom: keeps a filter with parameters from passing where one without is expected. */
  declare readonly __parameters?: P;

  /** @internal */
  constructor(
    readonly name: string,
    readonly enabledByDefault: boolean,
  ) {}

  /**
   * This filter's condition on one model, declared as a static attribute of the model class:
   * `static readonly tenant = tenant.on((p) => postTable.c.tenantId.eq(p.id))`. A function is called when a
   * session (or a query switching filters) first needs the condition, with the parameters it was given.
   */
  on(condition: FilterConditionOf<P>): ModelFilter<P> {
    if (typeof condition !== 'function' && !isPredicate(condition)) {
      throw new InvalidRequestError(`filter "${this.name}": on() takes a condition such as table.c.deletedAt.isNull(), or a function returning one`);
    }
    return new ModelFilter<P>(this, condition as Predicate | ((parameters: P) => Predicate));
  }

  /** This filter switched on with `parameters`, for a session's `filters` or a query's `withFilters`. */
  with(parameters: P): FilterArguments<P> {
    return new FilterArguments<P>(this, parameters);
  }

  toString(): string {
    return this.name;
  }
}

/**
 * A filter with the parameters a session or a query gives it.
 * ```ts
 * const mine: FilterArguments<{ id: number }> = tenant.with({ id: 7 });
 * await db.session(async (s) => { ... }, { filters: [mine] });
 * ```
 */
export class FilterArguments<P extends object | void = object | void> {
  /** @internal */
  constructor(
    readonly filter: QueryFilter<P>,
    readonly parameters: P,
  ) {}
}

/**
 * What switches a filter on: a filter without parameters, or one with its parameters.
 * ```ts
 * const on: FilterSwitch[] = [published, tenant.with({ id: 7 })];
 * ```
 */
export type FilterSwitch = QueryFilter<void> | FilterArguments<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Any filter, with or without parameters (what `withoutFilters` takes).
 * ```ts
 * const off: AnyQueryFilter[] = [tenant, softDeleteFilter];
 * ```
 */
export type AnyQueryFilter = QueryFilter<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Declare a query filter.
 *
 * ```ts
 * export const notArchived = defineFilter('notArchived');                    // on by default, no parameters
 * export const tenant = defineFilter<{ id: number }>('tenant');              // parameters from the session
 * export const featured = defineFilter('featured', { enabled: false });      // only where asked for
 * ```
 */
export function defineFilter<P extends object | void = void>(name: string, options: FilterOptions = {}): QueryFilter<P> {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidRequestError('defineFilter() needs a name');
  return new QueryFilter<P>(name, options.enabled ?? true);
}

function isPredicate(value: unknown): value is Predicate {
  return typeof value === 'object' && value !== null && 'node' in value;
}

/**
 * One model's condition for a filter, declared as a static attribute of the model class (found when the model is
 * mapped, as relationships are).
 * ```ts
 * @mapped
 * class Post extends Model(postTable) {
 *   static readonly tenant: ModelFilter<{ id: number }> = tenant.on((p) => postTable.c.tenantId.eq(p.id));
 * }
 * ```
 */
export class ModelFilter<P extends object | void = object | void> {
  /** The model whose static attribute this is; set when the model is mapped. */
  model: Mapper | undefined;
  /** The static attribute's key. */
  key = '';

  /** @internal */
  constructor(
    readonly filter: QueryFilter<P>,
    /** @internal */
    readonly condition: Predicate | ((parameters: P) => Predicate),
  ) {}

  /** True when the condition is a function that takes the filter's parameters. */
  get needsParameters(): boolean {
    return typeof this.condition === 'function' && this.condition.length > 0;
  }

  /** @internal The condition's node for these parameters. */
  conditionNode(parameters: P): ExprNode {
    const c = typeof this.condition === 'function' ? this.condition(parameters) : this.condition;
    if (!isPredicate(c)) {
      throw new InvalidRequestError(`filter "${this.filter.name}" on ${this.model?.name ?? '?'}: its function must return a condition, got ${String(c)}`);
    }
    return c.node;
  }

  toString(): string {
    return `${this.model?.name ?? '?'}.${this.key} (filter "${this.filter.name}")`;
  }
}

/**
 * What a soft-deleted row holds, and how it reads when it is not deleted.
 * ```ts
 * softDelete(postTable.c.state, { deletedValue: () => 'deleted', activeValue: 'live' });
 * ```
 */
export interface SoftDeleteOptions<T> {
  /**
   * The value `delete()` writes, given the flush's instant (default: that instant for a date or timestamp column,
   * `true` for a boolean). Every object one flush soft-deletes gets the same instant; children cascaded from a
   * parent get the parent's.
   */
  readonly deletedValue?: (now: Date) => T;
  /** The value of a row that is not deleted (default: `null` for a date or timestamp column, `false` for a boolean). */
  readonly activeValue?: T | null;
}

/**
 * The filter soft-deleted rows are hidden by. Every model declaring {@link softDelete} has its condition; switch it
 * off to see deleted rows.
 * ```ts
 * await s.query(Post).withoutFilters(softDeleteFilter).all(); // SELECT ... FROM "post" (no deleted_at condition)
 * ```
 */
export const softDeleteFilter: QueryFilter<void> = new QueryFilter<void>('softDelete', true);

/**
 * A model's soft-delete column: the filter condition that hides deleted rows (of {@link softDeleteFilter}), and what
 * the unit of work writes instead of a DELETE. Made by {@link softDelete}.
 * ```ts
 * Post.deleted.isDeleted(post.deletedAt); // true once deleted
 * ```
 */
export class SoftDelete<T = unknown> extends ModelFilter<void> {
  /** @internal */
  constructor(
    readonly column: Column<T>,
    /** @internal */
    readonly deletedValue: (now: Date) => T,
    readonly activeValue: T | null,
  ) {
    super(softDeleteFilter, activeValue === null ? column.isNull() : column.eq(activeValue as T));
  }

  /** True when `value` (the column's value on an object) marks the row deleted. */
  isDeleted(value: unknown): boolean {
    if (value === null || value === undefined) return this.activeValue !== null;
    return this.activeValue === null || !sameMarker(value, this.activeValue);
  }
}

/** @internal Two marker values are the same (dates by instant). */
export function sameMarker(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/**
 * Make `s.delete(obj)` of a model an UPDATE of `column` instead of a DELETE, and hide deleted rows from every
 * query through {@link softDeleteFilter}. Declared as a static attribute of the model:
 *
 * ```ts
 * @mapped
 * export class Post extends Model(postTable) {
 *   static readonly deleted = softDelete(postTable.c.deletedAt);
 * }
 * s.delete(post); await s.flush();
 * // UPDATE "post" SET "deleted_at" = ? WHERE "post"."id" IN (?)
 * await s.query(Post).all();
 * // SELECT ... FROM "post" WHERE "post"."deleted_at" IS NULL
 * ```
 * A date or timestamp column (nullable) gets `new Date()` and reads NULL when active; a boolean gets `true` and
 * reads `false` when active; any other column needs both options.
 */
export function softDelete<T>(column: Column<T>, options: SoftDeleteOptions<T> = {}): SoftDelete<T> {
  const kind = column.type.kind;
  const isTime = kind === 'timestamp' || kind === 'timestamptz' || kind === 'date';
  const isFlag = kind === 'boolean';
  let deletedValue = options.deletedValue;
  let activeValue: T | null | undefined = options.activeValue;
  if (deletedValue === undefined) {
    if (isTime) deletedValue = (now) => now as T;
    else if (isFlag) deletedValue = () => true as T;
  }
  if (activeValue === undefined) {
    if (isTime) activeValue = null;
    else if (isFlag) activeValue = false as T;
  }
  const where = `${column.table.name}.${column.name}`;
  if (deletedValue === undefined || activeValue === undefined) {
    throw new InvalidRequestError(`softDelete(${where}): a ${kind} column needs { deletedValue, activeValue } (a date, timestamp or boolean column has defaults)`);
  }
  if (activeValue === null && column.notNull) {
    throw new InvalidRequestError(`softDelete(${where}): the column is NOT NULL, but a row that is not deleted holds NULL in it; make it nullable, or give { activeValue }`);
  }
  return new SoftDelete<T>(column, deletedValue, activeValue);
}

// ---------------------------------------------------------------------------
// The registry: which models have filters, found when they are mapped.

/** A model's condition for any filter. @internal */
export type AnyModelFilter = ModelFilter<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const filtersByMapper = new WeakMap<Mapper, readonly AnyModelFilter[]>();
const mappersByTable = new WeakMap<TableMeta, Mapper[]>();
let filteredModels = 0;

/** @internal Called once per model when it is mapped: collect its filter conditions from its static attributes. */
export function registerModelFilters(mapper: Mapper): void {
  const found: AnyModelFilter[] = [];
  const keys: string[] = [];
  const model = mapper.model as unknown as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(mapper.model)) {
    const value = model[key];
    if (!(value instanceof ModelFilter)) continue;
    const mf = value as AnyModelFilter;
    if (mf.model && mf.model !== mapper) throw new InvalidRequestError(`${mf.toString()} is declared on two models (${mf.model.name} and ${mapper.name})`);
    if (mapper.hasColumn(key)) {
      throw new InvalidRequestError(
        `${mapper.name}.${key} is both a column and a filter: the static filter attribute hides the column ${mapper.name}.${key}; give the filter another name (e.g. static readonly ${key}Filter)`,
      );
    }
    if (found.some((f) => f.filter === mf.filter)) throw new InvalidRequestError(`${mapper.name} declares filter "${mf.filter.name}" twice`);
    if (mf instanceof SoftDelete && mf.column.table !== mapper.table) {
      throw new InvalidRequestError(`${mapper.name}.${key}: softDelete(${mf.column.table.name}.${mf.column.name}) names a column of another table than ${mapper.table.name}`);
    }
    found.push(mf);
    keys.push(key);
  }
  if (found.length === 0) return;
  found.forEach((mf, i) => {
    mf.model = mapper;
    mf.key = keys[i]!;
  });
  filtersByMapper.set(mapper, found);
  const list = mappersByTable.get(mapper.table) ?? [];
  list.push(mapper);
  mappersByTable.set(mapper.table, list);
  filteredModels++;
}

/** @internal The filter conditions a model declares (none: an empty list). */
export function modelFilters(mapper: Mapper): readonly AnyModelFilter[] {
  return filtersByMapper.get(mapper) ?? [];
}

/** @internal The mapped models of `table` that declare filters. */
export function filteredMappersOf(table: TableMeta): readonly Mapper[] | undefined {
  return mappersByTable.get(table);
}

/** @internal False until some model declares a filter: statements then skip the rewrite altogether. */
export function anyFilteredModels(): boolean {
  return filteredModels > 0;
}

/** @internal A model's soft-delete declaration, if it has one. */
export function softDeleteOf(mapper: Mapper): SoftDelete | undefined {
  for (const f of modelFilters(mapper)) if (f instanceof SoftDelete) return f;
  return undefined;
}
