/**
 * Every CLI command. A new command is a module in `commands/` and one line here.
 */

import type { Command } from './command.js';
import { pull } from './commands/pull.js';

export const commands: readonly Command[] = [pull];
