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

/**
 * The primary key of the k-th lookup: in the upper half of the table, which
 * the pages never reach, so an identity map cannot answer a get from a row
 * a page already loaded (every system then runs every statement).
 */
export function lookupId(s: Sizes, k: number): number {
  const half = Math.floor(s.users / 2);
  return half + ((k * 7919) % half) + 1;
}

/** The offset of the k-th page, in the lower half of the table. */
export function pageOffset(s: Sizes, k: number): number {
  return (k * PAGE * 13) % (Math.floor(s.users / 2) - PAGE);
}

export const updatedScore = (iteration: number): number => 1000 + iteration;
