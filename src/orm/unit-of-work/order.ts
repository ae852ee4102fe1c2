/**
 * Ordering: turns a change set into a {@link FlushPlan}. Every ordering rule is applied here, where its
 * {@link OrderingRule} is named with the reason.
 *
 * Key copies are decided here too: a parent's key is ready when it is known now or when the parent is inserted by
 * an earlier step; otherwise the write is deferred to a post-update. The values themselves are copied when the
 * plan runs (database-generated keys exist only then).
 *
 * @internal
 */

import { planCreation } from '../../core/compiler/ddl.js';
import type { Table } from '../../core/schema/table.js';
import { InvalidRequestError } from '../errors.js';
import type { Mapper } from '../mapper.js';
import { NOT_LOADED, type InstanceState } from '../state.js';
import { bucketByMapper, collectRelationshipWrites, type ChangeSet, type MapperChanges, type RelationshipWrites } from './changes.js';
import { FlushPlan, OrderingRule, type FlushStep, type KeyWrite, type LinkRow } from './plan.js';

/** Order the changes (cascades already expanded) into a plan. @internal */
export function orderChanges(changes: ChangeSet): FlushPlan {
  const writes = collectRelationshipWrites(changes);
  const buckets = bucketByMapper(changes, writes);
  const order = mapperOrder(buckets);
  const steps: FlushStep[] = [];
  const keys = new KeySync(writes, changes);

  // OrderingRule.EarlyDelete: rows of tables nothing in this flush points at can go before the inserts — replacing
  // a one-to-one child (a unique foreign key) must free the key before the new row takes it. Not when link rows or
  // children's keys are to be detached first (OrderingRule.DetachBeforeDelete comes after the inserts).
  // (Sets and maps below are made only when their case comes up: most flushes are inserts and updates alone, and
  // a one-row flush spent a microsecond allocating them.)
  let referenced: Set<Table> | undefined;
  const isReferenced = (table: Table): boolean => {
    if (referenced === undefined) {
      referenced = new Set();
      for (const m of buckets.keys()) for (const fk of m.table.foreignKeys) referenced.add(fk.targetColumns()[0]!.table as Table);
    }
    return referenced.has(table);
  };
  const detachFirst = changes.linkClears.length > 0 || changes.nullOuts.length > 0;
  let deletedEarly: Set<Mapper> | undefined;

  // OrderingRule.ParentsFirst: inserts and updates in foreign-key order, a child's row needs its parent's key.
  for (const bucket of order) {
    const { mapper } = bucket;
    if (bucket.deletes.length > 0 && !detachFirst && !isReferenced(mapper.table)) {
      steps.push(rowStep('delete', OrderingRule.EarlyDelete, mapper, bucket.deletes));
      (deletedEarly ??= new Set()).add(mapper);
    }
    if (bucket.inserts.length > 0) planInserts(bucket, keys, steps);
    if (bucket.updates.length > 0) {
      const keyWrites = keys.resolve(bucket.updates);
      steps.push({ ...rowStep('update', OrderingRule.ParentsFirst, mapper, bucket.updates), keyWrites });
    }
  }

  if (keys.deferred.length > 0) planPostUpdates(keys.deferred, steps);
  if (changes.softDeleted.size > 0 || changes.restored.size > 0) planSoftDeletes(changes, order, steps);

  // OrderingRule.LinksAfterRows + LinkRemovesBeforeAdds: link rows need both ends' keys; a link removed and
  // re-added in one flush must end up present.
  for (const links of bySecondary(writes.linkRemoves)) steps.push(linkStep('linkDelete', OrderingRule.LinkRemovesBeforeAdds, links));
  for (const links of bySecondary(writes.linkAdds)) steps.push(linkStep('linkInsert', OrderingRule.LinksAfterRows, links));

  // OrderingRule.DetachBeforeDelete: what points at a deleted parent goes before the parent's row.
  for (const { relationship, parents } of changes.linkClears) {
    if (parents.length === 0) continue;
    const secondary = relationship.options.secondary!;
    steps.push({
      kind: 'linkDelete',
      by: 'parent',
      rule: OrderingRule.DetachBeforeDelete,
      relationship,
      mapper: relationship.parent!,
      table: secondary,
      objects: parents.map((p) => p.obj),
      states: parents,
      links: [],
    });
  }
  for (const { relationship, parents } of changes.nullOuts) {
    const target = relationship.r.target;
    steps.push({
      kind: 'nullOut',
      rule: OrderingRule.DetachBeforeDelete,
      relationship,
      mapper: target,
      table: target.table,
      objects: parents.map((p) => p.obj),
      states: parents,
    });
  }

  // OrderingRule.ChildrenFirst: a parent's row must outlive the rows pointing at it.
  for (let i = order.length - 1; i >= 0; i--) {
    const bucket = order[i]!;
    if (bucket.deletes.length === 0 || deletedEarly?.has(bucket.mapper)) continue;
    steps.push(rowStep('delete', OrderingRule.ChildrenFirst, bucket.mapper, bucket.deletes));
  }

  return new FlushPlan(steps, {
    deleted: changes.deleted,
    memory: changes.memory,
    touched: changes.touched,
    deferred: keys.deferredWrites,
  });
}

/** OrderingRule.PostUpdate: keys that closed a cycle, once both rows exist — one UPDATE per mapper. */
function planPostUpdates(deferred: readonly KeyWrite[], steps: FlushStep[]): void {
  const postByMapper = new Map<Mapper, { states: Set<InstanceState>; writes: KeyWrite[] }>();
  for (const w of deferred) {
    let entry = postByMapper.get(w.child.mapper);
    if (entry === undefined) {
      entry = { states: new Set(), writes: [] };
      postByMapper.set(w.child.mapper, entry);
    }
    entry.states.add(w.child);
    entry.writes.push(w);
  }
  for (const [mapper, { states, writes: keyWrites }] of postByMapper) {
    steps.push({ ...rowStep('postUpdate', OrderingRule.PostUpdate, mapper, [...states]), keyWrites });
  }
}

/** OrderingRule.SoftDelete: the soft-delete column of marked objects, one UPDATE per model, after the other updates. */
function planSoftDeletes(changes: ChangeSet, order: readonly MapperChanges[], steps: FlushStep[]): void {
  // An object that also had a key to write was updated with it above.
  const updated = new Set<InstanceState>();
  for (const bucket of order) for (const s of bucket.updates) updated.add(s);
  for (const [kind, marked] of [['softDelete', changes.softDeleted], ['restore', changes.restored]] as const) {
    const byMapper = new Map<Mapper, InstanceState[]>();
    marked.forEach((_, s) => {
      if (updated.has(s)) return;
      const list = byMapper.get(s.mapper) ?? [];
      list.push(s);
      byMapper.set(s.mapper, list);
    });
    for (const [mapper, states] of byMapper) steps.push(rowStep(kind, OrderingRule.SoftDelete, mapper, states));
  }
}

function rowStep<K extends 'update' | 'delete' | 'postUpdate' | 'softDelete' | 'restore'>(kind: K, rule: OrderingRule, mapper: Mapper, states: readonly InstanceState[]) {
  return { kind, rule, mapper, table: mapper.table, objects: states.map((s) => s.obj), states: states.slice() };
}

/** Buckets in foreign-key order (parents first); mappers sharing a table stay together. */
function mapperOrder(buckets: ReadonlyMap<Mapper, MapperChanges>): MapperChanges[] {
  // One model's changes (a request's usual flush) have no order to find: no table sort per flush.
  if (buckets.size === 1) return [...buckets.values()];
  const byTable = new Map<Table, MapperChanges[]>();
  for (const b of buckets.values()) {
    const list = byTable.get(b.mapper.table) ?? [];
    list.push(b);
    byTable.set(b.mapper.table, list);
  }
  return planCreation([...byTable.keys()]).tables.flatMap((t) => byTable.get(t) ?? []);
}

/** Insert steps for one mapper: self-referential rows level by level, parents first. */
function planInserts(bucket: MapperChanges, keys: KeySync, steps: FlushStep[]): void {
  const { mapper, inserts } = bucket;
  const insertStep = (states: readonly InstanceState[], level: number | undefined, rule: OrderingRule): void => {
    const keyWrites = keys.resolve(states);
    if (level === undefined) keys.insertedAll(mapper);
    else keys.inserted(states);
    steps.push({ kind: 'insert', rule, level, mapper, table: mapper.table, objects: states.map((s) => s.obj), states: states.slice(), keyWrites });
  };
  // Levels matter only when a new row's parent is another new row of the same table (self-reference).
  const selfReferencing = mapper.relationships.some((r) => r.r.selfReferential && r.r.direction !== 'manyToMany');
  if (!selfReferencing) {
    insertStep(inserts, undefined, OrderingRule.ParentsFirst);
    return;
  }
  // OrderingRule.SelfReferentialLevels: a new row's parent among the new rows is inserted a level before it.
  const inSet = new Set(inserts);
  const level = new Map<InstanceState, number>();
  const visiting = new Set<InstanceState>();
  const levelOf = (s: InstanceState): number => {
    const known = level.get(s);
    if (known !== undefined) return known;
    if (visiting.has(s)) return 0; // a cycle among new rows: resolved by post-update
    visiting.add(s);
    let l = 0;
    for (const w of keys.writesOf(s)) {
      if (w.parent && w.parent !== s && inSet.has(w.parent)) l = Math.max(l, levelOf(w.parent) + 1);
    }
    visiting.delete(s);
    level.set(s, l);
    return l;
  };
  for (const s of inserts) levelOf(s);
  const maxLevel = Math.max(0, ...level.values());
  for (let l = 0; l <= maxLevel; l++) {
    const batch = inserts.filter((s) => level.get(s) === l);
    if (batch.length > 0) insertStep(batch, l, OrderingRule.SelfReferentialLevels);
  }
}

const NO_WRITES: ReadonlySet<KeyWrite> = new Set();

/**
 * Which key writes each step applies, and which wait for a post-update. A parent's key is ready when its columns
 * hold values now (a persistent parent, a key the program assigned) or when the parent is inserted by an earlier step.
 */
class KeySync {
  /** Writes whose parent is not inserted before the child's step: written by the post-update step. */
  readonly deferred: KeyWrite[] = [];
  /** Mappers whose new objects were all inserted by one earlier step (no set of every object: most flushes). */
  private readonly mappersInserted = new Set<Mapper>();
  /** Objects inserted by earlier steps of self-referential levels (made for self-referential mappers only). */
  private insertedBefore: Set<InstanceState> | undefined;
  private deferredSet: Set<KeyWrite> | undefined;

  constructor(
    private readonly writes: RelationshipWrites,
    private readonly changes: ChangeSet,
  ) {}

  writesOf(s: InstanceState): readonly KeyWrite[] {
    return this.writes.keyWrites.get(s) ?? [];
  }

  /** Every object `mapper` inserts was inserted by the step just planned. */
  insertedAll(mapper: Mapper): void {
    this.mappersInserted.add(mapper);
  }

  /** `states` were inserted by the step just planned (one level of a self-referential mapper). */
  inserted(states: readonly InstanceState[]): void {
    const before = (this.insertedBefore ??= new Set());
    for (const s of states) before.add(s);
  }

  /** The writes of `children`, deciding for each set whether it can be applied now or waits for a post-update. */
  resolve(children: readonly InstanceState[]): KeyWrite[] {
    const out: KeyWrite[] = [];
    for (const child of children) {
      for (const w of this.writesOf(child)) {
        out.push(w);
        if (w.parent === null || w.onlyIfParent || this.deferredSet?.has(w) === true || this.ready(w.parent, w.parentColumns)) continue;
        // OrderingRule.PostUpdate: the parent is not inserted yet (a cycle) — insert NULL now, write the key after.
        for (const ci of w.childColumns) {
          const col = child.mapper.columns[ci]!;
          if (col.notNull) {
            throw new InvalidRequestError(
              `${child.mapper.name}.${col.key} must be written before its ${w.parent.mapper.name} exists, which a dependency cycle prevents; ` +
                'make the column nullable so Athanor can fill it in with a second UPDATE (post-update)',
            );
          }
        }
        (this.deferredSet ??= new Set()).add(w);
        this.deferred.push(w);
      }
    }
    return out;
  }

  get deferredWrites(): ReadonlySet<KeyWrite> {
    return this.deferredSet ?? NO_WRITES;
  }

  private ready(parent: InstanceState, columns: readonly number[]): boolean {
    if (this.insertedBefore?.has(parent) === true) return true;
    // In its mapper's inserts (bucketByMapper's rule) when that mapper's one insert step came earlier.
    if (this.mappersInserted.has(parent.mapper) && this.changes.pending.has(parent) && !this.changes.deleted.has(parent)) return true;
    for (let j = 0; j < columns.length; j++) {
      const v = parent.values[columns[j]!];
      if (v === undefined || v === NOT_LOADED) return false;
    }
    return true;
  }
}

/**
 * Link rows grouped by secondary table, each once: both sides of a back-populated pair report the same link (the
 * same objects feeding the same columns of the secondary table).
 */
function bySecondary(links: readonly LinkRow[]): LinkRow[][] {
  // Most flushes have no link rows: no maps for them.
  if (links.length === 0) return [];
  const groups = new Map<Table, LinkRow[]>();
  const ids = new Map<InstanceState, number>();
  const idOf = (s: InstanceState): number => {
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = ids.size));
    return id;
  };
  const seen = new Set<string>();
  for (const link of links) {
    const { relationship, parent, child } = link;
    const secondary = relationship.options.secondary!;
    const { pairs } = relationship.r;
    const sources = new Map<string, string>();
    pairs.secondaryLocal!.forEach((c, i) => sources.set(c.name, `${idOf(parent)}.${pairs.local[i]!.key}`));
    pairs.secondaryRemote!.forEach((c, i) => sources.set(c.name, `${idOf(child)}.${pairs.remote[i]!.key}`));
    const key = `${secondary.name}:${[...sources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = groups.get(secondary) ?? [];
    list.push(link);
    groups.set(secondary, list);
  }
  return [...groups.values()];
}

function linkStep<K extends 'linkInsert' | 'linkDelete'>(kind: K, rule: OrderingRule, links: readonly LinkRow[]): FlushStep {
  const first = links[0]!;
  const parents = [...new Set(links.map((l) => l.parent))];
  const base = {
    rule,
    mapper: first.relationship.parent!,
    table: first.relationship.options.secondary!,
    objects: parents.map((p) => p.obj),
    states: parents,
    links: links.slice(),
  };
  return kind === 'linkInsert' ? { kind: 'linkInsert', ...base } : { kind: 'linkDelete', by: 'link', relationship: undefined, ...base };
}
