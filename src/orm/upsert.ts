/**
 * The session's upsert: rows inserted, or updated where a row with the same key exists, in one statement per chunk
 * of rows, and the rows that result returned as the session's objects. The load-then-write of `merge()` costs a
 * SELECT per object and races with other writers; this is the database's own insert-or-update.
 *
 * @internal
 */

import type { Column } from '../core/schema/column.js';
import { insert } from '../core/sql/dml.js';
import { excluded, keysIn } from '../core/sql/functions.js';
import { selectNode } from '../core/sql/select.js';
import type { SelectItemNode } from '../core/sql/nodes.js';
import { InvalidRequestError } from './errors.js';
import { keyAt, keyOf } from './identity-key.js';
import { entitySelectItems, entityShape, RowHydrator } from './loading/hydrate.js';
import type { LoaderContext } from './loading/related.js';
import type { Mapper } from './mapper.js';
import type { RawResult, SessionConnection } from './port.js';
import { LoadGroup, STATE, type InstanceState } from './state.js';

/**
 * How {@link Session.upsert} decides between insert and update.
 *
 * ```ts
 * await s.upsert(Artist, [{ name: 'Queen', country: 'GB' }], { on: [Artist.name], update: ['country'] });
 * ```
 */
export interface UpsertOptions<K extends string = string> {
  /**
   * Commit the session right after the upsert, as `await s.upsert(...); await s.commit()` does. When the upsert is
   * the unit of work's only write (nothing pending, no earlier write in the transaction, no transaction options, not
   * joined to an outer transaction, no `afterLoad` hook on the model) and is one statement that returns its rows
   * (`INSERT ... ON CONFLICT (on) ... RETURNING`, every row in one statement: PostgreSQL, SQLite), it runs alone,
   * without BEGIN/COMMIT. Otherwise the upsert runs in the transaction, which then commits: on MySQL and MariaDB
   * always, since `ON DUPLICATE KEY UPDATE` may update a row of another unique key and the check that every row came
   * back (or MySQL's SELECT reading them back) must be able to roll the write back.
   */
  readonly commit?: boolean;
  /** The unique columns a conflict is found on (default: the primary key). MySQL and MariaDB use every unique key of the table whatever this says. */
  readonly on?: readonly Column<unknown>[];
  /** The attributes an existing row takes from the new one (default: every attribute given in the rows but `on`'s). */
  readonly update?: readonly K[];
}

/** What the upsert needs of the session. @internal */
export interface UpsertContext extends LoaderContext {
  readonly connection: SessionConnection;
  /**
   * Called before the writes run, with how many statements the upsert is (the read-back included): the session opens
   * its transaction, or not for one statement whose commit follows.
   */
  readonly writeOn: (statements: number) => Promise<void>;
}

/** Insert-or-update `rows` of `mapper`; the resulting objects, in the order of `rows`. @internal */
export async function upsertRows(ctx: UpsertContext, mapper: Mapper, rows: readonly Record<string, unknown>[], options: UpsertOptions): Promise<object[]> {
  if (rows.length === 0) return [];
  const table = mapper.table;
  const cols = mapper.columns;
  const target = options.on ?? mapper.primaryKeyIndexes.map((i) => cols[i]!);
  const targetIndexes = target.map((c) => {
    const i = cols.indexOf(c);
    if (i < 0) throw new InvalidRequestError(`upsert(${mapper.name}): on: ${c.table?.name ?? '?'}.${c.name} is not a column of ${table.name}`);
    return i;
  });
  // Every row must name its key, once: a database refuses to update one row twice in one statement.
  const seen = new Map<unknown, number>();
  rows.forEach((row, r) => {
    const parts = target.map((c) => row[c.key]);
    const missing = target.find((c) => row[c.key] === undefined || row[c.key] === null);
    if (missing) throw new InvalidRequestError(`upsert(${mapper.name}): row ${r} has no value for ${mapper.name}.${missing.key}, which the conflict is found on`);
    const key = keyOf(parts);
    const first = seen.get(key);
    if (first !== undefined) throw new InvalidRequestError(`upsert(${mapper.name}): rows ${first} and ${r} have the same ${target.map((c) => c.key).join(', ')} (${String(parts.join(', '))})`);
    seen.set(key, r);
  });
  const given = new Set(rows.flatMap((row) => Object.keys(row).filter((k) => row[k] !== undefined)));
  const updated = options.update ?? cols.filter((c, i) => given.has(c.key) && !targetIndexes.includes(i) && !mapper.primaryKeyIndexes.includes(i)).map((c) => c.key);
  const set: Record<string, unknown> = {};
  for (const key of updated) {
    const col = cols[mapper.columnIndex(key)];
    if (col === undefined) throw new InvalidRequestError(`upsert(${mapper.name}): update: ${key} is not an attribute of ${mapper.name}`);
    set[key] = excluded(col);
  }
  // Nothing to update still needs the row back: a no-op update returns it where DO NOTHING would return nothing.
  if (updated.length === 0) set[target[0]!.key] = excluded(target[0]!);
  const dialect = ctx.connection.dialect;
  const all = cols.map((_, i) => i);
  const returning = dialect.capabilities.returning.insert;
  const statement = insert(table)
    .values(rows as never)
    .onConflictDoUpdate({ target, set: set as never });
  const items: SelectItemNode[] = entitySelectItems(mapper, all, table.name);
  const node = returning ? { ...statement.node, returning: items } : statement.node;
  const writes = dialect.compileAll(node);
  // The read-back belongs with the write: a read-back that fails (a row an ON DUPLICATE KEY matched by another unique
  // key, a lost connection) must roll the write back, so it is never done after a lone write committed.
  await ctx.writeOn(writes.length + (returning ? 0 : 1));
  const results: RawResult[] = [];
  for (const compiled of writes) results.push(await ctx.connection.runRaw(compiled));
  if (!returning) {
    // No RETURNING with an upsert here (MySQL): read the rows back by the conflict key, in the same transaction.
    const keys = rows.map((row) => target.map((c) => row[c.key]));
    results.length = 0;
    results.push(await ctx.connection.runRaw(dialect.compile(selectNode({ items, from: [table.fromNode], where: keysIn(target, keys).node }))));
  }
  const hydrator = new RowHydrator(ctx, entityShape(mapper, all, 0), new LoadGroup(), true);
  const byKey = new Map<unknown, object>();
  for (const result of results) {
    for (const row of result.rows) {
      const obj = hydrator.row(row)!;
      byKey.set(keyAt((obj as { [STATE]: InstanceState })[STATE].values, targetIndexes), obj);
    }
  }
  return rows.map((row, r) => {
    const obj = byKey.get(keyOf(target.map((c) => row[c.key])));
    if (obj === undefined) throw new InvalidRequestError(`upsert(${mapper.name}): row ${r} was written but not read back (its key ${target.map((c) => String(row[c.key])).join(', ')})`);
    return obj;
  });
}
