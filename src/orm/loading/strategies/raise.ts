/**
 * `raise` (`raiseLoad(rel)`): the relationship must have been loaded by the
 * query; reading it or loading it later raises {@link RaiseLoadError}, naming
 * the option, so an N+1 loop fails in development instead of running.
 *
 * @internal
 */

import { RaiseLoadError } from '../../errors.js';
import type { LoaderStrategy } from '../strategy.js';
import { markGroups } from './select.js';

export const raiseStrategy: LoaderStrategy<'raise', false> = {
  key: 'raise',
  eager: false,
  streamable: () => true,
  async afterRows(_ctx, node, parents) {
    markGroups(node, parents);
  },
  onRead(state, attr) {
    throw new RaiseLoadError(state.mapper.name, attr.key);
  },
  async onLoad(_access, state, attr) {
    throw new RaiseLoadError(state.mapper.name, attr.key);
  },
};
