/**
 * `immediate` (`immediateLoad(rel)`): the lazy loader, run right after the
 * parent rows instead of on first access: batched over the siblings unless
 * batching is off, then one SELECT per parent.
 *
 * @internal
 */

import type { LoaderStrategy } from '../strategy.js';
import { loadLazily, readWithoutSql } from './select.js';
import { loadWithIn, recursionDepth } from './selectin.js';

export const immediateStrategy: LoaderStrategy<'immediate', true> = {
  key: 'immediate',
  eager: true,
  defaultDepth: recursionDepth,
  streamable: () => false,
  async afterRows(ctx, node, parents) {
    if (ctx.batch && node.attr.options.batch !== false) return loadWithIn(ctx, node, parents);
    for (const p of parents) await loadWithIn(ctx, node, [p]);
  },
  onRead: readWithoutSql,
  onLoad: loadLazily,
};
