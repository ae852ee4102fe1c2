/**
 * `athanor migrate up`, `down` and `status`: the migration files of the
 * project applied, undone and listed through the {@link Migrator}, which keeps
 * the history table and the lock.
 */

import { Migrator, migrationSql, type BackfillProgress, type Migration, type MigrationStatus } from '../../migrate/migrator.js';
import type { Engine } from '../../core/engine/engine.js';
import { EXIT, UsageError, type Command, type CommandContext, type ParsedArgs } from '../command.js';
import { LOCK_TIMEOUT_OPTION, lockTimeout, projectMigrations } from '../project.js';

interface Run {
  readonly engine: Engine;
  readonly migrations: readonly Migration[];
  readonly migrator: Migrator;
}

async function open(ctx: CommandContext, args: ParsedArgs): Promise<Run> {
  const lockTimeoutMs = lockTimeout(args);
  const migrations = await projectMigrations(ctx);
  const engine = await ctx.connect();
  // A backfill says how far it has got after each batch, on stderr (stdout stays the list of what was applied).
  const onProgress = (p: BackfillProgress) =>
    ctx.err(`  ${p.migration}: backfill "${p.table}"."${p.column}": ${p.rows} row${p.rows === 1 ? '' : 's'} in ${p.batches} batch${p.batches === 1 ? '' : 'es'}`);
  return { engine, migrations, migrator: new Migrator({ engine, migrations, onProgress, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}) }) };
}

function oneTarget(args: ParsedArgs, command: string, migrations: readonly Migration[]): string | undefined {
  if (args.positionals.length > 1) throw new UsageError(`${command} takes at most one migration id (got ${args.positionals.join(' ')})`);
  const target = args.positionals[0];
  if (target !== undefined && !migrations.some((m) => m.id === target)) {
    throw new UsageError(`no migration has the id "${target}"; athanor migrate status lists them`);
  }
  return target;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function printSql(ctx: CommandContext, engine: Engine, migrations: readonly Migration[], direction: 'up' | 'down'): void {
  if (migrations.length === 0) ctx.err(direction === 'up' ? 'nothing to apply' : 'nothing to undo');
  for (const m of migrations) ctx.out(`-- ${m.id} (${direction})${m.transactional === false ? ' outside a transaction' : ''}\n${migrationSql(m, engine.dialect, direction)}`);
}

/** `athanor migrate up [id] [--sql] [--lock-timeout ms]`. */
export const migrateUp: Command = {
  name: 'migrate up',
  summary: 'Apply the pending migrations (through <id> when given)',
  description: [
    'Usage: athanor migrate up [<id>] [--sql] [--lock-timeout <ms>]',
    '',
    'Applies the pending migrations of the migrations folder in id order, each in its own transaction where the',
    'database allows it, holding the migration lock so two deploys never migrate at once. Stops after <id> when',
    'given. An applied migration edited since, or one left partial, stops it before anything runs (exit 3).',
    '--sql prints the statements that would run and runs nothing.',
    '',
    'Examples:',
    '  athanor migrate up',
    '  athanor migrate up 20260102T093000_add_country --sql',
  ].join('\n'),
  options: {
    sql: { type: 'boolean', description: 'print the SQL that would run; run nothing' },
    'lock-timeout': LOCK_TIMEOUT_OPTION,
  },
  async run(ctx, args) {
    const { engine, migrations, migrator } = await open(ctx, args);
    const target = oneTarget(args, 'migrate up', migrations);
    if (args.values['sql'] === true) {
      const pending = new Set((await migrator.status()).filter((s) => s.state === 'pending').map((s) => s.id));
      const end = target === undefined ? migrations.length : migrations.findIndex((m) => m.id === target) + 1;
      printSql(ctx, engine, migrations.slice(0, end).filter((m) => pending.has(m.id)), 'up');
      return EXIT.ok;
    }
    const applied = await migrator.up(target);
    if (applied.length === 0) ctx.out('nothing to apply: the database is up to date');
    for (const id of applied) ctx.out(`${ctx.style.green('applied')} ${id}`);
    if (applied.length > 0) ctx.out(`${plural(applied.length, 'migration')} applied`);
    return EXIT.ok;
  },
};

/** `athanor migrate down [id | --all] [--sql] [--lock-timeout ms]`. */
export const migrateDown: Command = {
  name: 'migrate down',
  summary: 'Undo the last applied migration (or those after <id>, or --all)',
  description: [
    'Usage: athanor migrate down [<id> | --all] [--sql] [--lock-timeout <ms>]',
    '',
    'Without arguments, undoes the newest applied migration only. With <id>, undoes every applied migration',
    'after it, newest first (<id> stays applied); --all undoes them all. A migration whose operations have no',
    'inverse (a dropped column without its definition) stops it (exit 3): write its down operations.',
    '--sql prints the statements that would run and runs nothing.',
    '',
    'Examples:',
    '  athanor migrate down',
    '  athanor migrate down 20260101T080000_init',
  ].join('\n'),
  options: {
    all: { type: 'boolean', description: 'undo every applied migration' },
    sql: { type: 'boolean', description: 'print the SQL that would run; run nothing' },
    'lock-timeout': LOCK_TIMEOUT_OPTION,
  },
  async run(ctx, args) {
    const { engine, migrations, migrator } = await open(ctx, args);
    let target = oneTarget(args, 'migrate down', migrations);
    const all = args.values['all'] === true;
    if (all && target !== undefined) throw new UsageError('give either a migration id or --all, not both');
    const applied = new Set((await migrator.status()).filter((s) => s.state !== 'pending' && !s.missing).map((s) => s.id));
    const newest = [...migrations].reverse().find((m) => applied.has(m.id));
    if (newest === undefined) {
      ctx.out('nothing to undo: no migration is applied');
      return EXIT.ok;
    }
    // The newest only: down() undoes those after its target, so aim at the migration before it.
    if (!all && target === undefined) target = migrations[migrations.indexOf(newest) - 1]?.id;
    if (args.values['sql'] === true) {
      const start = target === undefined ? 0 : migrations.findIndex((m) => m.id === target) + 1;
      printSql(ctx, engine, migrations.slice(start).filter((m) => applied.has(m.id)).reverse(), 'down');
      return EXIT.ok;
    }
    const undone = await migrator.down(target);
    if (undone.length === 0) ctx.out('nothing to undo');
    for (const id of undone) ctx.out(`${ctx.style.yellow('undone')} ${id}`);
    if (undone.length > 0) ctx.out(`${plural(undone.length, 'migration')} undone`);
    return EXIT.ok;
  },
};

function statusLine(s: MigrationStatus, ctx: CommandContext): string {
  const state = s.state === 'applied' ? ctx.style.green('applied') : s.state === 'partial' ? ctx.style.red('partial') : ctx.style.yellow('pending');
  const when = s.appliedAt ? s.appliedAt.toISOString().replace(/\.\d+Z$/, 'Z') : '';
  const notes = [s.edited ? ctx.style.red('edited since it was applied') : '', s.missing ? ctx.style.red('no such file in the migrations folder') : ''].filter(Boolean);
  return `  ${state}${' '.repeat(8 - s.state.length)} ${when.padEnd(20)} ${s.id}${notes.length > 0 ? `  (${notes.join('; ')})` : ''}`;
}

/** `athanor migrate status`. */
export const migrateStatus: Command = {
  name: 'migrate status',
  summary: 'List applied, pending and partial migrations; exit 1 unless up to date',
  description: [
    'Usage: athanor migrate status',
    '',
    'Lists every migration file and every history entry: applied (with when), pending, or partial (a migration',
    'that failed part way outside a transaction), and flags applied migrations edited since and history entries',
    'whose file is gone. Exits 0 when the database is up to date, 1 when anything is pending, partial, edited or',
    'missing, so a deploy script can ask "is there anything to do?".',
  ].join('\n'),
  options: {},
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new UsageError(`migrate status takes no arguments (got ${args.positionals.join(' ')})`);
    const { migrator } = await open(ctx, args);
    const status = await migrator.status();
    if (status.length === 0) {
      ctx.out('no migrations yet: athanor migrate generate <name> writes the first');
      return EXIT.ok;
    }
    ctx.out(status.map((s) => statusLine(s, ctx)).join('\n'));
    const count = (state: MigrationStatus['state']) => status.filter((s) => s.state === state).length;
    const troubled = status.filter((s) => s.edited || s.missing).length;
    const summary = [`${count('applied')} applied`, `${count('pending')} pending`, ...(count('partial') > 0 ? [`${count('partial')} partial`] : []), ...(troubled > 0 ? [`${troubled} edited or missing`] : [])];
    ctx.out(summary.join(', '));
    return count('pending') + count('partial') + troubled > 0 ? EXIT.findings : EXIT.ok;
  },
};
