/**
 * The `athanor` command line, for config files and for programs that run it.
 *
 * ```ts
 * // athanor.config.ts
 * import { defineConfig } from 'athanor/cli';
 * export default defineConfig({ url: process.env.DATABASE_URL, schema: './src/db/schema.ts', migrations: './migrations' });
 * ```
 */
export { ConfigError, ModuleFormatError, defineConfig, CONFIG_FILES, type AthanorConfig } from './config.js';
export { EXIT, UsageError, type Command, type CommandContext, type ExitCode, type OptionSpec, type ParsedArgs, type Style } from './command.js';
export { runCli, type CliIo } from './main.js';
export { commands } from './registry.js';
