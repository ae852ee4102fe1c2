#!/usr/bin/env node
/**
 * The `athanor` program (the package's `bin`): runs {@link runCli} on the
 * process's arguments and streams and exits with its code.
 *
 * ```sh
 * npx athanor migrate up
 * ```
 * Kept apart from `main.ts` because its top-level `await` would make
 * `require('athanor/cli')` fail: Node's require() of an ES module refuses a
 * module graph with top-level await (ERR_REQUIRE_ASYNC_MODULE).
 */

import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
