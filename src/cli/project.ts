/**
 * @internal What the `migrate` commands read from a project: the tables its
 * schema module declares, its migration files, and the live database's
 * tables (without the migration history, which no schema module declares).
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Engine } from '../core/engine/engine.js';
import { introspect } from '../core/introspect/introspect.js';
import { Table } from '../core/schema/table.js';
import { tableOf, type ModelClass } from '../orm/model.js';
import { loadMigrations, type Migration } from '../migrate/migrator.js';
import type { LintFinding, LintRule } from '../migrate/lint.js';
import { UsageError, type CommandContext, type OptionSpec, type ParsedArgs, type Style } from './command.js';
import { importSchemaModule } from './config.js';

/** The history table the commands use (the Migrator's default). */
export const HISTORY_TABLE = 'athanor_migrations';

/** The folder of migration files: the config's `migrations`, else `./migrations`. */
export async function migrationsDir(ctx: CommandContext): Promise<string> {
  return resolve(ctx.cwd, (await ctx.config()).migrations ?? 'migrations');
}

/** The migration files, in id order; none when the folder does not exist yet. */
export async function projectMigrations(ctx: CommandContext): Promise<Migration[]> {
  const dir = await migrationsDir(ctx);
  if (!existsSync(dir)) return [];
  return loadMigrations(dir, (file) => importSchemaModule(ctx.cwd, file));
}

/**
 * The tables the config's `schema` module exports: `Table`s, and the tables of
 * models. A table exported both ways counts once; two different tables of one
 * name are an error (the migration could only follow one of them).
 */
export async function schemaTables(ctx: CommandContext): Promise<Table[]> {
  const file = (await ctx.config()).schema;
  if (file === undefined) throw new UsageError('no schema module: set schema in athanor.config.ts to the module exporting your tables and models');
  const exports = await importSchemaModule(ctx.cwd, file);
  const byName = new Map<string, { table: Table; exported: string }>();
  for (const [name, value] of Object.entries(exports)) {
    const found: unknown = value instanceof Table ? value : typeof value === 'function' ? tableOf(value as ModelClass<string, never>) : undefined;
    if (!(found instanceof Table)) continue;
    const table = found as Table;
    const seen = byName.get(table.name);
    if (seen && seen.table !== table) {
      throw new Error(`${file}: exports "${seen.exported}" and "${name}" declare two different tables named "${table.name}"`);
    }
    if (!seen) byName.set(table.name, { table, exported: name });
  }
  if (byName.size === 0) throw new Error(`${file} exports no tables or models (export the table() declarations or the Model classes)`);
  return [...byName.values()].map((t) => t.table);
}

/** The database's tables as they are, without the migration history. */
export async function liveTables(engine: Engine, schema: string | undefined): Promise<readonly Table[]> {
  return (await introspect(engine, { schema, exclude: [HISTORY_TABLE] })).tables;
}

/** Options several `migrate` commands share. */
export const LOCK_TIMEOUT_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'ms',
  description: 'bound each statement’s wait for its table lock (PostgreSQL lock_timeout, MySQL lock_wait_timeout)',
};

/** `--lock-timeout` as a number of milliseconds. */
export function lockTimeout(args: ParsedArgs): number | undefined {
  const value = args.values['lock-timeout'];
  if (typeof value !== 'string') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new UsageError(`--lock-timeout ${value}: write a whole number of milliseconds`);
  return ms;
}

/** A string option, or undefined. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

const RULES: readonly LintRule[] = [
  'drop-table',
  'drop-column',
  'narrowing-type',
  'drop-not-null-default',
  'rename',
  'type-change-rewrites',
  'constraint-without-not-valid',
  'set-not-null-without-check',
  'index-without-concurrently',
  'concurrently-in-transaction',
  'unique-without-index',
  'volatile-default',
  'missing-lock-timeout',
  'table-copy',
];

/** `--allow a,b` as lint rule ids. */
export function allowedRules(args: ParsedArgs): LintRule[] | undefined {
  const value = stringOption(args, 'allow');
  if (value === undefined) return undefined;
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !(RULES as readonly string[]).includes(id));
  if (unknown.length > 0) throw new UsageError(`--allow: unknown lint rule ${unknown.join(', ')}; rules: ${RULES.join(', ')}`);
  return ids as LintRule[];
}

/** One lint finding as two lines: severity, rule and place, then the safer way. */
export function formatFinding(f: LintFinding, style: Style): string {
  const severity = f.severity === 'error' ? style.red('error') : style.yellow('warning');
  const where = f.table === undefined ? '' : f.column === undefined ? ` "${f.table}"` : ` "${f.table}"."${f.column}"`;
  return `  ${severity} ${style.bold(f.rule)}${where}: ${f.reason}\n    ${style.dim('safer:')} ${f.safe}`;
}
