/**
 * What a CLI command is: a module exporting one {@link Command}. Adding a
 * command is one file in `src/cli/commands/` and one line in `registry.ts`.
 *
 * ```ts
 * export const status: Command = {
 *   name: 'migrate status',
 *   summary: 'List applied and pending migrations',
 *   options: { json: { type: 'boolean', description: 'print JSON' } },
 *   async run(ctx, args) {
 *     const engine = await ctx.connect(typeof args.values['url'] === 'string' ? args.values['url'] : undefined);
 *     ...
 *     return EXIT.ok;
 *   },
 * };
 * ```
 */

import { AthanorError } from '../core/errors.js';
import type { Engine } from '../core/engine/engine.js';
import type { AthanorConfig } from './config.js';

/**
 * Exit codes scripts can rely on.
 *
 * - `ok` (0): done, nothing to report.
 * - `findings` (1): done, and found something the caller asked to hear about (drift, lint findings, pending migrations, a drop `migrate generate` refused).
 * - `usage` (2): the command line was wrong (unknown command or option, a missing value); nothing was done.
 * - `failure` (3): the command could not finish: the database refused or could not be reached, a file could not be read or written.
 */
export const EXIT = Object.freeze({ ok: 0, findings: 1, usage: 2, failure: 3 } as const);
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One command-line option, as `util.parseArgs` takes it, with the text `--help` shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly description: string;
  /** Shown after the option in `--help` (`--out <file>`). */
  readonly valueName?: string;
  /** May be given more than once; its value is then the list of strings. */
  readonly multiple?: boolean;
}

/** What `parseArgs` made of the command line: option values by name, and the remaining positionals. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  readonly positionals: readonly string[];
}

/** Output with colours only where a person reads it (a TTY, without NO_COLOR). */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
}

/** What a command runs with: its output streams, the working directory, the configuration, a way to connect. */
export interface CommandContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly style: Style;
  /** `athanor.config.*` from the working directory (or `--config`), read on first use; `{}` when there is none. */
  config(): Promise<AthanorConfig>;
  /** An engine for `url`, else the config's `url`, else DATABASE_URL; closed by the CLI when the command ends. */
  connect(url?: string): Promise<Engine>;
}

export interface Command {
  /** What is typed after `athanor`: `pull`, or `migrate up` for a subcommand. */
  readonly name: string;
  /** One line for `athanor --help`. */
  readonly summary: string;
  /** Longer text for `athanor <command> --help`: usage and examples. */
  readonly description?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Runs the command; the exit code is one of {@link EXIT}. Throw {@link UsageError} for a wrong command line. */
  run(ctx: CommandContext, args: ParsedArgs): Promise<number>;
}

/** A wrong command line: reported with the command's usage, exit code 2. */
export class UsageError extends AthanorError {
  override name = 'UsageError';
  override readonly code = 'ATH_USAGE';
}
