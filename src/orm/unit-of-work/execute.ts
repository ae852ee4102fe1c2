/**
 * Running a flush plan: apply the cascades' in-memory effects, then each step in order — copy keys (values known
 * only now: database-generated keys come back from the inserts), emit its statements through the persisters.
 * Every object is snapshotted in the {@link FlushRecord} before it changes.
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import type { Table } from '../../core/schema/table.js';
import { deleteFrom, insert, update } from '../../core/sql/dml.js';
import { keysIn } from '../../core/sql/functions.js';
import { chunk } from '../../core/chunk.js';
import { assertNever } from '../../core/sql/nodes.js';
import type { IdentityMap } from '../identity-map.js';
import type { Mapper } from '../mapper.js';
import type { RelationshipAttribute } from '../relationship.js';
import { NOT_LOADED, sameValue, type InstanceState } from '../state.js';
import { applyOnUpdate } from './on-update.js';
import { deleteStates, insertStates, updateStates, type PersistContext } from './persist.js';
import type { FlushPlan, FlushStep, KeyWrite, LinkRow } from './plan.js';
import type { FlushRecord } from './record.js';

/** What running a plan needs: the persisters' context and the session's sets. @internal */
export interface ExecuteContext extends PersistContext {
  readonly identityMap: IdentityMap;
  readonly pending: Set<InstanceState>;
  readonly dirty: Set<InstanceState>;
  readonly deleted: Set<InstanceState>;
}

/** Run `plan`'s steps in order; `ctx.track` must feed `record`. @internal */
export async function executePlan(plan: FlushPlan, ctx: ExecuteContext, record: FlushRecord): Promise<void> {
  for (let k = 0; k < plan.touched.length; k++) record.track(plan.touched[k]!);
  applyMemoryEffects(plan, ctx);
  for (const step of plan.steps) await runStep(step, plan, ctx, record);
}

function applyMemoryEffects(plan: FlushPlan, ctx: ExecuteContext): void {
  for (const effect of plan.memory) {
    const s = effect.state;
    switch (effect.kind) {
      case 'mark':
        // Recorded as a change, so the step's UPDATE writes it; the row stays, and so does the object.
        if (!sameValue(s.values[effect.index], effect.value)) {
          if (!s.original) s.original = new Map();
          if (!s.original.has(effect.index)) s.original.set(effect.index, s.values[effect.index]);
          s.values[effect.index] = effect.value;
        }
        ctx.deleted.delete(s);
        break;
      case 'drop':
        ctx.pending.delete(s);
        s.status = 'transient';
        break;
      case 'forget':
        ctx.pending.delete(s);
        ctx.dirty.delete(s);
        if (s.status === 'persistent') ctx.identityMap.remove(s.mapper, s.key);
        s.status = 'detached';
        break;
      case 'clearKey':
        // The database sets the key to NULL (or a nullOut step will): the same in memory, not a change to write.
        for (const c of effect.relationship.r.pairs.remote) {
          const i = s.mapper.columnIndex(c.key);
          s.values[i] = null;
          s.original?.delete(i);
        }
        // The nullOut step's UPDATE sets the rows' onUpdate() columns too, to values only the statement knows.
        if (effect.byStatement) {
          for (const i of s.mapper.onUpdateIndexes) {
            s.values[i] = NOT_LOADED;
            s.original?.delete(i);
          }
        }
        break;
      default:
        assertNever(effect);
    }
  }
  plan.deleted.forEach((s) => ctx.deleted.add(s));
}

async function runStep(step: FlushStep, plan: FlushPlan, ctx: ExecuteContext, record: FlushRecord): Promise<void> {
  switch (step.kind) {
    case 'insert':
      applyKeyWrites(step.keyWrites, plan.deferred);
      await insertStates(ctx, step.mapper, step.states);
      markInserted(ctx, record, step.mapper, step.states);
      return;
    case 'update':
      applyKeyWrites(step.keyWrites, plan.deferred);
      await updateRows(ctx, record, step.mapper, step.states);
      return;
    case 'postUpdate':
      for (const w of step.keyWrites) {
        const parent = w.parent!;
        w.childColumns.forEach((ci, j) => w.child.set(ci, parent.values[w.parentColumns[j]!]));
      }
      await updateRows(ctx, record, step.mapper, step.states);
      return;
    case 'linkDelete':
      if (step.by === 'parent') await clearLinks(ctx, step.relationship!, step.states);
      else await deleteLinks(ctx, step.links);
      return;
    case 'linkInsert':
      await insertLinks(ctx, step.links);
      return;
    case 'nullOut':
      await nullOutChildren(ctx, step.relationship, step.states);
      return;
    case 'delete':
      await deleteStates(ctx, step.mapper, step.states);
      return;
    case 'softDelete':
    case 'restore':
      await updateStates(ctx, step.mapper, step.states);
      return;
    default:
      assertNever(step);
  }
}

/** UPDATE the rows of a step, their `onUpdate()` columns set; rows an `afterUpdate` hook will hear of are recorded. */
async function updateRows(ctx: ExecuteContext, record: FlushRecord, mapper: Mapper, states: readonly InstanceState[]): Promise<void> {
  const assigned = applyOnUpdate(mapper, states);
  if (mapper.hooks.afterUpdate !== undefined) {
    const vi = mapper.versionIndex;
    for (const st of states) {
      const changed = st.changedColumns().filter((i) => i !== vi);
      if (changed.length === 0 || record.updated.has(st)) continue;
      const sql = assigned?.get(st);
      record.updated.set(st, sql === undefined ? changed : [...changed, ...sql].sort((a, b) => a - b));
    }
  }
  await updateStates(ctx, mapper, states, assigned);
}

function applyKeyWrites(writes: readonly KeyWrite[], deferred: ReadonlySet<KeyWrite>): void {
  for (let k = 0; k < writes.length; k++) {
    const w = writes[k]!;
    const { child, childColumns, parentColumns } = w;
    if (w.onlyIfParent) {
      const old = w.onlyIfParent;
      let same = true;
      for (let j = 0; j < childColumns.length; j++) if (child.values[childColumns[j]!] !== old.values[parentColumns[j]!]) same = false;
      if (same) for (const ci of childColumns) setKey(child, ci, null);
      continue;
    }
    if (w.parent === null || deferred.has(w)) {
      // A deferred write is inserted as NULL; the post-update step writes the key once the parent exists.
      for (const ci of childColumns) setKey(child, ci, null);
      continue;
    }
    const parent = w.parent;
    for (let j = 0; j < childColumns.length; j++) setKey(child, childColumns[j]!, parent.values[parentColumns[j]!]);
  }
}

function setKey(child: InstanceState, index: number, value: unknown): void {
  if (child.values[index] === value) return;
  if (child.status === 'pending' || child.status === 'transient') {
    child.values[index] = value;
    return;
  }
  child.set(index, value);
}

function markInserted(ctx: ExecuteContext, record: FlushRecord, mapper: Mapper, states: readonly InstanceState[]): void {
  const map = ctx.identityMap.mapFor(mapper);
  for (let k = 0; k < states.length; k++) {
    const s = states[k]!;
    record.inserted.push(s);
    s.key = mapper.identityKey(s.values);
    ctx.identityMap.addNew(map, s.key, s.obj);
    // Its values are now what the database holds.
    s.original = undefined;
  }
}

async function nullOutChildren(ctx: ExecuteContext, attr: RelationshipAttribute, parents: readonly InstanceState[]): Promise<void> {
  const { pairs, target } = attr.r;
  const set: Record<string, null> = {};
  for (const c of pairs.remote) set[c.key] = null;
  const keys = parents.map((p) => pairs.local.map((c) => p.values[p.mapper.columnIndex(c.key)]));
  for (const part of chunk(keys, maxKeys(ctx, pairs.local.length))) {
    const stmt = update(target.table as Table).set(set as never).where(keysIn(pairs.remote, part));
    await ctx.exec(ctx.dialect.compile(stmt.node));
  }
}

async function clearLinks(ctx: ExecuteContext, attr: RelationshipAttribute, parents: readonly InstanceState[]): Promise<void> {
  if (parents.length === 0) return;
  const { pairs } = attr.r;
  const keys = parents.map((p) => pairs.local.map((c) => p.values[p.mapper.columnIndex(c.key)]));
  for (const part of chunk(keys, maxKeys(ctx, pairs.local.length))) {
    const stmt = deleteFrom(attr.options.secondary!).where(keysIn(pairs.secondaryLocal!, part));
    await ctx.exec(ctx.dialect.compile(stmt.node));
  }
}

/** The rows of links of one secondary table, each once (both sides of a back-populated pair report the same link). */
function linkRows(links: readonly LinkRow[]): { secondary: Table; cols: Column<unknown>[]; rows: unknown[][] } | undefined {
  const seen = new Set<string>();
  let out: { secondary: Table; cols: Column<unknown>[]; rows: unknown[][] } | undefined;
  for (const { relationship, parent, child } of links) {
    const { pairs } = relationship.r;
    const secondary = relationship.options.secondary!;
    const values = new Map<Column<unknown>, unknown>();
    pairs.secondaryLocal!.forEach((c, i) => values.set(c, parent.values[parent.mapper.columnIndex(pairs.local[i]!.key)]));
    pairs.secondaryRemote!.forEach((c, i) => values.set(c, child.values[child.mapper.columnIndex(pairs.remote[i]!.key)]));
    const cols = [...values.keys()].sort((a, b) => secondary.columns.indexOf(a) - secondary.columns.indexOf(b));
    const row = cols.map((c) => values.get(c));
    const key = `${secondary.name}:${cols.map((c, i) => `${c.name}=${String(row[i])}`).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out ??= { secondary, cols, rows: [] };
    out.rows.push(row);
  }
  return out;
}

async function deleteLinks(ctx: ExecuteContext, links: readonly LinkRow[]): Promise<void> {
  const group = linkRows(links);
  if (group === undefined) return;
  for (const part of chunk(group.rows, maxKeys(ctx, group.cols.length))) {
    const stmt = deleteFrom(group.secondary).where(keysIn(group.cols, part));
    await ctx.exec(ctx.dialect.compile(stmt.node));
  }
}

async function insertLinks(ctx: ExecuteContext, links: readonly LinkRow[]): Promise<void> {
  const group = linkRows(links);
  if (group === undefined) return;
  const { cols } = group;
  const objects = group.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c.key, r[i]])));
  for (const compiled of ctx.dialect.compileAll(insert(group.secondary).values(objects as never).node)) {
    await ctx.exec(compiled);
  }
}

function maxKeys(ctx: ExecuteContext, width: number): number {
  return Math.max(1, Math.floor((ctx.dialect.capabilities.maxBindParameters - 10) / Math.max(1, width)));
}


