/** Results as Markdown (medians, ratios to raw), SVG charts and JSON, under bench/results/. */

import { mkdirSync, writeFileSync } from 'node:fs';
import type { Machine } from './machine.js';
import type { Options } from './args.js';
import { fmtPerRequest, type BenchResult } from './suite.js';
import { summarySvg, workloadSvg } from './svg.js';
import { BENCH_ROOT } from './targets.js';
import { DESCRIPTIONS, WORKLOADS, isWebWorkload } from './workloads.js';

export const RESULTS_DIR = `${BENCH_ROOT}results/`;

const geomean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function cell(r: BenchResult | undefined): string {
  if (!r) return '';
  if (r.medianMs === null) return r.status;
  // A task cut down by its time budget is marked: its median is of fewer runs (see the notes under the table).
  const capped = r.runsCapped ? '†' : '';
  // A web-request workload's run is many requests: its statements are given per request.
  if (isWebWorkload(r.workload)) return `${fmt(r.medianMs)}${capped} (${r.statements === null ? '?' : `${fmtPerRequest(r.statements / r.n)}/req`})`;
  return `${fmt(r.medianMs)}${capped} (${r.statements ?? '?'})`;
}

function tables(results: readonly BenchResult[], allSystems: readonly string[]): string[] {
  const lines: string[] = [];
  const groups = [...new Set(results.map((r) => `${r.dialect}|${r.scale}`))];
  for (const g of groups) {
    const [dialect, scale] = g.split('|');
    const rows = results.filter((r) => r.dialect === dialect && String(r.scale) === scale);
    // Only the systems this dialect and scale ran (a run may cover some systems at one scale only).
    const systems = allSystems.filter((s) => rows.some((r) => r.system === s));
    const workloads = WORKLOADS.filter((w) => rows.some((r) => r.workload === w));
    const find = (w: string, s: string): BenchResult | undefined => rows.find((r) => r.workload === w && r.system === s);
    const methods = [...new Set(rows.flatMap((r) => (r.countedBy ? [r.countedBy] : [])))];
    const counted = methods.length ? ` Statements counted by ${methods.map((m) => (m === 'driver' ? 'wrapping the driver' : m)).join(' and ')}.` : '';
    const web = rows.find((r) => isWebWorkload(r.workload));
    const perRequest = web ? `; per request for the web-request workloads, whose run is ${web.n} requests` : '';
    lines.push(`### ${dialect}, scale ${scale}`, '', `Median ms per run (statements executed${perRequest}).${counted}`, '');
    lines.push(`| workload | n | ${systems.join(' | ')} |`, `|---|---:|${systems.map(() => '---:').join('|')}|`);
    for (const w of workloads) lines.push(`| ${w} | ${find(w, 'raw')?.n ?? ''} | ${systems.map((s) => cell(find(w, s))).join(' | ')} |`);
    lines.push('', 'Ratio to raw (lower is better; geomean over the workloads each system ran):', '');
    const others = systems.filter((s) => s !== 'raw');
    lines.push(`| workload | ${others.join(' | ')} |`, `|---|${others.map(() => '---:').join('|')}|`);
    const ratios = new Map<string, number[]>(others.map((s) => [s, []]));
    for (const w of workloads) {
      const base = find(w, 'raw')?.medianMs;
      const cells = others.map((s) => {
        const m = find(w, s)?.medianMs;
        if (!base || m === null || m === undefined) return find(w, s)?.status ?? '';
        ratios.get(s)!.push(m / base);
        return `${fmt(m / base)}x`;
      });
      lines.push(`| ${w} | ${cells.join(' | ')} |`);
    }
    lines.push(`| **geomean** | ${others.map((s) => (ratios.get(s)!.length ? `**${fmt(geomean(ratios.get(s)!))}x**` : '')).join(' | ')} |`, '');
    const notes = rows.filter((r) => r.note || r.runsCapped);
    if (notes.length) {
      lines.push('Notes:', '');
      for (const r of notes) {
        const capped = r.runsCapped ? `† ${r.runsCapped} of the timed runs left out to stay within the time budget (--budget)` : '';
        lines.push(`- ${r.system} / ${r.workload}: ${r.note ? `${r.status}: ${r.note}${capped ? `; ${capped}` : ''}` : capped}`);
      }
      lines.push('');
    }
  }
  return lines;
}

/** Athanor's targets (issue 14): within 1.3x of raw in every cell, 1.2x geometric mean, faster than every peer. */
const TARGET_CELL = 1.3;
const TARGET_GEOMEAN = 1.2;

/** Where Athanor meets its targets and where not, per dialect and scale: the cells that miss, by how much, and who wins them. */
function targetLines(results: readonly BenchResult[]): string[] {
  const groups = [...new Set(results.map((r) => `${r.dialect}|${r.scale}`))];
  if (!results.some((r) => r.system === 'athanor')) return [];
  const lines = [
    '## Targets',
    '',
    `Athanor's targets: within ${TARGET_CELL}x of raw on every workload, ${TARGET_GEOMEAN}x geometric mean, and the fastest of all systems on every workload.`,
    '',
    `| database, scale | geomean | over ${TARGET_CELL}x raw | another system faster (its ratio to raw) |`,
    '|---|---:|---|---|',
  ];
  for (const g of groups) {
    const [dialect, scale] = g.split('|');
    const rows = results.filter((r) => r.dialect === dialect && String(r.scale) === scale && r.medianMs !== null);
    const ratios: number[] = [];
    const over: string[] = [];
    const beaten: string[] = [];
    for (const w of WORKLOADS) {
      const raw = rows.find((r) => r.workload === w && r.system === 'raw')?.medianMs;
      const own = rows.find((r) => r.workload === w && r.system === 'athanor')?.medianMs;
      if (!raw || !own) continue;
      const ratio = own / raw;
      ratios.push(ratio);
      if (ratio > TARGET_CELL) over.push(`${w} ${fmt(ratio)}x`);
      const faster = rows
        .filter((r) => r.workload === w && r.system !== 'raw' && r.system !== 'athanor' && r.medianMs! < own)
        .sort((a, b) => a.medianMs! - b.medianMs!);
      if (faster.length) beaten.push(`${w}: ${faster.map((r) => `${r.system} ${fmt(r.medianMs! / raw)}x`).join(', ')} (athanor ${fmt(ratio)}x)`);
    }
    if (!ratios.length) continue;
    const gm = geomean(ratios);
    lines.push(`| ${dialect}, ${scale} | ${gm <= TARGET_GEOMEAN ? '' : '**'}${fmt(gm)}x${gm <= TARGET_GEOMEAN ? '' : '**'} | ${over.join('; ') || 'none'} | ${beaten.join('; ') || 'none'} |`);
  }
  lines.push('', 'Why each missed cell misses, and what was measured of it: [docs/benchmarks.md](../../docs/benchmarks.md#where-the-targets-are-missed).', '');
  return lines;
}

/** Say plainly when the figures cannot be taken as a measurement. */
function caveats(machine: Machine, opts: ReportOptions): string[] {
  const out: string[] = [];
  if (machine.loadAverage[0]! > machine.cores / 2) {
    out.push(`**Taken on a loaded machine** (load average ${machine.loadAverage[0]} on ${machine.cores} cores): other work shared the CPUs, so these figures are noise, not a measurement.`, '');
  }
  if (opts.quick) out.push('**A `--quick` run**: 1% of the issue\'s sizes, 3 runs each; it checks the harness, it does not rank systems.', '');
  return out;
}

/** What the report needs of the options: the systems (its columns) and whether it was a --quick run. */
export type ReportOptions = Pick<Options, 'systems' | 'quick'>;

/** One run of the suite: when, with which command (a report may merge several runs, e.g. one per scale). */
export interface RunInfo {
  readonly date: string;
  readonly command: string;
}

export function writeReport(results: readonly BenchResult[], machine: Machine, opts: ReportOptions, runs: readonly RunInfo[]): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const systems = opts.systems;
  const md = [
    '# Benchmark results',
    '',
    `Taken ${runs.map((r) => `${r.date} with \`${r.command}\``).join(', and ')}.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}; Node ${machine.node}; ` +
      Object.entries(machine.databases).map(([d, v]) => `${d} ${v}`).join(', ') +
      `; load average at the start ${machine.loadAverage.join(' / ')}.`,
    '',
    'How the numbers are taken, and how to reproduce them: [docs/benchmarks.md](../../docs/benchmarks.md).',
    '',
    ...caveats(machine, opts),
    ...targetLines(results),
    ...tables(results, systems),
    '## Charts',
    '',
    '![summary](summary.svg)',
    '',
    ...WORKLOADS.filter((w) => results.some((r) => r.workload === w)).map((w) => `- [${w}](${w}.svg): ${DESCRIPTIONS[w]}`),
    '',
  ].join('\n');
  writeFileSync(`${RESULTS_DIR}README.md`, md);
  for (const w of WORKLOADS) {
    const rows = results.filter((r) => r.workload === w);
    if (rows.length) writeFileSync(`${RESULTS_DIR}${w}.svg`, workloadSvg(`${w}: ${DESCRIPTIONS[w]}`, rows));
  }
  writeFileSync(`${RESULTS_DIR}summary.svg`, summarySvg(results));
  writeFileSync(`${RESULTS_DIR}results.json`, toJson(results, machine, runs));
}

export function toJson(results: readonly BenchResult[], machine: Machine, runs: readonly RunInfo[]): string {
  return JSON.stringify({ machine, runs, results }, null, 2) + '\n';
}
