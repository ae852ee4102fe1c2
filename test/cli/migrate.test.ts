/**
 * `athanor migrate ...` as a user runs it, on every database: a project with
 * athanor.config.ts and a schema module; generate writes the first migration,
 * lint and up apply it, status and check agree; the schema module changes,
 * check reports the drift, a drop is refused with the rename hint, generate
 * with the hint, up, then down, with a row inserted beforehand kept throughout;
 * an applied migration edited afterwards is flagged by status and stops up.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Engine } from '../../src/core/index.js';
import { createEngine } from '../../src/connect/index.js';
import { forEachDialect } from '../support/dialects.js';
import { dropDatabase, freshDatabase, siblingUrl } from '../support/scratch-databases.js';
import { athanorIn, root } from './spawn.js';

const base = join(root, '.tmp', `cli-migrate-${process.pid}`);
after(() => rmSync(base, { recursive: true, force: true }));

const SCHEMA_V1 = (from: string) => `import { Model, identity, integer, table, text } from '${from}';

export const bandTable = table('clm_band', { id: identity(), name: text().notNull() });
export class Band extends Model(bandTable) {}
export const gigTable = table('clm_gig', {
  id: identity(),
  title: text().notNull(),
  bandId: integer('band_id').references(() => bandTable.c.id),
});
export const notATable = 42;
`;

const SCHEMA_V2 = (from: string) => `import { Model, identity, index, integer, table, text, varchar } from '${from}';

export const bandTable = table('clm_band', { id: identity(), name: text().notNull(), country: varchar(2) });
export class Band extends Model(bandTable) {}
export const gigTable = table('clm_gig', {
  id: identity(),
  name: text().notNull(),
  bandId: integer('band_id').references(() => bandTable.c.id),
}, (c) => [index('clm_gig_name_idx', c.name)]);
`;

forEachDialect('athanor migrate', (ctx) => {
  const project = join(base, ctx.name);
  const url = ctx.name === 'sqlite' ? `sqlite:${join(project, 'app.sqlite')}` : siblingUrl(ctx.url, 'cli_migrate');
  /** What the project's files import Athanor from: the source tree, relative to each file. */
  const athanorFrom = (dir: string) => relative(dir, join(root, 'src/index.js')).split('\\').join('/');
  const migrations = join(project, 'migrations');
  const run = (...args: string[]) => athanorIn(project, args, { APP_DATABASE_URL: url });
  const generate = (...args: string[]) => run('migrate', 'generate', ...args, '--import-from', athanorFrom(migrations));
  let engine: Engine;

  before(async () => {
    mkdirSync(join(project, 'src'), { recursive: true });
    if (ctx.name !== 'sqlite') await freshDatabase(url);
    writeFileSync(
      join(project, 'athanor.config.ts'),
      `import { defineConfig } from '${relative(project, join(root, 'src/cli/config.js'))}';\n\n` +
        "export default defineConfig({ url: process.env['APP_DATABASE_URL'], schema: './src/schema.ts', migrations: './migrations' });\n",
    );
    writeFileSync(join(project, 'src/schema.ts'), SCHEMA_V1(athanorFrom(join(project, 'src'))));
    engine = createEngine(url);
  });
  after(async () => {
    await engine.close();
    if (ctx.name !== 'sqlite') await dropDatabase(url);
  });

  it('generate, lint, up, status and check, then a change: drift, a refused drop, generate with the hint, up, down', async () => {
    const empty = await run('migrate', 'status');
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /no migrations yet/);

    const first = await generate('init');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^wrote migrations\/\d{8}T\d{6}_init\.ts \(2 operations\)$/m);
    const [initFile] = readdirSync(migrations);
    const initId = initFile!.replace(/\.ts$/, '');
    assert.match(readFileSync(join(migrations, initFile!), 'utf8'), /op\.createTable\(clm_band_1\),\n {2}op\.createTable\(clm_gig_1\),/);

    const lintInit = await run('migrate', 'lint', '--lock-timeout', '5000');
    assert.equal(lintInit.code, 0, lintInit.stdout + lintInit.stderr);
    assert.match(lintInit.stdout, new RegExp(`^${initId}: no findings$`, 'm'));

    const pending = await run('migrate', 'status');
    assert.equal(pending.code, 1, 'pending migrations exit 1');
    assert.match(pending.stdout, new RegExp(`^ {2}pending +${initId}$`, 'm'));

    const up = await run('migrate', 'up');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`^applied ${initId}$`, 'm'));
    const status = await run('migrate', 'status');
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, new RegExp(`^ {2}applied +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z ${initId}$`, 'm'));
    assert.match(status.stdout, /^1 applied, 0 pending$/m);

    const clean = await run('migrate', 'check');
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /^no drift: the database matches the schema module \(2 tables\)$/m);

    await engine.execute(sql`INSERT INTO clm_band (name) VALUES ('The Kept')`);
    await engine.execute(sql`INSERT INTO clm_gig (title, band_id) VALUES ('opening night', 1)`);
    writeFileSync(join(project, 'src/schema.ts'), SCHEMA_V2(athanorFrom(join(project, 'src'))));

    const drift = await run('migrate', 'check');
    assert.equal(drift.code, 1, drift.stdout + drift.stderr);
    assert.match(drift.stdout, /^drift: 4 differences between the schema module and the database:$/m);
    assert.match(drift.stdout, /^ {2}column "clm_band"\."country" is missing$/m);
    assert.match(drift.stdout, /^ {2}column "clm_gig"\."title" exists but is not declared$/m);
    assert.match(drift.stdout, /^ {2}index "clm_gig_name_idx" on "clm_gig" \(name\) is missing$/m);

    const refused = await generate('gig_names');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /column "clm_gig"\."title" would be dropped, and one of the same shape added: a rename\? pass renames \(CLI: --rename clm_gig\.title=name\)/);
    assert.equal(readdirSync(migrations).length, 1, 'nothing written');

    const preview = await generate('gig_names', '--rename', 'clm_gig.title=name', '--sql');
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^-- \d{8}T\d{6}_gig_names$/m);
    assert.match(preview.stdout, /RENAME COLUMN ["`]title["`] TO ["`]name["`]/);
    assert.match(preview.stderr, /rename "clm_gig"\."title": renaming/);
    assert.equal(readdirSync(migrations).length, 1, '--sql writes nothing');

    const second = await generate('gig_names', '--rename', 'clm_gig.title=name');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^wrote migrations\/\d{8}T\d{6}_gig_names\.ts \(3 operations\)$/m);
    assert.match(second.stdout, /^ {2}warning rename "clm_gig"\."title": /m);
    const secondId = readdirSync(migrations).sort()[1]!.replace(/\.ts$/, '');

    const lint = await run('migrate', 'lint');
    assert.equal(lint.code, 1, 'findings exit 1');
    assert.match(lint.stdout, new RegExp(`^${secondId}:\\n {2}(error|warning) `, 'm'));
    const allowed = await run('migrate', 'lint', secondId, '--allow', 'rename,missing-lock-timeout,index-without-concurrently,table-copy');
    assert.equal(allowed.code, 0, allowed.stdout);
    const badRule = await run('migrate', 'lint', '--allow', 'renaem');
    assert.equal(badRule.code, 2);
    assert.match(badRule.stderr, /unknown lint rule renaem/);

    assert.equal((await run('migrate', 'up')).code, 0);
    const matches = await run('migrate', 'check');
    assert.equal(matches.code, 0, matches.stdout);
    assert.deepEqual(await engine.all(sql<{ name: string }>`SELECT name FROM clm_gig`), [{ name: 'opening night' }]);

    const downSql = await run('migrate', 'down', '--sql');
    assert.equal(downSql.code, 0, downSql.stderr);
    assert.match(downSql.stdout, new RegExp(`^-- ${secondId} \\(down\\)$`, 'm'));
    assert.doesNotMatch(downSql.stdout, new RegExp(initId));

    const down = await run('migrate', 'down');
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, new RegExp(`^undone ${secondId}$`, 'm'));
    assert.doesNotMatch(down.stdout, new RegExp(`undone ${initId}`), 'only the newest is undone');
    assert.deepEqual(await engine.all(sql<{ title: string }>`SELECT title FROM clm_gig`), [{ title: 'opening night' }]);
    assert.deepEqual(await engine.all(sql<{ name: string }>`SELECT name FROM clm_band`), [{ name: 'The Kept' }]);
    const after = await run('migrate', 'status');
    assert.equal(after.code, 1);
    assert.match(after.stdout, new RegExp(`^ {2}pending +${secondId}$`, 'm'));

    const initPath = join(migrations, `${initId}.ts`);
    writeFileSync(initPath, readFileSync(initPath, 'utf8').replace('title: text().notNull()', 'title: text()'));
    const edited = await run('migrate', 'status');
    assert.equal(edited.code, 1);
    assert.match(edited.stdout, new RegExp(`${initId} {2}\\(edited since it was applied\\)$`, 'm'));
    const refusedUp = await run('migrate', 'up');
    assert.equal(refusedUp.code, 3, 'an error exits 3');
    assert.match(refusedUp.stderr, /^error: migration "\d{8}T\d{6}_init" was edited after being applied .* \[ATH_MIGRATION_CHECKSUM\]$/m);
  });
});

describe('athanor migrate, command line', () => {
  const project = join(base, 'usage');

  before(() => {
    mkdirSync(project, { recursive: true });
  });

  it('--help lists the migrate commands; each has its own help', async () => {
    const help = await athanorIn(project, ['--help']);
    assert.equal(help.code, 0);
    for (const name of ['generate', 'up', 'down', 'status', 'check', 'lint']) assert.match(help.stdout, new RegExp(`^ {2}migrate ${name} `, 'm'));
    const generate = await athanorIn(project, ['migrate', 'generate', '--help']);
    assert.equal(generate.code, 0);
    assert.match(generate.stdout, /--rename <table\.old=new> \.\.\. +a renamed column/);
    assert.match(generate.stdout, /--allow-drop +drop tables and columns/);
  });

  it('up tells how far a backfill has got after each batch, on stderr', async () => {
    const dir = join(base, 'backfill');
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations, { recursive: true });
    const from = relative(migrations, join(root, 'src/index.js')).split('\\').join('/');
    writeFileSync(
      join(migrations, '20260101T000000_plays.ts'),
      `import { op } from '${from}';\n\nexport const id = '20260101T000000_plays';\n` +
        "export const up = [op.sql(['CREATE TABLE clb_song (id INTEGER PRIMARY KEY, plays INTEGER)', 'INSERT INTO clb_song (id) VALUES (1), (2), (3), (4), (5)'], 'DROP TABLE clb_song')];\n",
    );
    writeFileSync(
      join(migrations, '20260102T000000_backfill.ts'),
      `import { op } from '${from}';\n\nexport const id = '20260102T000000_backfill';\nexport const transactional = false;\n` +
        "export const up = [op.backfill('clb_song', 'plays', 0, { key: 'id', batchSize: 2 })];\n",
    );
    const up = await athanorIn(dir, ['migrate', 'up', '--url', `sqlite:${join(dir, 'app.sqlite')}`]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^applied 20260102T000000_backfill$/m);
    assert.deepEqual(up.stderr.trimEnd().split('\n'), [1, 2, 3].map((b) => `  20260102T000000_backfill: backfill "clb_song"."plays": ${Math.min(5, 2 * b)} rows in ${b} batch${b === 1 ? '' : 'es'}`));
  });

  it('a missing name, a bad hint or no schema module exits 2 and says so', async () => {
    const noSubcommand = await athanorIn(project, ['migrate']);
    assert.equal(noSubcommand.code, 2);
    assert.match(noSubcommand.stderr, /athanor migrate needs a subcommand: generate, up, down, status, check, lint/);
    const noName = await athanorIn(project, ['migrate', 'generate', '--url', 'sqlite::memory:']);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /migrate generate needs a name/);
    const badHint = await athanorIn(project, ['migrate', 'generate', 'x', '--rename', 'nope', '--url', 'sqlite::memory:']);
    assert.equal(badHint.code, 2);
    assert.match(badHint.stderr, /rename hint "nope": write table\.old_column=new_column/);
    const noSchema = await athanorIn(project, ['migrate', 'check', '--url', 'sqlite::memory:']);
    assert.equal(noSchema.code, 2);
    assert.match(noSchema.stderr, /no schema module: set schema in athanor\.config\.ts/);
    assert.ok(!existsSync(join(project, 'migrations')));
  });
});
