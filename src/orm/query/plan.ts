/**
 * The load plan of an entity query: for the queried model and every model it
 * eagerly loads, which columns to select and how each relationship loads.
 * Options from the query win over the relationship's declared `lazy`; the
 * declared eager strategies apply to the levels below too, stopping at a
 * model already higher in the path (or after `joinDepth` / `recursionDepth`
 * levels of a self-referential relationship), so defaults never loop.
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import type { Mapper } from '../mapper.js';
import type { LoadStrategy, RelationshipAttribute } from '../relationship.js';
import type { ColumnOption, LoadStep, QueryOption } from './options.js';
import { isEager, strategyFor } from '../loading/strategies/index.js';

/** How one relationship loads for the entities of its parent node. */
export interface LoadNode {
  readonly attr: RelationshipAttribute;
  readonly strategy: LoadStrategy;
  /** Set by an option (else the relationship's default). */
  readonly explicit: boolean;
  /** The loaded entities (for eager strategies). */
  readonly entity: EntityPlan | undefined;
}

export interface EntityPlan {
  readonly mapper: Mapper;
  /** Mapper column indexes to select (always with the primary key). */
  readonly columnIndexes: readonly number[];
  /** One node per relationship whose strategy is not plain lazy `select` by default. */
  readonly relations: readonly LoadNode[];
}

interface Trie {
  readonly children: Map<RelationshipAttribute, { strategy: LoadStrategy; columns: ColumnOption | undefined; trie: Trie }>;
  wildcard: LoadStrategy | undefined;
}

function newTrie(): Trie {
  return { children: new Map(), wildcard: undefined };
}

export interface PlanInput {
  readonly options: readonly QueryOption[];
}

/** Build the plan for `root` from the query's options. */
export function buildPlan(root: Mapper, options: readonly QueryOption[]): EntityPlan {
  const trie = newTrie();
  const columnOptions: ColumnOption[] = [];
  for (const o of options) {
    if (o.kind === 'columns') columnOptions.push(o.option);
    else if (o.kind === 'load') {
      if (o.wildcard) trie.wildcard = o.wildcard;
      insert(trie, o.steps);
    }
  }
  return entityPlan(root, trie, columnOptions, undefined, [root]);
}

function insert(trie: Trie, steps: readonly LoadStep[]): void {
  let t = trie;
  for (const step of steps) {
    let child = t.children.get(step.attr);
    if (!child) {
      child = { strategy: step.strategy, columns: step.columns, trie: newTrie() };
      t.children.set(step.attr, child);
    } else {
      // A longer path naming the same level again keeps the level's strategy unless it says otherwise.
      child.strategy = step.strategy;
      if (step.columns) child.columns = step.columns;
    }
    t = child.trie;
  }
}

function entityPlan(mapper: Mapper, trie: Trie | undefined, columnOptions: readonly ColumnOption[], own: ColumnOption | undefined, path: readonly Mapper[]): EntityPlan {
  const relations: LoadNode[] = [];
  for (const attr of mapper.relationships) {
    const named = trie?.children.get(attr);
    let strategy: LoadStrategy;
    let explicit = false;
    if (named) {
      strategy = named.strategy;
      explicit = true;
    } else if (trie?.wildcard) {
      strategy = trie.wildcard;
      explicit = true;
    } else {
      strategy = attr.lazy;
      if (isEager(strategy) && !withinDepth(attr, strategy, path)) strategy = 'select';
    }
    if (strategy === 'select' && !explicit) continue;
    const target = attr.r.target;
    const entity = isEager(strategy) ? entityPlan(target, named?.trie, columnOptions, named?.columns, [...path, target]) : undefined;
    relations.push({ attr, strategy, explicit, entity });
  }
  return { mapper, columnIndexes: selectedColumns(mapper, columnOptions, own), relations };
}

/** Default eager loading stops at a model already in the path, after the declared depth. */
function withinDepth(attr: RelationshipAttribute, strategy: LoadStrategy, path: readonly Mapper[]): boolean {
  const target = attr.r.target;
  const seen = path.filter((m) => m === target).length;
  if (seen === 0) return true;
  const depth = strategyFor(strategy).defaultDepth?.(attr) ?? 1;
  // The target already appears `seen` times; the root counts as one level for a self-referential relationship.
  return attr.r.selfReferential ? seen <= depth : false;
}

function selectedColumns(mapper: Mapper, columnOptions: readonly ColumnOption[], own: ColumnOption | undefined): number[] {
  const all = mapper.columns.map((_, i) => i);
  const applicable = [...columnOptions.filter((o) => o.columns.some((c) => c.table === mapper.table)), ...(own ? [own] : [])];
  if (applicable.length === 0) return all;
  const include = new Set(all);
  for (const o of applicable) {
    const idx = o.columns.filter((c) => c.table === mapper.table).map((c) => mapper.columnIndex((c as Column<unknown>).key));
    if (o.mode === 'only') {
      include.clear();
      for (const i of idx) include.add(i);
    } else if (o.mode === 'defer') {
      for (const i of idx) include.delete(i);
    } else {
      for (const i of idx) include.add(i);
    }
  }
  for (const pk of mapper.primaryKeyIndexes) include.add(pk);
  // Foreign keys of to-one relationships stay loaded: without them a later load could not tell "no parent" from "not read".
  for (const attr of mapper.relationships) {
    if (attr.r.direction === 'manyToOne') for (const c of attr.r.pairs.local) include.add(mapper.columnIndex(c.key));
  }
  return all.filter((i) => include.has(i));
}
