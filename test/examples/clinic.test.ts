/**
 * The pitfall clinic at a tiny scale on every database: it runs end to end,
 * and the Athanor variants emit the same number of statements at two scales
 * while the naive ones grow.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { PITFALLS, runClinic } from '../../examples/clinic/scenarios.js';
import { build } from '../../examples/clinic/schema.js';
import type { VariantResult } from '../../examples/clinic/render.js';

forEachDialect('pitfall clinic', (ctx) => {
  it('runs every pitfall; Athanor variants keep their statement count as data grows, naive ones do not', async () => {
    const byScale = new Map<number, VariantResult[]>();
    for (const scale of [200, 800]) {
      const sizes = await build(ctx.engine, scale, () => {});
      const db = database(ctx.engine);
      byScale.set(scale, await runClinic({ engine: ctx.engine, db, sizes, scale, diagnose: async () => undefined }));
    }
    const small = byScale.get(200)!;
    const large = byScale.get(800)!;
    assert.deepEqual(new Set(small.map((r) => r.pitfall)), new Set(PITFALLS.map((p) => p.key)));
    for (const r of small) {
      const other = large.find((x) => x.pitfall === r.pitfall && x.variant === r.variant)!;
      if (r.variant.startsWith('athanor')) {
        assert.equal(other.statements, r.statements, `${r.pitfall} / ${r.variant}: ${r.statements} statements at 200, ${other.statements} at 800`);
      }
    }
    const grows = ['n-plus-one', 'bulk-update', 'bulk-import', 'premature-flush', 'self-referential'];
    for (const p of grows) {
      const naiveSmall = small.find((r) => r.pitfall === p)!;
      const naiveLarge = large.find((r) => r.pitfall === p)!;
      assert.ok(naiveLarge.statements > naiveSmall.statements, `${p}: naive form should grow (${naiveSmall.statements} -> ${naiveLarge.statements})`);
    }
  });
});
