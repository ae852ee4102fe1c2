/**
 * The pitfall clinic at a tiny scale on every database: it runs end to end,
 * the Athanor variants emit the same number of statements at two scales while
 * the naive ones grow, each naive variant shows the finding and the fix of its
 * own pitfall (paths relative to the project), and the report's charts are on
 * log scales with round ticks.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { PITFALLS, runClinic } from '../../examples/clinic/scenarios.js';
import { build } from '../../examples/clinic/schema.js';
import { diagnoseWith } from '../../examples/clinic/diagnose.js';
import { htmlReport, type VariantResult } from '../../examples/clinic/render.js';
import { assertLogAxis, svgsOf } from './clinic-charts.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Per pitfall: the code shown under the naive variant, what its fix must say, and what it must not. */
const NAIVE_FINDINGS: Readonly<Record<string, { code: string; fix: RegExp; not?: RegExp }>> = {
  count: { code: 'count-in-js', fix: /await query\.count\(\)/ },
  columns: { code: 'unread-columns', fix: /loadOnly\(User\.username, User\.email\)/ },
  'bulk-update': {
    code: 'per-row-writes',
    fix: /^move session\.commit\(\) at examples\/clinic\/scenarios\.ts:\d+:\d+ out of the loop: set the attributes on every object.*\.update\(\{ \.\.\. \}\)/,
    not: /relationships|generated keys/,
  },
  'cascade-delete': { code: 'orm-cascade-delete', fix: /passiveDeletes: true/ },
  'n-plus-one': { code: 'n-plus-one', fix: /selectinLoad\(Parent\.children\).*batchLazyLoads: false/ },
  'self-referential': { code: 'n-plus-one', fix: /eager-load the relationship before the loop/ },
  'bulk-import': {
    code: 'per-row-writes',
    fix: /^move session\.flush\(\) at examples\/clinic\/scenarios\.ts:\d+:\d+ out of the loop: add every object \(`session\.addAll\(objects\)`\).*insert\(table\)\.values\(rows\)/,
    not: /relationships|generated keys/,
  },
  'premature-flush': {
    code: 'premature-flush',
    fix: /^remove session\.flush\(\) at examples\/clinic\/scenarios\.ts:\d+:\d+, examples\/clinic\/scenarios\.ts:\d+:\d+: link objects through relationships/,
  },
  'filter-in-sql': { code: 'not detected', fix: /join\(Person\.address\)\.where\(Address\.city\.eq\('Paris'\)\)/ },
  advisor: { code: 'missing-index', fix: /CREATE INDEX .*clinic_play/ },
};

forEachDialect('pitfall clinic', (ctx) => {
  it('runs every pitfall; Athanor variants keep their statement count as data grows, naive ones do not; findings fit their pitfalls', async () => {
    const byScale = new Map<number, VariantResult[]>();
    for (const scale of [200, 800]) {
      const sizes = await build(ctx.engine, scale, () => {});
      const db = database(ctx.engine);
      // The findings at the larger scale, where every naive form passes the detector's thresholds.
      byScale.set(scale, await runClinic({ engine: ctx.engine, db, sizes, scale, diagnose: scale === 800 ? diagnoseWith(db) : async () => undefined }));
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

    assert.deepEqual(Object.keys(NAIVE_FINDINGS).sort(), PITFALLS.map((p) => p.key).sort());
    for (const p of PITFALLS) {
      const [naive, ...others] = large.filter((r) => r.pitfall === p.key);
      // MySQL/MariaDB index every foreign key themselves: the advisor has nothing to add there.
      const want = p.key === 'advisor' && ctx.name === 'mysql' ? { code: 'no proposal', fix: /./, not: undefined } : NAIVE_FINDINGS[p.key]!;
      const text = naive?.finding;
      assert.ok(text, `${p.key}: no finding under "${naive?.variant}"`);
      const [head = '', ...rest] = text.split('\n');
      assert.ok(head.startsWith(`[${want.code}] `), `${p.key}: shows ${head}`);
      if (want.code === 'no proposal') {
        assert.match(head, /InnoDB gives every foreign key an index of its own/);
        continue;
      }
      const fix = rest.find((l) => l.startsWith('fix: '))?.slice(5) ?? '';
      assert.match(fix, want.fix, `${p.key}: ${fix}`);
      if (want.not) assert.doesNotMatch(fix, want.not, `${p.key}: ${fix}`);
      assert.ok(!text.includes(ROOT), `${p.key}: absolute path in ${text}`);
      const at = rest.find((l) => l.startsWith('at '));
      if (want.code !== 'not detected') assert.match(at ?? '', /^at examples\/clinic\/\w+\.ts:\d+:\d+$/, `${p.key}: ${at}`);
      for (const o of others) assert.equal(o.finding, undefined, `${p.key} / ${o.variant}: a finding under a fixed variant`);
    }

    const svgs = svgsOf(htmlReport(ctx.name, PITFALLS, [200, 800], [...small, ...large]));
    assert.equal(svgs.length, 2 * PITFALLS.length);
    svgs.forEach((svg, i) => assertLogAxis(svg, `${PITFALLS[Math.floor(i / 2)]!.key} ${i % 2 === 0 ? 'statements' : 'time'}`));
  });
});
