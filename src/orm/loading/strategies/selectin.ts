/**
 * `selectin` (`selectinLoad(rel)`): after the parent rows, one more SELECT
 * with `IN (keys of every parent)`, chunked under the dialect's
 * bound-parameter limit, so the count depends on the plan, not on the number
 * of parents.
 *
 * @internal
 */

import type { RelationshipAttribute } from '../../relationship.js';
import type { InstanceState } from '../../state.js';
import type { LoadNode } from '../../query/plan.js';
import { loadRelated } from '../related.js';
import type { LoaderStrategy, StrategyContext } from '../strategy.js';
import { loadLazily, readWithoutSql } from './select.js';

/** The IN load of `node` for `parents`, selecting the columns its plan asks for; the other eager strategies fall back to it. */
export async function loadWithIn(ctx: StrategyContext, node: LoadNode, parents: InstanceState[]): Promise<void> {
  await loadRelated(ctx, node.attr, parents, { columnIndexes: node.entity?.columnIndexes });
}

/** Declared eager loads of a self-referential relationship go `recursionDepth` levels (1 by default). */
export function recursionDepth(attr: RelationshipAttribute): number {
  return attr.options.recursionDepth ?? 1;
}

export const selectinStrategy: LoaderStrategy<'selectin', true> = {
  key: 'selectin',
  eager: true,
  defaultDepth: recursionDepth,
  // The IN query runs after the rows, on the connection the cursor holds.
  streamable: () => false,
  afterRows: loadWithIn,
  onRead: readWithoutSql,
  onLoad: loadLazily,
};
