/**
 * Aliases of a model, for self-joins and joining one table twice.
 *
 * ```ts
 * const Manager = aliased(Person, 'manager');
 * await s.query(Person)
 *   .where(Person.firstname.eq('Pauline'))
 *   .join(Manager, Person.manager)
 *   .where(Manager.firstname.eq('Pierre'))
 *   .all();
 * // SELECT "person"."id", ... FROM "person" JOIN "person" AS "manager" ON "person"."manager_id" = "manager"."id"
 * // WHERE "person"."firstname" = ? AND "manager"."firstname" = ?
 * ```
 */

import type { Column } from '../../core/schema/column.js';
import type { Table } from '../../core/schema/table.js';
import type { TableRefNode } from '../../core/sql/nodes.js';
import { mapperOf, TABLE, type Mapper } from '../mapper.js';
import type { ModelCtor } from '../relationship.js';

const ALIAS: unique symbol = Symbol('athanor.alias');

/** The columns of a model class. */
export type ModelColumns<M> = M extends { readonly [TABLE]: Table<string, infer C> } ? C : never;

/** Where an alias came from. @internal */
export interface AliasInfo {
  readonly mapper: Mapper;
  readonly name: string;
  readonly fromNode: TableRefNode;
}

/** A model under another name: its columns, qualified by the alias. */
export type AliasedModel<M extends ModelCtor> = { readonly [K in keyof ModelColumns<M>]: ModelColumns<M>[K] } & {
  readonly [ALIAS]: AliasInfo;
  /** @internal phantom */
  readonly __model?: M;
};

const counters = new Map<string, number>();

/**
 * The model `model` under the name `name` (default: the table name with a
 * counter, `person_1`). Its columns are the model's columns, qualified by
 * the alias, for `where()`, `orderBy()` and projections.
 */
export function aliased<M extends ModelCtor>(model: M, name?: string): AliasedModel<M> {
  const mapper = mapperOf(model);
  const table = mapper.table;
  let alias = name;
  if (alias === undefined) {
    const n = (counters.get(table.name) ?? 0) + 1;
    counters.set(table.name, n);
    alias = `${table.name}_${n}`;
  }
  const out: Record<string | symbol, unknown> = {};
  for (const col of table.columns) out[col.key] = (col as Column<unknown>).withQualifier(alias);
  out[ALIAS] = { mapper, name: alias, fromNode: Object.freeze({ kind: 'tableRef', table, alias }) } satisfies AliasInfo;
  return Object.freeze(out) as unknown as AliasedModel<M>;
}

/** @internal */
export function aliasInfo(value: unknown): AliasInfo | undefined {
  return typeof value === 'object' && value !== null ? (value as { [ALIAS]?: AliasInfo })[ALIAS] : undefined;
}
