/**
 * What the schema alone says about indexes: foreign keys whose referencing
 * columns no index leads with (a relationship load, or the database's
 * ON DELETE CASCADE behind `passiveDeletes`, reads the whole child table for
 * each parent), and indexes another index makes redundant (its columns are
 * the other's leading columns, in the same order).
 *
 * @internal
 */

import type { CatalogTable } from '../../core/introspect/catalog.js';
import { covers, existingIndexes, indexName } from './candidates.js';

/** A foreign key no index serves, and the index to create. */
export interface UnindexedForeignKey {
  readonly table: string;
  readonly foreignKey: string;
  readonly columns: readonly string[];
  readonly targetTable: string;
  readonly targetColumns: readonly string[];
  /** The index to create: `<table>_<columns>_idx` on the referencing columns. */
  readonly indexName: string;
  /** The relationships of the given models that join through these columns (`Artist.songs`, `Song.artist`). */
  readonly relationships: readonly string[];
}

/** An index whose columns lead another index: the other serves every search it serves. */
export interface DuplicateIndex {
  readonly table: string;
  readonly index: string;
  readonly columns: readonly string[];
  readonly coveredBy: string;
  readonly coveredByColumns: readonly string[];
}

/** A relationship and the child-side columns it joins on: `{ name: 'Artist.songs', table: 'song', columns: ['artist_id'] }`. */
export interface RelationshipColumns {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

export function unindexedForeignKeys(tables: readonly CatalogTable[], relationships: readonly RelationshipColumns[] = []): UnindexedForeignKey[] {
  const out: UnindexedForeignKey[] = [];
  for (const t of tables) {
    const indexes = existingIndexes(t);
    for (const fk of t.foreignKeys) {
      // Any order of the key's columns at the head of an index serves the lookup by key.
      if (indexes.some((ix) => covers(ix, fk.columns, fk.columns.length, undefined))) continue;
      out.push({
        table: t.name,
        foreignKey: fk.name,
        columns: fk.columns,
        targetTable: fk.targetTable,
        targetColumns: fk.targetColumns,
        indexName: indexName(t.name, fk.columns, false),
        relationships: relationships
          .filter((r) => r.table === t.name && r.columns.length === fk.columns.length && r.columns.every((c) => fk.columns.includes(c)))
          .map((r) => r.name),
      });
    }
  }
  return out;
}

export function duplicateIndexes(tables: readonly CatalogTable[]): DuplicateIndex[] {
  const out: DuplicateIndex[] = [];
  for (const t of tables) {
    const indexes = existingIndexes(t);
    for (const ix of indexes) {
      // A unique index or a key enforces something; only a plain index can go.
      if (ix.unique || ix.primaryKey) continue;
      const wider = indexes.find(
        (o) => o !== ix && (o.columns.length > ix.columns.length || (o.columns.length === ix.columns.length && (o.unique || o.name < ix.name))) && covers(o, ix.columns, 0, ix.where),
      );
      if (wider) out.push({ table: t.name, index: ix.name, columns: ix.columns, coveredBy: wider.name, coveredByColumns: wider.columns });
    }
  }
  return out;
}
