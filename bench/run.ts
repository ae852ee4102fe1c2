/**
 * `npm run bench`: the issue 7 suite (every system, workload, dialect and
 * scale, each system in its own process), or `npm run bench -- core`.
 */

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from './lib/args.js';
import { describeMachine } from './lib/machine.js';
import { toJson, writeReport, RESULTS_DIR } from './lib/report.js';
import { SeedMismatchError } from './lib/schema.js';
import { ensureDatabase, runSuite } from './lib/suite.js';
import type { DialectId } from './lib/targets.js';
import { runCore } from './core.js';
import { runDiagnosticsOverhead } from './diagnostics.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseArgs(argv);
  const dialects: DialectId[] = [];
  // One database per scale; the core bench has its own (scale 0).
  const scales = parsed.command === 'core' ? [0] : parsed.scales;
  for (const dialect of parsed.dialects) {
    try {
      for (const scale of scales) await ensureDatabase(dialect, scale);
      dialects.push(dialect);
    } catch (error) {
      // A server that is not running skips its dialect, unless --dialect asked for it by name.
      if (parsed.dialectsExplicit) throw error;
      console.warn(`skipping ${dialect}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const opts = { ...parsed, dialects };
  if (opts.command === 'core') {
    await runCore(opts);
    return;
  }
  if (opts.command === 'diagnostics') {
    await runDiagnosticsOverhead();
    return;
  }
  const machine = await describeMachine(opts.dialects, opts.scales[0]!);
  console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${Object.entries(machine.databases).map(([d, v]) => `${d} ${v}`).join(', ')}, load ${machine.loadAverage.join(' ')}`);
  const results = await runSuite(opts);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const runs = [{ date: machine.date, command }];
  writeReport(results, machine, opts, runs);
  if (opts.json) writeFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), opts.json), toJson(results, machine, runs));
  console.log(`\nwrote ${RESULTS_DIR}README.md and one SVG per workload${opts.json ? `, and ${opts.json}` : ''}`);
  const failed = results.filter((r) => r.status === 'error');
  if (failed.length) {
    console.error(`${failed.length} workload(s) failed`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  // A refused --no-seed says what to run instead: its message is the whole story.
  if (!(error instanceof SeedMismatchError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
}
