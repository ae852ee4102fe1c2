/**
 * `athanor migrate generate <name>`: the migration that brings the database
 * (introspected) to the tables the schema module declares, written into the
 * migrations folder, with its lint findings printed.
 */

import { relative } from 'node:path';
import { generateMigration } from '../../migrate/generate.js';
import { parseRenames, type Renames } from '../../migrate/diff.js';
import { Migrator } from '../../migrate/migrator.js';
import { MigrationError, UnconfirmedDropError } from '../../migrate/errors.js';
import { EXIT, UsageError, type Command, type ParsedArgs } from '../command.js';
import { LOCK_TIMEOUT_OPTION, formatFinding, liveTables, lockTimeout, migrationsDir, projectMigrations, schemaTables, stringOption } from '../project.js';

const list = (value: string | boolean | readonly string[] | undefined): readonly string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? (value as readonly string[]) : [];

function renamesOf(args: ParsedArgs): Renames | undefined {
  const columns = list(args.values['rename']);
  const tables = list(args.values['rename-table']);
  for (const hint of tables) if (hint.includes('.')) throw new UsageError(`--rename-table ${hint}: write old_table=new_table (a column rename is --rename table.old=new)`);
  if (columns.length + tables.length === 0) return undefined;
  try {
    return parseRenames([...columns, ...tables]);
  } catch (error) {
    if (error instanceof MigrationError) throw new UsageError(error.message);
    throw error;
  }
}

/** `athanor migrate generate <name> [--rename t.col=new ...] [--rename-table old=new ...] [--allow-drop] [--safe] [--sql]`. */
export const migrateGenerate: Command = {
  name: 'migrate generate',
  summary: 'Write a migration that brings the database to the schema module’s tables',
  description: [
    'Usage: athanor migrate generate <name> [--rename <table.old=new> ...] [--rename-table <old=new> ...] [--allow-drop] [--safe] [--sql]',
    '',
    'Compares the database as it is (read from its catalog) with the tables and models the config’s schema',
    'module exports, and writes <timestamp>_<name>.ts into the migrations folder with the lint findings at its',
    'head; the findings are printed too. Renames are never guessed: a dropped column or table stops generation',
    '(exit 1) with the --rename hint to pass, or --allow-drop to drop it. Pending migrations must be applied',
    'first (exit 1 otherwise), since the database would not show their changes.',
    '',
    '--sql prints the SQL the migration would run and writes nothing: a preview to review.',
    '',
    'Examples:',
    '  athanor migrate generate add_country',
    '  athanor migrate generate song_names --rename song.title=name --sql',
    '  athanor migrate generate accounts --rename-table user=account --safe --lock-timeout 5000',
  ].join('\n'),
  options: {
    rename: { type: 'string', multiple: true, valueName: 'table.old=new', description: 'a renamed column, not a dropped and an added one' },
    'rename-table': { type: 'string', multiple: true, valueName: 'old=new', description: 'a renamed table' },
    'allow-drop': { type: 'boolean', description: 'drop tables and columns the schema no longer declares (their data is lost)' },
    safe: { type: 'boolean', description: 'expand/contract: steps that do not lock a busy table (PostgreSQL)' },
    sql: { type: 'boolean', description: 'print the SQL instead of writing the file' },
    'import-from': { type: 'string', valueName: 'module', description: "the module the file imports from (default: 'athanor')" },
    'lock-timeout': LOCK_TIMEOUT_OPTION,
  },
  async run(ctx, args) {
    const [name, ...extra] = args.positionals;
    if (name === undefined) throw new UsageError('migrate generate needs a name for the migration (athanor migrate generate add_country)');
    if (extra.length > 0) throw new UsageError(`migrate generate takes one name (got ${args.positionals.join(' ')})`);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new UsageError(`migration name "${name}": use letters, digits, _ and -`);
    const renames = renamesOf(args);
    const lockTimeoutMs = lockTimeout(args);
    const target = await schemaTables(ctx);
    const engine = await ctx.connect();
    const migrator = new Migrator({ engine, migrations: await projectMigrations(ctx) });
    const behind = (await migrator.status()).filter((s) => s.state !== 'applied');
    if (behind.length > 0) {
      ctx.err(`${ctx.style.red('not generated')}: ${behind.length} migration(s) not applied yet (${behind.map((s) => `${s.id} ${s.state}`).join(', ')}); run athanor migrate up first`);
      return EXIT.findings;
    }
    const dir = await migrationsDir(ctx);
    const preview = args.values['sql'] === true;
    let result;
    try {
      result = await generateMigration({
        current: await liveTables(engine, undefined),
        target,
        dialect: engine.dialect,
        name,
        ...(renames ? { renames } : {}),
        allowDrop: args.values['allow-drop'] === true,
        safe: args.values['safe'] === true,
        ...(preview ? {} : { dir }),
        importFrom: stringOption(args, 'import-from') ?? 'athanor',
        ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
      });
    } catch (error) {
      if (!(error instanceof UnconfirmedDropError)) throw error;
      ctx.err(`${ctx.style.red('not generated')}: ${error.message}`);
      return EXIT.findings;
    }
    if (result.migrations.length === 0) {
      ctx.out('no changes: the database matches the schema module');
      return EXIT.ok;
    }
    for (const m of result.migrations) {
      if (preview) ctx.out(`-- ${m.migration.id}${m.migration.transactional === false ? ' (outside a transaction)' : ''}\n${m.sql}`);
      else ctx.out(`${ctx.style.green('wrote')} ${relative(ctx.cwd, m.file ?? '')} (${m.migration.up.length} operation${m.migration.up.length === 1 ? '' : 's'})`);
      if (m.findings.length > 0) {
        const lines = [`${m.findings.length} lint finding${m.findings.length === 1 ? '' : 's'} in ${m.migration.id}:`, ...m.findings.map((f) => formatFinding(f, ctx.style))];
        (preview ? ctx.err : ctx.out)(lines.join('\n'));
      }
    }
    return EXIT.ok;
  },
};
