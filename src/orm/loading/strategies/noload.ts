/**
 * `noload` (`noLoad(rel)`): the relationship of the query's objects is empty
 * and stays so: nothing is ever read for it, and `load()` fills it empty.
 *
 * @internal
 */

import type { LoaderStrategy } from '../strategy.js';
import { markGroups, readWithoutSql } from './select.js';

export const noloadStrategy: LoaderStrategy<'noload', false> = {
  key: 'noload',
  eager: false,
  streamable: () => true,
  async afterRows(_ctx, node, parents) {
    markGroups(node, parents);
    const attr = node.attr;
    for (const p of parents) {
      if (!p.slots?.[p.mapper.relationshipIndex(attr)]?.loaded) p.setLoaded(attr, attr.many ? [] : null);
    }
  },
  // Objects of the result are filled empty after the rows; one that was not (a sibling added later) reads like `select`.
  onRead: readWithoutSql,
  async onLoad(_access, state, attr) {
    state.setLoaded(attr, attr.many ? [] : null);
  },
};
