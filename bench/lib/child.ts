/**
 * One system, one dialect, one workload, in a process of its own so its heap
 * and its JIT state are its own: warm up, run, count statements, report.
 */

import { performance } from 'node:perf_hooks';
import { openRawDb } from './raw-db.js';
import { statementCounter, type CountingMethod } from './counter.js';
import { beforeRun, verifyAfter } from './hooks.js';
import { Pending } from './system.js';
import { systemNamed } from './systems.js';
import { urlFor, type DialectId } from './targets.js';
import { isWebWorkload, sizesAt, type WorkloadId } from './workloads.js';

export interface Task {
  readonly system: string;
  readonly workload: WorkloadId;
  readonly dialect: DialectId;
  readonly scale: number;
  readonly warmup: number;
  readonly repeats: number;
  /** Force a full GC before every run; else once, before the first timed run. */
  readonly gcEachRun: boolean;
  /**
   * Time the task may take, in ms (0: no limit). A system slow enough to pass it runs fewer warm-ups and timed
   * runs (at least one of each is kept where the first fits) instead of being dropped from the results.
   */
  readonly budgetMs: number;
}

export interface TaskResult {
  readonly status: 'ok' | 'pending' | 'unsupported' | 'error';
  readonly timesMs: number[];
  readonly statements: number | null;
  /** How `statements` was counted (null when the task failed before its counter was set up). */
  readonly countedBy: CountingMethod | null;
  readonly peakRssMb: number;
  readonly check: number | null;
  /** Timed runs left out to stay within the task's budget (absent when every run was made). */
  readonly runsCapped?: number;
  readonly message?: string;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function runTask(task: Task): Promise<TaskResult> {
  const sizes = sizesAt(task.scale);
  const db = await openRawDb(task.dialect, task.scale);
  const peak = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
  let countedBy: CountingMethod | null = null;
  try {
    const counter = await statementCounter(db);
    countedBy = counter.method;
    const { open } = await systemNamed(task.system).load();
    const system = await open({ dialect: task.dialect, url: urlFor(task.dialect, task.scale), sizes });
    try {
      const fn = system.workloads[task.workload];
      if (!fn) {
        const message = system.unsupported?.[task.workload];
        return { status: 'unsupported', timesMs: [], statements: null, countedBy, peakRssMb: peak(), check: null, ...(message ? { message } : {}) };
      }
      const timesMs: number[] = [];
      let statements = 0;
      let check: number | null = null;
      const started = performance.now();
      let slowest = 0;
      for (let i = 0; i < task.warmup + task.repeats; i++) {
        // Over budget: skip what is left of the warm-ups (one is made), then stop once one run is timed.
        const overBudget = task.budgetMs > 0 && i > 0 && performance.now() - started + slowest > task.budgetMs;
        if (overBudget && i < task.warmup) i = task.warmup;
        else if (overBudget && timesMs.length > 0) break;
        await beforeRun(task.workload, db, sizes);
        // One full GC before the timed series starts, so the warm-ups' garbage is not charged to it. Not before
        // every run: a forced full GC also throws away optimized code whose hidden classes died with the last
        // run's objects, so every run would start cold again, which is not the steady state being measured. Not
        // for the web requests either: their runs are short enough that the code the GC throws away is compiled
        // again during the timed runs (a per-request path measured 2-3x its steady state for the next 3,000
        // requests), and the little garbage 200 requests leave is part of a serving process's steady state.
        if (task.gcEachRun || (i === task.warmup && !isWebWorkload(task.workload))) gc?.();
        await counter.take();
        const t0 = performance.now();
        check = await fn({ sizes, iteration: i });
        const elapsed = performance.now() - t0;
        slowest = Math.max(slowest, elapsed);
        const executed = await counter.take();
        await verifyAfter(task.workload, db, sizes, i);
        if (i < task.warmup) continue;
        timesMs.push(elapsed);
        // One-time work of a first run (metadata queries, statement preparation) stays in the warm-up.
        statements = executed;
      }
      const runsCapped = task.repeats - timesMs.length;
      return { status: 'ok', timesMs, statements, countedBy, peakRssMb: peak(), check, ...(runsCapped > 0 ? { runsCapped } : {}) };
    } finally {
      await system.close();
    }
  } catch (error) {
    const full = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // Some libraries put the whole SQL (thousands of rows) in the message.
    const message = full.length > 400 ? `${full.slice(0, 400)}...` : full;
    const status = error instanceof Pending ? 'pending' : 'error';
    return { status, timesMs: [], statements: null, countedBy, peakRssMb: peak(), check: null, message };
  } finally {
    await db.close();
  }
}

process.once('message', (task: Task) => {
  runTask(task).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
