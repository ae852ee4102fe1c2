/**
 * Loading one relationship for many parents at once: one `IN` query per
 * relationship (chunked under the bound-parameter limit), whatever the number
 * of parents. Lazy loads (batched over siblings), `selectin` eager loads and
 * the unit of work's delete cascades all come through here.
 *
 * @internal
 */

import { selectNode } from '../../core/sql/select.js';
import type { Column } from '../../core/schema/column.js';
import { toOrderNode } from '../../core/sql/expression.js';
import { and, keysIn } from '../../core/sql/functions.js';
import { chunk } from '../../core/chunk.js';
import type { SelectItemNode, SelectNode } from '../../core/sql/nodes.js';
import { lookup } from '../identity-map.js';
import { keyOf } from '../identity-key.js';
import type { Mapper } from '../mapper.js';
import type { RawResult } from '../port.js';
import type { RelationshipAttribute } from '../relationship.js';
import { LoadGroup, NOT_LOADED, STATE, type InstanceState } from '../state.js';
import type { FilterScope } from '../filters/scope.js';
import { entitySelectItems, entityShape, RowHydrator, type HydrationContext } from './hydrate.js';

export interface LoaderContext extends HydrationContext {
  /** Run a SELECT; the context's filters are added to it on the way (`filters.rewrite`). */
  run(node: SelectNode): Promise<RawResult>;
  /** The filters the loads of this context apply (also to identity-map hits, checked in memory). */
  readonly filters: FilterScope;
}

/** What a relationship load should also do with the objects it loads (nested options). */
export interface RelatedLoadHooks {
  /** Called with the newly loaded objects (for nested eager loads). */
  loaded?(children: InstanceState[]): Promise<void>;
  /** Columns of the target to load (default: all). */
  columnIndexes?: readonly number[];
  /** The group the loaded children join (for their own sibling batching). */
  group?: LoadGroup;
  /**
   * Hand each parent's rows here instead of filling its slot, and load parents whose slot is loaded too (the
   * unit of work's cascades, which must see every row: a slot loaded through a filter lacks the rows it hid).
   */
  into?: (parent: InstanceState, value: object | null | readonly object[]) => void;
}

function allColumns(mapper: Mapper): number[] {
  return mapper.columns.map((_, i) => i);
}

function valuesAt(st: InstanceState, indexes: readonly number[]): unknown[] | undefined {
  const out: unknown[] = [];
  for (const i of indexes) {
    const v = st.values[i];
    if (v === null || v === undefined || v === NOT_LOADED) return undefined;
    out.push(v);
  }
  return out;
}



/**
 * Several values per key without a list for the usual single one: `map` holds a value, or an array once a key
 * has more. Returns true when the key is new.
 */
function addOne<K, V>(map: Map<K, V | V[]>, key: K, value: V): boolean {
  const held = map.get(key);
  if (held === undefined) {
    map.set(key, value);
    return true;
  }
  if (Array.isArray(held)) held.push(value);
  else map.set(key, [held, value]);
  return false;
}

/** Call `fn(value, arg)` on each value {@link addOne} keeps for a key (`arg` spares the per-row loops a closure). */
function eachOf<V, A>(held: V | V[] | undefined, fn: (value: V, arg: A) => void, arg: A): void {
  if (held === undefined) return;
  if (Array.isArray(held)) for (const v of held) fn(v, arg);
  else fn(held, arg);
}


/**
 * Load `attr` for every parent in `parents` that has not loaded it, in as few
 * statements as the parameter limit allows. Parents already loaded are skipped.
 */
export async function loadRelated(ctx: LoaderContext, attr: RelationshipAttribute, parents: readonly InstanceState[], hooks: RelatedLoadHooks = {}): Promise<void> {
  const into = hooks.into;
  const todo = into ? parents.slice() : parents.filter((p) => !(p.slots?.[p.mapper.relationshipIndex(attr)]?.loaded ?? false));
  if (todo.length === 0) return;
  const put = into ?? ((p: InstanceState, value: object | null | readonly object[]): void => p.setLoaded(attr, value));
  const { direction, pairs, target } = attr.r;
  const columnIndexes = hooks.columnIndexes ?? allColumns(target);
  const group = hooks.group ?? new LoadGroup();
  const maxKeys = Math.max(1, Math.floor((ctx.dialect.capabilities.maxBindParameters - 100) / Math.max(1, pairs.local.length)));
  const loadedChildren: InstanceState[] = [];
  const orderBy = (attr.options.orderBy ?? []).map(toOrderNode);

  if (direction === 'manyToOne') {
    const localIdx = attr.r.localIndexes;
    const remoteIdx = attr.r.remoteIndexes;
    const single = localIdx.length === 1;
    const remoteIsKey = remoteIdx.length === target.primaryKeyIndexes.length && remoteIdx.every((r, i) => r === target.primaryKeyIndexes[i]);
    const targetMap = remoteIsKey ? ctx.identityMap.mapFor(target) : undefined;
    const filtered = ctx.filters.conditionFor(target) !== undefined;
    // Parents waiting for the row of each key: one state, or a list when several share a parent.
    const waiting = new Map<unknown, InstanceState | InstanceState[]>();
    const keys: unknown[][] = [];
    for (let t = 0; t < todo.length; t++) {
      const p = todo[t]!;
      let k: unknown;
      let fk: unknown[] | undefined;
      if (single) {
        k = p.values[localIdx[0]!];
        if (k === null || k === undefined || k === NOT_LOADED) {
          put(p, null);
          continue;
        }
      } else {
        fk = valuesAt(p, localIdx);
        if (!fk) {
          put(p, null);
          continue;
        }
        k = keyOf(fk);
      }
      if (targetMap !== undefined) {
        // The remote columns are the target's key in key order, so the link key is its identity key.
        const hit = lookup(targetMap, k);
        if (hit !== undefined) {
          // A filtered model's object is checked against the filters in memory; where they cannot be evaluated, SQL decides.
          const verdict = filtered ? ctx.filters.check(target, (hit as { [STATE]: InstanceState })[STATE].values, ctx.dialect.capabilities.textComparison) : 'match';
          if (verdict !== 'unknown') {
            put(p, verdict === 'match' ? hit : null);
            continue;
          }
        }
      }
      if (addOne(waiting, k, p)) keys.push(fk ?? [k]);
    }
    const qualifier = target.table.name;
    const shapeCols = withKey(target, columnIndexes, remoteIdx);
    const items = entitySelectItems(target, shapeCols, qualifier);
    const shape = entityShape(target, shapeCols, 0);
    const hydrator = new RowHydrator(ctx, shape, group);
    const setTo = (parent: InstanceState, value: object | null): void => put(parent, value);
    for (const part of chunk(keys, maxKeys)) {
      const where = keysIn(pairs.remote as readonly Column<unknown>[], part).node;
      const result = await ctx.run(selectNode({ items, from: [target.table.fromNode], where }));
      for (const row of result.rows) {
        const child = hydrator.row(row)!;
        const cst = (child as { [STATE]: InstanceState })[STATE];
        loadedChildren.push(cst);
        const k = single ? cst.values[remoteIdx[0]!] : keyOf(remoteIdx.map((i) => cst.values[i]));
        eachOf(waiting.get(k), setTo, child);
        waiting.delete(k);
      }
    }
    waiting.forEach((held) => eachOf(held, setTo, null));
  } else {
    const localIdx = attr.r.localIndexes;
    // Parents (their positions in `todo`) by link key: one, or a list when several share a key.
    const byKey = new Map<unknown, number | number[]>();
    const keys: unknown[][] = [];
    const collected: object[][] = new Array<object[]>(todo.length);
    for (let t = 0; t < todo.length; t++) {
      collected[t] = [];
      const k = valuesAt(todo[t]!, localIdx);
      if (!k) continue;
      if (addOne(byKey, keyOf(k), t)) keys.push(k);
    }
    const qualifier = target.table.name;
    let items: SelectItemNode[];
    let joins: SelectNode['joins'] = [];
    let linkColumns: readonly Column<unknown>[];
    let shapeCols: number[];
    let linkPositions: number[];
    let childKeyIndexes: readonly number[] | undefined;
    if (direction === 'oneToMany') {
      const remoteIdx = pairs.remote.map((c) => target.columnIndex(c.key));
      childKeyIndexes = remoteIdx;
      shapeCols = withKey(target, columnIndexes, remoteIdx);
      items = entitySelectItems(target, shapeCols, qualifier);
      linkColumns = pairs.remote;
      linkPositions = remoteIdx.map((r) => shapeCols.indexOf(r));
    } else {
      // many-to-many: join the association table and select its parent-side columns after the entity's.
      const secondary = attr.options.secondary!;
      shapeCols = withKey(target, columnIndexes, []);
      items = [
        ...entitySelectItems(target, shapeCols, qualifier),
        ...pairs.secondaryLocal!.map((c, i): SelectItemNode => ({
          expr: c.node,
          alias: `__link${i}`,
          explicitAlias: true,
          type: c.type,
        })),
      ];
      const on = pairs.secondaryRemote!.map((c, i) => c.eq(pairs.remote[i]!));
      joins = [{ kind: 'join', type: 'INNER', target: secondary.fromNode, on: and(...on).node }];
      linkColumns = pairs.secondaryLocal!;
      linkPositions = pairs.secondaryLocal!.map((_, i) => shapeCols.length + i);
    }
    const shape = entityShape(target, shapeCols, 0);
    const hydrator = new RowHydrator(ctx, shape, group);
    const collect = (t: number, child: object): void => void collected[t]!.push(child);
    const decoders = linkColumns.map((c) => ctx.dialect.decoder(c.type));
    for (const part of chunk(keys, maxKeys)) {
      const where = keysIn(linkColumns, part).node;
      const result = await ctx.run(selectNode({ items, from: [target.table.fromNode], joins, where, orderBy }));
      for (const row of result.rows) {
        const child = hydrator.row(row)!;
        const cst = (child as { [STATE]: InstanceState })[STATE];
        loadedChildren.push(cst);
        let k: unknown;
        if (childKeyIndexes) {
          // One-to-many: the link is the child's own (decoded) foreign key.
          k = childKeyIndexes.length === 1 ? cst.values[childKeyIndexes[0]!] : keyOf(childKeyIndexes.map((i) => cst.values[i]));
        } else {
          const link = linkPositions.map((pos, i) => {
            const raw = row[pos];
            const d = decoders[i];
            return d && raw !== null ? d(raw) : raw;
          });
          k = keyOf(link);
        }
        eachOf(byKey.get(k), collect, child);
      }
    }
    // A to-one held by the child (one-to-one) takes its single row.
    for (let t = 0; t < todo.length; t++) {
      const children = collected[t]!;
      put(todo[t]!, attr.many ? children : (children[0] ?? null));
    }
  }
  if (hooks.loaded && loadedChildren.length > 0) await hooks.loaded(loadedChildren);
}

/** The requested columns plus the key columns a loader needs to match rows to parents. */
function withKey(mapper: Mapper, columnIndexes: readonly number[], extra: readonly number[]): number[] {
  const out = [...columnIndexes];
  for (const i of [...mapper.primaryKeyIndexes, ...extra]) if (!out.includes(i)) out.push(i);
  return out;
}

/** The objects a relationship holds for these parents (loaded slots only), each once. */
export function childrenOf(attr: RelationshipAttribute, parents: readonly InstanceState[]): InstanceState[] {
  const seen = new Set<InstanceState>();
  for (const p of parents) {
    const slot = p.slots?.[p.mapper.relationshipIndex(attr)];
    if (!slot?.loaded || !slot.value) continue;
    if (attr.many) {
      for (const c of slot.value as readonly object[]) seen.add((c as { [STATE]: InstanceState })[STATE]);
    } else {
      seen.add((slot.value as { [STATE]: InstanceState })[STATE]);
    }
  }
  return [...seen];
}
