/**
 * An IN list's values gathered column by column, for dialects that bind a
 * whole list as one parameter (an array, a JSON document).
 */

import type { SqlType } from '../schema/types.js';
import type { ExprNode } from '../sql/nodes.js';
import { Placeholder } from '../sql/placeholder.js';

/**
 * @internal The values of an IN list whose items are all bound values (or NULL),
 * column by column: one column for `x IN (...)`, one per member for a row value
 * `(a, b) IN ((..), (..))`. A dialect binds them as one parameter per column
 * (arrays) or one for all (a JSON document), see `SqlCompiler.valueList`.
 */
export interface InListValues {
  /** Each column's type; undefined where the values were bound untyped (`sql` fragments). */
  readonly types: readonly (SqlType | undefined)[];
  /** `columns[j][i]`: member `j` of item `i`, as the dialect binds it (`bindValue`), null for NULL. */
  readonly columns: readonly (readonly unknown[])[];
  /** The number of items. */
  readonly length: number;
}

/**
 * An IN list's values column by column, or undefined where an item is not a
 * bound value or NULL (an expression, a placeholder for a prepared statement)
 * or a column mixes types. A column of nothing but NULL takes the operand's type.
 * @internal
 */
export function inListValues(operand: ExprNode, items: readonly ExprNode[], bind: (type: SqlType | undefined, value: unknown) => unknown): InListValues | undefined {
  const members = operand.kind === 'tuple' ? operand.items : [operand];
  const width = members.length;
  const columns = members.map(() => new Array<unknown>(items.length));
  const types: (SqlType | undefined)[] = members.map(() => undefined);
  const typed = members.map(() => false);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const cells = operand.kind !== 'tuple' ? [item] : item.kind === 'tuple' && item.items.length === width ? item.items : undefined;
    if (!cells) return undefined;
    for (let j = 0; j < width; j++) {
      const cell = cells[j]!;
      if (cell.kind === 'keyword' && cell.keyword === 'NULL') {
        columns[j]![i] = null;
        continue;
      }
      if (cell.kind !== 'param' || cell.value instanceof Placeholder) return undefined;
      if (!typed[j]) {
        types[j] = cell.type;
        typed[j] = true;
      } else if (cell.type !== types[j]) {
        return undefined;
      }
      columns[j]![i] = cell.value ?? null;
    }
  }
  for (let j = 0; j < width; j++) {
    const member = members[j]!;
    if (!typed[j]) {
      if (member.kind !== 'column') return undefined;
      types[j] = member.column.type;
    }
    const column = columns[j]!;
    const type = types[j];
    for (let i = 0; i < column.length; i++) {
      if (column[i] !== null) column[i] = bind(type, column[i]);
    }
  }
  return { types, columns, length: items.length };
}
