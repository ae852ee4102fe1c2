/**
 * The pull round trip on real schemas: introspect a sample database →
 * generate TypeScript → import it → createAll in an empty database →
 * introspect that → the same tables. Chinook on every database; Northwind
 * and Pagila (partitions, domains, an enum, views, triggers, tsvector and
 * array columns) on PostgreSQL.
 */

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Table, compareSchemas, createEngine, generateSource, introspect, type IntrospectedSchema } from '../../src/index.js';
import type { DialectName } from '../../src/core/dialects/dialect.js';
import { CHINOOK_PATH } from '../fixtures/chinook.js';
import { forEachDialect } from '../support/dialects.js';
import { dropDatabase, freshDatabase, siblingUrl } from '../support/scratch-databases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (path: string): string => join(root, 'test/fixtures/data', path);
const workDir = join(root, '.tmp', `pull-round-trip-${process.pid}`);
mkdirSync(workDir, { recursive: true });
after(() => rmSync(workDir, { recursive: true, force: true }));

interface Dataset {
  readonly name: string;
  /** The SQL script that makes it (server databases), or undefined for the SQLite file. */
  readonly script: string | undefined;
  readonly tables: number;
  /** Kinds `skipped` must report. */
  readonly skips: readonly string[];
}

const DATASETS: Record<DialectName, readonly Dataset[]> = {
  sqlite: [{ name: 'chinook', script: undefined, tables: 11, skips: [] }],
  postgres: [
    { name: 'chinook', script: fixture('chinook/Chinook_PostgreSql.schema.sql'), tables: 11, skips: [] },
    { name: 'northwind', script: fixture('northwind/northwind_psql.schema.sql'), tables: 14, skips: [] },
    { name: 'pagila', script: fixture('pagila/pagila-schema.sql'), tables: 15, skips: ['domain', 'partition', 'trigger', 'view'] },
  ],
  mysql: [{ name: 'chinook', script: fixture('chinook/Chinook_MySql.schema.sql'), tables: 11, skips: [] }],
};

/** The tables a generated module exports, imported as a program would. */
async function generatedTables(dialect: string, dataset: string, read: IntrospectedSchema): Promise<Table[]> {
  const file = join(workDir, `${dialect}-${dataset}.ts`);
  writeFileSync(file, generateSource(read.tables, { importFrom: '../../src/index.js' }));
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  return Object.values(module).filter((v): v is Table => v instanceof Table);
}

forEachDialect('pull round trip', (ctx) => {
  for (const dataset of DATASETS[ctx.name]) {
    it(`${dataset.name}: introspect, generate, import, createAll on an empty database, introspect again: the same tables`, async () => {
      const sourceUrl = ctx.name === 'sqlite' ? `sqlite:${join(workDir, 'chinook.sqlite')}` : siblingUrl(ctx.url, dataset.name);
      const emptyUrl = ctx.name === 'sqlite' ? 'sqlite::memory:' : siblingUrl(ctx.url, 'rt');
      if (ctx.name === 'sqlite') copyFileSync(CHINOOK_PATH, join(workDir, 'chinook.sqlite'));
      else await freshDatabase(sourceUrl, dataset.script);
      if (ctx.name !== 'sqlite') await freshDatabase(emptyUrl);
      const source = createEngine(sourceUrl);
      const empty = createEngine(emptyUrl);
      try {
        const first = await introspect(source);
        assert.equal(first.tables.length, dataset.tables);
        for (const kind of dataset.skips) assert.ok(first.skipped.some((s) => s.kind === kind), `skipped reports a ${kind}: ${JSON.stringify(first.skipped)}`);

        const tables = await generatedTables(ctx.name, dataset.name, first);
        assert.deepEqual(compareSchemas(first.tables, tables, { dialect: source.dialect }).map((d) => d.message), [], 'the generated code declares what was read');

        await empty.createAll(tables);
        const second = await introspect(empty);
        assert.deepEqual(compareSchemas(first.tables, second.tables, { dialect: empty.dialect }).map((d) => d.message), []);
      } finally {
        await source.close();
        await empty.close();
        if (ctx.name !== 'sqlite') {
          await dropDatabase(sourceUrl);
          await dropDatabase(emptyUrl);
        }
      }
    });
  }
});
