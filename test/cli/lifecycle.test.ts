/**
 * The schema lifecycle as a team that already has a database lives it, on
 * every database, through the real CLI in a project folder of its own:
 * Chinook made from its own script (SQLite: the original file) with rows in
 * it; `athanor pull` writes the models, which compile under `tsc --strict`
 * and match the database (`check` exits 0); the models change (a nullable
 * column, an index, a renamed column); `check` sees the drift, `generate`
 * refuses the drop with the rename hint and writes the migration with it;
 * `lint` judges it as the database would run it (PostgreSQL: the index
 * without CONCURRENTLY, which `--safe` builds concurrently instead); `up`
 * applies it with every row and value kept, `check` is clean, `down` brings
 * back the schema as it was, data intact, and `check` reports the drift again.
 */

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, it } from 'node:test';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { compareSchemas, identifier, insert, introspect, sql, type Engine, type Table } from '../../src/index.js';
import { createEngine } from '../../src/connect/index.js';
import type { DialectName } from '../../src/core/dialects/dialect.js';
import { CHINOOK_PATH } from '../fixtures/chinook.js';
import { forEachDialect } from '../support/dialects.js';
import { dropDatabase, freshDatabase, siblingUrl } from '../support/scratch-databases.js';
import { athanorIn, root } from './spawn.js';

const base = join(root, '.tmp', `cli-lifecycle-${process.pid}`);
after(() => rmSync(base, { recursive: true, force: true }));

/** What the Chinook script of each database names things (PostgreSQL's is snake_case, the others PascalCase). */
interface Names {
  readonly script: string | undefined;
  readonly artist: string;
  readonly track: string;
  readonly trackId: string;
  readonly milliseconds: string;
  readonly durationMs: string;
  readonly country: string;
  readonly trackName: string;
}
const pascal = { artist: 'Artist', track: 'Track', trackId: 'TrackId', milliseconds: 'Milliseconds', durationMs: 'DurationMs', country: 'Country', trackName: 'Name' };
const NAMES: Record<DialectName, Names> = {
  sqlite: { script: undefined, ...pascal },
  mysql: { script: join(root, 'test/fixtures/data/chinook/Chinook_MySql.schema.sql'), ...pascal },
  postgres: {
    script: join(root, 'test/fixtures/data/chinook/Chinook_PostgreSql.schema.sql'),
    artist: 'artist',
    track: 'track',
    trackId: 'track_id',
    milliseconds: 'milliseconds',
    durationMs: 'duration_ms',
    country: 'country',
    trackName: 'name',
  },
};

/** The tables filled from the SQLite original on the servers (parents first), and their row counts there. */
const FILLED = { Genre: 25, MediaType: 5, Artist: 275, Album: 347, Track: 3503 } as const;
const squash = (name: string) => name.replace(/_/g, '').toLowerCase();

/** Copy the rows of FILLED from the SQLite original into the server's Chinook, column by column in order. */
async function fillFromOriginal(engine: Engine): Promise<void> {
  const tables = (await introspect(engine)).tables;
  const original = new Database(CHINOOK_PATH, { readonly: true });
  try {
    for (const name of Object.keys(FILLED)) {
      const target = tables.find((t) => squash(t.name) === squash(name))!;
      const rows = original.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][];
      const objects = rows.map((r) => Object.fromEntries(target.columns.map((c, i) => [c.key, r[i]])));
      for (let i = 0; i < objects.length; i += 500) await engine.execute(insert(target as Table<string, never>).values(objects.slice(i, i + 500) as never));
    }
  } finally {
    original.close();
  }
}

let lastProgram: ts.Program | undefined;
/** Type errors of `file` (and what it imports) under `tsc --strict`; a second call reuses what did not change. */
function typeErrors(file: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
  };
  const program = ts.createProgram([file], options, undefined, lastProgram);
  lastProgram = program;
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? relative(root, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** The pulled module with the three changes: a nullable column on artist, an index on track, a column of track renamed. */
function changeModels(source: string, n: Names): string {
  const artist = /^(export const artistTable = table\('\w+', \{\n(?: {2}.*\n)*?)(\}\);|\}, \(c\) => \[)/m;
  assert.match(source, artist);
  let out = source.replace(artist, `$1  country: varchar(2, '${n.country}'),\n$2`);
  const track = /^(export const trackTable = table\('\w+', \{\n(?: {2}.*\n)*?\}, \(c\) => \[\n)/m;
  assert.match(out, track, 'the track table has indexes (its foreign keys)');
  out = out.replace(track, `$1  index('track_name_idx', c.name),\n`);
  const milliseconds = /^ {2}milliseconds: integer\((?:'Milliseconds')?\)\.notNull\(\),$/m;
  assert.match(out, milliseconds);
  return out.replace(milliseconds, `  durationMs: integer('${n.durationMs}').notNull(),`);
}

forEachDialect('schema lifecycle from an existing Chinook database', (ctx) => {
  const n = NAMES[ctx.name];
  const project = join(base, ctx.name);
  const url = ctx.name === 'sqlite' ? `sqlite:${join(project, 'chinook.sqlite')}` : siblingUrl(ctx.url, 'lifecycle');
  const migrations = join(project, 'migrations');
  const athanorFrom = (dir: string) => relative(dir, join(root, 'src/index.js')).split('\\').join('/');
  const run = (...args: string[]) => athanorIn(project, args, { APP_DATABASE_URL: url });
  const generate = (...args: string[]) => run('migrate', 'generate', ...args, '--import-from', athanorFrom(migrations));
  const ident = (name: string) => identifier(name);
  let engine: Engine;

  before(async () => {
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `chinook-${ctx.name}`, private: true, type: 'module' }, null, 2));
    writeFileSync(
      join(project, 'athanor.config.ts'),
      `import { defineConfig } from '${relative(project, join(root, 'src/cli/config.js'))}';\n\n` +
        "export default defineConfig({ url: process.env['APP_DATABASE_URL'], schema: './src/schema.ts', migrations: './migrations' });\n",
    );
    if (ctx.name === 'sqlite') copyFileSync(CHINOOK_PATH, join(project, 'chinook.sqlite'));
    else await freshDatabase(url, n.script);
    engine = createEngine(url);
    if (ctx.name !== 'sqlite') await fillFromOriginal(engine);
  });
  after(async () => {
    await engine.close();
    if (ctx.name !== 'sqlite') await dropDatabase(url);
  });

  /** Row counts of the filled tables, and a few tracks as they are. */
  const snapshot = async (duration: string) => {
    const counts: Record<string, number> = {};
    for (const name of Object.keys(FILLED)) {
      const actual = ctx.name === 'postgres' ? name.replace(/(?<=[a-z])([A-Z])/g, '_$1').toLowerCase() : name;
      counts[name] = Number(await engine.scalar(sql`SELECT COUNT(*) FROM ${ident(actual)}`));
    }
    const tracks = await engine.all(
      sql<{ id: unknown; name: unknown; ms: unknown }>`SELECT ${ident(n.trackId)} AS id, ${ident(n.trackName)} AS name, ${ident(duration)} AS ms FROM ${ident(n.track)} WHERE ${ident(n.trackId)} IN (1, 2, 3503) ORDER BY 1`,
    );
    return { counts, tracks: tracks.map((t) => ({ id: Number(t.id), name: t.name, ms: Number(t.ms) })) };
  };
  const TRACKS = [
    { id: 1, name: 'For Those About To Rock (We Salute You)', ms: 343719 },
    { id: 2, name: 'Balls to the Wall', ms: 342562 },
    { id: 3503, name: 'Koyaanisqatsi', ms: 206005 },
  ];

  it('pull, compile, check; change the models; generate with the rename hint, lint, up, check, down, check', async () => {
    const before = await snapshot(n.milliseconds);
    assert.deepEqual(before, { counts: FILLED, tracks: TRACKS });
    const schemaBefore = (await introspect(engine)).tables;

    const pulled = await run('pull', '--out', 'src/schema.ts', '--import-from', athanorFrom(join(project, 'src')));
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stderr, /wrote 11 tables to src\/schema\.ts/);
    const schemaFile = join(project, 'src/schema.ts');
    const source = readFileSync(schemaFile, 'utf8');
    assert.match(source, /^export class Track extends Model\(trackTable\) \{$/m);
    assert.deepEqual(typeErrors(schemaFile), [], 'the pulled models compile under tsc --strict');

    const matches = await run('migrate', 'check');
    assert.equal(matches.code, 0, matches.stdout + matches.stderr);
    assert.match(matches.stdout, /^no drift: the database matches the schema module \(11 tables\)$/m);

    writeFileSync(schemaFile, changeModels(source, n));
    assert.deepEqual(typeErrors(schemaFile), [], 'the changed models compile');
    const drift = await run('migrate', 'check');
    assert.equal(drift.code, 1, drift.stdout + drift.stderr);
    assert.match(drift.stdout, /^drift: 4 differences between the schema module and the database:$/m);

    const hint = `${n.track}.${n.milliseconds}=${n.durationMs}`;
    const refused = await generate('track_duration');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, new RegExp(`a rename\\? pass renames \\(CLI: --rename ${hint.replace('.', '\\.')}\\)`));

    if (ctx.name === 'postgres') {
      const safe = await generate('track_duration', '--rename', hint, '--safe', '--sql');
      assert.equal(safe.code, 0, safe.stderr);
      assert.match(safe.stdout, /^-- \d{8}T\d{6}_\d_track_duration_indexes \(outside a transaction\)\nCREATE INDEX CONCURRENTLY "track_name_idx"/m);
      assert.doesNotMatch(safe.stderr, /index-without-concurrently/);
    }

    const wrote = await generate('track_duration', '--rename', hint);
    assert.equal(wrote.code, 0, wrote.stderr);
    assert.match(wrote.stdout, /^wrote migrations\/\d{8}T\d{6}_track_duration\.ts \(3 operations\)$/m);
    assert.equal(readdirSync(migrations).length, 1);
    const id = readdirSync(migrations)[0]!.replace(/\.ts$/, '');
    const file = readFileSync(join(migrations, `${id}.ts`), 'utf8');
    assert.match(file, new RegExp(`op\\.renameColumn\\('${n.track}', '${n.milliseconds}', '${n.durationMs}'\\)`));
    assert.match(file, /op\.addColumn\('\w+', '\w+', varchar\(2\)\)/);
    assert.match(file, /op\.createIndex\('\w+', 'track_name_idx', \['\w+'\]/);

    const lint = await run('migrate', 'lint', '--lock-timeout', '5000');
    assert.equal(lint.code, 1, lint.stdout + lint.stderr);
    const rules = [...lint.stdout.matchAll(/^ {2}(?:error|warning) ([a-z-]+)/gm)].map((m) => m[1]).sort();
    const expected: Record<DialectName, string[]> = {
      sqlite: ['rename'],
      postgres: ['index-without-concurrently', 'rename'],
      mysql: ['rename'],
    };
    assert.deepEqual(rules, expected[ctx.name], lint.stdout);
    const allowed = await run('migrate', 'lint', '--lock-timeout', '5000', '--allow', expected[ctx.name].join(','));
    assert.equal(allowed.code, 0, allowed.stdout);

    const up = await run('migrate', 'up', '--lock-timeout', '5000');
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stdout, new RegExp(`^applied ${id}$`, 'm'));
    assert.deepEqual(await snapshot(n.durationMs), before, 'every row and value kept, the values under the new name');
    assert.equal(Number(await engine.scalar(sql`SELECT COUNT(*) FROM ${ident(n.artist)} WHERE ${ident(n.country)} IS NULL`)), FILLED.Artist);

    const clean = await run('migrate', 'check');
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /^no drift: the database matches the schema module \(11 tables\)$/m);

    const down = await run('migrate', 'down', '--lock-timeout', '5000');
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.match(down.stdout, new RegExp(`^undone ${id}$`, 'm'));
    assert.deepEqual(await snapshot(n.milliseconds), before, 'every row and value kept, back under the old name');
    const schemaAfter = (await introspect(engine, { exclude: ['athanor_migrations'] })).tables;
    assert.deepEqual(compareSchemas(schemaBefore, schemaAfter, { dialect: engine.dialect }).map((d) => d.message), [], 'the schema as it was');

    const again = await run('migrate', 'check');
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stdout, /^drift: 4 differences between the schema module and the database:$/m);
  });
});
