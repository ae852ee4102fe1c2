/**
 * `athanor pull`: read the database's schema and write TypeScript for its
 * tables and models.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { introspect } from '../../core/introspect/introspect.js';
import { generateSource } from '../../codegen/generate.js';
import { EXIT, UsageError, type Command } from '../command.js';

const list = (value: string | boolean | readonly string[] | undefined): string[] | undefined =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined;

/** `athanor pull [--out file] [--schema name] [--tables a,b] [--exclude a,b] [--no-models]`. */
export const pull: Command = {
  name: 'pull',
  summary: 'Read the database schema and write TypeScript tables and models for it',
  description: [
    'Usage: athanor pull [--out <file>] [--schema <name>] [--tables <a,b>] [--exclude <a,b>] [--no-models] [--url <url>]',
    '',
    'Writes one module declaring every table with table() and a model over each table with a primary key',
    '(many-to-many through tables that only link two others). Views, partitions, domains and other objects',
    'a table declaration cannot say are listed on stderr, not written.',
    '',
    'Examples:',
    '  athanor pull --out src/db/schema.ts',
    '  athanor pull --url postgres://localhost/shop --schema sales --tables orders,customers',
  ].join('\n'),
  options: {
    out: { type: 'string', short: 'o', valueName: 'file', description: 'write the module to this file (default: stdout)' },
    schema: { type: 'string', short: 's', valueName: 'name', description: 'PostgreSQL schema or MySQL database to read (default: the connection’s own)' },
    tables: { type: 'string', short: 't', valueName: 'a,b', description: 'only these tables' },
    exclude: { type: 'string', valueName: 'a,b', description: 'leave these tables out' },
    'no-models': { type: 'boolean', description: 'write tables only, no models' },
    'import-from': { type: 'string', valueName: 'module', description: "the module the code imports from (default: 'athanor')" },
  },
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new UsageError(`pull takes no arguments (got ${args.positionals.join(' ')})`);
    const engine = await ctx.connect(typeof args.values['url'] === 'string' ? args.values['url'] : undefined);
    const schema = typeof args.values['schema'] === 'string' ? args.values['schema'] : undefined;
    const read = await introspect(engine, { schema, include: list(args.values['tables']), exclude: list(args.values['exclude']) });
    const wantedTables = list(args.values['tables']);
    const missing = wantedTables?.filter((name) => !read.tables.some((t) => t.name === name)) ?? [];
    const source = generateSource(read.tables, {
      models: args.values['no-models'] !== true,
      importFrom: typeof args.values['import-from'] === 'string' ? args.values['import-from'] : 'athanor',
      source: `${engine.dialect.name}${schema ? `, schema ${schema}` : ''}`,
    });
    const out = args.values['out'];
    if (typeof out === 'string') {
      const path = resolve(ctx.cwd, out);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, source);
      ctx.err(`${ctx.style.green('wrote')} ${read.tables.length} tables to ${out}`);
    } else {
      ctx.out(source);
    }
    for (const s of read.skipped) ctx.err(`${ctx.style.yellow('skipped')} ${s.kind} ${s.name}: ${s.reason}`);
    for (const name of missing) ctx.err(`${ctx.style.yellow('not found')} table ${name}`);
    return missing.length > 0 ? EXIT.findings : EXIT.ok;
  },
};
