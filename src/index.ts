/** Athanor: a TypeScript ORM where the fast way to use a database is the natural way. */
export * from './core.js';
export * from './orm/index.js';
export * from './diagnostics/index.js';
export * from './codegen/index.js';
export * from './migrate/index.js';
