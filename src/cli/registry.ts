/**
 * Every CLI command. A new command is a module in `commands/` and one line here.
 */

import type { Command } from './command.js';
import { pull } from './commands/pull.js';
import { migrateGenerate } from './commands/migrate-generate.js';
import { migrateDown, migrateStatus, migrateUp } from './commands/migrate-run.js';
import { migrateCheck, migrateLint } from './commands/migrate-check.js';
import { adviseCommand } from './commands/advise.js';

export const commands: readonly Command[] = [pull, migrateGenerate, migrateUp, migrateDown, migrateStatus, migrateCheck, migrateLint, adviseCommand];
