/**
 * PostgreSQL schema changes: transactional DDL, `CREATE INDEX CONCURRENTLY`,
 * `NOT VALID` constraints validated later, native enum types, advisory locks.
 *
 * The facts here feed the migration linter: which type changes rewrite the
 * table (under an ACCESS EXCLUSIVE lock that blocks reads too), and that a
 * DDL statement waiting for its lock queues every later query behind it
 * (hence `lock_timeout`).
 */

import { MigrationCompiler, type MigrationFeatures, type MigrationLock } from '../../compiler/migration.js';
import type { AlterColumnOp } from '../../schema/operations.js';
import type { SqlType } from '../../schema/types.js';

const FEATURES: MigrationFeatures = Object.freeze({
  concurrentIndexes: true,
  notValidConstraints: true,
  uniqueUsingIndex: true,
  alterAlgorithms: false,
  lockQueue: true,
  enumTypes: true,
});

/** A stable 31-bit key for `pg_advisory_lock`, from the lock's name (FNV-1a). */
function advisoryKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

/**
 * Type changes PostgreSQL makes in the catalog only: a longer varchar, varchar
 * to text, a numeric with more precision and the same scale. Anything else
 * rewrites every row.
 */
function binaryCoercible(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'varchar' && to.kind === 'varchar') return (to.length ?? 0) >= (from.length ?? 0);
  if (from.kind === 'varchar' && to.kind === 'text') return true;
  if (from.kind === 'numeric' && to.kind === 'numeric') {
    if (to.precision === undefined) return true;
    return from.precision !== undefined && to.precision >= from.precision && (to.scale ?? 0) === (from.scale ?? 0);
  }
  return from.kind === to.kind && from.kind !== 'enum' && from.kind !== 'varchar' && from.kind !== 'numeric';
}

export class PostgresMigrationCompiler extends MigrationCompiler {
  readonly features = FEATURES;

  lock(name: string): MigrationLock {
    const key = advisoryKey(name);
    return { acquire: `SELECT pg_advisory_lock(${key})`, release: `SELECT pg_advisory_unlock(${key})` };
  }

  override lockTimeout(milliseconds: number): string {
    return `SET lock_timeout = '${Math.max(0, Math.floor(milliseconds))}ms'`;
  }

  override transactionLock(name: string): string {
    return `SELECT pg_advisory_xact_lock(${advisoryKey(name)})`;
  }

  override transactionLockTimeout(milliseconds: number): string {
    return `SET LOCAL lock_timeout = '${Math.max(0, Math.floor(milliseconds))}ms'`;
  }

  override typeChangeRewrites(o: AlterColumnOp): boolean {
    if (!o.type) return false;
    // Without the old type we cannot tell: assume the worst.
    return o.type.from === undefined || !binaryCoercible(o.type.from, o.type.to);
  }
}
