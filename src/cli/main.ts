/**
 * The `athanor` command line: finds the command, parses its options with
 * `util.parseArgs`, runs it and resolves to one of the codes in {@link EXIT}
 * (`bin.ts` is the program that calls it and exits with that code).
 *
 * ```sh
 * athanor --help
 * athanor pull --out src/db/schema.ts
 * ```
 */

import { parseArgs } from 'node:util';
import { AthanorError } from '../core/errors.js';
import type { Engine } from '../core/engine/engine.js';
import { createEngine } from '../connect/index.js';
import { EXIT, UsageError, type Command, type CommandContext, type OptionSpec, type Style } from './command.js';
import { loadConfig, type AthanorConfig } from './config.js';
import { GLOBAL_OPTIONS, commandHelp, mainHelp } from './help.js';
import { commands as registry } from './registry.js';

/** Where the CLI runs: its streams, directory and environment (a test passes its own). */
export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

const plain: Style = { bold: (t) => t, dim: (t) => t, red: (t) => t, yellow: (t) => t, green: (t) => t };
const ansi = (code: number) => (t: string) => `\u001b[${code}m${t}\u001b[0m`;
const coloured: Style = { bold: ansi(1), dim: ansi(2), red: ansi(31), yellow: ansi(33), green: ansi(32) };

/** The command whose name is the longest run of leading words of `argv`, and the arguments after it. */
function findCommand(argv: readonly string[], commands: readonly Command[]): { command: Command; rest: string[] } | undefined {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let best: Command | undefined;
  for (const c of commands) {
    const parts = c.name.split(' ');
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.name.split(' ').length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.name.split(' ').length) } : undefined;
}

const parseConfig = (options: Readonly<Record<string, OptionSpec>>) =>
  Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]));

/**
 * Run the CLI on `argv` (without `node` and the script) and return the exit code.
 *
 * ```ts
 * const code = await runCli(['pull', '--url', 'sqlite:app.db'], { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = registry): Promise<number> {
  const wantsColour = (stream: CliIo['stdout']) => stream.isTTY === true && io.env['NO_COLOR'] === undefined && !argv.includes('--no-color');
  const style = wantsColour(io.stderr) ? coloured : plain;
  const out = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const err = (text: string) => io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? err : out)(mainHelp(commands, style));
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = findCommand(argv, commands);
  const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
  if (!found && group.length > 0) {
    const subcommands = group.map((c) => c.name.slice(argv[0]!.length + 1));
    err(`${style.red('error')}: athanor ${argv[0]} needs a subcommand: ${subcommands.join(', ')} (athanor ${group[0]!.name} --help)`);
    return EXIT.usage;
  }
  if (!found) {
    err(`${style.red('error')}: unknown command "${argv[0]}"; commands: ${commands.map((c) => c.name).join(', ')} (athanor --help)`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({ args: [...rest], options: parseConfig({ ...command.options, ...GLOBAL_OPTIONS }), allowPositionals: true, strict: true });
  } catch (error) {
    err(`${style.red('error')}: ${error instanceof Error ? error.message : String(error)} (athanor ${command.name} --help)`);
    return EXIT.usage;
  }
  const values = args.values as Record<string, string | boolean | string[] | undefined>;
  if (values['help'] === true) {
    out(commandHelp(command, style));
    return EXIT.ok;
  }

  const engines: Engine[] = [];
  let config: Promise<AthanorConfig> | undefined;
  const ctx: CommandContext = {
    cwd: io.cwd,
    env: io.env,
    out,
    err,
    style,
    config: () => (config ??= loadConfig(io.cwd, typeof values['config'] === 'string' ? values['config'] : undefined)),
    async connect(url) {
      const target = url ?? (typeof values['url'] === 'string' ? values['url'] : undefined) ?? (await ctx.config()).url ?? io.env['DATABASE_URL'];
      if (!target) throw new UsageError('no database URL: pass --url, set url in athanor.config.ts, or set DATABASE_URL');
      const engine = createEngine(target);
      engines.push(engine);
      await engine.ready();
      return engine;
    },
  };
  try {
    return await command.run(ctx, { values, positionals: args.positionals });
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${style.red('error')}: ${error.message} (athanor ${command.name} --help)`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof AthanorError ? ` [${error.code}]` : '';
    err(`${style.red('error')}: ${message}${code}`);
    if (error instanceof AthanorError) err(`  ${style.dim('see')} ${error.docs}`);
    return EXIT.failure;
  } finally {
    for (const engine of engines) await engine.close().catch(() => undefined);
  }
}
