/**
 * `athanor advise` as a user runs it: --help; on PostgreSQL the statements of
 * pg_stat_statements judged with hypopg, the report as text and JSON, and
 * --write-migration writing a CONCURRENTLY migration that `migrate up`
 * applies; on SQLite the schema checks alone (a foreign key without an index).
 */

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, it } from 'node:test';
import { identity, integer, sql, table, text, type Engine } from '../../src/index.js';
import { createEngine } from '../../src/connect/index.js';
import { forEachDialect } from '../support/dialects.js';
import { dropDatabase, freshDatabase, siblingUrl } from '../support/scratch-databases.js';
import { athanorIn, root } from './spawn.js';

const base = join(root, '.tmp', `cli-advise-${process.pid}`);
after(() => rmSync(base, { recursive: true, force: true }));

const band = table('cla_band', { id: identity(), name: text().notNull() });
const gig = table('cla_gig', { id: identity(), city: text().notNull(), bandId: integer('band_id').notNull().references(() => band.c.id) });

const requireHypopg = process.env['ATHANOR_REQUIRE_HYPOPG'] === '1';

forEachDialect(
  'athanor advise',
  (ctx) => {
    const project = join(base, ctx.name);
    const url = ctx.name === 'sqlite' ? `sqlite:${join(project, 'app.sqlite')}` : siblingUrl(ctx.url, 'cli_advise');
    const run = (...args: string[]) => athanorIn(project, args, { APP_DATABASE_URL: url });
    let engine: Engine;
    let unavailable: string | undefined;

    before(async () => {
      mkdirSync(project, { recursive: true });
      if (ctx.name !== 'sqlite') await freshDatabase(url);
      writeFileSync(
        join(project, 'athanor.config.ts'),
        `import { defineConfig } from '${relative(project, join(root, 'src/cli/config.js'))}';\n\n` +
          "export default defineConfig({ url: process.env['APP_DATABASE_URL'], migrations: './migrations' });\n",
      );
      engine = createEngine(url);
      await engine.createAll([band, gig]);
      await engine.copyFrom(band, Array.from({ length: 500 }, (_, i) => ({ name: `band ${i}` })));
      await engine.copyFrom(gig, Array.from({ length: 20000 }, (_, i) => ({ city: `city ${i % 200}`, bandId: (i % 500) + 1 })));
      if (ctx.name === 'postgres') {
        await engine.execute(sql`ANALYZE`);
        await engine.execute(sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).catch((e: Error) => (unavailable = e.message));
        await engine.execute(sql`CREATE EXTENSION IF NOT EXISTS hypopg`).catch((e: Error) => (unavailable = e.message));
        for (let i = 0; i < 5; i++) await engine.all(sql`SELECT * FROM cla_gig WHERE city = ${`city ${i}`}`);
      }
    });
    after(async () => {
      await engine.close();
      if (ctx.name !== 'sqlite') await dropDatabase(url);
    });

    it('--help shows the options and what it judges', async () => {
      const help = await run('advise', '--help');
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Usage: athanor advise \[--json\] \[--write-migration\]/);
      assert.match(help.stdout, /--min-gain <percent> +smallest estimated gain/);
      const wrong = await run('advise', '--min-gain', 'lots');
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /--min-gain lots: write a percentage/);
    });

    it('reports, writes the migration, and after migrate up has nothing left to create', async (t) => {
      if (ctx.name === 'postgres' && unavailable !== undefined) {
        if (requireHypopg) throw new Error(`hypopg is required (ATHANOR_REQUIRE_HYPOPG=1) but unavailable: ${unavailable}`);
        t.skip(`${unavailable} (set ATHANOR_REQUIRE_HYPOPG=1 to fail instead)`);
        return;
      }
      const text = await run('advise');
      assert.equal(text.code, 1, text.stdout + text.stderr);
      assert.match(text.stdout, /\[unindexed-foreign-key\] foreign key "cla_gig_band_id_fkey" on "cla_gig" \(band_id\)/);
      if (ctx.name === 'postgres') {
        assert.match(text.stdout, /\[missing-index\] full scan of "cla_gig" \(20000 rows\) in a statement: index "cla_gig_city_idx" on \(city\); estimated cost/);
        assert.match(text.stdout, /plan with the fix:\n(.*\n)*? +-> Bitmap Index Scan using cla_gig_city_idx \(hypothetical\)/);
      } else {
        assert.match(text.stderr, /only the schema was checked/);
      }
      const json = await run('advise', '--json');
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stdout);
      assert.deepEqual(
        report.foreignKeys.map((f: { table: string }) => f.table),
        ['cla_gig'],
      );

      const written = await run('advise', '--write-migration', '--name', 'gig_indexes', '--import-from', relative(join(project, 'migrations'), join(root, 'src/index.js')));
      assert.equal(written.code, 1);
      assert.match(written.stderr, /wrote migrations\/\d{8}T\d{6}_gig_indexes\.ts \((\d) index(es)?\)/);
      const [file] = readdirSync(join(project, 'migrations'));
      const source = readFileSync(join(project, 'migrations', file!), 'utf8');
      if (ctx.name === 'postgres') assert.match(source, /export const transactional = false;[\s\S]*op\.createIndex\('cla_gig', 'cla_gig_city_idx', \['city'\], \{ concurrently: true \}\)/);
      assert.match(source, /op\.createIndex\('cla_gig', 'cla_gig_band_id_idx', \['band_id'\]/);
      const up = await run('migrate', 'up');
      assert.equal(up.code, 0, up.stdout + up.stderr);
      const again = await run('advise', '--json');
      const after = JSON.parse(again.stdout);
      assert.equal(again.code, 0, again.stdout);
      assert.deepEqual([after.proposals.length, after.foreignKeys.length], [0, 0]);
    });
  },
  { only: ['sqlite', 'postgres'] },
);
