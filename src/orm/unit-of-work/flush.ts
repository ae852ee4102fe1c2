/**
 * The unit of work: turns what changed in a session into a short, fixed
 * sequence of statements.
 *
 * 1. Expand deletions: cascade `delete` loads the children of all deleted
 *    parents in one query per relationship level; orphans of `delete-orphan`
 *    collections join them; `passiveDeletes` leaves children to the database.
 * 2. Order tables by foreign keys (parents first). For each table: copy keys
 *    from related objects into foreign-key columns, INSERT the pending rows
 *    (self-referential rows level by level, parents first), then UPDATE the
 *    changed ones. Foreign keys that close a cycle are written afterwards by a
 *    second UPDATE (post-update).
 * 3. Write many-to-many link rows.
 * 4. DELETE, children before parents.
 *
 * Nothing in memory is final until every statement succeeded: on failure the
 * objects get back exactly the state they had before the flush.
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import { planCreation } from '../../core/compiler/ddl.js';
import type { Table } from '../../core/schema/table.js';
import { deleteFrom, insert, update } from '../../core/sql/dml.js';
import { tuple, param } from '../../core/sql/functions.js';
import type { Predicate } from '../../core/sql/expression.js';
import { Collection } from '../collection.js';
import { InvalidRequestError } from '../errors.js';
import type { IdentityMap } from '../identity-map.js';
import type { Mapper } from '../mapper.js';
import type { RelationshipAttribute } from '../relationship.js';
import { InstanceState, NOT_LOADED, STATE } from '../state.js';
import { loadRelated, type LoaderContext } from '../loading/related.js';
import { deleteStates, insertStates, updateStates, type PersistContext } from './persist.js';

export interface FlushContext extends LoaderContext, PersistContext {
  readonly identityMap: IdentityMap;
  readonly pending: Set<InstanceState>;
  readonly dirty: Set<InstanceState>;
  readonly deleted: Set<InstanceState>;
}

/**
 * What a flush may change on an object, kept to undo it. The flush never
 * changes collections or slots (that happens only after success, in
 * `flushed()`), so references to them are enough; values and the record of
 * original values are copied because foreign-key copying writes to them.
 */
interface Snapshot {
  values: unknown[];
  original: Map<number, unknown> | undefined;
  status: InstanceState['status'];
  key: unknown;
  dirty: boolean;
}

function snapshot(st: InstanceState): Snapshot {
  return {
    values: st.values.slice(),
    original: st.original ? new Map(st.original) : undefined,
    status: st.status,
    key: st.key,
    dirty: st.dirty,
  };
}

function restore(st: InstanceState, snap: Snapshot): void {
  // A copy: the snapshot's array goes on to the session's transaction record.
  st.values = snap.values.slice();
  st.original = snap.original;
  st.status = snap.status;
  st.key = snap.key;
  st.dirty = snap.dirty;
}

/** A foreign-key write: `child`'s columns take `parent`'s key (or NULL). */
interface FkWrite {
  readonly child: InstanceState;
  readonly childColumns: readonly number[];
  readonly parent: InstanceState | null;
  readonly parentColumns: readonly number[];
  /** Only clear the key if it still points at this parent (a child removed from a collection). */
  readonly onlyIfParent?: InstanceState;
}

interface LinkRow {
  readonly attr: RelationshipAttribute;
  readonly parent: InstanceState;
  readonly child: InstanceState;
}

function st(obj: object): InstanceState {
  return (obj as { [STATE]: InstanceState })[STATE];
}

export class UnitOfWork {
  private readonly snapshots = new Map<InstanceState, Snapshot>();
  private readonly inserted: InstanceState[] = [];
  /** Foreign-key writes by the object holding the key (usually one per object). */
  private readonly fkWrites = new Map<InstanceState, FkWrite[]>();
  private readonly postUpdates: FkWrite[] = [];
  private readonly linkAdds: LinkRow[] = [];
  private readonly linkRemoves: LinkRow[] = [];
  private readonly nullOuts: { attr: RelationshipAttribute; parents: InstanceState[] }[] = [];
  private readonly linkClears: { attr: RelationshipAttribute; parents: InstanceState[] }[] = [];

  private readonly ctx: FlushContext;

  constructor(ctx: FlushContext) {
    // Persisters report the objects they touch so a failed flush can restore them.
    this.ctx = { ...ctx, track: (s) => this.track(s) };
  }

  track = (state: InstanceState): void => {
    if (!this.snapshots.has(state)) this.snapshots.set(state, snapshot(state));
  };

  /** Every object this flush touched, with how it was before the flush (call before {@link commitMemory}). */
  forEachTouched(
    fn: (state: InstanceState, values: unknown[], original: ReadonlyMap<number, unknown> | undefined, status: InstanceState['status'], key: unknown) => void,
  ): void {
    this.snapshots.forEach((snap, state) => fn(state, snap.values, snap.original, snap.status, snap.key));
  }

  /** Undo every in-memory effect of this flush (the database transaction is rolled back by the caller). */
  undo(): void {
    for (const [state, snap] of this.snapshots) restore(state, snap);
    for (const s of this.inserted) {
      const snap = this.snapshots.get(s);
      if (snap && snap.status !== 'persistent') {
        const key = s.mapper.identityKey(s.values);
        if (this.ctx.identityMap.get(s.mapper, key) === s.obj) this.ctx.identityMap.remove(s.mapper, key);
      }
    }
  }

  async flush(): Promise<void> {
    const ctx = this.ctx;
    // forEach over the sets: no iterator result per object while this code is still cold.
    ctx.pending.forEach(this.track);
    ctx.dirty.forEach(this.track);
    ctx.deleted.forEach(this.track);

    await this.expandDeletes();
    this.collectRelationshipWrites();

    const deleted = ctx.deleted;
    // Pending objects by mapper, and every mapper with something to write.
    const pendingByMapper = new Map<Mapper, InstanceState[]>();
    const involved = new Set<Mapper>();
    ctx.pending.forEach((s) => {
      if (deleted.has(s)) return;
      const list = pendingByMapper.get(s.mapper);
      if (list === undefined) {
        pendingByMapper.set(s.mapper, [s]);
        involved.add(s.mapper);
      } else {
        list.push(s);
      }
    });
    const addMapper = (s: InstanceState): void => void involved.add(s.mapper);
    ctx.dirty.forEach(addMapper);
    deleted.forEach(addMapper);
    this.fkWrites.forEach((_, child) => addMapper(child));
    const order = this.mapperOrder(involved);

    // Rows of tables nothing here points at can go before the inserts: replacing a
    // one-to-one child (unique foreign key) must free the key before the new row takes it.
    const referenced = new Set<Table>();
    for (const m of involved) for (const fk of m.table.foreignKeys) referenced.add(fk.targetColumns()[0]!.table as Table);
    const deletedEarly = new Set<Mapper>();

    // Inserts and updates, parents first.
    for (const mapper of order) {
      if (!referenced.has(mapper.table) && this.linkClears.length === 0 && this.nullOuts.length === 0) {
        const early = [...deleted].filter((s) => s.mapper === mapper && s.status === 'persistent');
        if (early.length > 0) await deleteStates(ctx, mapper, early);
        deletedEarly.add(mapper);
      }
      const toInsert = pendingByMapper.get(mapper);
      if (toInsert !== undefined) await this.insertInLevels(mapper, toInsert);
      this.applyFkWrites(mapper, undefined);
      // Persistent objects of this mapper with changes or foreign-key writes (rows inserted just now are still
      // 'pending' until the flush succeeds, and carry their values already).
      const toUpdate: InstanceState[] = [];
      const wanted = (s: InstanceState): boolean => s.mapper === mapper && s.status === 'persistent' && !deleted.has(s);
      for (const s of ctx.dirty) if (wanted(s)) toUpdate.push(s);
      this.fkWrites.forEach((_, s) => {
        if (!ctx.dirty.has(s) && wanted(s)) toUpdate.push(s);
      });
      if (toUpdate.length > 0) await updateStates(ctx, mapper, toUpdate);
    }
    await this.writePostUpdates();
    await this.writeLinks();

    // Deletes, children first.
    for (const { attr, parents } of this.linkClears) await this.clearLinks(attr, parents);
    for (const { attr, parents } of this.nullOuts) await this.nullOutChildren(attr, parents);
    for (const mapper of [...order].reverse()) {
      if (deletedEarly.has(mapper)) continue;
      const toDelete = [...deleted].filter((s) => s.mapper === mapper && s.status === 'persistent');
      if (toDelete.length > 0) await deleteStates(ctx, mapper, toDelete);
    }
  }

  /** After a successful flush: objects become persistent / detached, changes are forgotten. */
  commitMemory(): void {
    const ctx = this.ctx;
    const inserted = this.inserted;
    for (let k = 0; k < inserted.length; k++) inserted[k]!.status = 'persistent';
    for (const s of ctx.deleted) {
      if (s.status === 'persistent') ctx.identityMap.remove(s.mapper, s.key);
      s.status = 'detached';
      s.session = undefined;
    }
    this.snapshots.forEach((_, s) => {
      if (s.status !== 'detached') s.flushed();
    });
    ctx.pending.clear();
    ctx.dirty.clear();
    ctx.deleted.clear();
  }

  // ---------------------------------------------------------------------------
  // Ordering

  private mapperOrder(mappers: ReadonlySet<Mapper>): Mapper[] {
    const byTable = new Map<Table, Mapper[]>();
    for (const m of mappers) {
      const list = byTable.get(m.table) ?? [];
      list.push(m);
      byTable.set(m.table, list);
    }
    const plan = planCreation([...byTable.keys()]);
    return plan.tables.flatMap((t) => byTable.get(t) ?? []);
  }

  // ---------------------------------------------------------------------------
  // Deletes and cascades

  private async expandDeletes(): Promise<void> {
    const ctx = this.ctx;
    // Orphans: objects removed from a delete-orphan relationship and not re-attached elsewhere.
    const changed: InstanceState[] = [];
    const pick = (s: InstanceState): void => {
      if (s.changedRelationships) changed.push(s);
    };
    ctx.pending.forEach(pick);
    ctx.dirty.forEach(pick);
    for (let c = 0; c < changed.length; c++) {
      const s = changed[c]!;
      const indexes = s.changedRelationships!;
      for (let k = 0; k < indexes.length; k++) {
        const ri = indexes[k]!;
        const attr = s.mapper.relationships[ri]!;
        if (!attr.cascade.deleteOrphan) continue;
        const slot = s.slots?.[ri];
        if (!slot) continue;
        const orphans = attr.many ? (slot.removed ?? []) : slot.previous && slot.previous !== slot.value ? [slot.previous] : [];
        for (const o of orphans) {
          const os = st(o);
          if (this.reattached(os, attr)) continue;
          if (os.status === 'pending') {
            ctx.pending.delete(os);
            os.status = 'transient';
          } else if (os.status === 'persistent') {
            this.track(os);
            ctx.deleted.add(os);
          }
        }
      }
    }

    let frontier = [...ctx.deleted];
    const seen = new Set(frontier);
    while (frontier.length > 0) {
      const next: InstanceState[] = [];
      const byMapper = new Map<Mapper, InstanceState[]>();
      for (const s of frontier) {
        const list = byMapper.get(s.mapper) ?? [];
        list.push(s);
        byMapper.set(s.mapper, list);
      }
      for (const [mapper, parents] of byMapper) {
        for (const attr of mapper.relationships) {
          const { direction } = attr.r;
          if (attr.options.viewOnly) continue;
          if (direction === 'manyToMany') {
            if (!attr.options.passiveDeletes) this.linkClears.push({ attr, parents: parents.filter((p) => p.status === 'persistent') });
            continue;
          }
          if (direction === 'manyToOne') {
            if (!attr.cascade.delete) continue;
            const loadable = parents.filter((p) => p.status === 'persistent');
            await loadRelated(ctx, attr, loadable);
            for (const p of parents) {
              const target = p.slots?.[mapper.relationshipIndex(attr)]?.value;
              if (target && !(target instanceof Collection)) this.cascadeDelete(st(target), seen, next);
            }
            continue;
          }
          // one-to-many (or one-to-one held by the child)
          const passive = attr.options.passiveDeletes;
          const persistentParents = parents.filter((p) => p.status === 'persistent');
          if (passive) {
            if (passive === 'all') continue;
            // The database deletes or nulls the children; mirror that on those in memory, without SQL.
            const fkAction = attr.r.pairs.foreignKey?.onDelete;
            for (const child of this.loadedChildren(attr, parents)) {
              if (attr.cascade.delete || fkAction === 'CASCADE') this.forget(child);
              else this.clearFkInMemory(child, attr);
            }
            continue;
          }
          if (attr.cascade.delete) {
            await loadRelated(ctx, attr, persistentParents);
            for (const child of this.loadedChildren(attr, parents)) this.cascadeDelete(child, seen, next);
          } else if (persistentParents.length > 0) {
            // Without delete cascade, children stay and lose their parent: one UPDATE ... SET fk = NULL by parent keys.
            this.nullOuts.push({ attr, parents: persistentParents });
            for (const child of this.loadedChildren(attr, parents)) this.clearFkInMemory(child, attr);
          }
        }
      }
      frontier = next;
    }
  }

  /** True when an orphan has been given another parent through the same relationship's reverse. */
  private reattached(child: InstanceState, attr: RelationshipAttribute): boolean {
    const reverse = attr.r.reverse;
    if (!reverse || attr.many === false) return false;
    const slot = child.slots?.[child.mapper.relationshipIndex(reverse)];
    return !!slot?.loaded && slot.value !== null && slot.value !== undefined;
  }

  private loadedChildren(attr: RelationshipAttribute, parents: readonly InstanceState[]): InstanceState[] {
    const out: InstanceState[] = [];
    for (const p of parents) {
      const slot = p.slots?.[p.mapper.relationshipIndex(attr)];
      if (!slot?.loaded) continue;
      if (slot.value instanceof Collection) for (const c of slot.value as Collection<object>) out.push(st(c));
      else if (slot.value) out.push(st(slot.value));
    }
    return out;
  }

  private cascadeDelete(child: InstanceState, seen: Set<InstanceState>, next: InstanceState[]): void {
    if (seen.has(child)) return;
    seen.add(child);
    this.track(child);
    if (child.status === 'pending') {
      this.ctx.pending.delete(child);
      child.status = 'transient';
      return;
    }
    if (child.status !== 'persistent') return;
    this.ctx.deleted.add(child);
    next.push(child);
  }

  /** A child the database deletes by ON DELETE CASCADE: drop it from memory without SQL. */
  private forget(child: InstanceState): void {
    this.track(child);
    this.ctx.pending.delete(child);
    this.ctx.dirty.delete(child);
    if (child.status === 'persistent') this.ctx.identityMap.remove(child.mapper, child.key);
    child.status = 'detached';
  }

  /** The database set this child's foreign key to NULL: do the same in memory (not a change to write). */
  private clearFkInMemory(child: InstanceState, attr: RelationshipAttribute): void {
    this.track(child);
    for (const c of attr.r.pairs.remote) {
      const i = child.mapper.columnIndex(c.key);
      child.values[i] = null;
      child.original?.delete(i);
    }
  }

  private async nullOutChildren(attr: RelationshipAttribute, parents: readonly InstanceState[]): Promise<void> {
    const { pairs, target } = attr.r;
    const set: Record<string, null> = {};
    for (const c of pairs.remote) set[c.key] = null;
    const keys = parents.map((p) => pairs.local.map((c) => p.values[p.mapper.columnIndex(c.key)]));
    for (const part of chunked(keys, this.maxKeys(pairs.local.length))) {
      const stmt = update(target.table as Table).set(set as never).where(keyIn(pairs.remote, part));
      await this.ctx.exec(this.ctx.dialect.compile(stmt.node));
    }
  }

  private async clearLinks(attr: RelationshipAttribute, parents: readonly InstanceState[]): Promise<void> {
    if (parents.length === 0) return;
    const { pairs } = attr.r;
    const keys = parents.map((p) => pairs.local.map((c) => p.values[p.mapper.columnIndex(c.key)]));
    for (const part of chunked(keys, this.maxKeys(pairs.local.length))) {
      const stmt = deleteFrom(attr.options.secondary!).where(keyIn(pairs.secondaryLocal!, part));
      await this.ctx.exec(this.ctx.dialect.compile(stmt.node));
    }
  }

  private maxKeys(width: number): number {
    return Math.max(1, Math.floor((this.ctx.dialect.capabilities.maxBindParameters - 10) / Math.max(1, width)));
  }

  // ---------------------------------------------------------------------------
  // Relationship writes

  /** Turn changed relationships into foreign-key writes and link rows. */
  private collectRelationshipWrites(): void {
    const ctx = this.ctx;
    const clears: FkWrite[] = [];
    const sets: FkWrite[] = [];
    const visit = (s: InstanceState) => {
      const changed = s.changedRelationships;
      if (!changed || ctx.deleted.has(s)) return;
      for (let k = 0; k < changed.length; k++) {
        const ri = changed[k]!;
        const attr = s.mapper.relationships[ri]!;
        if (attr.options.viewOnly) continue;
        const slot = s.slots?.[ri];
        if (!slot) continue;
        const { direction, localIndexes, remoteIndexes } = attr.r;
        if (direction === 'manyToOne') {
          if (!slot.loaded) continue;
          const value = slot.value as object | null;
          sets.push({ child: s, childColumns: localIndexes, parent: value ? st(value) : null, parentColumns: remoteIndexes });
        } else if (direction === 'oneToMany') {
          const added = attr.many ? (slot.added ?? []) : slot.loaded && slot.value ? [slot.value as object] : [];
          const removed = attr.many ? (slot.removed ?? []) : slot.previous && slot.previous !== slot.value ? [slot.previous] : [];
          for (let j = 0; j < removed.length; j++) {
            clears.push({ child: st(removed[j]!), childColumns: remoteIndexes, parent: null, parentColumns: localIndexes, onlyIfParent: s });
          }
          for (let j = 0; j < added.length; j++) sets.push({ child: st(added[j]!), childColumns: remoteIndexes, parent: s, parentColumns: localIndexes });
        } else {
          for (const c of slot.added ?? []) this.linkAdds.push({ attr, parent: s, child: st(c) });
          for (const c of slot.removed ?? []) this.linkRemoves.push({ attr, parent: s, child: st(c) });
        }
      }
    };
    ctx.pending.forEach(visit);
    ctx.dirty.forEach(visit);
    // Clears first, so a child moved to another parent keeps its new parent.
    const record = (w: FkWrite) => {
      const child = w.child;
      if (ctx.deleted.has(child) || child.status === 'transient' || child.status === 'detached') return;
      const list = this.fkWrites.get(child);
      if (!list) {
        this.fkWrites.set(child, [w]);
      } else {
        // A later write to the same columns replaces an earlier one (both sides of a back-populated pair agree).
        const i = list.findIndex((x) => x.childColumns === w.childColumns || sameIndexes(x.childColumns, w.childColumns));
        if (i >= 0) list[i] = w;
        else list.push(w);
      }
      this.track(child);
      if (w.parent) this.track(w.parent);
    };
    for (let k = 0; k < clears.length; k++) record(clears[k]!);
    for (let k = 0; k < sets.length; k++) record(sets[k]!);
  }

  /** Copy parent keys into the foreign keys of `mapper`'s objects (only `only`, when given). */
  private applyFkWrites(mapper: Mapper, only: ReadonlySet<InstanceState> | undefined): void {
    // forEach, not for-of over entries: no [key, value] array per object.
    this.fkWrites.forEach((writes, child) => {
      if (child.mapper !== mapper || (only && !only.has(child))) return;
      for (let k = 0; k < writes.length; k++) this.applyFkWrite(child, writes[k]!);
    });
  }

  private applyFkWrite(child: InstanceState, w: FkWrite): void {
    const { childColumns, parentColumns } = w;
    if (w.onlyIfParent) {
      const old = w.onlyIfParent;
      for (let j = 0; j < childColumns.length; j++) if (child.values[childColumns[j]!] !== old.values[parentColumns[j]!]) return;
      for (const ci of childColumns) setFk(child, ci, null);
      return;
    }
    if (w.parent === null) {
      for (const ci of childColumns) setFk(child, ci, null);
      return;
    }
    const parent = w.parent;
    let ready = true;
    for (let j = 0; j < parentColumns.length; j++) {
      const v = parent.values[parentColumns[j]!];
      if (v === undefined || v === NOT_LOADED) ready = false;
    }
    if (!ready) {
      // The parent is not inserted yet (a cycle): insert NULL now, write the key after.
      this.postUpdates.push(w);
      for (const ci of childColumns) {
        const col = child.mapper.columns[ci]!;
        if (col.notNull) {
          throw new InvalidRequestError(
            `${child.mapper.name}.${col.key} must be written before its ${parent.mapper.name} exists, which a dependency cycle prevents; ` +
              'make the column nullable so Athanor can fill it in with a second UPDATE (post-update)',
          );
        }
        setFk(child, ci, null);
      }
      return;
    }
    for (let j = 0; j < childColumns.length; j++) setFk(child, childColumns[j]!, parent.values[parentColumns[j]!]);
  }

  /** Insert pending objects of one mapper; self-referential ones level by level, parents first. */
  private async insertInLevels(mapper: Mapper, states: InstanceState[]): Promise<void> {
    // Levels matter only when a new row's parent is another new row of the same table (self-reference).
    const selfReferencing = mapper.relationships.some((r) => r.r.selfReferential && r.r.direction !== 'manyToMany');
    if (!selfReferencing) {
      this.applyFkWrites(mapper, undefined);
      await insertStates(this.ctx, mapper, states);
      this.markInserted(mapper, states);
      return;
    }
    const inSet = new Set(states);
    const level = new Map<InstanceState, number>();
    const visiting = new Set<InstanceState>();
    const levelOf = (s: InstanceState): number => {
      const known = level.get(s);
      if (known !== undefined) return known;
      if (visiting.has(s)) return 0; // a cycle among new rows: resolved by post-update
      visiting.add(s);
      let l = 0;
      for (const w of this.fkWrites.get(s) ?? []) {
        if (w.parent && w.parent !== s && inSet.has(w.parent)) l = Math.max(l, levelOf(w.parent) + 1);
      }
      visiting.delete(s);
      level.set(s, l);
      return l;
    };
    for (const s of states) levelOf(s);
    const maxLevel = Math.max(0, ...level.values());
    for (let l = 0; l <= maxLevel; l++) {
      const batch = states.filter((s) => level.get(s) === l);
      if (batch.length === 0) continue;
      this.applyFkWrites(mapper, new Set(batch));
      await insertStates(this.ctx, mapper, batch);
      this.markInserted(mapper, batch);
    }
  }

  private markInserted(mapper: Mapper, states: readonly InstanceState[]): void {
    const map = this.ctx.identityMap.mapFor(mapper);
    for (let k = 0; k < states.length; k++) {
      const s = states[k]!;
      this.inserted.push(s);
      s.key = mapper.identityKey(s.values);
      this.ctx.identityMap.addNew(map, s.key, s.obj);
      // Its values are now what the database holds.
      s.original = undefined;
    }
  }

  private async writePostUpdates(): Promise<void> {
    const byMapper = new Map<Mapper, InstanceState[]>();
    for (const w of this.postUpdates) {
      const parent = w.parent!;
      w.childColumns.forEach((ci, j) => w.child.set(ci, parent.values[w.parentColumns[j]!]));
      const list = byMapper.get(w.child.mapper) ?? [];
      if (!list.includes(w.child)) list.push(w.child);
      byMapper.set(w.child.mapper, list);
    }
    for (const [mapper, states] of byMapper) await updateStates(this.ctx, mapper, states);
  }

  private async writeLinks(): Promise<void> {
    const seen = new Set<string>();
    const rowsFor = (links: readonly LinkRow[]) => {
      const bySecondary = new Map<Table, { cols: Column<unknown>[]; rows: unknown[][] }>();
      for (const { attr, parent, child } of links) {
        const { pairs } = attr.r;
        const secondary = attr.options.secondary!;
        const values = new Map<Column<unknown>, unknown>();
        pairs.secondaryLocal!.forEach((c, i) => values.set(c, parent.values[parent.mapper.columnIndex(pairs.local[i]!.key)]));
        pairs.secondaryRemote!.forEach((c, i) => values.set(c, child.values[child.mapper.columnIndex(pairs.remote[i]!.key)]));
        const cols = [...values.keys()].sort((a, b) => secondary.columns.indexOf(a) - secondary.columns.indexOf(b));
        const row = cols.map((c) => values.get(c));
        const key = `${secondary.name}:${cols.map((c, i) => `${c.name}=${String(row[i])}`).join(',')}`;
        if (seen.has(key)) continue; // both sides of a back-populated pair report the same link
        seen.add(key);
        const entry = bySecondary.get(secondary) ?? { cols, rows: [] };
        entry.rows.push(row);
        bySecondary.set(secondary, entry);
      }
      return bySecondary;
    };
    for (const [secondary, { cols, rows }] of rowsFor(this.linkRemoves)) {
      for (const part of chunked(rows, this.maxKeys(cols.length))) {
        const stmt = deleteFrom(secondary).where(keyIn(cols, part));
        await this.ctx.exec(this.ctx.dialect.compile(stmt.node));
      }
    }
    seen.clear();
    for (const [secondary, { cols, rows }] of rowsFor(this.linkAdds)) {
      const objects = rows.map((r) => Object.fromEntries(cols.map((c, i) => [c.key, r[i]])));
      for (const compiled of this.ctx.dialect.compileAll(insert(secondary).values(objects as never).node)) {
        await this.ctx.exec(compiled);
      }
    }
  }
}

function sameIndexes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function setFk(child: InstanceState, index: number, value: unknown): void {
  if (child.values[index] === value) return;
  if (child.status === 'pending' || child.status === 'transient') {
    child.values[index] = value;
    return;
  }
  child.set(index, value);
}

function keyIn(columns: readonly Column<unknown>[], keys: readonly unknown[][]): Predicate {
  if (columns.length === 1) return columns[0]!.in(keys.map((k) => k[0]));
  return tuple(...columns).in(keys.map((k) => tuple(...k.map((v, i) => param(v, columns[i]!.type)))));
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

