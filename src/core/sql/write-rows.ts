/**
 * Statements that write many rows at once, their values held as rows rather
 * than as a tree of parameter nodes: what a unit of work's flush sends. The
 * SQL is the dialect's (see `SqlCompiler.insertRows` and
 * `SqlCompiler.updateFromRows`); a dialect also says how many rows one
 * statement may carry (`Dialect.splitRows`).
 */

import { InvalidArgumentError } from '../errors.js';
import type { Column } from '../schema/column.js';
import type { Table } from '../schema/table.js';
import { checkBindable, type Expression } from './expression.js';
import type { InsertRowsNode, SetNode, UpdateFromRowsNode } from './nodes.js';
import { toSelectItems } from './select.js';

const NO_COLUMNS: readonly Column<unknown>[] = Object.freeze([]);
const NO_ASSIGNMENTS: readonly { readonly column: Column<unknown>; readonly value: Expression<unknown> }[] = Object.freeze([]);

/**
 * An INSERT of rows that all give the same columns. `rows[r][positions[j]]`
 * is row `r`'s value for `columns[j]` (`positions` defaults to `0, 1, ...`),
 * so an array of whole rows can be inserted without copying. Values are not
 * checked here: they are bound as the columns' types.
 *
 * ```ts
 * insertRows(song, [song.c.title, song.c.plays], [['Intro', 0], ['Outro', 3]], { returning: [song.c.id] });
 * // SQLite:     INSERT INTO "song" ("title", "plays") VALUES (?, ?), (?, ?) RETURNING "song"."id"
 * // PostgreSQL: INSERT INTO "song" ("title", "plays") SELECT * FROM unnest($1::TEXT[], $2::INTEGER[]) RETURNING "song"."id"
 * ```
 */
export function insertRows(
  table: Table,
  columns: readonly Column<unknown>[],
  rows: readonly (readonly unknown[])[],
  options: { readonly positions?: readonly number[]; readonly returning?: readonly Column<unknown>[] } = {},
): InsertRowsNode {
  const positions = options.positions ?? columns.map((_, j) => j);
  if (positions.length !== columns.length) {
    throw new InvalidArgumentError(`insertRows into "${table.name}": ${columns.length} column(s) but ${positions.length} position(s)`, 'positions', positions);
  }
  checkOwnColumns(table, columns, 'insertRows');
  return Object.freeze({
    kind: 'insertRows',
    table: table.fromNode,
    columns: Object.freeze([...columns]),
    rows,
    positions: Object.freeze([...positions]),
    returning: Object.freeze(toSelectItems(options.returning ?? NO_COLUMNS, 'insertRows')),
  });
}

/**
 * An UPDATE giving each row its own values: every row of `rows` holds the
 * values of `keys` (which table row it changes), then the new values of
 * `set`. `increment` columns are set to themselves plus one (a version
 * counter, whose value as read is then one of the keys); `assign` sets
 * columns to an expression, the same for every row. The database
 * reports how many rows matched, as for any UPDATE.
 *
 * ```ts
 * updateFromRows(artist, [artist.c.id], [artist.c.name], [[1, 'AC/DC'], [2, 'Accept']]);
 * // PostgreSQL: UPDATE "artist" SET "name" = "v"."c1" FROM (VALUES (CAST($1 AS INTEGER), CAST($2 AS TEXT)), ($3, $4))
 * //             AS "v" ("k0", "c1") WHERE "artist"."id" = "v"."k0"
 * // SQLite:     WITH "v" ("k0", "c1") AS (VALUES (?, ?), (?, ?)) UPDATE "artist" SET "name" = "v"."c1" FROM "v" WHERE "artist"."id" = "v"."k0"
 * // MariaDB:    UPDATE `artist` JOIN JSON_TABLE(?, '$[*]' COLUMNS (`k0` INT PATH '$[0]', `c1` LONGTEXT PATH '$[1]')) AS `v`
 * //             ON `artist`.`id` = `v`.`k0` SET `artist`.`name` = `v`.`c1`
 * ```
 */
export function updateFromRows(
  table: Table,
  keys: readonly Column<unknown>[],
  set: readonly Column<unknown>[],
  rows: readonly (readonly unknown[])[],
  increment: readonly Column<unknown>[] = NO_COLUMNS,
  assign: readonly { readonly column: Column<unknown>; readonly value: Expression<unknown> }[] = NO_ASSIGNMENTS,
): UpdateFromRowsNode {
  if (keys.length === 0) throw new InvalidArgumentError(`updateFromRows on "${table.name}": no key columns to match the rows with`, 'keys', keys);
  if (set.length === 0 && increment.length === 0 && assign.length === 0) {
    throw new InvalidArgumentError(`updateFromRows on "${table.name}": nothing to set`, 'set', set);
  }
  checkOwnColumns(table, [...keys, ...set, ...increment, ...assign.map((a) => a.column)], 'updateFromRows');
  const width = keys.length + set.length;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== width) {
      throw new InvalidArgumentError(`updateFromRows on "${table.name}": row ${r} has ${row.length} value(s), expected ${width} (keys, then new values)`, 'rows', row);
    }
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (v !== null) checkBindable(v, (j < keys.length ? keys[j] : set[j - keys.length])!.type, 'updateFromRows');
    }
  }
  return Object.freeze({
    kind: 'updateFromRows',
    table: table.fromNode,
    keys: Object.freeze([...keys]),
    set: Object.freeze([...set]),
    increment: Object.freeze([...increment]),
    assign: Object.freeze(assign.map(({ column, value }): SetNode => ({ column, value: value.node }))),
    rows,
  });
}

function checkOwnColumns(table: Table, columns: readonly Column<unknown>[], method: string): void {
  for (const c of columns) {
    if (c.table !== table) throw new InvalidArgumentError(`${method} on "${table.name}": column "${c.table.name}"."${c.name}" is not one of its columns`, 'columns', c);
  }
}
