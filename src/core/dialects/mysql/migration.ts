/**
 * MySQL/MariaDB schema changes. DDL commits implicitly, so a migration is a
 * series of autocommitted statements (the runner records how far one got).
 *
 * ALTER TABLE says how the server must carry the change out: `INSTANT`
 * (metadata only), `INPLACE` (no table copy; `LOCK=NONE` keeps writes going)
 * or, when neither applies, a full copy of the table under a write lock.
 * {@link MysqlMigrationCompiler.algorithm} states which, from MariaDB 10.4+'s
 * rules, and the ALTER asks for it, so a change the server would have to do
 * by copying fails at once instead of silently locking a large table; the
 * linter reports the copies in advance.
 */

import { MigrationCompiler, type AlterAlgorithm, type MigrationFeatures, type MigrationLock } from '../../compiler/migration.js';
import { UnsupportedError } from '../../errors.js';
import { assertNeverOperation, type AlterColumnOp, type CreateIndexOp, type Operation } from '../../schema/operations.js';

const FEATURES: MigrationFeatures = Object.freeze({
  concurrentIndexes: false,
  notValidConstraints: false,
  uniqueUsingIndex: false,
  alterAlgorithms: true,
  lockQueue: true,
  enumTypes: false,
});

/** How long GET_LOCK waits for another deploy, in seconds. */
const LOCK_WAIT_SECONDS = 3600;

/** utf8mb4 characters whose VARCHAR needs one length byte (255 bytes / 4): growing within it is metadata only. */
const ONE_LENGTH_BYTE_CHARS = 63;

export class MysqlMigrationCompiler extends MigrationCompiler {
  readonly features = FEATURES;

  lock(name: string): MigrationLock {
    const n = this.dialect.literal(name);
    return { acquire: `SELECT GET_LOCK(${n}, ${LOCK_WAIT_SECONDS})`, release: `SELECT RELEASE_LOCK(${n})` };
  }

  override lockTimeout(milliseconds: number): string {
    return `SET SESSION lock_wait_timeout = ${Math.max(1, Math.ceil(milliseconds / 1000))}`;
  }

  override algorithm(o: Operation): AlterAlgorithm | undefined {
    switch (o.kind) {
      case 'addColumn': {
        const d = o.definition.declaration;
        return d.autoIncrement || d.unique || d.primaryKey ? 'copy' : 'instant';
      }
      case 'dropColumn':
      case 'renameColumn':
      case 'dropCheck':
        return 'instant';
      case 'alterColumn':
        return alterColumnAlgorithm(o);
      case 'createIndex':
      case 'dropIndex':
      case 'addUnique':
      case 'dropUnique':
      case 'dropForeignKey':
        return 'inplace';
      case 'addCheck':
      case 'addForeignKey':
        // Every row is checked with the table locked against writes.
        return 'copy';
      case 'createTable':
      case 'dropTable':
      case 'renameTable':
      case 'validateConstraint':
      case 'createEnum':
      case 'addEnumValue':
      case 'dropEnum':
      case 'backfill':
      case 'sql':
        return undefined;
      default:
        return assertNeverOperation(o);
    }
  }

  protected override alter(table: string, action: string, o: Operation): string {
    const how = this.algorithm(o);
    const clause = how === 'instant' ? ', ALGORITHM=INSTANT' : how === 'inplace' ? ', ALGORITHM=INPLACE, LOCK=NONE' : '';
    return `ALTER TABLE ${this.q(table)} ${action}${clause}`;
  }

  protected override renameTable(from: string, to: string): string {
    return `RENAME TABLE ${this.q(from)} TO ${this.q(to)}`;
  }

  protected override createIndex(o: CreateIndexOp): string {
    return `${super.createIndex(o)} ALGORITHM=INPLACE LOCK=NONE`;
  }

  /** DROP INDEX takes no ALGORITHM clause on MariaDB; ALTER TABLE ... DROP INDEX does. */
  protected override dropIndex(table: string, name: string): string {
    return `ALTER TABLE ${this.q(table)} DROP INDEX ${this.q(name)}, ALGORITHM=INPLACE, LOCK=NONE`;
  }

  /** A default alone changes with ALTER COLUMN; anything else restates the whole column (MODIFY COLUMN). */
  protected override alterColumn(o: AlterColumnOp): string[] {
    const c = this.q(o.column);
    if (!o.type && !o.notNull) {
      if (!o.default) return [];
      const action = o.default.to === null ? `ALTER COLUMN ${c} DROP DEFAULT` : `ALTER COLUMN ${c} SET DEFAULT ${this.dialect.ddl.defaultSql(o.default.to)}`;
      return [this.alter(o.table, action, o)];
    }
    if (!o.definition) {
      throw new UnsupportedError(
        `alterColumn "${o.table}"."${o.column}": MySQL/MariaDB restate the whole column to change its type or nullability; ` +
          `give the column as it will be (definition: { after: varchar(100).notNull() })`,
      );
    }
    return [this.alter(o.table, `MODIFY COLUMN ${this.columnDefinition(o.table, o.column, o.definition.after)}`, o)];
  }

  protected override dropUnique(name: string): string {
    return `DROP INDEX ${this.q(name)}`;
  }

  protected override dropForeignKey(name: string): string {
    return `DROP FOREIGN KEY ${this.q(name)}`;
  }
}

function alterColumnAlgorithm(o: AlterColumnOp): AlterAlgorithm {
  if (o.type) {
    const { from, to } = o.type;
    const widensVarchar =
      from?.kind === 'varchar' &&
      to.kind === 'varchar' &&
      (to.length ?? 0) >= (from.length ?? 0) &&
      ((from.length ?? 0) > ONE_LENGTH_BYTE_CHARS || (to.length ?? 0) <= ONE_LENGTH_BYTE_CHARS);
    if (!widensVarchar) return 'copy';
  }
  // Changing nullability rebuilds the table in place (MariaDB 10.11 refuses INSTANT either way); a default alone is metadata.
  if (o.notNull) return 'inplace';
  return 'instant';
}
