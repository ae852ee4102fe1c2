/**
 * Reading an existing database into the same {@link Table} objects `table()`
 * declares, so code that works on declared tables (DDL, queries, the ORM,
 * diffing against a live database) works on read ones too.
 *
 * The dialect reads its catalog ({@link Dialect.readCatalog}); this module
 * only assembles: each table through `table()`, each column through the
 * column factories, keys and indexes through their factories. What a table
 * declaration cannot say comes back in `skipped`, never as an error.
 */

import {
  bigint,
  blob,
  boolean,
  customType,
  date,
  double,
  enumeration,
  integer,
  json,
  numeric,
  real,
  smallint,
  text,
  timestamp,
  timestamptz,
  uuid,
  varchar,
  type Column,
  type ColumnBuilder,
} from '../schema/column.js';
import { check, foreignKey, index, primaryKey, table, unique, uniqueIndex, type IndexPart, type Table, type TableConstraint } from '../schema/table.js';
import type { SqlType } from '../schema/types.js';
import { RawSql } from '../sql/raw.js';
import type { Dialect } from '../dialects/dialect.js';
import type { Catalog, CatalogColumn, CatalogEnum, CatalogReadOptions, CatalogTable, SkippedObject } from './catalog.js';
import { columnKeys } from './names.js';

/** What {@link introspect} read. */
export interface IntrospectedSchema {
  /** The tables, in the order the database listed them, as `table()` would declare them. */
  readonly tables: readonly Table[];
  /** Native enum types (PostgreSQL); MySQL's ENUM columns carry their values in their column type. */
  readonly enums: readonly CatalogEnum[];
  /** Views, partitions, domains, triggers, ...: what the tables do not represent, with the reason. */
  readonly skipped: readonly SkippedObject[];
}

/** Where the catalog is read from: an engine, a connection or a transaction (anything with a dialect that runs queries). */
export interface CatalogSource {
  /** An engine learns its dialect (MariaDB or MySQL) on connecting: awaited first when present. */
  ready?(): Promise<void>;
  readonly dialect: Dialect;
  all(statement: RawSql): Promise<Record<string, unknown>[]>;
}

/** Which tables {@link introspect} reads. */
export type IntrospectOptions = CatalogReadOptions;

/**
 * Read the tables of a database, with their columns, keys, indexes, checks and comments.
 *
 * ```ts
 * const schema = await introspect(engine, { schema: 'public', exclude: ['spatial_ref_sys'] });
 * const track = schema.tables.find((t) => t.name === 'track')!;
 * await engine.all(select(track.c.name).from(track).limit(3));
 * schema.skipped; // [{ name: 'public.sales_by_store', kind: 'view', reason: '...' }]
 * ```
 */
export async function introspect(source: CatalogSource, options: IntrospectOptions = {}): Promise<IntrospectedSchema> {
  if (source.ready) await source.ready();
  const catalog = await source.dialect.readCatalog((query) => source.all(query), options);
  return tablesFromCatalog(catalog);
}

/** @internal A raw SQL fragment from catalog text (no bound values). */
export function rawText<T = unknown>(text: string): RawSql<T> {
  return new RawSql<T>({ kind: 'raw', parts: [text], values: [] }, undefined);
}

function builderFor(type: SqlType, name: string): ColumnBuilder<unknown, boolean, boolean> {
  switch (type.kind) {
    case 'integer':
      return integer(name);
    case 'smallint':
      return smallint(name);
    case 'bigint':
      return type.bigintMode === 'bigint' ? bigint(name, 'bigint') : bigint(name);
    case 'text':
      return text(name);
    case 'varchar':
      return varchar(type.length ?? 255, name);
    case 'boolean':
      return boolean(name);
    case 'real':
      return real(name);
    case 'double':
      return double(name);
    case 'numeric':
      return numeric(type.precision, type.scale, name);
    case 'date':
      return date(name);
    case 'timestamp':
      return timestamp(name);
    case 'timestamptz':
      return timestamptz(name);
    case 'json':
      return json(name);
    case 'uuid':
      return uuid(name);
    case 'blob':
      return blob(name);
    case 'enum':
      return enumeration(type.values ?? [], name, type.enumName);
    case 'custom':
      return customType(type.sqlName ?? '', name);
  }
}

/** `schema.name`, the key tables are found by. */
const qualified = (schema: string | undefined, name: string): string => (schema === undefined ? name : `${schema}.${name}`);

/**
 * Assemble tables from a catalog a dialect read. Foreign keys to tables the
 * catalog does not hold are left out and reported in `skipped`.
 *
 * ```ts
 * const { tables } = tablesFromCatalog(await dialect.readCatalog((q) => engine.all(q), {}));
 * ```
 */
export function tablesFromCatalog(catalog: Catalog): IntrospectedSchema {
  const skipped: SkippedObject[] = [...catalog.skipped];
  const built = new Map<string, Table>();
  const byName = new Map(catalog.tables.map((t) => [qualified(t.schema, t.name), t] as const));
  const target = (fkSchema: string | undefined, name: string, from: CatalogTable): CatalogTable | undefined =>
    byName.get(qualified(fkSchema ?? from.schema, name)) ?? (fkSchema === undefined ? byName.get(name) : undefined);
  // SQLite's `REFERENCES t` without columns means t's primary key.
  const targetColumns = (fk: CatalogTable['foreignKeys'][number], t: CatalogTable): readonly string[] =>
    fk.targetColumns.every((c) => c === '') ? t.primaryKey : fk.targetColumns;
  const columnOf = (t: CatalogTable, name: string): Column<unknown> => {
    const tbl = built.get(qualified(t.schema, t.name))!;
    return tbl.columns.find((c) => c.name === name)!;
  };

  for (const t of catalog.tables) {
    const keys = columnKeys(t.columns.map((c) => c.name));
    const keyOf = new Map(t.columns.map((c, i) => [c.name, keys[i]!] as const));
    const foreignKeys = t.foreignKeys.filter((fk) => {
      const to = target(fk.targetSchema, fk.targetTable, t);
      const cols = to && targetColumns(fk, to);
      if (to && cols!.every((c) => to.columns.some((col) => col.name === c))) return true;
      skipped.push({
        name: `${qualified(t.schema, t.name)}.${fk.name}`,
        kind: 'foreignKey',
        reason: `references ${qualified(fk.targetSchema ?? t.schema, fk.targetTable)}, which was not read`,
      });
      return false;
    });
    const singlePk = t.primaryKey.length === 1 ? t.primaryKey[0] : undefined;
    const columnUniques = new Set(
      t.uniques.filter((u) => u.columns.length === 1 && u.name === `${t.name}_${u.columns[0]}_key`).map((u) => u.columns[0]!),
    );
    const columnFks = new Map(foreignKeys.filter((fk) => fk.columns.length === 1).map((fk) => [fk.columns[0]!, fk] as const));

    const builders: Record<string, ColumnBuilder<unknown, boolean, boolean>> = {};
    t.columns.forEach((col: CatalogColumn, i) => {
      let b = builderFor(col.type, col.name);
      if (col.name === singlePk) b = b.primaryKey();
      if (col.autoIncrement) b = b.autoIncrement();
      if (!col.nullable) b = b.notNull();
      if (col.default !== undefined) b = b.serverDefault(col.default.kind === 'literal' ? col.default.value : rawText(col.default.sql));
      if (columnUniques.has(col.name)) b = b.unique();
      if (col.comment !== undefined) b = b.comment(col.comment);
      const fk = columnFks.get(col.name);
      if (fk) {
        const to = target(fk.targetSchema, fk.targetTable, t)!;
        const toColumn = targetColumns(fk, to)[0]!;
        b = b.references(() => columnOf(to, toColumn), {
          name: fk.name,
          ...(fk.onDelete ? { onDelete: fk.onDelete } : {}),
          ...(fk.onUpdate ? { onUpdate: fk.onUpdate } : {}),
        });
      }
      builders[keys[i]!] = b;
    });

    const extras = (c: Record<string, Column<unknown>>): TableConstraint[] => {
      const col = (name: string): Column<unknown> => c[keyOf.get(name)!]!;
      const out: TableConstraint[] = [];
      if (t.primaryKey.length > 1) out.push(primaryKey(...t.primaryKey.map(col)));
      for (const u of t.uniques) if (!(u.columns.length === 1 && columnUniques.has(u.columns[0]!) && u.name === `${t.name}_${u.columns[0]}_key`)) out.push(unique(u.name, ...u.columns.map(col)));
      for (const ch of t.checks) out.push(check(ch.name, rawText<boolean>(ch.expression)));
      for (const ix of t.indexes) {
        const parts: IndexPart[] = ix.elements.map((e) => ('column' in e ? col(e.column) : rawText(e.expression)));
        let def = (ix.unique ? uniqueIndex : index)(ix.name, ...parts);
        if (ix.where !== undefined) def = def.where(rawText<boolean>(ix.where));
        if (ix.method !== undefined) def = def.using(ix.method);
        out.push(def);
      }
      for (const fk of foreignKeys) {
        if (fk.columns.length === 1) continue;
        const to = target(fk.targetSchema, fk.targetTable, t)!;
        out.push(
          foreignKey(fk.name, fk.columns.map(col), () => targetColumns(fk, to).map((n) => columnOf(to, n)), {
            ...(fk.onDelete ? { onDelete: fk.onDelete } : {}),
            ...(fk.onUpdate ? { onUpdate: fk.onUpdate } : {}),
          }),
        );
      }
      return out;
    };
    const options = { ...(t.schema !== undefined ? { schema: t.schema } : {}), ...(t.comment !== undefined ? { comment: t.comment } : {}) };
    built.set(qualified(t.schema, t.name), table(t.name, builders, extras as never, options));
  }
  return { tables: [...built.values()], enums: catalog.enums, skipped };
}
