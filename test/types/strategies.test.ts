/**
 * Type tests for loader strategy keys: `LoadStrategy` and `EagerStrategy` are
 * the keys of the registered strategies, so a relationship's `lazy` and the
 * eager typing of loaded relationships follow the registry. `tsc --noEmit`
 * checks the `@ts-expect-error` lines.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { EagerStrategy, LoadStrategy } from '../../src/orm/index.js';
import { registeredStrategies } from '../../src/orm/loading/strategies/index.js';

function typeOnly(): void {
  const lazy: LoadStrategy = 'raiseOnSql';
  const eager: EagerStrategy = 'subquery';
  // @ts-expect-error only registered strategies are load strategies
  const unknown: LoadStrategy = 'sometimes';
  // @ts-expect-error raise does not load with the query
  const notEager: EagerStrategy = 'raise';
  void [lazy, eager, unknown, notEager];
}

it('strategy keys are the registry keys (each strategy registered under its own key, checked by tsc), eager ones with a default depth', () => {
  assert.equal(typeof typeOnly, 'function');
  const keys: LoadStrategy[] = ['select', 'joined', 'selectin', 'subquery', 'raise', 'raiseOnSql', 'noload', 'immediate', 'json'];
  assert.deepEqual(registeredStrategies().map((s) => s.key).sort(), [...keys].sort());
  for (const strategy of registeredStrategies()) {
    assert.equal(typeof strategy.defaultDepth === 'function', strategy.eager, `${strategy.key}: eager strategies say how deep a declared self-referential load goes`);
  }
});
