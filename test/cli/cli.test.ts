/**
 * The `athanor` command line, run as a user runs it (a child process from
 * source), against a copy of the SQLite Chinook file: help, exit codes, the
 * config file, and `pull`.
 */

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHINOOK_PATH } from '../fixtures/chinook.js';
import { athanorIn, root, type Run } from './spawn.js';

const workDir = join(root, '.tmp', `cli-${process.pid}`);

/** `athanor ...args` in `cwd` (default the work directory). */
function athanor(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return athanorIn(options.cwd ?? workDir, args, options.env);
}

before(() => {
  mkdirSync(workDir, { recursive: true });
  copyFileSync(CHINOOK_PATH, join(workDir, 'chinook.sqlite'));
});
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('athanor CLI', () => {
  it('--help lists the commands and the exit codes, and exits 0', async () => {
    const run = await athanor(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^ {2}pull +Read the database schema/m);
    assert.match(run.stdout, /Exit codes:\n {2}0 {2}done\n {2}1 {2}done, with findings/);
    assert.ok(!run.stdout.includes(String.fromCharCode(27)), 'no colours when the output is not a terminal');
  });

  it('a wrong command line exits 2 and says what was wrong', async () => {
    const none = await athanor([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: athanor <command>/);
    const unknown = await athanor(['pul']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "pul"; commands: pull, migrate generate/);
    const option = await athanor(['pull', '--tabels', 'x']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--tabels'/);
    const noUrl = await athanor(['pull']);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /no database URL: pass --url, set url in athanor\.config\.ts, or set DATABASE_URL/);
  });

  it('pull --help shows its options and the global ones', async () => {
    const run = await athanor(['pull', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /-o, --out <file> +write the module to this file/);
    assert.match(run.stdout, /-u, --url <url> +database URL/);
  });

  it('pull writes tables and models to stdout', async () => {
    const run = await athanor(['pull', '--url', 'sqlite:chinook.sqlite']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^export const artistTable = table\('Artist', \{$/m);
    assert.match(run.stdout, /^export class Track extends Model\(trackTable\) \{$/m);
    assert.match(run.stdout, /from 'athanor';$/m);
  });

  it('pull --out --tables writes only those tables to the file; a table not found exits 1', async () => {
    const run = await athanor(['pull', '--url', 'sqlite:chinook.sqlite', '--out', 'src/db/schema.ts', '--tables', 'Artist,Album']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /wrote 2 tables to src\/db\/schema\.ts/);
    const written = readFileSync(join(workDir, 'src/db/schema.ts'), 'utf8');
    assert.deepEqual([...written.matchAll(/^export const (\w+) = table/gm)].map((m) => m[1]), ['artistTable', 'albumTable']);
    const missing = await athanor(['pull', '--url', 'sqlite:chinook.sqlite', '--tables', 'Artist,Nope', '--no-models']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found table Nope/);
    assert.doesNotMatch(missing.stdout, /class Artist/);
  });

  it('reads the URL from athanor.config.ts, else from DATABASE_URL', async () => {
    const project = join(workDir, 'project');
    mkdirSync(project, { recursive: true });
    copyFileSync(CHINOOK_PATH, join(project, 'app.sqlite'));
    writeFileSync(
      join(project, 'athanor.config.ts'),
      "import { defineConfig } from '../../../src/cli/config.js';\n\nconst url: string = 'sqlite:app.sqlite';\nexport default defineConfig({ url, schema: './src/db/schema.ts', migrations: './migrations' });\n",
    );
    const fromConfig = await athanor(['pull', '--tables', 'Genre', '--no-models'], { cwd: project });
    assert.equal(fromConfig.code, 0, fromConfig.stderr);
    assert.match(fromConfig.stdout, /export const genreTable = table\('Genre'/);
    const fromEnv = await athanor(['pull', '--tables', 'Genre'], { env: { DATABASE_URL: 'sqlite:chinook.sqlite' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, /export class Genre extends Model\(genreTable\) \{\}/);
  });

  it('a database that cannot be opened exits 3 with the error', async () => {
    const run = await athanor(['pull', '--url', `sqlite:${join(workDir, 'no/such/dir/x.sqlite')}`]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /^error: /m);
  });
});
