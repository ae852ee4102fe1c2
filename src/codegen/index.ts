/**
 * Source generation: TypeScript for tables and models read from a database (what `athanor pull` writes).
 *
 * ```ts
 * const source = generateSource((await introspect(engine)).tables);
 * ```
 */
export { generateSource, type GenerateSourceOptions } from './generate.js';
