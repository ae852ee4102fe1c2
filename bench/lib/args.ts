/** Command-line options of `npm run bench`. */

import { DIALECTS, type DialectId } from './targets.js';
import { WEB_WORKLOADS, WORKLOADS, type WorkloadId } from './workloads.js';
import { SYSTEMS } from './systems.js';

export interface Options {
  readonly command: 'suite' | 'core' | 'diagnostics';
  readonly quick: boolean;
  readonly scales: number[];
  readonly dialects: DialectId[];
  /** True when --dialect named the dialects: then an unreachable server is an error, not a skip. */
  readonly dialectsExplicit: boolean;
  readonly systems: string[];
  readonly workloads: WorkloadId[];
  readonly warmup: number;
  /** Warm-up runs of the web-request workloads, whose runs are short: enough requests for V8 to optimize the code. */
  readonly webWarmup: number;
  readonly repeats: number;
  readonly json: string | undefined;
  /** Skip dropping and reseeding (the data of an earlier run at the same scale is reused). */
  readonly noSeed: boolean;
  /** Force a full GC before every run, not only before the timed series (see docs/benchmarks.md). */
  readonly gcEachRun: boolean;
  /** Seconds one (workload, system) task may take before its runs are cut down (0: no limit). */
  readonly budgetSeconds: number;
  /** Minutes one task's process may live before it is killed and reported as timed out. */
  readonly timeoutMinutes: number;
}

export const USAGE = `npm run bench [-- [core] [options]]
  core                 Core insert (batched INSERT, COPY) against the raw driver, and compile time with/without the statement cache
  --quick              small data (scale 0.01), 1 warm-up, 3 runs: a few minutes
  --scale 1,10         data scales (1 = the issue's sizes; default 1,10, quick 0.01)
  --dialect sqlite,postgres,mysql  (default: all three; mysql is MariaDB, skipped when its server does not answer)
  --only athanor,raw   systems (default all: ${SYSTEMS.map((s) => s.name).join(', ')})
  --workload count,load  workloads (default all: ${WORKLOADS.join(', ')}; \`web\` stands for every web-* one)
  --warmup N --repeats N
  --web-warmup N       warm-up runs of the web-request workloads (default 20, 2 with --quick): a run is 200 requests, and
                       a server's steady state, not the first requests of a process, is what they measure
  --json out.json      also write the results as JSON
  --no-seed            reuse the data a previous run seeded at the same scale (refused when the database holds another scale or schema)
  --gc-each-run        force a full GC before every run (default: once, after the warm-ups)
  --budget S           seconds a system may spend on one workload (default 120, 0: no limit): a slower one makes fewer runs, marked in the report
  --timeout M          minutes one task may take before it is killed and reported as timed out (default 15)`;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').map((v) => v.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}": expected ${allowed.join(', ')}`);
  return items as T[];
}

export function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const opts = {
    command: 'suite' as 'suite' | 'core' | 'diagnostics',
    quick,
    scales: quick ? [0.01] : [1, 10],
    dialects: [...DIALECTS] as DialectId[],
    dialectsExplicit: false,
    systems: SYSTEMS.map((s) => s.name),
    workloads: [...WORKLOADS] as WorkloadId[],
    warmup: quick ? 1 : 2,
    webWarmup: quick ? 2 : 20,
    repeats: quick ? 3 : 10,
    json: undefined as string | undefined,
    noSeed: false,
    gcEachRun: false,
    budgetSeconds: 120,
    timeoutMinutes: 15,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case 'core':
        opts.command = 'core';
        break;
      case 'diagnostics':
        opts.command = 'diagnostics';
        break;
      case 'suite':
      case '--quick':
        break;
      case '--scale':
        opts.scales = value().split(',').map(Number);
        break;
      case '--dialect':
        opts.dialects = list(value(), DIALECTS, 'dialect');
        opts.dialectsExplicit = true;
        break;
      case '--only':
        opts.systems = list(value(), SYSTEMS.map((s) => s.name), 'system');
        break;
      case '--workload':
        opts.workloads = [...new Set(list(value(), [...WORKLOADS, 'web'] as const, 'workload').flatMap((w) => (w === 'web' ? WEB_WORKLOADS : [w])))];
        break;
      case '--warmup':
        opts.warmup = Number(value());
        break;
      case '--web-warmup':
        opts.webWarmup = Number(value());
        break;
      case '--repeats':
        opts.repeats = Number(value());
        break;
      case '--json':
        opts.json = value();
        break;
      case '--no-seed':
        opts.noSeed = true;
        break;
      case '--gc-each-run':
        opts.gcEachRun = true;
        break;
      case '--budget':
        opts.budgetSeconds = Number(value());
        break;
      case '--timeout':
        opts.timeoutMinutes = Number(value());
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  if (opts.scales.some((n) => !(n > 0))) throw new Error('--scale takes positive numbers');
  if (!(opts.timeoutMinutes > 0)) throw new Error('--timeout takes a positive number of minutes');
  if (!(opts.budgetSeconds >= 0)) throw new Error('--budget takes a number of seconds (0: no limit)');
  // raw is the baseline of every ratio: always measured.
  if (!opts.systems.includes('raw')) opts.systems.unshift('raw');
  return opts;
}
