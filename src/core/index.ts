/**
 * Athanor Core: schema, SQL expression language, dialect compilers and execution.
 * Core knows nothing of the ORM.
 */
export * from './schema/types.js';
export * from './schema/column.js';
export * from './schema/table.js';
export * from './schema/validate.js';
export * from './sql/index.js';
export * from './errors.js';
export type { CompiledStatement, ResultColumn } from './compiler/compiled.js';
export { SqlCompiler } from './compiler/compiler.js';
export { StatementCache } from './compiler/cache.js';
export { DdlCompiler, planCreation, type CreateOptions, type DropOptions } from './compiler/ddl.js';
export * from './dialects/dialect.js';
export type { ReplicationPositions } from './dialects/replication.js';
export { SqliteDialect } from './dialects/sqlite/dialect.js';
export { PostgresDialect } from './dialects/postgres/dialect.js';
export { MysqlDialect, type MysqlFlavor } from './dialects/mysql/dialect.js';
export * from './engine/index.js';
export * from './introspect/index.js';
