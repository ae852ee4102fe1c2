/**
 * Measuring one variant of a pitfall: statements sent (transaction control
 * excluded), rows fetched, and wall time, from the engine's execution events.
 */
import type { Engine } from '../../src/index.js';

export interface Measurement {
  readonly statements: number;
  readonly rows: number;
  readonly ms: number;
}

export async function measure(engine: Engine, fn: () => Promise<unknown>): Promise<Measurement> {
  let statements = 0;
  let rows = 0;
  const stop = engine.events.on('afterExecute', (e) => {
    if (e.statementKind === 'transaction') return;
    statements++;
    if (e.statementKind === 'select' || e.statementKind === 'compound' || e.statementKind === 'rawStatement') rows += e.rowCount;
  });
  const start = performance.now();
  try {
    await fn();
  } finally {
    stop();
  }
  return { statements, rows, ms: performance.now() - start };
}
