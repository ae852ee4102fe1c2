/**
 * The clinic report's charts, without a database: log-scale y axes with round
 * ticks, lines that coincide drawn apart and told apart, line ends labelled,
 * legible legend text.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { chart, htmlReport, logDomain, tickLabel, type VariantResult } from '../../examples/clinic/render.js';
import { assertLogAxis, endLabels, lines, svgsOf } from './clinic-charts.js';

const scales = [25_000, 50_000, 100_000];

it('statement charts: 25,001 and 1 on one log axis, ticks 1, 10, 100, 1k, 10k, 100k', () => {
  const svg = chart('SQL statements', 'statements', scales, [
    { name: 'naive: set + commit per object', values: [6251, 12501, 25001] },
    { name: 'athanor: attribute sets, one flush', values: [2, 2, 2] },
    { name: 'athanor: query.update()', values: [1, 1, 1] },
  ]);
  const ticks = assertLogAxis(svg, 'statements');
  assert.deepEqual(ticks.map((t) => t.label), ['1', '10', '100', '1k', '10k', '100k']);
  assert.match(svg, />SQL statements \(log scale\)</);
  assert.match(svg, />data size, songs \(log scale\)</);
  assert.deepEqual(endLabels(svg), ['A 25,001', 'B 2', 'C 1']);
});

it('time charts: ticks in ms and s, from the decade below the fastest to the one above the slowest', () => {
  const svg = chart('Wall time', 'ms', scales, [
    { name: 'naive', values: [120, 480, 1900] },
    { name: 'athanor', values: [0.31, 0.4, 0.52] },
  ]);
  assert.deepEqual(assertLogAxis(svg, 'time').map((t) => t.label), ['0.1 ms', '1 ms', '10 ms', '100 ms', '1 s', '10 s']);
  assert.match(svg, />wall time, ms \(log scale\)</);
  assert.deepEqual(endLabels(svg), ['A 1.90 s', 'B 0.52 ms']);
  assert.deepEqual(logDomain([0.05, 3], 'ms'), { lo: -2, hi: 1 });
  assert.deepEqual(logDomain([1, 1], 'statements'), { lo: 0, hi: 1 });
  assert.equal(tickLabel('ms', 0.01), '0.01 ms');
  assert.equal(tickLabel('statements', 1e6), '1M');
});

it('lines that coincide are drawn apart, with their own dash pattern and marker, and share an end label', () => {
  const svg = chart('SQL statements', 'statements', scales, [
    { name: 'naive: lazy loads', values: [2501, 5001, 10001] },
    { name: 'athanor: sibling batching', values: [2, 2, 2] },
    { name: 'athanor: selectinLoad', values: [2, 2, 2] },
    { name: 'athanor: joinedLoad', values: [1, 1, 1] },
  ]);
  const ls = lines(svg);
  assert.deepEqual(ls.map((l) => l.key), ['A', 'B', 'C', 'D']);
  assert.notEqual(ls[1]!.points, ls[2]!.points, 'B and C on the same pixels');
  assert.equal(new Set(ls.map((l) => l.dash)).size, 4, 'each line its own dash pattern');
  const markers = ['<circle', '<rect x=', '<polygon', '<polygon'];
  for (const m of markers) assert.ok(svg.includes(m));
  assert.deepEqual(endLabels(svg), ['A 10,001', 'B C 2', 'D 1']);
  // Legend: every variant, at a legible size and a dark colour.
  for (const name of ['naive: lazy loads', 'athanor: sibling batching', 'athanor: selectinLoad', 'athanor: joinedLoad']) {
    assert.match(svg, new RegExp(`<text class="legend"[^>]*font-size="12.5" fill="#222">${name}</text>`));
  }
  assert.doesNotMatch(svg, /font-size="(?:[0-9]|1[01])"/, 'no text under 12 px');
});

it('the HTML report: one self-contained page, every chart on a log axis', () => {
  const results: VariantResult[] = scales.flatMap((scale, i) => [
    { pitfall: 'bulk-update', variant: 'naive: set + commit per object', scale, n: scale / 4, statements: scale / 4 + 1, ms: 100 * 2 ** i, rows: scale / 4, finding: i === 2 ? '[per-row-writes] ...\nat examples/clinic/scenarios.ts:1:1\nfix: ...' : undefined },
    { pitfall: 'bulk-update', variant: 'athanor: query.update()', scale, n: scale / 4, statements: 1, ms: 0.5, rows: 0 },
  ]);
  const html = htmlReport('sqlite', [{ key: 'bulk-update', title: '3. Updating one object at a time' }], scales, results);
  const svgs = svgsOf(html);
  assert.equal(svgs.length, 2);
  assert.deepEqual(assertLogAxis(svgs[0]!, 'statements').map((t) => t.label), ['1', '10', '100', '1k', '10k', '100k']);
  assert.deepEqual(assertLogAxis(svgs[1]!, 'time').map((t) => t.label), ['0.1 ms', '1 ms', '10 ms', '100 ms', '1 s']);
  assert.doesNotMatch(html, /<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no scripts, no external resources');
});
