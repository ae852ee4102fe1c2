/**
 * `athanor migrate check` and `athanor migrate lint`: the two CI gates. One
 * compares the database with the schema module (drift); the other reads
 * migrations for data loss and locks before they run.
 */

import { checkDrift } from '../../migrate/diff.js';
import { lintMigration } from '../../migrate/lint.js';
import { Migrator } from '../../migrate/migrator.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { LOCK_TIMEOUT_OPTION, allowedRules, formatFinding, liveTables, lockTimeout, projectMigrations, schemaTables } from '../project.js';

/** `athanor migrate check`. */
export const migrateCheck: Command = {
  name: 'migrate check',
  summary: 'Compare the database with the schema module; exit 1 on drift (for CI)',
  description: [
    'Usage: athanor migrate check',
    '',
    'Reads the database’s tables and compares them with the tables and models the config’s schema module',
    'exports. Exits 0 when they match; otherwise lists each difference (what the database lacks or has in',
    'excess) and exits 1. Run it in CI after athanor migrate up, to catch a model changed without a migration.',
    'The migration history table is left out of the comparison.',
  ].join('\n'),
  options: {},
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new UsageError(`migrate check takes no arguments (got ${args.positionals.join(' ')})`);
    const target = await schemaTables(ctx);
    const engine = await ctx.connect();
    const drift = checkDrift(target, await liveTables(engine, undefined), { dialect: engine.dialect });
    if (drift.length === 0) {
      ctx.out(`${ctx.style.green('no drift')}: the database matches the schema module (${target.length} table${target.length === 1 ? '' : 's'})`);
      return EXIT.ok;
    }
    ctx.out(
      [
        `${ctx.style.red('drift')}: ${drift.length} difference${drift.length === 1 ? '' : 's'} between the schema module and the database:`,
        ...drift.map((d) => `  ${d.description}`),
        'Apply the pending migrations (athanor migrate up), or write one for the change (athanor migrate generate <name>).',
      ].join('\n'),
    );
    return EXIT.findings;
  },
};

/** `athanor migrate lint [id ...] [--allow rules] [--lock-timeout ms]`. */
export const migrateLint: Command = {
  name: 'migrate lint',
  summary: 'Lint the pending (or the named) migrations; exit 1 on findings',
  description: [
    'Usage: athanor migrate lint [<id> ...] [--allow <rule,rule>] [--lock-timeout <ms>]',
    '',
    'Reads the migrations for what loses data, blocks a busy table or makes the database copy it, on the',
    'database the URL names (its rules differ per database). Without ids, lints the migrations not applied yet.',
    'Prints each finding with its rule id and the safer way, and exits 1 when there is any; --allow leaves',
    'rules out. Pass the --lock-timeout the deploy runs migrate up with, or missing-lock-timeout is reported.',
    '',
    'Examples:',
    '  athanor migrate lint',
    '  athanor migrate lint 20260102T093000_song_names --allow rename,missing-lock-timeout',
  ].join('\n'),
  options: {
    allow: { type: 'string', valueName: 'rule,rule', description: 'lint rules to leave out' },
    'lock-timeout': LOCK_TIMEOUT_OPTION,
  },
  async run(ctx, args) {
    const allow = allowedRules(args);
    const lockTimeoutMs = lockTimeout(args);
    const migrations = await projectMigrations(ctx);
    const unknown = args.positionals.filter((id) => !migrations.some((m) => m.id === id));
    if (unknown.length > 0) throw new UsageError(`no migration has the id ${unknown.map((id) => `"${id}"`).join(', ')}; athanor migrate status lists them`);
    const engine = await ctx.connect();
    let chosen = migrations.filter((m) => args.positionals.includes(m.id));
    if (args.positionals.length === 0) {
      const pending = new Set((await new Migrator({ engine, migrations }).status()).filter((s) => s.state === 'pending').map((s) => s.id));
      chosen = migrations.filter((m) => pending.has(m.id));
      if (chosen.length === 0) {
        ctx.out('nothing to lint: no migration is pending');
        return EXIT.ok;
      }
    }
    let total = 0;
    for (const m of chosen) {
      const findings = lintMigration(m.up, engine.dialect, { transactional: m.transactional !== false, lockTimeoutMs, ...(allow ? { allow } : {}) });
      total += findings.length;
      ctx.out(findings.length === 0 ? `${m.id}: ${ctx.style.green('no findings')}` : [`${m.id}:`, ...findings.map((f) => formatFinding(f, ctx.style))].join('\n'));
    }
    ctx.out(`${total} finding${total === 1 ? '' : 's'} in ${chosen.length} migration${chosen.length === 1 ? '' : 's'}`);
    return total > 0 ? EXIT.findings : EXIT.ok;
  },
};
