/** Shapes and helpers the raw implementations share: what an ORM would hand back, built by hand. */

import type { Sizes } from '../../lib/workloads.js';
import { PAGE } from '../../lib/workloads.js';

/** Group child rows under their parent key, the way a hand-written eager load does. */
export function groupBy<R>(rows: readonly R[], key: (r: R) => number): Map<number, R[]> {
  const out = new Map<number, R[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** The primary key of the k-th lookup, spread over the table. */
export function lookupId(s: Sizes, k: number): number {
  return ((k * 7919) % s.users) + 1;
}

/** The offset of the k-th page. */
export function pageOffset(s: Sizes, k: number): number {
  return (k * PAGE * 13) % (s.users - PAGE);
}

export const updatedScore = (iteration: number): number => 1000 + iteration;
