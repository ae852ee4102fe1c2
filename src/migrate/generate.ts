/**
 * Generating migrations: diff, refuse unconfirmed drops, optionally split
 * into the expand/contract form, lint, and write the files. A CLI command is
 * a thin wrapper: it parses `--rename`, `--allow-drop`, `--safe`, supplies the
 * current tables (from the database) and the target ones (from the models),
 * and prints what this returns.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ColumnBuilder } from '../core/schema/column.js';
import type { Table } from '../core/schema/table.js';
import type { Dialect } from '../core/dialects/dialect.js';
import { op, type Operation } from '../core/schema/operations.js';
import { diffSchemas, type Renames } from './diff.js';
import { lintMigration, type LintFinding, type LintRule } from './lint.js';
import { migrationSource } from './source.js';
import { migrationSql, type Migration } from './migrator.js';
import { UnconfirmedDropError, type DropReport } from './errors.js';
import { migrationExtension } from './package-type.js';

export interface GenerateMigrationOptions {
  /** The schema as it is (from the database's introspection, or earlier declarations). */
  readonly current: readonly Table[];
  /** The schema as it should be (the application's tables). */
  readonly target: readonly Table[];
  /** The database the migration is for: its SQL, its lint rules. */
  readonly dialect: Dialect;
  /** A short name for the file (`add_country`). */
  readonly name: string;
  readonly renames?: Renames;
  /** Generate drops of tables and columns (their data is lost). */
  readonly allowDrop?: boolean;
  /** Expand/contract: changes that lock a busy table are split into steps that do not (PostgreSQL). */
  readonly safe?: boolean;
  /** Write the files here; without it nothing is written. */
  readonly dir?: string;
  /**
   * The files' extension. Default: `.ts` where the package.json nearest `dir` says `"type": "module"`, else
   * `.mts` (a `.ts` file there would load as CommonJS, with a second copy of Athanor).
   */
  readonly extension?: '.ts' | '.mts';
  /** The id prefix (default the UTC time, `20260102T103000`). */
  readonly timestamp?: string;
  /** What the files import from (default `athanor`). */
  readonly importFrom?: string;
  /** Passed to the linter: the runner's `lockTimeoutMs`. */
  readonly lockTimeoutMs?: number;
  readonly allowRules?: readonly LintRule[];
}

/** One generated migration: its operations, findings, file text and SQL. */
export interface GeneratedMigration {
  readonly migration: Migration;
  readonly findings: readonly LintFinding[];
  readonly source: string;
  readonly sql: string;
  /** Where it was written, when `dir` was given. */
  readonly file: string | undefined;
}

export interface GenerateResult {
  /** Empty when the schemas already match. */
  readonly migrations: readonly GeneratedMigration[];
  readonly drops: readonly DropReport[];
}

/**
 * Diff `current` against `target` and write the migration(s).
 *
 * ```ts
 * const { migrations } = await generateMigration({
 *   current: [userV1], target: [userV2], dialect: engine.dialect, name: 'rename_name',
 *   renames: { columns: { 'user.name': 'full_name' } }, dir: 'migrations',
 * });
 * // migrations/20260102T103000_rename_name.ts: op.renameColumn('user', 'name', 'full_name')
 * // (.mts where the package.json is not "type": "module")
 * ```
 * Fails with {@link UnconfirmedDropError} when a table or column would be dropped and `allowDrop` is not set.
 */
export async function generateMigration(options: GenerateMigrationOptions): Promise<GenerateResult> {
  const diff = diffSchemas(options.current, options.target, { ...(options.renames ? { renames: options.renames } : {}), dialect: options.dialect });
  if (diff.drops.length > 0 && !options.allowDrop) {
    const lines = diff.drops.map((d) => {
      const what = d.column === undefined ? `table "${d.table}"` : `column "${d.table}"."${d.column}"`;
      return d.renameHint
        ? `  ${what} would be dropped, and one of the same shape added: a rename? pass renames (CLI: --rename ${d.renameHint})`
        : `  ${what} would be dropped with its data`;
    });
    throw new UnconfirmedDropError(`the migration would drop data:\n${lines.join('\n')}\nPass allowDrop: true (CLI: --allow-drop) if you mean it.`, diff.drops);
  }
  if (diff.operations.length === 0) return { migrations: [], drops: diff.drops };
  const stamp = options.timestamp ?? new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  const steps = options.safe ? expandContract(diff.operations, options.dialect, options.current) : [{ suffix: '', up: diff.operations, transactional: true }];
  const out: GeneratedMigration[] = [];
  for (const [i, step] of steps.entries()) {
    const id = `${stamp}${steps.length > 1 ? `_${i + 1}` : ''}_${options.name}${step.suffix}`;
    const migration: Migration = { id, up: step.up, ...(step.transactional ? {} : { transactional: false }) };
    const findings = lintMigration(step.up, options.dialect, {
      transactional: step.transactional,
      lockTimeoutMs: options.lockTimeoutMs,
      ...(options.allowRules ? { allow: options.allowRules } : {}),
    });
    const header = findings.length === 0 ? undefined : `// Lint findings (review before applying):\n${findings.map((f) => `//   ${f.rule} (${f.severity}): ${f.reason}.\n//     Safer: ${f.safe}.`).join('\n')}`;
    const source = migrationSource(migration, { dialect: options.dialect, ...(options.importFrom ? { importFrom: options.importFrom } : {}), ...(header ? { header } : {}) });
    let file: string | undefined;
    if (options.dir) {
      await mkdir(options.dir, { recursive: true });
      file = join(options.dir, `${id}${options.extension ?? migrationExtension(options.dir)}`);
      await writeFile(file, source, { flag: 'wx' });
    }
    out.push({ migration, findings, source, sql: migrationSql(migration, options.dialect), file });
  }
  return { migrations: out, drops: diff.drops };
}

interface Step {
  readonly suffix: string;
  readonly up: readonly Operation[];
  readonly transactional: boolean;
}

/**
 * The expand/contract form, where the database has the means (PostgreSQL):
 * 1. expand, in a transaction: everything but indexes, constraints added NOT
 *    VALID, new NOT NULL columns added nullable, NOT NULL to come checked by a
 *    NOT VALID check;
 * 2. backfill (only for new NOT NULL columns without a default):
 *    `op.backfill` in batches of 1000 rows by the primary key, each committed
 *    on its own outside a transaction, with the value left to fill in (a
 *    TODO that sets NULL, which the contract step's VALIDATE then refuses);
 *    a table without a one-column primary key gets an UPDATE to fill in;
 * 3. indexes built CONCURRENTLY, outside a transaction (unique constraints
 *    from a unique index built that way);
 * 4. contract, in a transaction: VALIDATE the constraints, SET NOT NULL over
 *    the validated check, drop the check.
 * Elsewhere the operations stay as they are, in one step.
 */
export function expandContract(operations: readonly Operation[], dialect: Dialect, tables: readonly Table[] = []): Step[] {
  const f = dialect.migration.features;
  if (!f.concurrentIndexes || !f.notValidConstraints) return [{ suffix: '', up: operations, transactional: true }];
  const created = new Set(operations.flatMap((o) => (o.kind === 'createTable' ? [o.table.name] : [])));
  const expand: Operation[] = [];
  const backfill: Operation[] = [];
  const indexes: Operation[] = [];
  const contract: Operation[] = [];
  const q = (n: string) => dialect.quoteIdentifier(n);
  const notNullSteps = (table: string, column: string) => {
    const check = `${table}_${column}_not_null`;
    expand.push(op.addCheck(table, check, { node: { kind: 'raw', parts: [`${q(column)} IS NOT NULL`], values: [] } }, { notValid: true }));
    contract.push(
      op.validateConstraint(table, check),
      op.alterColumn(table, column, { notNull: { from: false, to: true } }),
      op.dropCheck(table, check, { condition: { node: { kind: 'raw', parts: [`${q(column)} IS NOT NULL`], values: [] } } }),
    );
  };
  for (const o of operations) {
    const existing = 'table' in o && typeof o.table === 'string' && !created.has(o.table);
    if (!existing) {
      expand.push(o);
      continue;
    }
    switch (o.kind) {
      case 'addColumn': {
        const d = o.definition.declaration;
        if (d.notNull && !d.serverDefault && !d.primaryKey) {
          expand.push(op.addColumn(o.table, o.column, new ColumnBuilder<unknown, boolean, boolean>({ ...d, notNull: false })));
          const key = tables.find((t) => t.name === o.table)?.primaryKey;
          backfill.push(
            key?.length === 1
              ? op.backfill(o.table, o.column, { node: { kind: 'raw', parts: ['NULL /* TODO: the value for existing rows */'], values: [] } }, { key: key[0]!.name })
              : op.sql(
                  `UPDATE ${q(o.table)} SET ${q(o.column)} = NULL /* TODO: the value for existing rows; run in batches on a large table */ WHERE ${q(o.column)} IS NULL`,
                ),
          );
          notNullSteps(o.table, o.column);
        } else expand.push(o);
        break;
      }
      case 'alterColumn':
        if (o.notNull?.to === true) {
          const rest = op.alterColumn(o.table, o.column, {
            ...(o.type ? { type: o.type } : {}),
            ...(o.default ? { default: { ...('from' in o.default ? { from: o.default.from ? { node: o.default.from } : null } : {}), to: o.default.to ? { node: o.default.to } : null } } : {}),
          });
          if (o.type || o.default) expand.push(rest);
          notNullSteps(o.table, o.column);
        } else expand.push(o);
        break;
      case 'createIndex':
        indexes.push(op.createIndex(o.table, o.name, o.columns, { ...o, where: o.where ? { node: o.where } : undefined, concurrently: true, types: o.types }));
        break;
      case 'dropIndex':
        indexes.push(op.dropIndex(o.table, o.name, { concurrently: true, ...(o.definition ? { definition: o.definition } : {}) }));
        break;
      case 'addUnique': {
        const ix = `${o.name}_idx`;
        indexes.push(op.createIndex(o.table, ix, o.columns, { unique: true, concurrently: true }));
        contract.push(op.addUnique(o.table, o.name, o.columns, { usingIndex: ix }));
        break;
      }
      case 'addCheck':
      case 'addForeignKey':
        expand.push(Object.freeze({ ...o, notValid: true }));
        contract.push(op.validateConstraint(o.table, o.name));
        break;
      default:
        expand.push(o);
    }
  }
  const steps: Step[] = [];
  if (expand.length > 0) steps.push({ suffix: '_expand', up: expand, transactional: true });
  if (backfill.length > 0) steps.push({ suffix: '_backfill', up: backfill, transactional: false });
  if (indexes.length > 0) steps.push({ suffix: '_indexes', up: indexes, transactional: false });
  if (contract.length > 0) steps.push({ suffix: '_contract', up: contract, transactional: true });
  return steps;
}

