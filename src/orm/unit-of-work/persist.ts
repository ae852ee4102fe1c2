/**
 * Writing rows in groups: the statements a flush emits.
 *
 * INSERTs of one table go out as multi-row `INSERT ... RETURNING` (split only
 * by the parameter limit and by which columns the rows leave to the database).
 * UPDATEs are grouped by the set of changed columns: one `UPDATE ... WHERE pk
 * IN (...)` when every row gets the same values, else one statement per chunk
 * that carries each row's values (`UPDATE ... FROM (VALUES ...)` on
 * PostgreSQL, `CASE` elsewhere). DELETEs are `DELETE ... WHERE pk IN (...)`.
 * Every UPDATE and DELETE checks the number of rows it matched.
 *
 * @internal
 */

import type { Column } from '../../core/schema/column.js';
import type { SqlType } from '../../core/schema/types.js';
import { Expression, type Predicate } from '../../core/sql/expression.js';
import { cast, param, tuple } from '../../core/sql/functions.js';
import type { CaseNode, ExprNode, InsertNode, SelectItemNode } from '../../core/sql/nodes.js';
import { identifier, RawSql, sql } from '../../core/sql/raw.js';
import { deleteFrom, update } from '../../core/sql/dml.js';
import { select } from '../../core/sql/select.js';
import type { Table } from '../../core/schema/table.js';
import { FlushIntegrityError, InvalidRequestError, StaleDataError } from '../errors.js';
import { IntegrityError } from '../../core/errors.js';
import type { Mapper } from '../mapper.js';
import type { RawResult } from '../port.js';
import { sameValue, type InstanceState } from '../state.js';
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
 * The objects whose rows broke the constraint: from the values the database quotes (PostgreSQL, MySQL's duplicate
 * entries), else found with a follow-up query in the same transaction (SQLite names no value; MariaDB names the
 * foreign key but not the value). All of `states` when nothing narrows them down.
 */
async function findCulprits(
  ctx: PersistContext,
  error: IntegrityError,
  mapper: Mapper,
  states: readonly InstanceState[],
): Promise<{ culprits: readonly InstanceState[]; why?: string }> {
  const cause = error.cause as { detail?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.detail === 'string' ? cause.detail : '';
  const message = typeof cause?.message === 'string' ? cause.message : '';
  // PostgreSQL: Key (label)=(dup) already exists. / Key (artist_id)=(999) is not present in table ...
  const pg = /Key \((.+?)\)=\((.*?)\)/.exec(detail);
  let wanted: { columns: string[]; values: string[] } | undefined;
  if (pg) wanted = { columns: pg[1]!.split(', '), values: pg[2]!.split(', ') };
  // MySQL/MariaDB: Duplicate entry 'dup' for key 'label'
  const my = /Duplicate entry '(.*)' for key/.exec(message);
  const matches = (st: InstanceState): boolean => {
    if (wanted) {
      return wanted.columns.every((name, i) => {
        const col = mapper.columns.findIndex((c) => c.name === name);
        return col >= 0 && String(st.values[col]) === wanted!.values[i];
      });
    }
    if (my) return mapper.columns.some((_, i) => String(st.values[i]) === my[1]);
    if (error.kind === 'notNull' && error.column) {
      const col = mapper.columns.findIndex((c) => c.name === error.column);
      return col >= 0 && (st.values[col] === null || st.values[col] === undefined);
    }
    return false;
  };
  const found = states.filter(matches);
  if (found.length > 0) return { culprits: found };
  try {
    if (error.kind === 'foreignKey') {
      // MariaDB: "... CONSTRAINT `x` FOREIGN KEY (`artist_id`) REFERENCES ...": only that key's columns.
      const named = /FOREIGN KEY \(`([^`]+)`\)/.exec(message)?.[1];
      for (const fk of mapper.table.foreignKeys) {
        if (fk.columns.length !== 1 || (named !== undefined && fk.columns[0]!.name !== named)) continue;
        const bad = await missingTargets(ctx, mapper, states, fk.columns[0]!, fk.targetColumns()[0]!);
        if (bad.length > 0) {
          const target = fk.targetColumns()[0]!;
          return { culprits: bad, why: `${mapper.table.name}.${fk.columns[0]!.name} names no ${target.table.name}.${target.name}` };
        }
      }
    } else if (error.kind === 'unique') {
      // SQLite: "UNIQUE constraint failed: tag.label, tag.x".
      const columns = (error.constraint ?? '')
        .split(',')
        .map((p) => p.trim().split('.').pop()!)
        .map((name) => mapper.columns.findIndex((c) => c.name === name));
      if (columns.length > 0 && columns.every((i) => i >= 0)) {
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

const NULL_NODE: ExprNode = { kind: 'keyword', keyword: 'NULL' };

function paramNode(value: unknown, type: SqlType): ExprNode {
  return value === null ? NULL_NODE : { kind: 'param', value, type };
}

function describeState(st: InstanceState): string {
  const m = st.mapper;
  const key = m.primaryKeyIndexes.map((i) => st.values[i]);
  return key.every((k) => k !== undefined && k !== null) ? `${m.name}(${key.join(', ')})` : `pending ${m.name}`;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const n = Math.max(1, size);
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
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
  const caps = ctx.dialect.capabilities;
  const decoders = decodersFor(mapper, ctx.dialect);
  for (const { indexes, states: group } of groups.values()) {
    // Ask for the primary key and whatever else the database fills in.
    const returned = cols.map((_, i) => i).filter((i) => !indexes.includes(i) && (mapper.primaryKeyIndexes.includes(i) || mapper.serverGeneratedIndexes.includes(i)));
    const rowsPerStatement =
      indexes.length === 0 ? 1 : caps.arrayParameters && group.length > 1 ? ARRAY_INSERT_ROWS : Math.floor(caps.maxBindParameters / indexes.length);
    for (const part of chunk(group, rowsPerStatement)) {
      for (let s = 0; s < part.length; s++) ctx.track(part[s]!);
      const result = await execFor(ctx, insertStatement(ctx.dialect, mapper, indexes, returned, part), mapper, part);
      if (returned.length === 0) continue;
      if (caps.returning.insert) {
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

/**
 * A multi-row INSERT for rows carrying the same columns. The shape is compiled
 * once per (columns, returned columns) through the ordinary compiler, from a
 * one-row statement; the VALUES list for N rows and the bound values are then
 * written directly: no syntax tree of N x columns parameter nodes per flush.
 */
function insertStatement(dialect: Dialect, mapper: Mapper, indexes: readonly number[], returned: readonly number[], rows: readonly InstanceState[]): CompiledStatement {
  const cols = mapper.columns;
  const caps = dialect.capabilities;
  const shape = insertShape(dialect, mapper, indexes, returned);
  const width = indexes.length;
  if (caps.arrayParameters && width > 0 && rows.length > 1) {
    // One array per column: `INSERT INTO t (a, b) SELECT * FROM unnest($1::T[], $2::U[]) RETURNING ...`.
    const parameters = new Array<unknown>(width);
    for (let j = 0; j < width; j++) {
      const i = indexes[j]!;
      const type = cols[i]!.type;
      const column = new Array<unknown>(rows.length);
      for (let r = 0; r < rows.length; r++) column[r] = dialect.bindValue(type, rows[r]!.values[i]);
      parameters[j] = column;
    }
    return { ...shape.template, sql: shape.arraySql, parameters };
  }
  const parameters = new Array<unknown>(rows.length * width);
  let p = 0;
  for (const st of rows) {
    const values = st.values;
    for (let j = 0; j < width; j++) {
      const i = indexes[j]!;
      parameters[p++] = dialect.bindValue(cols[i]!.type, values[i]);
    }
  }
  let valuesSql: string;
  if (width === 0) {
    valuesSql = shape.defaultValues;
  } else if (caps.placeholder === 'question') {
    valuesSql = new Array<string>(rows.length).fill(shape.questionRow).join(', ');
  } else {
    const parts = new Array<string>(rows.length);
    let n = 1;
    for (let r = 0; r < rows.length; r++) {
      let row = '(';
      for (let j = 0; j < width; j++) row += j === 0 ? `$${n++}` : `, $${n++}`;
      parts[r] = row + ')';
    }
    valuesSql = parts.join(', ');
  }
  return { ...shape.template, sql: shape.prefix + valuesSql + shape.suffix, parameters };
}

interface InsertShape {
  readonly template: CompiledStatement;
  /** `INSERT INTO t (a, b) VALUES ` */
  readonly prefix: string;
  /** ` RETURNING ...` (or empty) */
  readonly suffix: string;
  readonly questionRow: string;
  readonly defaultValues: string;
  /** The whole statement with one array parameter per column (dialects with `arrayParameters`). */
  readonly arraySql: string;
}

/** Rows per array-bound INSERT: no parameter limit applies, this only bounds one statement's size. */
const ARRAY_INSERT_ROWS = 50_000;

const insertShapes = new WeakMap<Mapper, Map<string, InsertShape>>();

function insertShape(dialect: Dialect, mapper: Mapper, indexes: readonly number[], returned: readonly number[]): InsertShape {
  let byKey = insertShapes.get(mapper);
  if (!byKey) {
    byKey = new Map();
    insertShapes.set(mapper, byKey);
  }
  const key = `${dialect.name}|${indexes.join(',')}|${returned.join(',')}`;
  let shape = byKey.get(key);
  if (shape && shape.template.kind === 'insert' && (shape as { dialect?: Dialect }).dialect === dialect) return shape;
  const cols = mapper.columns;
  const node: InsertNode = {
    kind: 'insert',
    ctes: [],
    table: mapper.table.fromNode,
    columns: indexes.map((i) => cols[i]!),
    rows: [indexes.map((i): ExprNode => ({ kind: 'param', value: null, type: cols[i]!.type }))],
    source: undefined,
    onConflict: undefined,
    returning: dialect.capabilities.returning.insert ? returned.map((i) => returningItem(cols[i]!)) : [],
  };
  const template = dialect.compiler.compileUncached(node);
  const sql = template.sql;
  let prefix: string;
  let suffix: string;
  let defaultValues = '';
  if (indexes.length === 0) {
    // No columns: the row is all defaults (`DEFAULT VALUES`, or `() VALUES ()` on MySQL), one row per statement.
    const tableSql = dialect.quoteIdentifier(mapper.table.name);
    const at = sql.indexOf(tableSql) + tableSql.length;
    const ret = sql.indexOf(' RETURNING ');
    prefix = sql.slice(0, at);
    defaultValues = ret >= 0 ? sql.slice(at, ret) : sql.slice(at);
    suffix = ret >= 0 ? sql.slice(ret) : '';
  } else {
    // Split around the one row's placeholders: the whole ` VALUES (?, ?)` text, so a column name cannot fool it.
    const row =
      dialect.capabilities.placeholder === 'question'
        ? `(${new Array<string>(indexes.length).fill('?').join(', ')})`
        : `(${indexes.map((_, j) => `$${j + 1}`).join(', ')})`;
    const at = sql.lastIndexOf(` VALUES ${row}`);
    if (at < 0) throw new Error(`internal: cannot find the VALUES row in ${sql}`);
    prefix = sql.slice(0, at + ' VALUES '.length);
    suffix = sql.slice(at + ' VALUES '.length + row.length);
  }
  let arraySql = '';
  if (dialect.capabilities.arrayParameters && indexes.length > 0) {
    const arrays = indexes.map((i, j) => `$${j + 1}::${dialect.typeName(cols[i]!.type, 'cast')}[]`).join(', ');
    arraySql = `${prefix.slice(0, -' VALUES '.length)} SELECT * FROM unnest(${arrays})${suffix}`;
  }
  shape = { template, prefix, suffix, questionRow: `(${new Array<string>(indexes.length).fill('?').join(', ')})`, defaultValues, arraySql };
  (shape as { dialect?: Dialect }).dialect = dialect;
  byKey.set(key, shape);
  return shape;
}

function returningItem(col: Column<unknown>): SelectItemNode {
  return { expr: col.node, alias: col.key, explicitAlias: col.key !== col.name, type: col.type };
}

// ---------------------------------------------------------------------------
// UPDATE

function pkPredicate(mapper: Mapper, states: readonly InstanceState[], withVersion: boolean): Predicate {
  const cols = mapper.columns;
  const keyIdx = withVersion ? [...mapper.primaryKeyIndexes, mapper.versionIndex] : [...mapper.primaryKeyIndexes];
  if (keyIdx.length === 1) {
    const i = keyIdx[0]!;
    return cols[i]!.in(states.map((st) => st.values[i]));
  }
  return tuple(...keyIdx.map((i) => cols[i]!)).in(
    states.map((st) => tuple(...keyIdx.map((i) => param(st.values[i], cols[i]!.type)))),
  );
}

function originalVersion(st: InstanceState): unknown {
  const vi = st.mapper.versionIndex;
  return st.original?.has(vi) ? st.original.get(vi) : st.values[vi];
}

/** Update changed columns of persistent objects of one mapper, grouped by which columns changed. */
export async function updateStates(ctx: PersistContext, mapper: Mapper, states: readonly InstanceState[]): Promise<void> {
  const groups = new Map<string, { indexes: number[]; states: InstanceState[] }>();
  const vi = mapper.versionIndex;
  for (const st of states) {
    const changed = st.changedColumns().filter((i) => i !== vi);
    if (changed.length === 0) continue;
    const sig = changed.join(',');
    let g = groups.get(sig);
    if (!g) {
      g = { indexes: changed, states: [] };
      groups.set(sig, g);
    }
    g.states.push(st);
  }
  const caps = ctx.dialect.capabilities;
  const cols = mapper.columns;
  for (const { indexes, states: group } of groups.values()) {
    for (const st of group) ctx.track(st);
    const versioned = vi >= 0;
    // The version column must still hold what this session read; the UPDATE then bumps it.
    const keyWidth = mapper.primaryKeyIndexes.length + (versioned ? 1 : 0);
    const first = group[0]!;
    const allSame = !versioned && group.every((st) => indexes.every((i) => sameValue(st.values[i], first.values[i])));
    let parts: InstanceState[][];
    if (allSame) {
      parts = chunk(group, Math.floor((caps.maxBindParameters - indexes.length) / keyWidth));
      for (const part of parts) {
        const set: Record<string, unknown> = {};
        for (const i of indexes) set[cols[i]!.key] = first.values[i];
        const stmt = update(mapper.table).set(set).where(pkPredicate(mapper, part, false));
        const result = await execFor(ctx, ctx.dialect.compile(stmt.node), mapper, part);
        checkCount(mapper, 'UPDATE', part.length, result.rowCount);
      }
      continue;
    }
    const strategy = caps.bulkUpdate;
    if (strategy === 'jsonTable') {
      // All rows ride in one bound JSON document: no parameter limit, so only very large groups split (by size).
      for (const part of chunkByJsonSize(group, 4_000_000, (st) => jsonRow(ctx.dialect, mapper, indexes, st))) {
        const compiled = updateFromJsonTable(ctx.dialect, mapper, indexes, part);
        const result = await execFor(ctx, compiled, mapper, part);
        checkCount(mapper, 'UPDATE', part.length, result.rowCount);
      }
    } else {
      const perRow = strategy === 'case' ? keyWidth * (indexes.length + 1) + indexes.length : keyWidth + indexes.length;
      parts = chunk(group, Math.floor((caps.maxBindParameters - 10) / perRow));
      for (const part of parts) {
        const compiled =
          strategy === 'case' ? updateWithCase(ctx.dialect, mapper, indexes, part) : updateFromValues(ctx.dialect, mapper, indexes, part, strategy === 'cteValues');
        const result = await execFor(ctx, compiled, mapper, part);
        checkCount(mapper, 'UPDATE', part.length, result.rowCount);
      }
    }
    if (versioned) for (const st of group) st.values[vi] = Number(originalVersion(st)) + 1;
  }
  if (vi >= 0) {
    // Groups handled by the "all same" path never carry a version column, so nothing else to bump.
  }
}

/** `UPDATE t SET c = CASE WHEN pk = ? THEN ? ... END WHERE pk IN (...)`. */
function updateWithCase(dialect: Dialect, mapper: Mapper, indexes: readonly number[], states: readonly InstanceState[]): CompiledStatement {
  const cols = mapper.columns;
  const pk = mapper.primaryKeyIndexes;
  const set: Record<string, Expression<unknown>> = {};
  for (const i of indexes) {
    const col = cols[i]!;
    const node: CaseNode = {
      kind: 'case',
      subject: pk.length === 1 ? cols[pk[0]!]!.node : undefined,
      whens: states.map((st) => ({
        when:
          pk.length === 1
            ? paramNode(st.values[pk[0]!], cols[pk[0]!]!.type)
            : { kind: 'logical', op: 'AND', operands: pk.map((k) => cols[k]!.eq(st.values[k] as never).node) },
        then: paramNode(st.values[i], col.type),
      })),
      else: undefined,
    };
    set[col.key] = new Expression(node, col.type);
  }
  const vi = mapper.versionIndex;
  if (vi >= 0) set[cols[vi]!.key] = cols[vi]!.add(1 as never);
  const versioned = vi >= 0;
  const where = versioned ? versionedKeys(mapper, states) : pkPredicate(mapper, states, false);
  return dialect.compile(update(mapper.table).set(set).where(where).node);
}

function versionedKeys(mapper: Mapper, states: readonly InstanceState[]): Predicate {
  const cols = mapper.columns;
  const keyIdx = [...mapper.primaryKeyIndexes, mapper.versionIndex];
  return tuple(...keyIdx.map((i) => cols[i]!)).in(
    states.map((st) => tuple(...keyIdx.map((i) => param(i === mapper.versionIndex ? originalVersion(st) : st.values[i], cols[i]!.type)))),
  );
}

/**
 * `UPDATE t SET c = v.c FROM (VALUES (...), ...) AS v (k, c) WHERE t.k = v.k` (PostgreSQL), or with the rows
 * in a CTE, `WITH v (k, c) AS (VALUES ...) UPDATE t SET c = v.c FROM v WHERE t.k = v.k` (SQLite).
 */
function updateFromValues(dialect: Dialect, mapper: Mapper, indexes: readonly number[], states: readonly InstanceState[], asCte: boolean): CompiledStatement {
  const cols = mapper.columns;
  const vi = mapper.versionIndex;
  const keys = vi >= 0 ? [...mapper.primaryKeyIndexes, vi] : [...mapper.primaryKeyIndexes];
  const all = [...keys, ...indexes];
  const names = all.map((i, j) => (j < keys.length ? `k${j}` : `c${j}`));
  const rows = states.map((st, r) =>
    sql`(${sql.join(
      all.map((i) => {
        const value = i === vi ? originalVersion(st) : st.values[i];
        const p = param(value, cols[i]!.type);
        // PostgreSQL gives VALUES columns the types of the first row: cast it.
        return r === 0 && !asCte ? cast(p, cols[i]!.type) : p;
      }),
    )})`,
  );
  const table = mapper.table;
  const t = identifier(table.name);
  const v = identifier('v');
  const sets: RawSql[] = indexes.map((i, j) => sql`${identifier(cols[i]!.name)} = ${identifier('v', names[keys.length + j]!)}`);
  if (vi >= 0) sets.push(sql`${identifier(cols[vi]!.name)} = ${t}.${identifier(cols[vi]!.name)} + 1`);
  const conds = keys.map((i, j) => sql`${t}.${identifier(cols[i]!.name)} = ${identifier('v', names[j]!)}`);
  const columnList = sql.join(names.map((n) => identifier(n)));
  const stmt = asCte
    ? sql`WITH ${v} (${columnList}) AS (VALUES ${sql.join(rows)}) UPDATE ${t} SET ${sql.join(sets)} FROM ${v} WHERE ${sql.join(conds, sql` AND `)}`
    : sql`UPDATE ${t} SET ${sql.join(sets)} FROM (VALUES ${sql.join(rows)}) AS ${v} (${columnList}) WHERE ${sql.join(conds, sql` AND `)}`;
  return dialect.compile(stmt.statementNode);
}

/** One row of the JSON document a JSON_TABLE update reads: keys (and version) first, then the new values. */
function jsonRow(dialect: Dialect, mapper: Mapper, indexes: readonly number[], st: InstanceState): unknown[] {
  const cols = mapper.columns;
  const vi = mapper.versionIndex;
  const keys = vi >= 0 ? [...mapper.primaryKeyIndexes, vi] : [...mapper.primaryKeyIndexes];
  return [...keys, ...indexes].map((i) => {
    const raw = i === vi ? originalVersion(st) : st.values[i];
    const bound = dialect.bindValue(cols[i]!.type, raw);
    // Bytes travel as hex and are UNHEX()ed in SQL; everything else is a JSON scalar.
    if (bound instanceof Uint8Array) return Buffer.from(bound).toString('hex');
    return typeof bound === 'bigint' ? bound.toString() : bound;
  });
}

function chunkByJsonSize<T>(items: readonly T[], maxBytes: number, row: (item: T) => unknown[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const item of items) {
    const bytes = JSON.stringify(row(item)).length + 1;
    if (current.length > 0 && size + bytes > maxBytes) {
      out.push(current);
      current = [];
      size = 2;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * MariaDB / MySQL 8: `UPDATE t JOIN JSON_TABLE(?, '$[*]' COLUMNS (...)) AS v ON t.k = v.k0 SET t.c = v.c1`,
 * every row's values in one bound JSON document.
 */
function updateFromJsonTable(dialect: Dialect, mapper: Mapper, indexes: readonly number[], states: readonly InstanceState[]): CompiledStatement {
  const cols = mapper.columns;
  const vi = mapper.versionIndex;
  const keys = vi >= 0 ? [...mapper.primaryKeyIndexes, vi] : [...mapper.primaryKeyIndexes];
  const all = [...keys, ...indexes];
  const names = all.map((i, j) => (j < keys.length ? `k${j}` : `c${j}`));
  const document = JSON.stringify(states.map((st) => jsonRow(dialect, mapper, indexes, st)));
  const columnType = (i: number): string => {
    const type = cols[i]!.type;
    switch (type.kind) {
      case 'blob':
      case 'json':
      case 'text':
        return 'LONGTEXT';
      case 'enum':
      case 'uuid':
        return 'VARCHAR(255)';
      default:
        return dialect.typeName(type, 'ddl');
    }
  };
  const columnsClause = all.map((i, j) => `${dialect.quoteIdentifier(names[j]!)} ${columnType(i)} PATH '$[${j}]'`).join(', ');
  const t = identifier(mapper.table.name);
  const value = (i: number, name: string): RawSql =>
    cols[i]!.type.kind === 'blob' ? sql`UNHEX(${identifier('v', name)})` : sql`${identifier('v', name)}`;
  const sets: RawSql[] = indexes.map((i, j) => sql`${t}.${identifier(cols[i]!.name)} = ${value(i, names[keys.length + j]!)}`);
  if (vi >= 0) sets.push(sql`${t}.${identifier(cols[vi]!.name)} = ${t}.${identifier(cols[vi]!.name)} + 1`);
  const conds = keys.map((i, j) => sql`${t}.${identifier(cols[i]!.name)} = ${identifier('v', names[j]!)}`);
  const columnsSql = new RawSql({ kind: 'raw', parts: [`'$[*]' COLUMNS (${columnsClause})`], values: [] }, undefined);
  const stmt = sql`UPDATE ${t} JOIN JSON_TABLE(${document}, ${columnsSql}) AS ${identifier('v')} ON ${sql.join(conds, sql` AND `)} SET ${sql.join(sets)}`;
  return dialect.compile(stmt.statementNode);
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
  for (const part of chunk(states, Math.floor((ctx.dialect.capabilities.maxBindParameters - 10) / width))) {
    const where = versioned ? versionedKeys(mapper, part) : pkPredicate(mapper, part, false);
    const result = await execFor(ctx, ctx.dialect.compile(deleteFrom(mapper.table).where(where).node), mapper, part);
    checkCount(mapper, 'DELETE', part.length, result.rowCount);
  }
}
