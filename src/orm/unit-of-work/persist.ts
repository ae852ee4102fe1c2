/**
 * Writing rows in groups: the statements a flush emits.
 *
 * INSERTs of one table go out as multi-row `insertRows` statements (grouped by
 * which columns the rows leave to the database). UPDATEs are grouped by the set
 * of changed columns: one `UPDATE ... WHERE pk IN (...)` when every row gets
 * the same values, else an `updateFromRows` carrying each row's values. DELETEs
 * are `DELETE ... WHERE pk IN (...)`. Every UPDATE and DELETE checks the number
 * of rows it matched. The SQL of each, and how many rows one statement
 * carries, is the dialect's (`Dialect.splitRows`): this file knows no
 * database's syntax.
 *
 * @internal
 */

import { onUpdateValue, type Column } from '../../core/schema/column.js';
import type { Expression } from '../../core/sql/expression.js';
import type { Predicate } from '../../core/sql/expression.js';
import { keysIn } from '../../core/sql/functions.js';
import { deleteFrom, update } from '../../core/sql/dml.js';
import { select } from '../../core/sql/select.js';
import { insertRows, updateFromRows } from '../../core/sql/write-rows.js';
import { chunk } from '../../core/chunk.js';
import type { Table } from '../../core/schema/table.js';
import { FlushIntegrityError, InvalidRequestError, StaleDataError } from '../errors.js';
import { IntegrityError } from '../../core/errors.js';
import type { Mapper } from '../mapper.js';
import type { RawResult } from '../port.js';
import { NOT_LOADED, sameValue, type InstanceState } from '../state.js';
import type { Dialect } from '../../core/dialects/dialect.js';
import type { CompiledStatement } from '../../core/compiler/compiled.js';
import { decodersFor } from '../loading/hydrate.js';

/**
 * Run a statement writing `states`' rows; a constraint violation is re-raised
 * naming the object(s) it was about, found from the values the database quotes.
 */
async function execFor(ctx: PersistContext, compiled: CompiledStatement, mapper: Mapper, states: readonly InstanceState[]): Promise<RawResult> {
  try {
    return await ctx.exec(compiled);
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    const { culprits, why } = await findCulprits(ctx, error, mapper, states);
    const shown = culprits.slice(0, 3).map(describeObject).join('; ');
    const objects =
      culprits.length === 1
        ? shown
        : `${culprits.length} ${mapper.name} object(s)${culprits.length > 3 ? `, first: ${shown}` : `: ${shown}`}`;
    throw new FlushIntegrityError(error, culprits.map((s) => s.obj), why ? `${objects} (${why})` : objects);
  }
}

/**
 * The objects whose rows broke the constraint: from the key values the database quotes (PostgreSQL, MySQL's
 * duplicate entries), else found with a follow-up query in the same transaction (SQLite names no value; MariaDB names
 * the foreign key but not the value). All of `states` when nothing narrows them down. What the database said is the
 * dialect's reading of its message (`IntegrityError.key`).
 */
async function findCulprits(
  ctx: PersistContext,
  error: IntegrityError,
  mapper: Mapper,
  states: readonly InstanceState[],
): Promise<{ culprits: readonly InstanceState[]; why?: string }> {
  const named = error.key?.columns;
  const quoted = error.key?.values;
  const columnOf = (name: string): number => mapper.columns.findIndex((c) => c.name === name);
  const matches = (st: InstanceState): boolean => {
    if (named && quoted && named.length === quoted.length) {
      return named.every((name, i) => {
        const col = columnOf(name);
        return col >= 0 && String(st.values[col]) === quoted[i];
      });
    }
    // The whole key as one text (MySQL): any column holding it.
    if (!named && quoted?.length === 1) return mapper.columns.some((_, i) => String(st.values[i]) === quoted[0]);
    if (error.kind === 'notNull' && error.column) {
      const col = columnOf(error.column);
      return col >= 0 && (st.values[col] === null || st.values[col] === undefined);
    }
    return false;
  };
  const found = states.filter(matches);
  if (found.length > 0) return { culprits: found };
  try {
    if (error.kind === 'foreignKey') {
      // Only the key the database named, where it names one.
      const only = named?.length === 1 ? named[0] : undefined;
      for (const fk of mapper.table.foreignKeys) {
        if (fk.columns.length !== 1 || (only !== undefined && fk.columns[0]!.name !== only)) continue;
        const bad = await missingTargets(ctx, mapper, states, fk.columns[0]!, fk.targetColumns()[0]!);
        if (bad.length > 0) {
          const target = fk.targetColumns()[0]!;
          return { culprits: bad, why: `${mapper.table.name}.${fk.columns[0]!.name} names no ${target.table.name}.${target.name}` };
        }
      }
    } else if (error.kind === 'unique' && named && named.length > 0) {
      const columns = named.map(columnOf);
      if (columns.every((i) => i >= 0)) {
        const bad = await duplicates(ctx, mapper, states, columns);
        if (bad.length > 0) return { culprits: bad, why: `${mapper.table.name} (${columns.map((i) => mapper.columns[i]!.name).join(', ')}) already taken` };
      }
    }
  } catch {
    // The transaction cannot answer (aborted): the statement's objects are all we can name.
  }
  return { culprits: states };
}

/** Objects whose foreign key names a row that does not exist (one SELECT of the keys that do). */
async function missingTargets(ctx: PersistContext, mapper: Mapper, states: readonly InstanceState[], local: Column<unknown>, target: Column<unknown>): Promise<InstanceState[]> {
  const li = mapper.columnIndex(local.key);
  const present = await presentValues(ctx, target, states, li);
  return states.filter((s) => {
    const v = s.values[li];
    return v !== null && v !== undefined && !present.has(String(v));
  });
}

/** Which of the objects' non-null values at column `index` the database holds in `column` (as strings; one SELECT). */
async function presentValues(ctx: PersistContext, column: Column<unknown>, states: readonly InstanceState[], index: number): Promise<Set<string>> {
  const values = [...new Set(states.map((s) => s.values[index]).filter((v) => v !== null && v !== undefined))];
  if (values.length === 0) return new Set();
  const result = await ctx.exec(ctx.dialect.compile(select(column).from(column.table as Table).where(column.in(values)).node));
  return new Set(result.rows.map((r) => String(r[0])));
}

/** Objects whose unique columns repeat another object of the batch, or a row already stored. */
async function duplicates(ctx: PersistContext, mapper: Mapper, states: readonly InstanceState[], columns: readonly number[]): Promise<InstanceState[]> {
  const keyOf = (s: InstanceState) => JSON.stringify(columns.map((i) => String(s.values[i])));
  const seen = new Set<string>();
  const out: InstanceState[] = [];
  for (const s of states) {
    const k = keyOf(s);
    if (seen.has(k)) out.push(s);
    seen.add(k);
  }
  if (out.length > 0) return out;
  if (columns.length !== 1) return [];
  const index = columns[0]!;
  const present = await presentValues(ctx, mapper.columns[index]!, states, index);
  return states.filter((s) => present.has(String(s.values[index])));
}

function describeObject(st: InstanceState): string {
  const m = st.mapper;
  const key = m.primaryKeyIndexes.map((i) => st.values[i]);
  const shown = m.columns
    .map((c, i) => [c.key, st.values[i]] as const)
    .filter(([, v]) => v !== undefined && v !== null && (typeof v !== 'string' || v.length < 40))
    .slice(0, 4)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  const known = key.every((k) => k !== undefined && k !== null);
  return `${m.name}(${known ? key.join(', ') : 'pending'}${shown ? `; ${shown}` : ''})`;
}

export interface PersistContext {
  readonly dialect: Dialect;
  exec(compiled: CompiledStatement): Promise<RawResult>;
  /** Record a state before the flush changes it (for undo on failure). */
  track(state: InstanceState): void;
}

function describeState(st: InstanceState): string {
  const m = st.mapper;
  const key = m.primaryKeyIndexes.map((i) => st.values[i]);
  return key.every((k) => k !== undefined && k !== null) ? `${m.name}(${key.join(', ')})` : `pending ${m.name}`;
}

// ---------------------------------------------------------------------------
// INSERT

/** Insert pending objects of one mapper; database-generated values come back through RETURNING. */
export async function insertStates(ctx: PersistContext, mapper: Mapper, states: readonly InstanceState[]): Promise<void> {
  const cols = mapper.columns;
  // Check NOT NULL columns nobody filled in, before any SQL. (Indexed loops here and below: these run once
  // per object, often while the code is still cold, where for-of allocates an iterator result per step.)
  for (let s = 0; s < states.length; s++) {
    const st = states[s]!;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      const v = st.values[i];
      if ((v === undefined || v === null) && c.notNull && !c.hasDefault) {
        throw new InvalidRequestError(
          `${describeState(st)}: ${mapper.name}.${c.key} is NOT NULL but has no value` +
            (c.declaration.references ? ' (set it, or set the relationship that fills it in)' : ''),
        );
      }
    }
  }
  // Group rows by the columns they carry; the rest is left to the database.
  // Which columns a row carries, as a bit mask (a string past 30 columns), so rows group without string building.
  const groups = new Map<number | string, { indexes: number[]; states: InstanceState[] }>();
  const wide = cols.length > 30;
  for (let s = 0; s < states.length; s++) {
    const st = states[s]!;
    const values = st.values;
    let sig: number | string = 0;
    if (wide) {
      let text = '';
      for (let i = 0; i < cols.length; i++) text += values[i] === undefined ? '0' : '1';
      sig = text;
    } else {
      for (let i = 0; i < cols.length; i++) if (values[i] !== undefined) sig |= 1 << i;
    }
    let g = groups.get(sig);
    if (!g) {
      const indexes: number[] = [];
      for (let i = 0; i < cols.length; i++) if (values[i] !== undefined) indexes.push(i);
      g = { indexes, states: [] };
      groups.set(sig, g);
    }
    g.states.push(st);
  }
  const dialect = ctx.dialect;
  const decoders = decodersFor(mapper, dialect);
  for (const { indexes, states: group } of groups.values()) {
    // Ask for the primary key and whatever else the database fills in.
    const returned = cols.map((_, i) => i).filter((i) => !indexes.includes(i) && (mapper.primaryKeyIndexes.includes(i) || mapper.serverGeneratedIndexes.includes(i)));
    const node = insertRows(
      mapper.table,
      indexes.map((i) => cols[i]!),
      group.map((st) => st.values),
      { positions: indexes, returning: dialect.capabilities.returning.insert ? returned.map((i) => cols[i]!) : [] },
    );
    let offset = 0;
    for (const statement of dialect.splitRows(node)) {
      const part = group.slice(offset, (offset += statement.rows.length));
      for (let s = 0; s < part.length; s++) ctx.track(part[s]!);
      const result = await execFor(ctx, dialect.compile(statement), mapper, part);
      if (returned.length === 0) continue;
      if (dialect.capabilities.returning.insert) {
        if (result.rows.length !== part.length) {
          throw new InvalidRequestError(`internal: INSERT into ${mapper.table.name} returned ${result.rows.length} rows for ${part.length} objects`);
        }
        let rows = result.rows;
        // Ids are handed out in VALUES order; sort by the generated key so the mapping does not depend on RETURNING order.
        const pk = mapper.primaryKeyIndexes;
        if (pk.length === 1 && cols[pk[0]!]!.autoIncrement && !indexes.includes(pk[0]!)) {
          const at = returned.indexOf(pk[0]!);
          rows = [...rows].sort((a, b) => Number(a[at]) - Number(b[at]));
        }
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r]!;
          const values = part[r]!.values;
          for (let j = 0; j < returned.length; j++) {
            const i = returned[j]!;
            const raw = row[j];
            const d = decoders[i];
            values[i] = d && raw !== null ? d(raw) : raw;
          }
        }
      } else {
        // No RETURNING (MySQL): consecutive auto-increment ids from the first one.
        const pk = mapper.primaryKeyIndexes;
        if (pk.length !== 1 || result.lastInsertId === undefined) {
          throw new InvalidRequestError(`${mapper.name}: this database cannot report generated keys for a multi-row insert`);
        }
        const first = Number(result.lastInsertId);
        part.forEach((st, r) => (st.values[pk[0]!] = first + r));
      }
    }
    // Columns left out and not returned hold NULL in the database.
    for (let s = 0; s < group.length; s++) {
      const values = group[s]!.values;
      for (let i = 0; i < cols.length; i++) if (values[i] === undefined) values[i] = null;
    }
  }
}

// ---------------------------------------------------------------------------
// UPDATE

/** `pk IN (...)` / `(pk, version) IN (...)` over the objects' keys, the version as this session read it. */
function keyPredicate(mapper: Mapper, states: readonly InstanceState[], withVersion: boolean): Predicate {
  const cols = mapper.columns;
  const vi = mapper.versionIndex;
  const keyIdx = withVersion ? [...mapper.primaryKeyIndexes, vi] : mapper.primaryKeyIndexes;
  return keysIn(
    keyIdx.map((i) => cols[i]!),
    states.map((st) => keyIdx.map((i) => (i === vi ? originalVersion(st) : st.values[i]))),
  );
}

function originalVersion(st: InstanceState): unknown {
  const vi = st.mapper.versionIndex;
  return st.original?.has(vi) ? st.original.get(vi) : st.values[vi];
}

/**
 * Update changed columns of persistent objects of one mapper, grouped by which columns changed. `assigned` names,
 * per object, columns set to their SQL `onUpdate()` expression (the database computes them: their attributes are
 * unloaded afterwards).
 */
export async function updateStates(
  ctx: PersistContext,
  mapper: Mapper,
  states: readonly InstanceState[],
  assigned?: ReadonlyMap<InstanceState, readonly number[]>,
): Promise<void> {
  const groups = new Map<string, { indexes: number[]; assign: readonly number[]; states: InstanceState[] }>();
  const vi = mapper.versionIndex;
  for (const st of states) {
    const changed = st.changedColumns().filter((i) => i !== vi);
    if (changed.length === 0) continue;
    const assign = assigned?.get(st) ?? NO_INDEXES;
    const sig = assign.length === 0 ? changed.join(',') : `${changed.join(',')}|${assign.join(',')}`;
    let g = groups.get(sig);
    if (!g) {
      g = { indexes: changed, assign, states: [] };
      groups.set(sig, g);
    }
    g.states.push(st);
  }
  const dialect = ctx.dialect;
  const cols = mapper.columns;
  const versioned = vi >= 0;
  // The version column must still hold what this session read; the UPDATE then bumps it.
  const keys = versioned ? [...mapper.primaryKeyIndexes, vi] : mapper.primaryKeyIndexes;
  for (const { indexes, assign, states: group } of groups.values()) {
    for (const st of group) ctx.track(st);
    const first = group[0]!;
    if (!versioned && group.every((st) => indexes.every((i) => sameValue(st.values[i], first.values[i])))) {
      // Every row gets the same values: one `UPDATE ... WHERE pk IN (...)` per chunk of keys.
      const set: Record<string, unknown> = {};
      for (const i of indexes) set[cols[i]!.key] = first.values[i];
      for (const i of assign) set[cols[i]!.key] = onUpdateValue(cols[i]!);
      for (const part of chunk(group, (dialect.capabilities.maxBindParameters - indexes.length) / keys.length)) {
        const result = await execFor(ctx, dialect.compile(update(mapper.table).set(set).where(keyPredicate(mapper, part, false)).node), mapper, part);
        checkCount(mapper, 'UPDATE', part.length, result.rowCount);
      }
      expireAssigned(group, assign);
      continue;
    }
    const node = updateFromRows(
      mapper.table,
      keys.map((i) => cols[i]!),
      indexes.map((i) => cols[i]!),
      group.map((st) => {
        const row = new Array<unknown>(keys.length + indexes.length);
        for (let j = 0; j < keys.length; j++) row[j] = keys[j] === vi ? originalVersion(st) : st.values[keys[j]!];
        for (let j = 0; j < indexes.length; j++) row[keys.length + j] = st.values[indexes[j]!];
        return row;
      }),
      versioned ? [cols[vi]!] : [],
      assign.map((i) => ({ column: cols[i]!, value: onUpdateValue(cols[i]!) as Expression<unknown> })),
    );
    let offset = 0;
    for (const statement of dialect.splitRows(node)) {
      const part = group.slice(offset, (offset += statement.rows.length));
      const result = await execFor(ctx, dialect.compile(statement), mapper, part);
      checkCount(mapper, 'UPDATE', part.length, result.rowCount);
    }
    if (versioned) for (const st of group) st.values[vi] = Number(originalVersion(st)) + 1;
    expireAssigned(group, assign);
  }
}

const NO_INDEXES: readonly number[] = Object.freeze([]);

/** Columns the database computed (an SQL `onUpdate()`): unknown here until a query or `refresh()` reads them. */
function expireAssigned(states: readonly InstanceState[], assign: readonly number[]): void {
  if (assign.length === 0) return;
  for (const st of states) for (const i of assign) st.values[i] = NOT_LOADED;
}

function checkCount(mapper: Mapper, what: 'UPDATE' | 'DELETE', expected: number, matched: number): void {
  if (matched !== expected) {
    throw new StaleDataError(
      `${what} of ${mapper.name} expected to match ${expected} row(s) but matched ${matched}: ` +
        (mapper.versionIndex >= 0
          ? 'another transaction changed or deleted them since they were loaded (version check)'
          : 'the rows were deleted by another transaction'),
      mapper.name,
      expected,
      matched,
    );
  }
}

// ---------------------------------------------------------------------------
// DELETE

/** Delete rows of one mapper by primary key (and version), chunked. */
export async function deleteStates(ctx: PersistContext, mapper: Mapper, states: readonly InstanceState[]): Promise<void> {
  const versioned = mapper.versionIndex >= 0;
  const width = mapper.primaryKeyIndexes.length + (versioned ? 1 : 0);
  for (const part of chunk(states, (ctx.dialect.capabilities.maxBindParameters - 10) / width)) {
    const where = keyPredicate(mapper, part, versioned);
    const result = await execFor(ctx, ctx.dialect.compile(deleteFrom(mapper.table).where(where).node), mapper, part);
    checkCount(mapper, 'DELETE', part.length, result.rowCount);
  }
}
