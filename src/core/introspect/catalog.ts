/**
 * What a dialect reads from a database's catalog: plain data, the same shape
 * for every database, before it becomes {@link Table} objects.
 *
 * Each dialect's `readCatalog` (in `src/core/dialects/<db>/introspect.ts`)
 * holds the only catalog SQL; it answers in these terms, with types already
 * mapped to {@link SqlType}s and names as the database spells them. Turning
 * this into tables (`introspect.ts` beside this file) is the same for all.
 */

import type { ReferentialAction } from '../schema/column.js';
import type { SqlType } from '../schema/types.js';
import type { RawSql } from '../sql/raw.js';

/** Runs one catalog query and returns its rows as the driver hands them over. */
export type CatalogQuery = (query: RawSql) => Promise<readonly Record<string, unknown>[]>;

/** Which tables to read. */
export interface CatalogReadOptions {
  /** PostgreSQL schema or MySQL database; the connection's current one when omitted. */
  readonly schema?: string | undefined;
  /** Only these table names (after `exclude`). */
  readonly include?: readonly string[] | undefined;
  /** Leave these table names out. */
  readonly exclude?: readonly string[] | undefined;
}

/** A column default as the catalog holds it: a constant, or an expression kept as SQL text. */
export type CatalogDefault =
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'expression'; readonly sql: string };

/** One column as the catalog describes it: `{ name: 'unit_price', type: types.numeric(10, 2), nullable: false, ... }`. */
export interface CatalogColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
  readonly default: CatalogDefault | undefined;
  /** IDENTITY, serial, AUTO_INCREMENT, or SQLite's rowid alias. */
  readonly autoIncrement: boolean;
  readonly comment: string | undefined;
}

/** One part of an index: a column by name, or an expression as SQL text. */
export type CatalogIndexElement = { readonly column: string } | { readonly expression: string };

/** An index that backs no constraint: `{ name: 'track_name_idx', unique: false, elements: [{ column: 'name' }], ... }`. */
export interface CatalogIndex {
  readonly name: string;
  readonly unique: boolean;
  readonly elements: readonly CatalogIndexElement[];
  /** Partial index predicate as SQL text. */
  readonly where: string | undefined;
  /** Access method, when not the database's default. */
  readonly method: string | undefined;
}

/** A foreign key: `{ name: 'album_artist_id_fkey', columns: ['artist_id'], targetTable: 'artist', targetColumns: ['artist_id'], ... }`. */
export interface CatalogForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  readonly targetSchema: string | undefined;
  readonly targetTable: string;
  readonly targetColumns: readonly string[];
  /** NO ACTION (every database's default) is reported as undefined. */
  readonly onDelete: ReferentialAction | undefined;
  readonly onUpdate: ReferentialAction | undefined;
}

/** One table with its columns, keys, checks and indexes, as names and SQL text (tables are built from it later). */
export interface CatalogTable {
  /** The schema, when one was asked for or it is not the default (`public`, the current MySQL database). */
  readonly schema: string | undefined;
  readonly name: string;
  readonly comment: string | undefined;
  readonly columns: readonly CatalogColumn[];
  readonly primaryKey: readonly string[];
  readonly uniques: readonly { readonly name: string; readonly columns: readonly string[] }[];
  readonly checks: readonly { readonly name: string; readonly expression: string }[];
  readonly indexes: readonly CatalogIndex[];
  readonly foreignKeys: readonly CatalogForeignKey[];
}

/** A native enum type (PostgreSQL's CREATE TYPE ... AS ENUM). */
export interface CatalogEnum {
  readonly schema: string | undefined;
  readonly name: string;
  readonly values: readonly string[];
}

/** What the catalog holds that a table declaration cannot say (or that was left out): reported, never dropped silently. */
export interface SkippedObject {
  /** `schema.name` or `table.column` where that helps. */
  readonly name: string;
  readonly kind:
    | 'view'
    | 'materializedView'
    | 'foreignTable'
    | 'partition'
    | 'domain'
    | 'trigger'
    | 'generatedColumn'
    | 'exclusionConstraint'
    | 'foreignKey'
    | 'index'
    | 'check';
  readonly reason: string;
}

/** Everything one `readCatalog` call read: `{ tables: [...], enums: [...], skipped: [...] }`. */
export interface Catalog {
  readonly tables: readonly CatalogTable[];
  readonly enums: readonly CatalogEnum[];
  readonly skipped: readonly SkippedObject[];
}

/** @internal `include` / `exclude` applied to a table name. */
export function wanted(name: string, options: CatalogReadOptions): boolean {
  if (options.exclude?.includes(name)) return false;
  return options.include === undefined || options.include.includes(name);
}

/** @internal NO ACTION is the default everywhere, so it is left unsaid (the declaration `table()` builds without it). */
export function referentialAction(text: string | undefined | null): ReferentialAction | undefined {
  const upper = (text ?? '').toUpperCase();
  switch (upper) {
    case 'CASCADE':
    case 'SET NULL':
    case 'SET DEFAULT':
    case 'RESTRICT':
      return upper;
    default:
      return undefined;
  }
}

/** @internal A default given as SQL text: a quoted string or a number becomes a literal, anything else stays SQL. */
export function parseDefault(text: string | null | undefined): CatalogDefault | undefined {
  if (text === null || text === undefined) return undefined;
  const t = text.trim();
  if (t === '' || t.toUpperCase() === 'NULL') return undefined;
  const quoted = /^'((?:[^']|'')*)'$/s.exec(t);
  if (quoted) return { kind: 'literal', value: quoted[1]!.replace(/''/g, "'") };
  if (/^[+-]?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    // Digits a double would round stay text, which every database reads as the same number.
    return String(n) === t.replace(/^\+/, '') ? { kind: 'literal', value: n } : { kind: 'literal', value: t };
  }
  if (/^(true|false)$/i.test(t)) return { kind: 'literal', value: t.toLowerCase() === 'true' };
  return { kind: 'expression', sql: t };
}
