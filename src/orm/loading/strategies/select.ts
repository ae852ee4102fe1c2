/**
 * `select` (the default, SQLAlchemy's `lazy="select"`): nothing with the
 * query; the first `load()` of the relationship on one object loads it for
 * every sibling from the same result in one IN query (unless batching is off),
 * so a loop over a result costs one statement, not one per object. Reading a
 * to-one that is not loaded never does I/O: it answers from the foreign key and
 * the identity map, or says how to load it.
 *
 * The eager strategies behave like this one on access (an object whose
 * relationship the eager load could not fill, such as one that joined the
 * session later), so the two access phases are exported for them.
 *
 * @internal
 */

import { NotLoadedError } from '../../errors.js';
import type { RelationshipAttribute } from '../../relationship.js';
import type { InstanceState } from '../../state.js';
import type { LoadNode } from '../../query/plan.js';
import { loadRelated } from '../related.js';
import type { AccessContext, LoaderStrategy } from '../strategy.js';

/** Record the strategy on the parents' result groups: later reads and loads of these objects follow it. */
export function markGroups(node: LoadNode, parents: readonly InstanceState[]): void {
  let last: InstanceState['group'];
  for (const p of parents) {
    const g = p.group;
    if (g === undefined || g === last) continue;
    last = g;
    (g.strategies ??= new Map()).set(node.attr.key, node.strategy);
  }
}

/** A to-one read unloaded: known without SQL (NULL key, target in the identity map), else an error naming the options. */
export function readWithoutSql(state: InstanceState, attr: RelationshipAttribute): object | null {
  const known = state.resolveWithoutSql(attr);
  if (known !== undefined) {
    state.setLoaded(attr, known);
    return known;
  }
  const model = state.mapper.name;
  // A to-one has no handle to call `.load()` on: name the calls that work.
  throw new NotLoadedError(
    model,
    attr.key,
    `${model}.${attr.key} is not loaded. Load it with \`await session.load(obj, '${attr.key}')\`, ` +
      `or ask the query for it: \`.options(selectinLoad(${model}.${attr.key}))\` or \`.options(joinedLoad(${model}.${attr.key}))\`.`,
  );
}

/** Load `attr` for `state` and, when batching allows, for its siblings of the same result still in this session. */
export async function loadLazily(access: AccessContext, state: InstanceState, attr: RelationshipAttribute): Promise<void> {
  if (state.status !== 'persistent') {
    // Nothing in the database yet (or any more): the relationship is empty.
    state.setLoaded(attr, attr.many ? [] : null);
    return;
  }
  if (access.autoflush) await access.flush();
  const ctx = access.loaderContext();
  const group = state.group;
  const batch = access.batchLazyLoads && attr.options.batch !== false && group?.batch !== false && !group?.noBatch?.has(attr.key);
  // Siblings that left this session (or moved to another) are not loaded through it.
  const parents = batch && group ? group.states.filter((s) => s.mapper === state.mapper && s.status === 'persistent' && s.session === ctx.hooks) : [state];
  if (!parents.includes(state)) parents.push(state);
  await loadRelated(ctx, attr, parents);
}

export const selectStrategy: LoaderStrategy<'select', false> = {
  key: 'select',
  eager: false,
  streamable: () => true,
  async afterRows(_ctx, node, parents) {
    markGroups(node, parents);
  },
  onRead: readWithoutSql,
  onLoad: loadLazily,
};
