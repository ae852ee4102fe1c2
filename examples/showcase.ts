/**
 * `npm start`: the pitfall clinic. Every pitfall of the source articles, run
 * the naive way and the Athanor way on the same generated music store, with
 * statements, rows and time side by side.
 *
 *   npm start                                  SQLite, default scale
 *   npm start -- --scale 100000                more data (up to 1,000,000 songs)
 *   npm start -- --report report.html          an HTML page with charts at three scales
 *   npm start -- --json out.json               results as JSON
 *   npm start -- --db postgres://postgres@127.0.0.1/clinic   on a server database
 */
import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/index.js';
import { database } from '../src/orm/index.js';
import { PITFALLS, runClinic } from './clinic/scenarios.js';
import { bold, dim, htmlReport, terminalTable, type VariantResult } from './clinic/render.js';
import { build } from './clinic/schema.js';
import { diagnoseWith } from './clinic/diagnose.js';

interface Args {
  scale: number;
  report: string | undefined;
  json: string | undefined;
  db: string | undefined;
}

export const DEFAULT_SCALE = 100_000;

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { scale: DEFAULT_SCALE, report: undefined, json: undefined, db: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--scale') args.scale = Number(value());
    else if (a === '--report') args.report = value();
    else if (a === '--json') args.json = value();
    else if (a === '--db') args.db = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm start -- [--scale N] [--report report.html] [--json out.json] [--db URL]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!Number.isInteger(args.scale) || args.scale < 100 || args.scale > 1_000_000) {
    throw new Error(`--scale takes a whole number of songs from 100 to 1,000,000, got ${args.scale}`);
  }
  return args;
}

function progressBar(label: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  let lastShown = -1;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    if (tty) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%${done === total ? '\n' : ''}`);
    } else if (pct >= lastShown + 25 || done === total) {
      lastShown = pct;
      process.stderr.write(`${label} ${pct}%\n`);
    }
  };
}

export async function runAtScale(url: string, scale: number): Promise<VariantResult[]> {
  const engine = createEngine(url);
  try {
    await engine.ready();
    const sizes = await build(engine, scale, progressBar(`building ${scale.toLocaleString('en')} songs`));
    const db = database(engine);
    return await runClinic({ engine, db, sizes, scale, diagnose: diagnoseWith(db) });
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let dir: string | undefined;
  let url = args.db;
  if (!url) {
    dir = mkdtempSync(join(tmpdir(), 'athanor-clinic-'));
    url = `sqlite:${join(dir, 'clinic.db')}`;
  }
  const dialect = url.split(':')[0]!;
  console.log(bold('Athanor pitfall clinic'));
  console.log(dim(`database: ${dialect}${args.db ? '' : ' (embedded, a temporary file)'} · the same queries, naive and the Athanor way`));
  try {
    const scales = args.report ? [Math.round(args.scale / 4), Math.round(args.scale / 2), args.scale] : [args.scale];
    const all: VariantResult[] = [];
    for (const scale of scales) all.push(...(await runAtScale(url, scale)));
    const largest = scales[scales.length - 1]!;
    console.log('');
    console.log(terminalTable(PITFALLS, all.filter((r) => r.scale === largest)));
    console.log('');
    if (args.report) {
      writeFileSync(args.report, htmlReport(dialect, PITFALLS, scales, all));
      console.log(`report: ${args.report}`);
    }
    if (args.json) {
      const out = {
        dialect,
        scales,
        scenarios: all.map((r) => ({ pitfall: r.pitfall, variant: r.variant.startsWith('naive') ? 'naive' : r.variant, scale: r.scale, n: r.n, statements: r.statements, ms: Number(r.ms.toFixed(3)), rows: r.rows })),
      };
      writeFileSync(args.json, JSON.stringify(out, null, 2));
      console.log(`json: ${args.json}`);
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
