export * from './expression.js';
export * from './select.js';
export * from './dml.js';
export * from './functions.js';
export * from './raw.js';
export type * from './nodes.js';
export { placeholder } from './placeholder.js';
export * from './write-rows.js';
