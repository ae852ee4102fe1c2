/**
 * Bulk loading: `COPY ... FROM STDIN` where the driver can (PostgreSQL),
 * batched multi-row INSERTs in one transaction elsewhere.
 *
 * Rows are JavaScript objects keyed like `insert().values()` rows and are
 * checked against their columns the same way, so a bad value fails naming
 * its table and column whichever path runs. Sources may be async, and are
 * read one batch at a time, so a generator of millions of rows loads in
 * bounded memory.
 *
 * @internal
 */

import type { Column } from '../schema/column.js';
import type { AnyColumns, InsertRowOf, Table } from '../schema/table.js';
import { checkColumnValue } from '../schema/validate.js';
import { insert } from '../sql/dml.js';
import type { Runner } from './runner.js';
import { InvalidArgumentError } from '../errors.js';

/** Rows for `engine.copyFrom()`: an array, any iterable, or an async iterable (a generator reading a file). */
export type CopyRows<C extends AnyColumns> = Iterable<InsertRowOf<C>> | AsyncIterable<InsertRowOf<C>>;

export interface CopyOptions<C extends AnyColumns> {
  /**
   * Keys of the columns to load. Default: the keys the first row gives, plus
   * columns with a client default. Every row must give every column loaded
   * (missing values become NULL), since COPY has no per-row DEFAULT.
   */
  readonly columns?: readonly (keyof C & string)[];
  /** Rows per INSERT or COPY chunk. Default 1000. */
  readonly batchSize?: number;
}

/** Pull rows from a sync or async source in batches, never holding more than one batch. */
async function* batchesOf<R>(source: Iterable<R> | AsyncIterable<R>, size: number): AsyncGenerator<R[]> {
  let batch: R[] = [];
  for await (const row of source) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function clientDefault(column: Column<unknown>): unknown {
  const d = column.declaration.clientDefault;
  return typeof d === 'function' ? (d as () => unknown)() : d;
}

/** The columns to load: those named, else those the first row gives plus client-defaulted ones. */
function chooseColumns(table: Table, first: Record<string, unknown>, keys: readonly string[] | undefined): Column<unknown>[] {
  if (keys) return keys.map((key) => table.column(key));
  for (const key of Object.keys(first)) if (first[key] !== undefined) table.column(key); // names an unknown key
  return table.columns.filter(
    (c) => first[c.key] !== undefined || (c.declaration.clientDefault !== undefined && !c.autoIncrement),
  );
}

/** The value of `column` in `row`, after defaults and checks. */
function valueOf(column: Column<unknown>, row: Record<string, unknown>): unknown {
  let value = row[column.key];
  if (value === undefined && column.declaration.clientDefault !== undefined) value = clientDefault(column);
  if (value === undefined) value = null;
  checkColumnValue(column, value);
  return value;
}

// ---------------------------------------------------------------------------
// COPY text format

/** Escape a field for COPY text format: backslash, and the tab / newline / CR that delimit fields and rows. */
export function escapeCopyText(text: string): string {
  // Fast path: most values need no escaping.
  if (!/[\\\t\n\r]/.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

/** One bound value (after `dialect.bindValue`) as a COPY text field. */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  switch (typeof value) {
    case 'string':
      return escapeCopyText(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      break;
  }
  if (value instanceof Date) return value.toISOString();
  // bytea hex input is `\x...`; the backslash itself is escaped in text format.
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  return escapeCopyText(JSON.stringify(value));
}

/** Target of roughly this many characters per chunk written to the COPY stream. */
const COPY_CHUNK_CHARS = 64 * 1024;

async function* copyLines(
  runner: Runner,
  columns: readonly Column<unknown>[],
  batches: AsyncIterable<Record<string, unknown>[]>,
): AsyncGenerator<string> {
  const dialect = runner.core.dialect;
  let chunk = '';
  const fields = new Array<string>(columns.length);
  for await (const batch of batches) {
    for (const row of batch) {
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i]!;
        fields[i] = copyField(dialect.bindValue(column.type, valueOf(column, row)));
      }
      chunk += fields.join('\t') + '\n';
      if (chunk.length >= COPY_CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

function qualifiedName(runner: Runner, table: Table): string {
  const q = (name: string) => runner.core.dialect.quoteIdentifier(name);
  return table.schema ? `${q(table.schema)}.${q(table.name)}` : q(table.name);
}

// ---------------------------------------------------------------------------

/** Load `rows` into `table`; resolves to the number of rows loaded. */
export async function copyRows<C extends AnyColumns>(
  runner: Runner,
  table: Table<string, C>,
  rows: CopyRows<C>,
  options: CopyOptions<C> = {},
): Promise<number> {
  const size = Math.max(1, Math.floor(options.batchSize ?? 1000));
  const batches = batchesOf(rows as Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, size);
  // Peek at the first batch to settle the columns, then put it back in front.
  const head = await batches.next();
  if (head.done) return 0;
  const columns = chooseColumns(table as unknown as Table, head.value[0]!, options.columns);
  if (columns.length === 0) throw new InvalidArgumentError(`copyFrom("${table.name}"): no columns to load`, 'copyFrom', columns);
  async function* all(): AsyncGenerator<Record<string, unknown>[]> {
    yield head.value as Record<string, unknown>[];
    yield* batches;
  }

  if (runner.connection.copyFrom) {
    const names = columns.map((c) => runner.core.dialect.quoteIdentifier(c.name)).join(', ');
    const copySql = `COPY ${qualifiedName(runner, table as unknown as Table)} (${names}) FROM STDIN`;
    const count = await runner.copy(copySql, copyLines(runner, columns, all()));
    // COPY gave the identity values itself: move their generators past them (one statement per column).
    const identities = runner.core.dialect.capabilities.identityFollowsExplicitValues ? [] : columns.filter((c) => c.autoIncrement);
    if (identities.length > 0) await runner.syncIdentity(table, identities, true);
    return count;
  }

  const insertAll = async (): Promise<number> => {
    let count = 0;
    for await (const batch of all()) {
      const values = batch.map((row) => {
        const out: Record<string, unknown> = {};
        for (const column of columns) out[column.key] = valueOf(column, row);
        return out;
      });
      const result = await runner.execute(insert(table).values(values as InsertRowOf<C>[]));
      count += result.rowCount;
    }
    return count;
  };
  return runner.inTransaction ? insertAll() : runner.transactionally({}, insertAll);
}
