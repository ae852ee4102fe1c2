#!/usr/bin/env node
// `npm test`: type-check, lint, then run every test file with node's test runner.
//
// SQLite always runs (embedded). PostgreSQL and MariaDB/MySQL run when their
// servers answer; the first lines of output say which dialects run and which
// were skipped, and why. Set ATHANOR_REQUIRE_DIALECTS=postgres,mysql (as CI
// does) to make an unreachable server a failure instead of a skip.
//
//   npm test                       all test files
//   npm test -- test/core          only files under a path
//   ATHANOR_SKIP_CHECKS=1 npm test skip tsc and eslint (quick local loops)

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const PG_URL = process.env.ATHANOR_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/athanor_test';
const MYSQL_URL = process.env.ATHANOR_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/athanor_test';
const required = new Set(
  (process.env.ATHANOR_REQUIRE_DIALECTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** Connect to the server's maintenance database and create the test database if it is missing. */
async function probePostgres() {
  const { default: pg } = await import('pg');
  const url = new URL(PG_URL);
  const dbName = url.pathname.slice(1);
  const admin = new URL(PG_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (rows.length === 0) await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
    const v = await client.query('SHOW server_version');
    return `PostgreSQL ${v.rows[0].server_version}`;
  } finally {
    await client.end();
  }
}

async function probeMysql() {
  const mysql = await import('mysql2/promise');
  const url = new URL(MYSQL_URL);
  const dbName = url.pathname.slice(1);
  const conn = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password || ''),
    connectTimeout: 3000,
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${dbName.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const [rows] = await conn.query('SELECT VERSION() AS v');
    return `MySQL/MariaDB ${rows[0].v}`;
  } finally {
    await conn.end();
  }
}

async function probe(name, fn) {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (error) {
    return { name, ok: false, detail: error?.code ?? error?.message ?? String(error) };
  }
}

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  return r.status ?? 1;
}

const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['test'];
const files = roots.flatMap((p) => (statSync(p).isDirectory() ? findTests(p) : [p])).sort();

if (!process.env.ATHANOR_SKIP_CHECKS) {
  console.log('# type check (tsc --noEmit)');
  if (run('npx', ['tsc', '--noEmit', '-p', '.']) !== 0) process.exit(1);
  console.log('# lint (eslint)');
  if (run('npx', ['eslint', '.']) !== 0) process.exit(1);
}

const probes = await Promise.all([probe('postgres', probePostgres), probe('mysql', probeMysql)]);
const available = ['sqlite'];
console.log('# dialects:');
console.log('#   sqlite    runs (embedded, better-sqlite3)');
let missingRequired = false;
for (const p of probes) {
  if (p.ok) {
    available.push(p.name);
    console.log(`#   ${p.name.padEnd(9)} runs (${p.detail})`);
  } else if (required.has(p.name)) {
    missingRequired = true;
    console.log(`#   ${p.name.padEnd(9)} UNREACHABLE and required: ${p.detail}`);
  } else {
    console.log(`#   ${p.name.padEnd(9)} SKIPPED: server not reachable (${p.detail}); start it or set ATHANOR_${p.name === 'postgres' ? 'PG' : 'MYSQL'}_URL`);
  }
}
if (missingRequired) {
  console.error('# a required dialect is unreachable: failing (ATHANOR_REQUIRE_DIALECTS)');
  process.exit(1);
}

const env = {
  ...process.env,
  ATHANOR_PG_URL: PG_URL,
  ATHANOR_MYSQL_URL: MYSQL_URL,
  ATHANOR_DIALECTS: available.join(','),
};
console.log(`# running ${files.length} test files: ${files.map((f) => relative(root, f)).join(' ')}`);
// Human-readable output on stdout, TAP to a file for the closing summary line.
const tapFile = join(tmpdir(), `athanor-test-${process.pid}.tap`);
const status = run(
  process.execPath,
  [
    '--expose-gc',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  env,
);
let counts = { pass: 0, fail: 0, skipped: 0 };
try {
  const tap = readFileSync(tapFile, 'utf8');
  for (const key of Object.keys(counts)) {
    const m = new RegExp(`^# ${key === 'skipped' ? 'skipped' : key} (\\d+)$`, 'm').exec(tap);
    if (m) counts[key] = Number(m[1]);
  }
  rmSync(tapFile, { force: true });
} catch {
  // no TAP file: the runner itself failed; its exit status says so
}
const skipped = probes.filter((p) => !p.ok).map((p) => p.name);
if (skipped.length > 0) console.log(`# skipped dialects: ${skipped.join(', ')} (only SQLite${available.length > 1 ? ' and ' + available.slice(1).join(', ') : ''} ran)`);
console.log(`${counts.pass} passed, ${counts.fail} failed, ${counts.skipped} skipped`);
process.exit(status);
