/**
 * The suite: per dialect and scale, seed once with the raw client, then fork
 * one process per (workload, system) and collect what each reports.
 */

import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { Options } from './args.js';
import type { Task, TaskResult } from './child.js';
import { openRawDb } from './raw-db.js';
import { checkSeeded, createAndSeed } from './schema.js';
import { systemNamed } from './systems.js';
import { BENCH_ROOT, REPO_ROOT, urlFor, type DialectId } from './targets.js';
import { isWebWorkload, rowsOf, sizesAt, type WorkloadId } from './workloads.js';

/** Statements per request: whole where they are (the usual case), else to two places. */
export const fmtPerRequest = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

export interface BenchResult {
  readonly workload: WorkloadId;
  readonly dialect: DialectId;
  readonly system: string;
  readonly scale: number;
  readonly n: number;
  readonly medianMs: number | null;
  readonly minMs: number | null;
  readonly maxMs: number | null;
  readonly statements: number | null;
  /** How the statements were counted on this dialect (see counter.ts). */
  readonly countedBy?: TaskResult['countedBy'];
  readonly peakRssMb: number | null;
  readonly status: TaskResult['status'];
  /** Timed runs left out to keep the task within its budget (see --budget). */
  readonly runsCapped?: number;
  readonly note?: string;
}

/**
 * Create the benchmark database of a scale on a server if it is missing (and, on PostgreSQL, the
 * pg_stat_statements extension where the server allows it: without it statements are counted at the driver).
 */
export async function ensureDatabase(dialect: DialectId, scale: number): Promise<void> {
  if (dialect === 'sqlite') {
    mkdirSync(`${BENCH_ROOT}.data`, { recursive: true });
  } else if (dialect === 'postgres') {
    const url = new URL(urlFor('postgres', scale));
    const name = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const db = await openRawDb('postgres', scale);
    try {
      await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    } catch (error) {
      console.warn(`postgres: no pg_stat_statements in ${name} (${error instanceof Error ? error.message : String(error)}): statements are counted at the driver`);
    } finally {
      await db.close();
    }
  } else {
    const url = new URL(urlFor('mysql', scale));
    const name = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/';
    const conn = await mysql.createConnection({ uri: url.toString() });
    try {
      await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    } finally {
      await conn.end();
    }
  }
}

function runChild(task: Task, timeoutMs: number): Promise<TaskResult> {
  return new Promise((resolve) => {
    const child = fork(`${BENCH_ROOT}lib/child.ts`, [], {
      cwd: REPO_ROOT,
      // ATHANOR_BENCH_CPU_PROF=dir writes a V8 CPU profile of every child into dir (for `node --cpu-prof` work on a workload).
      execArgv: ['--import', 'tsx', '--import', `${BENCH_ROOT}lib/from-build.mjs`, '--expose-gc', ...(process.env.ATHANOR_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ATHANOR_BENCH_CPU_PROF}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const finish = (r: TaskResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const failed = (message: string): TaskResult => ({ status: 'error', timesMs: [], statements: null, countedBy: null, peakRssMb: 0, check: null, message });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(failed(`timed out after ${timeoutMs / 60_000} minutes`));
    }, timeoutMs);
    child.on('message', (m) => finish(m as TaskResult));
    child.on('exit', (code) => finish(failed(`process exited with code ${code}`)));
    child.send(task);
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number): number => Math.round(x * 100) / 100;

function line(r: BenchResult): string {
  const head = `${r.dialect.padEnd(8)} x${String(r.scale).padEnd(5)} ${r.workload.padEnd(18)} ${r.system.padEnd(10)}`;
  if (r.status !== 'ok') return `${head} ${r.status}${r.note ? `: ${r.note}` : ''}`;
  const perRequest = isWebWorkload(r.workload) && r.statements !== null ? ` (${fmtPerRequest(r.statements / r.n)}/request)` : '';
  const capped = r.runsCapped ? `  (${r.runsCapped} runs cut by the budget)` : '';
  return `${head} median ${String(r.medianMs).padStart(9)} ms  [${r.minMs}..${r.maxMs}]  ${r.statements} statements${perRequest}  ${r.peakRssMb} MB${capped}`;
}

export async function runSuite(opts: Options): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const dialect of opts.dialects) {
    for (const scale of opts.scales) {
      const sizes = sizesAt(scale);
      const db = await openRawDb(dialect, scale);
      try {
        if (opts.noSeed) {
          // Refuse to measure data that is not this scale's (or not this schema's): the run would say one thing and measure another.
          await checkSeeded(db, sizes);
        } else {
          process.stdout.write(`seeding ${dialect} at scale ${scale}... `);
          await createAndSeed(db, sizes);
          console.log('done');
        }
      } finally {
        await db.close();
      }
      for (const workload of opts.workloads) {
        let expected: number | null = null;
        for (const name of opts.systems) {
          const info = systemNamed(name);
          const base = { workload, dialect, system: name, scale, n: rowsOf(workload, sizes) };
          let r: BenchResult;
          if (!info.dialects.includes(dialect)) {
            r = { ...base, medianMs: null, minMs: null, maxMs: null, statements: null, peakRssMb: null, status: 'unsupported', note: info.note ?? `not set up for ${dialect}` };
          } else {
            const warmup = isWebWorkload(workload) ? opts.webWarmup : opts.warmup;
            const out = await runChild({ system: name, workload, dialect, scale, warmup, repeats: opts.repeats, gcEachRun: opts.gcEachRun, budgetMs: opts.budgetSeconds * 1000 }, opts.timeoutMinutes * 60_000);
            let status = out.status;
            let note = out.message;
            // Fairness: every system must have seen (or written) what raw did.
            if (status === 'ok' && name === 'raw') expected = out.check;
            else if (status === 'ok' && expected !== null && out.check !== expected) {
              status = 'error';
              note = `check value ${out.check} differs from raw's ${expected}`;
            }
            const ok = status === 'ok' && out.timesMs.length > 0;
            r = {
              ...base,
              medianMs: ok ? round(median(out.timesMs)) : null,
              minMs: ok ? round(Math.min(...out.timesMs)) : null,
              maxMs: ok ? round(Math.max(...out.timesMs)) : null,
              statements: ok ? out.statements : null,
              ...(out.countedBy ? { countedBy: out.countedBy } : {}),
              peakRssMb: out.peakRssMb || null,
              status,
              ...(ok && out.runsCapped ? { runsCapped: out.runsCapped } : {}),
              ...(note ? { note } : {}),
            };
          }
          results.push(r);
          console.log(line(r));
        }
      }
    }
  }
  return results;
}

