/**
 * Candidate indexes from what a statement asks of a table, and the indexes a
 * table already has, read from its catalog.
 *
 * The column order follows how a B-tree is searched: the equality columns
 * first (any order among them serves), then one range column (the search
 * stops narrowing after it), then the ORDER BY columns, which save the sort
 * only when no range column comes before them (or the range column is the
 * first of them). Predicates against a constant (`deleted_at IS NULL`,
 * `status = 'open'`) become the WHERE of a partial index where the database
 * has them, and an ordinary leading column where it does not.
 *
 * @internal
 */

import type { CatalogTable } from '../../core/introspect/catalog.js';
import type { TableUse } from './predicates.js';

/** An index a table has: its columns in order, whether it enforces uniqueness, its predicate. */
export interface ExistingIndex {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primaryKey: boolean;
  readonly where: string | undefined;
}

/** A proposed index before verification. */
export interface Candidate {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  /** How many leading columns are equality columns (their order among themselves is free). */
  readonly equalityColumns: number;
  /** Partial-index predicate as SQL text (unqualified columns). */
  readonly where: string | undefined;
}

/** Every index of a catalog table, its primary key and unique constraints included; expression indexes are left out. */
export function existingIndexes(t: CatalogTable): ExistingIndex[] {
  const out: ExistingIndex[] = [];
  if (t.primaryKey.length > 0) out.push({ name: `${t.name}_pkey`, columns: t.primaryKey, unique: true, primaryKey: true, where: undefined });
  for (const u of t.uniques) out.push({ name: u.name, columns: u.columns, unique: true, primaryKey: false, where: undefined });
  for (const ix of t.indexes) {
    if (!ix.elements.every((e) => 'column' in e)) continue;
    out.push({ name: ix.name, columns: ix.elements.map((e) => (e as { column: string }).column), unique: ix.unique, primaryKey: false, where: ix.where });
  }
  return out;
}

/**
 * True when `existing` already serves a search on `columns` whose first `equality` columns may come in any order:
 * `columns` is a prefix of it, up to that order. A partial index serves only a candidate with the same predicate.
 */
export function covers(existing: ExistingIndex, columns: readonly string[], equality: number, where: string | undefined): boolean {
  if (existing.where !== undefined && normalize(existing.where) !== normalize(where ?? '')) return false;
  if (existing.columns.length < columns.length) return false;
  const head = existing.columns.slice(0, equality);
  const want = columns.slice(0, equality);
  if (!want.every((c) => head.includes(c))) return false;
  return columns.slice(equality).every((c, i) => existing.columns[equality + i] === c);
}

function normalize(sql: string): string {
  return sql.replace(/["`()\s]/g, '').toLowerCase();
}

/** A name within PostgreSQL's 63 bytes: `<table>_<columns>_idx`, `_partial` for a partial index. */
export function indexName(table: string, columns: readonly string[], partial: boolean): string {
  const name = `${table}_${columns.join('_')}${partial ? '_partial' : ''}_idx`;
  return name.length <= 63 ? name : `${name.slice(0, 54)}_${hash(name)}`;
}

function hash(s: string): string {
  let h = 5381;
  for (const c of s) h = ((h * 33) ^ c.charCodeAt(0)) >>> 0;
  return h.toString(36).slice(0, 8);
}

/** The candidate for one table use, or undefined when nothing in it an index can serve (or an index serves it already). */
export function candidateFor(use: TableUse, existing: readonly ExistingIndex[], partialIndexes: boolean, maxColumns = 4): Candidate | undefined {
  const constantColumns = use.constants.map((c) => c.column);
  const partial = partialIndexes && use.constants.length > 0;
  const equality = use.equality.filter((c) => !partial || !constantColumns.includes(c));
  if (!partialIndexes) for (const c of constantColumns) if (!equality.includes(c)) equality.unshift(c);
  const range = use.range.filter((c) => !equality.includes(c) && !(partial && constantColumns.includes(c)));
  const order = use.order.map((o) => o.column).filter((c) => !equality.includes(c));
  const columns = [...equality];
  if (range.length > 0) {
    columns.push(range[0]!);
    if (order[0] === range[0]) columns.push(...order.slice(1));
  } else {
    columns.push(...order);
  }
  if (columns.length === 0 && partial) columns.push(...new Set(constantColumns));
  const kept = [...new Set(columns)].slice(0, maxColumns);
  if (kept.length === 0) return undefined;
  const where = partial ? use.constants.map((c) => c.sql).join(' AND ') : undefined;
  const eq = Math.min(equality.length, kept.length);
  if (existing.some((e) => covers(e, kept, eq, where))) return undefined;
  return { table: use.table, name: indexName(use.table, kept, partial), columns: kept, equalityColumns: eq, where };
}
