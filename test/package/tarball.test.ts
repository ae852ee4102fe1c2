/**
 * The package as npm ships it: `npm pack` (which builds through `prepack`),
 * installed from the tarball into a scratch project in a temporary directory,
 * then used the way applications use it, from an ES module and from CommonJS,
 * with plain `node` (no tsx, no TypeScript paths).
 *
 * The install is offline: Athanor has no dependencies, and its drivers are
 * optional peers (`--omit=peer`), linked from this repository's node_modules
 * the way an application would have installed them. better-sqlite3 and pg are
 * linked; mysql2 and pg-copy-streams are left out on purpose, to check the
 * error a missing optional package gives.
 *
 * CommonJS works through Node's require() of ES modules (on by default from
 * Node 20.19 and 22.12), so the package ships one build: a second, CommonJS
 * build would load a second copy of Athanor's module state (the execution
 * hooks, registered URL schemes, error classes) into a program that uses both
 * forms. require(esm) refuses a module graph with top-level await, so every
 * entry point is required here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachDialect } from '../support/dialects.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const modules = realpathSync(join(root, 'node_modules'));
/** The peers an application on SQLite and PostgreSQL would have installed. */
const LINKED_PEERS = ['better-sqlite3', 'pg'];

interface PackedFile {
  readonly path: string;
}

let scratch: string;
let project: string;
let packed: readonly string[];
let manifest: { exports: Record<string, string | { types: string; default: string }>; bin: Record<string, string>; license: string };

/** Run `node file` in the scratch project; its stdout parsed as JSON. */
function runNode(file: string, args: readonly string[] = []): unknown {
  const result = spawnSync(process.execPath, [file, ...args], { cwd: project, encoding: 'utf8' });
  assert.equal(result.status, 0, `node ${file} failed:\n${result.stderr}`);
  // Some Node 22 and 23 releases warn (ExperimentalWarning) on require() of an ES module: not a failure of the package.
  const stderr = result.stderr.replace(/^.*ExperimentalWarning: .*(require\(\)|ES Module).*\n(.*--trace-warnings.*\n)?/gm, '');
  assert.equal(stderr, '', `node ${file} wrote to stderr (a warning?):\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

function write(name: string, text: string): string {
  writeFileSync(join(project, name), text);
  return name;
}

/** Subpaths of the `exports` map as specifiers (`athanor`, `athanor/core`, ...), without `./package.json`. */
function entryPoints(): string[] {
  return Object.keys(manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'athanor' : `athanor/${key.slice(2)}`));
}

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'athanor-package-'));
  // Build output goes to stderr; stdout is the JSON report.
  const report = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [{ filename, files }] = JSON.parse(report) as [{ filename: string; files: PackedFile[] }];
  packed = files.map((f) => f.path);

  project = join(scratch, 'app');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'athanor-package-check', version: '0.0.0', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', '--ignore-scripts', '--omit=peer', join(scratch, filename)], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // After the install, which would prune packages it did not put there.
  for (const peer of LINKED_PEERS) symlinkSync(join(modules, peer), join(project, 'node_modules', peer), 'dir');
  manifest = JSON.parse(readFileSync(join(project, 'node_modules/athanor/package.json'), 'utf8'));
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds every file the exports map and bin name, the license, and no tests', () => {
    const targets = Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : [t.types, t.default]));
    for (const target of [...targets, ...Object.values(manifest.bin)]) {
      assert.ok(packed.includes(posix.normalize(target)), `${target} is not in the tarball`);
    }
    assert.ok(packed.includes('LICENSE'));
    assert.match(readFileSync(join(project, 'node_modules/athanor/LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) The Athanor authors\n/);
    assert.equal(manifest.license, 'MIT');
    assert.deepEqual(packed.filter((p) => p.startsWith('test/') || p.endsWith('.test.ts') || p.endsWith('.test.js')), []);
  });

  it('ships the sources its source maps point to', () => {
    const maps = packed.filter((p) => p.endsWith('.js.map') || p.endsWith('.d.ts.map'));
    assert.ok(maps.length > 100, `${maps.length} maps`);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(project, 'node_modules/athanor', map), 'utf8')) as { sources: string[]; sourceRoot?: string };
      assert.ok(sources.length > 0, map);
      for (const source of sources) {
        const path = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', source));
        if (!packed.includes(path)) missing.push(`${map} -> ${path}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('runs from an ES module: an engine on SQLite, a table, an insert, a select, and every entry point', async () => {
    const file = write(
      'esm.mjs',
      `import { createEngine, identity, insert, select, table, text } from 'athanor';
const engine = createEngine('sqlite::memory:');
const item = table('pkg_item', { id: identity(), name: text().notNull() });
await engine.createAll([item]);
await engine.execute(insert(item).values([{ name: 'flask' }, { name: 'retort' }]));
const rows = await engine.all(select(item.c.id, item.c.name).from(item).orderBy(item.c.id));
await engine.close();
const entries = {};
for (const specifier of ${JSON.stringify(entryPoints())}) {
  try {
    entries[specifier] = Object.keys(await import(specifier)).sort();
  } catch (error) {
    entries[specifier] = { code: error.code, message: error.message.split('\\n')[0] };
  }
}
console.log(JSON.stringify({ rows, entries }));
`,
    );
    const { rows, entries } = runNode(file) as { rows: unknown; entries: Record<string, string[] | { code: string; message: string }> };
    assert.deepEqual(rows, [
      { id: 1, name: 'flask' },
      { id: 2, name: 'retort' },
    ]);
    checkEntries(entries);
  });

  it('runs from CommonJS: the same, a better-sqlite3 Database of its own, and one copy of the module state', async () => {
    const file = write(
      'cjs.cjs',
      `const { createEngine, identity, insert, select, table, text, AthanorError, executionHooks } = require('athanor');
const { createSqliteDriver } = require('athanor/drivers/better-sqlite3');
const Database = require('better-sqlite3');
async function main() {
  const item = table('pkg_item', { id: identity(), name: text().notNull() });
  const engine = createEngine('sqlite::memory:');
  await engine.createAll([item]);
  await engine.execute(insert(item).values({ name: 'alembic' }));
  const rows = await engine.all(select(item.c.id, item.c.name).from(item));
  await engine.close();

  const database = new Database(':memory:');
  const own = createEngine({ driver: createSqliteDriver({ database }), dialect: 'sqlite' });
  await own.createAll([item]);
  await own.execute(insert(item).values({ name: 'crucible' }));
  await own.close();
  const ownRows = database.prepare('SELECT name FROM pkg_item').all();
  database.close();

  const esm = await import('athanor');
  const sameModule = esm.AthanorError === AthanorError && esm.executionHooks === executionHooks;
  const entries = {};
  for (const specifier of ${JSON.stringify(entryPoints())}) {
    try {
      entries[specifier] = Object.keys(require(specifier)).filter((k) => k !== '__esModule').sort();
    } catch (error) {
      entries[specifier] = { code: error.code, message: error.message.split('\\n')[0] };
    }
  }
  let missingDriver;
  try {
    await createEngine('mysql://root@127.0.0.1:1/none').ready();
  } catch (error) {
    missingDriver = { name: error.name, code: error.code, packageName: error.packageName, message: error.message };
  }
  console.log(JSON.stringify({ rows, ownRows, sameModule, entries, missingDriver }));
}
main().catch((error) => { console.error(error); process.exitCode = 1; });
`,
    );
    const out = runNode(file) as {
      rows: unknown;
      ownRows: unknown;
      sameModule: boolean;
      entries: Record<string, string[] | { code: string; message: string }>;
      missingDriver: { name: string; code: string; packageName: string; message: string };
    };
    assert.deepEqual(out.rows, [{ id: 1, name: 'alembic' }]);
    assert.deepEqual(out.ownRows, [{ name: 'crucible' }], 'the engine wrote to the database handed in, and left it open');
    assert.equal(out.sameModule, true, 'require() and import() load the same module');
    checkEntries(out.entries);
    assert.deepEqual(out.missingDriver, {
      name: 'MissingPackageError',
      code: 'ATH_MISSING_PACKAGE',
      packageName: 'mysql2',
      message: 'createEngine("mysql://root@127.0.0.1:1/none") needs the package "mysql2", which is not installed: npm install mysql2',
    });
  });

  it('type-checks from ES modules and CommonJS (TypeScript, module nodenext)', () => {
    write('check.mts', `import { createEngine, type Engine } from 'athanor';\nimport { createPgDriver } from 'athanor/drivers/pg';\nimport { createSqliteDriver } from 'athanor/drivers/better-sqlite3';\nimport { Model } from 'athanor/orm';\nimport { logStatements } from 'athanor/diagnostics';\nconst engine: Engine = createEngine('sqlite::memory:');\nvoid [engine, createPgDriver, createSqliteDriver, Model, logStatements];\n// @ts-expect-error createEngine takes a URL string or options\ncreateEngine(42);\n`);
    write('check.cts', `import athanor = require('athanor');\nimport core = require('athanor/core');\nconst engine: athanor.Engine = core.createEngine('sqlite::memory:');\nvoid engine;\n`);
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['check.mts', 'check.cts'] }));
    const tsc = spawnSync(process.execPath, [join(modules, 'typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it('installs the athanor command', () => {
    const bin = join(project, 'node_modules/.bin/athanor');
    assert.ok(existsSync(bin));
    const help = spawnSync(bin, ['--help'], { cwd: project, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /athanor/);
  });

  it('the athanor command loads a TypeScript config, schema module and migrations through tsx with one copy of Athanor, .mts where the package is not a module', () => {
    // tsx as an application would have installed it (Node 20 strips no types by itself).
    if (!existsSync(join(project, 'node_modules/tsx'))) symlinkSync(join(modules, 'tsx'), join(project, 'node_modules/tsx'), 'dir');
    const bin = join(project, 'node_modules/.bin/athanor');
    const athanor = (dir: string, ...args: string[]) => spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
    const app = (name: string, pkg: Record<string, unknown>, ext: '.ts' | '.mts') => {
      const dir = join(project, name);
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...pkg }));
      writeFileSync(join(dir, `athanor.config${ext}`), `import { defineConfig } from 'athanor/cli';\nexport default defineConfig({ url: 'sqlite:app.sqlite', schema: './src/schema${ext}', migrations: './migrations' });\n`);
      writeFileSync(join(dir, `src/schema${ext}`), "import { Model, identity, table, text } from 'athanor';\nexport const bandTable = table('band', { id: identity(), name: text().notNull() });\nexport class Band extends Model(bandTable) {}\n");
      return dir;
    };
    for (const [dir, ext] of [[app('esm-app', { type: 'module' }, '.ts'), 'ts'], [app('cjs-app', {}, '.mts'), 'mts']] as const) {
      const generated = athanor(dir, 'migrate', 'generate', 'init');
      assert.equal(generated.status, 0, generated.stdout + generated.stderr);
      assert.match(generated.stdout, new RegExp(`^wrote migrations/\\d{8}T\\d{6}_init\\.${ext} \\(1 operation\\)$`, 'm'));
      const up = athanor(dir, 'migrate', 'up');
      assert.equal(up.status, 0, up.stdout + up.stderr);
      const check = athanor(dir, 'migrate', 'check');
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /^no drift: the database matches the schema module \(1 table\)$/m);
    }
    const refused = athanor(app('cjs-ts-app', {}, '.ts'), 'migrate', 'status');
    assert.equal(refused.status, 3, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /athanor\.config\.ts would load as CommonJS .* \[ATH_MODULE_FORMAT\]\n {2}see docs\/errors\.md#ath_module_format$/m);
  });
});

/** Every entry point loads, except the mysql2 driver's, which says that mysql2 (not linked) is missing. */
function checkEntries(entries: Record<string, string[] | { code: string; message: string }>): void {
  assert.deepEqual(Object.keys(entries), entryPoints());
  for (const [specifier, loaded] of Object.entries(entries)) {
    if (specifier === 'athanor/drivers/mysql2') {
      assert.ok(!Array.isArray(loaded), 'mysql2 is not installed');
      assert.match(loaded.code, /MODULE_NOT_FOUND/);
      assert.match(loaded.message, /'mysql2'/);
      continue;
    }
    assert.ok(Array.isArray(loaded), `${specifier}: ${JSON.stringify(loaded)}`);
    assert.ok(loaded.length > 0, `${specifier} exports nothing`);
  }
  assert.ok((entries['athanor'] as string[]).includes('createEngine'));
  assert.ok((entries['athanor/core'] as string[]).includes('createEngine'));
  assert.ok((entries['athanor/drivers/pg'] as string[]).includes('createPgDriver'));
  assert.ok((entries['athanor/drivers/better-sqlite3'] as string[]).includes('createSqliteDriver'));
}

forEachDialect(
  'the packed tarball on PostgreSQL without pg-copy-streams',
  (ctx) => {
    it('COPY fails with MissingPackageError naming the package; the engine goes on working', () => {
      const file = write(
        'copy.mjs',
        `import { createEngine, integer, table, text, sql } from 'athanor';
const engine = createEngine(process.argv[2]);
const row = table('pkg_copy_row', { id: integer().primaryKey(), name: text() });
await engine.dropAll([row], { ifExists: true });
await engine.createAll([row]);
let failure;
try {
  await engine.copyFrom(row, [{ id: 1, name: 'one' }]);
} catch (error) {
  failure = { name: error.name, code: error.code, packageName: error.packageName, message: error.message };
}
const count = await engine.scalar(sql\`SELECT count(*)::int AS n FROM pkg_copy_row\`);
await engine.dropAll([row]);
await engine.close();
console.log(JSON.stringify({ failure, count }));
`,
      );
      assert.deepEqual(runNode(file, [ctx.url]), {
        failure: {
          name: 'MissingPackageError',
          code: 'ATH_MISSING_PACKAGE',
          packageName: 'pg-copy-streams',
          message: 'PostgreSQL COPY (engine.copyFrom) needs the package "pg-copy-streams", which is not installed: npm install pg-copy-streams',
        },
        count: 0,
      });
    });
  },
  { only: ['postgres'] },
);
