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
 * (22.6+), else through `tsx` when the project has it installed. In a package
 * whose package.json does not say `"type": "module"`, name it
 * `athanor.config.mts`: a `.ts` file would load as CommonJS
 * ({@link ModuleFormatError}).
 */

import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AthanorError, ConfigError } from '../core/errors.js';
import { nearestPackage } from '../migrate/package-type.js';

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

/**
 * A TypeScript module of the project (the config, the schema module, a migration) would load as CommonJS: its
 * package.json does not say `"type": "module"`. Loaded so, it would get a second copy of Athanor whose classes the
 * CLI does not recognise (every `instanceof` fails), so it is refused before it loads. `file` is the module,
 * `packageJson` the package.json that decides (undefined when there is none); the message names both fixes.
 *
 * ```ts
 * import { runCli } from 'athanor/cli';
 * await runCli(['migrate', 'up'], { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });   // athanor.config.ts, package without "type": "module"
 * // error: athanor.config.ts would load as CommonJS ...: rename it to athanor.config.mts, or add "type": "module" to package.json [ATH_MODULE_FORMAT]
 * ```
 */
export class ModuleFormatError extends AthanorError {
  override name = 'ModuleFormatError';
  override readonly code = 'ATH_MODULE_FORMAT';
  constructor(
    readonly file: string,
    readonly packageJson: string | undefined,
  ) {
    const mts = `${basename(file).replace(/\.ts$/, '')}.mts`;
    super(
      `${file} would load as CommonJS (${packageJson ? `${packageJson} does not say "type": "module"` : 'no package.json says "type": "module"'}), ` +
        `and a CommonJS module gets a second copy of Athanor whose tables and operations the CLI cannot recognise: ` +
        `rename it to ${mts} (an ES module whatever the package says; athanor migrate generate writes .mts migrations in such a package), ` +
        `or add "type": "module" to ${packageJson ?? 'the package.json'}`,
    );
  }
}

/** True when Node strips TypeScript types itself (22.6+, where it is on). */
function nodeStripsTypes(): boolean {
  const typescript = (process.features as { typescript?: unknown }).typescript;
  return typescript !== undefined && typescript !== false;
}

/** tsx is loaded already (`node --import tsx`, `tsx athanor ...`). */
const tsxLoaded = () => process.execArgv.some((a) => a.includes('tsx'));

let tsxRegistered: Promise<void> | undefined;

/**
 * tsx's hooks for the whole process. Not `tsImport()`: it loads each module graph in a namespace of its own,
 * Athanor included, so the module's tables would be another copy's and `instanceof Table` fails.
 */
async function registerTsx(file: string): Promise<void> {
  let api: { register(): unknown };
  try {
    api = (await import('tsx/esm/api' as string)) as typeof api;
  } catch {
    throw new ConfigError(`${file} is TypeScript, which this Node (${process.version}) cannot load by itself: install tsx (npm install -D tsx), use Node 22.6 or later, or write it as JavaScript (.mjs)`);
  }
  api.register();
}

/**
 * @internal Import a module that may be TypeScript, so that it shares the CLI's copy of Athanor. A `.ts` file
 * Node or tsx would load as CommonJS is refused with {@link ModuleFormatError}: where Node strips types itself, a
 * package.json without `"type"` lets Node detect ES module syntax, so only `"type": "commonjs"` is refused there.
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (!/\.m?ts$/.test(file)) return (await import(url)) as Record<string, unknown>;
  const native = nodeStripsTypes() && !tsxLoaded();
  if (file.endsWith('.ts')) {
    const pkg = nearestPackage(dirname(file));
    if (pkg.type !== 'module' && (!native || pkg.type === 'commonjs')) throw new ModuleFormatError(file, pkg.file);
  }
  if (!native && !tsxLoaded()) await (tsxRegistered ??= registerTsx(file));
  return (await import(url)) as Record<string, unknown>;
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
