/**
 * Reading an existing database's schema into tables, and comparing tables.
 *
 * ```ts
 * const { tables, skipped } = await introspect(engine);
 * compareSchemas(myTables, tables, { dialect: engine.dialect }); // [] when the database matches
 * ```
 */
export { introspect, tablesFromCatalog, type CatalogSource, type IntrospectOptions, type IntrospectedSchema } from './introspect.js';
export { compareSchemas, type CompareOptions, type SchemaDifference, type SchemaObjectKind } from './compare.js';
export { camelCase, pascalCase, columnKeys, isIdentifier } from './names.js';
export type {
  Catalog,
  CatalogColumn,
  CatalogDefault,
  CatalogEnum,
  CatalogForeignKey,
  CatalogIndex,
  CatalogIndexElement,
  CatalogQuery,
  CatalogReadOptions,
  CatalogTable,
  SkippedObject,
} from './catalog.js';
