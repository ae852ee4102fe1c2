/**
 * Errors of the migration layer, each with a stable code and a message that
 * names the migration, table or column involved and the way out.
 */

import { AthanorError, type AthanorErrorCode } from '../core/errors.js';

/** Any migration failure. */
export class MigrationError extends AthanorError {
  override readonly code: AthanorErrorCode = 'ATH_MIGRATION';
  override name = 'MigrationError';
}

/**
 * A migration already applied was edited afterwards: its statements no longer
 * match the checksum recorded when it ran.
 *
 * ```ts
 * await migrator.up(); // MigrationChecksumError: migration "20260101_add_country" was edited after it was applied ...
 * ```
 */
export class MigrationChecksumError extends MigrationError {
  override readonly code = 'ATH_MIGRATION_CHECKSUM';
  override name = 'MigrationChecksumError';
  constructor(
    message: string,
    /** The edited migrations' ids. */
    readonly ids: readonly string[],
  ) {
    super(message);
  }
}

/**
 * A migration that could not run in one transaction (MySQL/MariaDB, or one
 * marked `transactional: false`) failed part way: `ran` lists the statements
 * that took effect, `failed` the one that did not. The history records the
 * migration as `partial` until {@link Migrator.resolve} is called.
 */
export class MigrationPartialError extends MigrationError {
  override readonly code = 'ATH_MIGRATION_PARTIAL';
  override name = 'MigrationPartialError';
  constructor(
    message: string,
    readonly id: string,
    readonly ran: readonly string[],
    readonly failed: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A migration failed inside its transaction: nothing of it was kept. */
export class MigrationFailedError extends MigrationError {
  override readonly code = 'ATH_MIGRATION_FAILED';
  override name = 'MigrationFailedError';
  constructor(
    message: string,
    readonly id: string,
    readonly statement: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `down` met an operation with no inverse (a dropped column without its definition, an added enum value). */
export class IrreversibleMigrationError extends MigrationError {
  override readonly code = 'ATH_MIGRATION_IRREVERSIBLE';
  override name = 'IrreversibleMigrationError';
}

/** Another deploy held the migration lock for longer than the wait. */
export class MigrationLockError extends MigrationError {
  override readonly code = 'ATH_MIGRATION_LOCK';
  override name = 'MigrationLockError';
}

/**
 * Generation refused to drop tables or columns that look renamed, or to drop
 * anything without `allowDrop`. Each entry says what would be dropped and the
 * rename hint to pass if it was a rename.
 *
 * ```ts
 * generateMigration({ current, target }); // UnconfirmedDropError: ... "user"."name" dropped and "user"."full_name" added:
 * //   a rename? pass renames: { columns: { 'user.name': 'full_name' } } (CLI: --rename user.name=full_name), or allowDrop: true
 * ```
 */
export class UnconfirmedDropError extends MigrationError {
  override readonly code = 'ATH_MIGRATION_DROP';
  override name = 'UnconfirmedDropError';
  constructor(
    message: string,
    readonly drops: readonly DropReport[],
  ) {
    super(message);
  }
}

/** One drop the diff would make: a table or a column, and the rename hint when a partner was added. */
export interface DropReport {
  readonly table: string;
  readonly column?: string;
  /** `user.name=full_name` or `user=account`, when one thing of the same shape was added alongside. */
  readonly renameHint?: string;
}
