/**
 * `athanor advise`: the index advisor on the database's own statistics
 * (PostgreSQL's pg_stat_statements, top statements by total time) and its
 * schema (foreign keys without an index, duplicate and unused indexes); with
 * `--write-migration`, the migration that creates the indexes it proposes.
 */

import { relative } from 'node:path';
import { advise } from '../../diagnostics/advisor/advise.js';
import { writeAdviceMigration } from '../../diagnostics/advisor/report.js';
import { PgStatStatementsUnavailableError } from '../../diagnostics/pg-stat-statements.js';
import { EXIT, UsageError, type Command, type ParsedArgs } from '../command.js';
import { HISTORY_TABLE, migrationsDir, stringOption } from '../project.js';

function numberOption(args: ParsedArgs, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} ${value}: ${what}`);
  return n;
}

/** `athanor advise [--json] [--write-migration] [--name n] [--top n] [--min-gain pct] [--min-rows n] [--create-extension]`. */
export const adviseCommand: Command = {
  name: 'advise',
  summary: 'Propose the indexes the slowest statements need, verified on the database',
  description: [
    'Usage: athanor advise [--json] [--write-migration] [--name <name>] [--top <n>] [--min-gain <percent>] [--min-rows <n>] [--create-extension]',
    '',
    'Judges the top statements of pg_stat_statements by total time (PostgreSQL): their plans, the tables they',
    'read in full, and an index for each from its filter, join and sort columns, unless one exists already.',
    'Each candidate is tried as a hypothetical index (the hypopg extension) and proposed only when the',
    'estimated cost falls by --min-gain. The schema is checked too: foreign keys without an index, duplicate',
    'indexes, indexes unused since the statistics were reset. Exit 1 when there is something to create.',
    '',
    'On SQLite and MySQL/MariaDB (no server statistics) only the schema is checked; call advise() from code',
    'with recorded statements to judge a workload there.',
    '',
    '--write-migration writes <timestamp>_<name>.ts into the migrations folder: CREATE INDEX CONCURRENTLY,',
    'outside a transaction, on PostgreSQL.',
    '',
    'Examples:',
    '  athanor advise',
    '  athanor advise --top 50 --min-gain 30 --json',
    '  athanor advise --write-migration --name speed_up_orders',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print the report as JSON' },
    'write-migration': { type: 'boolean', description: 'write the migration that creates the proposed indexes' },
    name: { type: 'string', valueName: 'name', description: 'the migration name (default: advised_indexes)' },
    top: { type: 'string', valueName: 'n', description: 'how many pg_stat_statements entries to judge (default 20)' },
    'min-gain': { type: 'string', valueName: 'percent', description: 'smallest estimated gain to propose an index (default 20)' },
    'min-rows': { type: 'string', valueName: 'n', description: 'tables with fewer rows are read whole, rightly (default 1000)' },
    'create-extension': { type: 'boolean', description: 'CREATE EXTENSION hypopg in the database when the server has it' },
    'import-from': { type: 'string', valueName: 'module', description: "the module the migration imports from (default: 'athanor')" },
  },
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new UsageError(`advise takes no arguments (got ${args.positionals.join(' ')})`);
    const name = stringOption(args, 'name');
    if (name !== undefined && !/^[A-Za-z0-9_-]+$/.test(name)) throw new UsageError(`migration name "${name}": use letters, digits, _ and -`);
    const top = numberOption(args, 'top', (n) => Number.isInteger(n) && n > 0, 'write a whole number above 0');
    const minGain = numberOption(args, 'min-gain', (n) => n >= 0 && n < 100, 'write a percentage from 0 to 99');
    const minRows = numberOption(args, 'min-rows', (n) => Number.isInteger(n) && n >= 0, 'write a whole number');
    const engine = await ctx.connect();
    const postgres = engine.dialect.name === 'postgres';
    const options = {
      exclude: [HISTORY_TABLE],
      createExtension: args.values['create-extension'] === true,
      ...(minGain !== undefined ? { minGain: minGain / 100 } : {}),
      ...(minRows !== undefined ? { minRows } : {}),
    };
    let report;
    try {
      report = await advise(engine, { ...options, statements: [], pgStatStatements: postgres ? (top ?? 20) : false });
    } catch (error) {
      if (!(error instanceof PgStatStatementsUnavailableError)) throw error;
      ctx.err(`${ctx.style.yellow('no statements judged')}: ${error.message}`);
      report = await advise(engine, { ...options, statements: [], pgStatStatements: false });
    }
    if (!postgres) ctx.err(`${ctx.style.dim('note:')} ${engine.dialect.name} keeps no statement statistics to judge: only the schema was checked (advise() from code judges recorded statements)`);
    if (args.values['json'] === true) ctx.out(JSON.stringify(report.toJSON(), null, 2));
    else ctx.out(report.toString());
    if (args.values['write-migration'] === true) {
      const written = await writeAdviceMigration(report, {
        dir: await migrationsDir(ctx),
        dialect: engine.dialect,
        ...(name ? { name } : {}),
        importFrom: stringOption(args, 'import-from') ?? 'athanor',
      });
      if (written) ctx.err(`${ctx.style.green('wrote')} ${relative(ctx.cwd, written.file)} (${written.migration.up.length} index${written.migration.up.length === 1 ? '' : 'es'})`);
      else ctx.err('nothing to create: no migration written');
    }
    return report.operations.length > 0 ? EXIT.findings : EXIT.ok;
  },
};
