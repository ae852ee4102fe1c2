/**
 * `raiseOnSql` (`raiseLoad(rel, { sqlOnly: true })`): like `raise`, except
 * that a to-one the session can answer without SQL (a NULL foreign key, or
 * the target already in the identity map) is allowed.
 *
 * @internal
 */

import { RaiseLoadError } from '../../errors.js';
import type { RelationshipAttribute } from '../../relationship.js';
import type { InstanceState } from '../../state.js';
import type { LoaderStrategy } from '../strategy.js';
import { markGroups } from './select.js';

function resolveOrRaise(state: InstanceState, attr: RelationshipAttribute): object | null {
  const known = state.resolveWithoutSql(attr);
  if (known === undefined) throw new RaiseLoadError(state.mapper.name, attr.key);
  state.setLoaded(attr, known);
  return known;
}

export const raiseOnSqlStrategy: LoaderStrategy<'raiseOnSql', false> = {
  key: 'raiseOnSql',
  eager: false,
  streamable: () => true,
  async afterRows(_ctx, node, parents) {
    markGroups(node, parents);
  },
  onRead: resolveOrRaise,
  async onLoad(_access, state, attr) {
    if (state.status !== 'persistent' && !attr.many) {
      // Nothing in the database for it: empty, as reading it says.
      state.setLoaded(attr, null);
      return;
    }
    resolveOrRaise(state, attr);
  },
};
