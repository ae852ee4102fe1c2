/** @internal `--help` text, for the CLI and for each command. */

import { EXIT, type Command, type OptionSpec, type Style } from './command.js';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', short: 'u', valueName: 'url', description: 'database URL (default: the config’s url, then DATABASE_URL)' },
  config: { type: 'string', short: 'c', valueName: 'file', description: 'config file (default: athanor.config.{ts,mts,js,mjs} in this directory)' },
  'no-color': { type: 'boolean', description: 'no colours, even on a terminal' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.valueName ? ` <${o.valueName}>` : ''}${o.multiple ? ' ...' : ''}`, o.description] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`);
}

const EXIT_LINES = [
  'Exit codes:',
  `  ${EXIT.ok}  done`,
  `  ${EXIT.findings}  done, with findings (drift, lint findings, pending migrations, a refused drop, tables not found)`,
  `  ${EXIT.usage}  wrong command line; nothing was done`,
  `  ${EXIT.failure}  could not finish (database or file error)`,
];

export function mainHelp(commands: readonly Command[], style: Style): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${style.bold('athanor')}: tools for an Athanor project's database`,
    '',
    'Usage: athanor <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    ...EXIT_LINES,
    '',
    "Run 'athanor <command> --help' for a command's options.",
  ].join('\n');
}

export function commandHelp(command: Command, style: Style): string {
  return [
    `${style.bold(`athanor ${command.name}`)}: ${command.summary}`,
    ...(command.description ? ['', command.description] : []),
    '',
    'Options:',
    ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }),
    '',
    ...EXIT_LINES,
  ].join('\n');
}
