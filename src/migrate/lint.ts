/**
 * Migration safety: what in a migration loses data, blocks a busy table, or
 * makes the database copy it, found before it runs, each with a stable rule
 * id, the reason and the safe way to do the same thing.
 *
 * Database facts come from the dialect (`dialect.migration.features`,
 * `typeChangeRewrites`, `algorithm`), so the rules read capabilities and
 * never a dialect's name. The rules follow what PostgreSQL's public
 * migration linters check (docs/migrations.md says where they differ).
 */

import type { Dialect } from '../core/dialects/dialect.js';
import { assertNeverOperation, operationTable, type Operation } from '../core/schema/operations.js';
import type { SqlType } from '../core/schema/types.js';
import type { ExprNode } from '../core/sql/nodes.js';

/** Stable rule ids: safe to match on in CI and to list in an `allow` option. */
export type LintRule =
  | 'drop-table'
  | 'drop-column'
  | 'narrowing-type'
  | 'drop-not-null-default'
  | 'rename'
  | 'type-change-rewrites'
  | 'constraint-without-not-valid'
  | 'set-not-null-without-check'
  | 'index-without-concurrently'
  | 'concurrently-in-transaction'
  | 'unique-without-index'
  | 'volatile-default'
  | 'missing-lock-timeout'
  | 'table-copy';

/** One problem: which rule, which operation, why, and what to do instead. */
export interface LintFinding {
  readonly rule: LintRule;
  /** `error`: loses data or cannot run as written; `warning`: blocks a busy table. */
  readonly severity: 'error' | 'warning';
  /** Index of the operation in the list linted. */
  readonly operation: number;
  readonly table: string | undefined;
  readonly column?: string | undefined;
  readonly reason: string;
  readonly safe: string;
}

export interface LintOptions {
  /** The migration runs in one transaction (default true). */
  readonly transactional?: boolean;
  /** The runner bounds lock waits (`Migrator`'s `lockTimeoutMs`). */
  readonly lockTimeoutMs?: number | undefined;
  /** Rule ids to leave out (the team has decided the risk is acceptable). */
  readonly allow?: readonly LintRule[];
}

/** SQL functions whose value differs per row: a default calling one fills every existing row, rewriting the table. */
const VOLATILE = /\b(random|gen_random_uuid|uuid_generate_v[14]|clock_timestamp|timeofday|nextval|uuid|rand)\s*\(/i;

/**
 * Findings for `operations` as they would run on `dialect`.
 *
 * ```ts
 * lintMigration([op.createIndex('song', 'song_title_idx', ['title'])], engine.dialect);
 * // PostgreSQL: [{ rule: 'index-without-concurrently', severity: 'warning', table: 'song', reason: 'CREATE INDEX blocks writes ...', safe: '...' }]
 * ```
 */
export function lintMigration(operations: readonly Operation[], dialect: Dialect, options: LintOptions = {}): LintFinding[] {
  const features = dialect.migration.features;
  const transactional = options.transactional !== false;
  const created = new Set(operations.flatMap((o) => (o.kind === 'createTable' ? [o.table.name] : [])));
  const findings: LintFinding[] = [];
  const add = (i: number, rule: LintRule, severity: 'error' | 'warning', reason: string, safe: string, column?: string) => {
    if (options.allow?.includes(rule)) return;
    findings.push({ rule, severity, operation: i, table: operationTable(operations[i]!), ...(column !== undefined ? { column } : {}), reason, safe });
  };
  const text = (node: ExprNode) => dialect.compiler.inlineExpression(node);
  /** Checks validated earlier in this migration, by table. */
  const validated = new Set<string>();

  operations.forEach((o, i) => {
    const existing = operationTable(o) !== undefined && !created.has(operationTable(o)!);
    switch (o.kind) {
      case 'dropTable':
        add(i, 'drop-table', 'error', `dropping table "${o.table}" deletes its rows`, 'stop using the table, deploy, then drop it in a later migration (and back it up); pass allowDrop when you mean it');
        break;
      case 'dropColumn':
        add(i, 'drop-column', 'error', `dropping "${o.table}"."${o.column}" deletes its values, and running code that still reads it fails`, 'stop reading and writing the column, deploy, then drop it in a later migration', o.column);
        break;
      case 'renameTable':
      case 'renameColumn':
        add(
          i,
          'rename',
          'warning',
          `renaming ${o.kind === 'renameTable' ? `table "${o.from}"` : `"${o.table}"."${o.from}"`} breaks code still running that uses the old name`,
          'add the new name, write to both, backfill, move reads, then drop the old one; or rename during a deploy that stops the old code first',
          o.kind === 'renameColumn' ? o.from : undefined,
        );
        break;
      case 'alterColumn':
        if (o.type && narrows(o.type.from, o.type.to)) {
          add(i, 'narrowing-type', 'error', `"${o.table}"."${o.column}": ${describe(o.type.from)} → ${describe(o.type.to)} can truncate or reject existing values`, 'add a new column of the new type, backfill it checking every value fits, switch reads, then drop the old column', o.column);
        }
        if (o.default && o.default.to === null && (o.definition?.after.declaration.notNull ?? o.notNull?.to ?? false)) {
          add(i, 'drop-not-null-default', 'error', `"${o.table}"."${o.column}" is NOT NULL: without its default, inserts that leave it out fail`, 'make every writer set the column first, or drop NOT NULL along with the default', o.column);
        }
        if (existing && o.type && features.lockQueue && dialect.migration.typeChangeRewrites(o)) {
          add(i, 'type-change-rewrites', 'warning', `changing "${o.table}"."${o.column}" to ${describe(o.type.to)} rewrites the table under an ACCESS EXCLUSIVE lock (reads block too)`, 'add a new column, backfill it in batches, switch over, drop the old one (only longer varchar, varchar → text and wider numeric are catalog-only)', o.column);
        }
        if (existing && o.notNull?.to === true && features.notValidConstraints && !validated.has(o.table)) {
          add(i, 'set-not-null-without-check', 'warning', `SET NOT NULL on "${o.table}"."${o.column}" scans the whole table under an ACCESS EXCLUSIVE lock`, `first ADD CONSTRAINT ... CHECK ("${o.column}" IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT (in its own migration), then SET NOT NULL (PostgreSQL 12+ skips the scan), then drop the check; safe: true writes this`, o.column);
        }
        break;
      case 'addCheck':
      case 'addForeignKey':
        if (existing && features.notValidConstraints && !o.notValid) {
          add(i, 'constraint-without-not-valid', 'warning', `adding ${o.kind === 'addCheck' ? 'a check' : 'a foreign key'} "${o.name}" checks every row while holding a lock that blocks writes${o.kind === 'addForeignKey' ? ` (on "${o.table}" and "${o.target.table}")` : ''}`, 'add it NOT VALID (notValid: true), then validateConstraint in a later migration, which does not block writes');
        }
        if (o.kind === 'addCheck' && o.notValid) validated.delete(o.table);
        break;
      case 'validateConstraint':
        validated.add(o.table);
        break;
      case 'createIndex':
      case 'dropIndex':
        if (existing && features.concurrentIndexes && !o.concurrently) {
          add(i, 'index-without-concurrently', 'warning', `${o.kind === 'createIndex' ? 'CREATE' : 'DROP'} INDEX "${o.name}" blocks writes to "${o.table}" until it finishes`, 'concurrently: true, in a migration marked transactional: false');
        }
        if (o.concurrently && features.concurrentIndexes && transactional) {
          add(i, 'concurrently-in-transaction', 'error', `"${o.name}" is built CONCURRENTLY, which PostgreSQL refuses inside a transaction`, 'put it in its own migration marked transactional: false');
        }
        break;
      case 'addUnique':
        if (existing && features.uniqueUsingIndex && o.usingIndex === undefined) {
          add(i, 'unique-without-index', 'warning', `ADD CONSTRAINT "${o.name}" UNIQUE builds its index under a lock that blocks reads and writes of "${o.table}"`, 'create a unique index CONCURRENTLY first (transactional: false), then addUnique with usingIndex');
        }
        break;
      case 'addColumn': {
        const d = o.definition.declaration.serverDefault;
        if (existing && d && d.kind !== 'param' && features.lockQueue && VOLATILE.test(text(d))) {
          add(i, 'volatile-default', 'warning', `the default of "${o.table}"."${o.column}" (${text(d)}) differs per row, so every existing row is written: the table is rewritten under an exclusive lock`, 'add the column without a default, set the default, backfill existing rows in batches', o.column);
        }
        break;
      }
      case 'createTable':
      case 'dropUnique':
      case 'dropCheck':
      case 'dropForeignKey':
      case 'createEnum':
      case 'addEnumValue':
      case 'dropEnum':
      case 'backfill':
      case 'sql':
        break;
      default:
        assertNeverOperation(o);
    }
    if (existing && features.alterAlgorithms && dialect.migration.algorithm(o) === 'copy') {
      add(i, 'table-copy', 'warning', `${o.kind} on "${operationTable(o)}" cannot be done INSTANT or INPLACE: the server copies the table and blocks writes meanwhile`, 'run it at a quiet time, or use an online schema change tool (pt-online-schema-change, gh-ost) for a large table');
    }
  });

  const locking = operations.some((o) => o.kind !== 'createTable' && o.kind !== 'sql' && operationTable(o) !== undefined && !created.has(operationTable(o)!));
  if (locking && features.lockQueue && options.lockTimeoutMs === undefined && !options.allow?.includes('missing-lock-timeout')) {
    findings.push({
      rule: 'missing-lock-timeout',
      severity: 'warning',
      operation: 0,
      table: undefined,
      reason: 'an ALTER waiting for its table lock (behind a long query) makes every later query on the table wait behind it',
      safe: 'run with lockTimeoutMs (new Migrator({ ..., lockTimeoutMs: 5000 })) and retry the migration when it times out',
    });
  }
  return findings;
}

function describe(t: SqlType | undefined): string {
  if (!t) return 'an unknown type';
  if (t.kind === 'varchar') return `varchar(${t.length})`;
  if (t.kind === 'numeric') return t.precision === undefined ? 'numeric' : `numeric(${t.precision}, ${t.scale ?? 0})`;
  return t.kind;
}

const INTEGER_WIDTH: Partial<Record<SqlType['kind'], number>> = { smallint: 2, integer: 4, bigint: 8 };

/** True when some value of `from` may not survive as `to` (unknown `from`: assume it may not). */
export function narrows(from: SqlType | undefined, to: SqlType): boolean {
  if (!from) return true;
  if (from.kind === to.kind) {
    switch (to.kind) {
      case 'varchar':
        return (to.length ?? 0) < (from.length ?? 0);
      case 'numeric':
        if (to.precision === undefined) return false;
        if (from.precision === undefined) return true;
        return to.precision - (to.scale ?? 0) < from.precision - (from.scale ?? 0) || (to.scale ?? 0) < (from.scale ?? 0);
      case 'enum':
        return (from.values ?? []).some((v) => !(to.values ?? []).includes(v));
      default:
        return false;
    }
  }
  const wf = INTEGER_WIDTH[from.kind];
  const wt = INTEGER_WIDTH[to.kind];
  if (wf !== undefined && wt !== undefined) return wt < wf;
  if (wf !== undefined && (to.kind === 'numeric' || to.kind === 'double')) return false;
  if (from.kind === 'real' && to.kind === 'double') return false;
  if (from.kind === 'varchar' && to.kind === 'text') return false;
  if (from.kind === 'enum' && (to.kind === 'text' || to.kind === 'varchar')) return false;
  if (from.kind === 'timestamp' && to.kind === 'timestamptz') return false;
  return true;
}
