/**
 * The CLI's configuration file: `athanor.config.ts` (or `.mts`, `.js`, `.mjs`)
 * in the working directory, a module whose default export is the config.
 *
 * ```ts
 * // athanor.config.ts
 * import { defineConfig } from 'athanor/cli';
 * export default defineConfig({
 *   url: process.env.DATABASE_URL,
 *   schema: './src/db/schema.ts',
 *   migrations: './migrations',
 * });
 * ```
 * A `.ts` config is loaded with Node's own type stripping where Node has it
 * (22.6+), else through `tsx` when the project has it installed.
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';

// Defined with the other errors, as createEngine() raises it too; still exported from `athanor/cli`.
export { ConfigError };

export interface AthanorConfig {
  /** The database URL (`postgres://…`, `mysql://…`, `sqlite:file.db`); DATABASE_URL when absent. */
  readonly url?: string | undefined;
  /** The module exporting the program's tables and models. */
  readonly schema?: string | undefined;
  /** The folder of migration files. */
  readonly migrations?: string | undefined;
}

/** The config as written, typed: `export default defineConfig({ url: ... })`. */
export function defineConfig(config: AthanorConfig): AthanorConfig {
  return config;
}

/** The names a config file may have, in the order they are looked for. */
export const CONFIG_FILES = ['athanor.config.ts', 'athanor.config.mts', 'athanor.config.js', 'athanor.config.mjs'] as const;

/** @internal The config file in `cwd`, or undefined. */
export function findConfig(cwd: string): string | undefined {
  return CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
}

/** @internal Import a module that may be TypeScript. */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  const typescript = /\.m?ts$/.test(file);
  const nodeStripsTypes = (process.features as { typescript?: unknown }).typescript !== undefined && (process.features as { typescript?: unknown }).typescript !== false;
  if (!typescript || nodeStripsTypes || process.execArgv.some((a) => a.includes('tsx'))) return (await import(url)) as Record<string, unknown>;
  let api: { tsImport(specifier: string, parent: string): Promise<unknown> };
  try {
    api = (await import('tsx/esm/api' as string)) as typeof api;
  } catch {
    throw new ConfigError(`${file} is TypeScript, which this Node (${process.version}) cannot load by itself: install tsx (npm install -D tsx), use Node 22.6 or later, or write the config as athanor.config.mjs`);
  }
  return (await api.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** @internal Load the config at `file` (or the one found in `cwd`); `{}` when there is none. */
export async function loadConfig(cwd: string, file?: string): Promise<AthanorConfig> {
  const path = file === undefined ? findConfig(cwd) : resolve(cwd, file);
  if (path === undefined) return {};
  if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`);
  const module = await importModule(path);
  const config = (module['default'] ?? module) as AthanorConfig;
  if (typeof config !== 'object' || config === null) throw new ConfigError(`${path}: the default export must be a config object`);
  return config;
}

/** @internal Import the program's schema module (tables and models), TypeScript or not. */
export async function importSchemaModule(cwd: string, file: string): Promise<Record<string, unknown>> {
  return importModule(resolve(cwd, file));
}
