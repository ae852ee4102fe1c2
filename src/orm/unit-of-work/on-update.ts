/**
 * Column `onUpdate()` values in a flush: every row an UPDATE step writes gets them, unless its change sets the column
 * itself. A value or function is written into the object (a function is called for each row); an SQL expression is
 * left to the statement (`assign` of the persisters), and the attribute is unloaded after it.
 *
 * @internal
 */

import { onUpdateValue } from '../../core/schema/column.js';
import { checkColumnValue } from '../../core/schema/validate.js';
import type { Mapper } from '../mapper.js';
import type { InstanceState } from '../state.js';

/**
 * Give the rows about to be updated their `onUpdate()` values; returns, per object, the columns an SQL expression
 * sets (undefined when none do). Objects with nothing else to write are left alone: they get no UPDATE.
 */
export function applyOnUpdate(mapper: Mapper, states: readonly InstanceState[]): ReadonlyMap<InstanceState, readonly number[]> | undefined {
  const indexes = mapper.onUpdateIndexes;
  if (indexes.length === 0) return undefined;
  const vi = mapper.versionIndex;
  const columns = mapper.columns;
  let assigned: Map<InstanceState, number[]> | undefined;
  for (let k = 0; k < states.length; k++) {
    const st = states[k]!;
    const changed = st.changedColumns();
    if (!changed.some((i) => i !== vi)) continue;
    for (const i of indexes) {
      if (changed.includes(i)) continue;
      const column = columns[i]!;
      if (column.declaration.onUpdate!.kind === 'sql') {
        assigned ??= new Map();
        const list = assigned.get(st);
        if (list === undefined) assigned.set(st, [i]);
        else list.push(i);
        continue;
      }
      const value = onUpdateValue(column) ?? null;
      checkColumnValue(column, value);
      // A change the flush makes, not the program: recorded like one (the snapshot taken before the plan ran undoes it).
      const original = (st.original ??= new Map());
      if (!original.has(i)) original.set(i, st.values[i]);
      st.values[i] = value;
    }
  }
  return assigned;
}
