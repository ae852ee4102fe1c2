/**
 * Athanor Migrate: schema changes as reviewable, reversible operations.
 * Diff two schemas into operations, lint them for data loss and locks,
 * write them as migration files, render their SQL per database, and apply
 * them with a history table and a lock. Built on Core; knows nothing of the ORM.
 */
export {
  op,
  inverseOf,
  operationTable,
  type Operation,
  type OperationKind,
  type AnyColumnBuilder,
  type Change,
  type TableRebuild,
  type Irreversible,
  type CreateTableOp,
  type DropTableOp,
  type RenameTableOp,
  type AddColumnOp,
  type DropColumnOp,
  type RenameColumnOp,
  type AlterColumnOp,
  type CreateIndexOp,
  type DropIndexOp,
  type AddUniqueOp,
  type DropUniqueOp,
  type AddCheckOp,
  type DropCheckOp,
  type ValidateConstraintOp,
  type AddForeignKeyOp,
  type DropForeignKeyOp,
  type CreateEnumOp,
  type AddEnumValueOp,
  type DropEnumOp,
  type BackfillOp,
  type RawSqlOp,
} from '../core/schema/operations.js';
export type { BatchesStatement, CompiledMigration, MigrationStatement, MigrationFeatures, AlterAlgorithm } from '../core/compiler/migration.js';
export * from './errors.js';
export { Migrator, defineMigration, loadMigrations, migrationSql, operationsFor, type BackfillProgress, type Migration, type MigrationStatus, type MigratorOptions } from './migrator.js';
export { checkDrift, diffSchemas, parseRenames, type DiffOptions, type Drift, type Renames, type SchemaDiff } from './diff.js';
export { lintMigration, narrows, type LintFinding, type LintOptions, type LintRule } from './lint.js';
export { migrationSource, type SourceOptions } from './source.js';
export { migrationExtension } from './package-type.js';
export { expandContract, generateMigration, type GenerateMigrationOptions, type GenerateResult, type GeneratedMigration } from './generate.js';
