#!/usr/bin/env node
// `npm run bench`: install the benchmark's own dependencies (the peer ORMs
// live in bench/package.json, never in the library's), then run the suite
// with tsx, passing every argument through:
//
//   npm run bench                       the whole suite (long)
//   npm run bench -- --quick            small data, a few minutes
//   npm run bench -- core               Core insert and compile-cache figures
//   npm run bench -- --only athanor,raw --dialect sqlite --json out.json

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

function run(command, args, extraEnv = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (!existsSync('bench/node_modules')) {
  // `npm ci` installs exactly the committed lockfile; `install` only creates it the first time.
  const verb = existsSync('bench/package-lock.json') ? 'ci' : 'install';
  console.log(`bench: npm ${verb} --prefix bench (first run only)`);
  const status = run('npm', [verb, '--prefix', 'bench']);
  if (status !== 0) process.exit(status);
}

// Prisma's clients (one per database) are generated into bench/node_modules/.generated/ from
// bench/prisma/<dialect>/schema.prisma. Generating needs no engine download: the schema engine is
// never run (tables come from the bench's own DDL).
// A client older than its schema (a model added since) is generated again.
for (const dialect of ['sqlite', 'postgres', 'mysql']) {
  const client = `bench/node_modules/.generated/prisma-${dialect}/client.ts`;
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(`bench/prisma/${dialect}/schema.prisma`).mtimeMs) continue;
  const status = run('npx', ['--prefix', 'bench', 'prisma', 'generate', '--schema', `bench/prisma/${dialect}/schema.prisma`], {
    PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
  });
  if (status !== 0) console.warn(`bench: prisma generate failed for ${dialect}; the prisma system will report an error there`);
}

// Athanor is measured from its build, as the package ships it (bench/lib/from-build.mjs says why): build it now,
// so the figures are of the sources as they are. ATHANOR_BENCH_FROM=src runs the TypeScript sources instead.
if (process.env.ATHANOR_BENCH_FROM !== 'src') {
  const status = run('npm', ['run', '--silent', 'build']);
  if (status !== 0) process.exit(status);
}

process.exit(run(process.execPath, ['--import', 'tsx', '--import', './bench/lib/from-build.mjs', 'bench/run.ts', ...process.argv.slice(2)]));
