/**
 * Write bench/results/ from the JSON of several runs (`npm run bench -- ... --json x.json`), for results that
 * take more than one invocation, such as each scale run on its own:
 *   npx tsx bench/merge.ts /tmp/scale1.json /tmp/scale10.json
 * Later files win where two hold the same (workload, dialect, system, scale). The machine described is the
 * first file's; every run's date and command are listed.
 */
import { readFileSync } from 'node:fs';
import type { Machine } from './lib/machine.js';
import { writeReport, type RunInfo } from './lib/report.js';
import type { BenchResult } from './lib/suite.js';
import { SYSTEMS } from './lib/systems.js';

interface RunFile {
  readonly machine: Machine;
  readonly runs?: readonly RunInfo[];
  readonly results: readonly BenchResult[];
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npx tsx bench/merge.ts run1.json [run2.json ...]');
  process.exit(2);
}
const loaded = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunFile);
const byKey = new Map<string, BenchResult>();
for (const file of loaded) for (const r of file.results) byKey.set(`${r.workload}|${r.dialect}|${r.system}|${r.scale}`, r);
const results = [...byKey.values()];
const runs = loaded.flatMap((f, i) => f.runs ?? [{ date: f.machine.date, command: `(the run in ${files[i]})` }]);
const present = new Set(results.map((r) => r.system));
const systems = SYSTEMS.map((s) => s.name).filter((s) => present.has(s));
writeReport(results, loaded[0]!.machine, { systems, quick: false }, runs);
console.log(`wrote bench/results/ from ${results.length} results of ${files.length} run(s)`);
