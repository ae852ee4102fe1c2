/**
 * The `athanor/core` entry point: Core (schema, SQL, dialects, engine) and
 * `createEngine()` / `registerDriver()`, which connect it to the drivers.
 *
 * The entry lives outside `src/core` because the connection module sits
 * above Core and the drivers: Core itself never imports a driver.
 *
 * ```ts
 * import { createEngine, select } from 'athanor/core';
 * ```
 */
export * from './core/index.js';
export { createEngine, registerDriver, type DriverRegistration } from './connect/index.js';
