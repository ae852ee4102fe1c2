/**
 * Docs that cannot drift: every ```ts block of docs/*.md (README.md is built from them) is type-checked as its own
 * module, and the blocks that stand on their own are run, on SQLite. Statements the docs annotate with the error
 * they throw (`// SchemaError: ...`) must throw it, with that message. The ```ts examples of the TSDoc comments in
 * src/ are type-checked too and reported, without failing the test. How to mark a block: docs/development.md.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  checkBlocks,
  docErrorMismatches,
  documentationFiles,
  markdownBlocks,
  tsdocBlocks,
  type BlockCheck,
  type DocBlock,
} from '../support/doc-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What fragments import that is not the library: a logger, a driver module of one's own. */
const PINO = `declare module 'pino' {
  type Log = (object: object, message?: string) => void;
  interface Logger { debug: Log; info: Log; warn: Log; error: Log }
  export default function pino(options?: { level?: string }): Logger;
}`;
const MY_DRIVER = `export { createDriverFromUrl } from ${JSON.stringify(join(root, 'src/drivers/better-sqlite3/index.js'))};`;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (entry.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

const docFiles = documentationFiles(root);
const markdown = docFiles.flatMap((f) => markdownBlocks(f, readFileSync(join(root, f), 'utf8')));
const tsdoc = sourceFiles(join(root, 'src')).flatMap((p) => tsdocBlocks(relative(root, p), readFileSync(p, 'utf8')));
const tsdocFiles = [...new Set(tsdoc.map((b) => b.file))];

const skipped = markdown.filter((b) => b.directive === 'skip');
const checks = checkBlocks([...markdown, ...tsdoc].filter((b) => b.directive !== 'skip'), {
  root,
  models: ['test/docs/doc-models.ts'],
  context: ['test/docs/doc-context.ts'],
  contextByFile: {
    // docs/X.md's own context, where it has one: test/docs/context/X.ts.
    ...Object.fromEntries(
      docFiles.flatMap((f) => {
        const module = `test/docs/context/${basename(f, '.md')}.ts`;
        return existsSync(join(root, module)) ? [[f, [module]]] : [];
      }),
    ),
    // TSDoc examples take names from the symbol they document (`dialect`, `conn`, `plan`).
    ...Object.fromEntries(tsdocFiles.map((f) => [f, ['test/docs/context/tsdoc.ts']])),
  },
  ambient: [PINO],
  siblingModules: { 'my-driver.ts': MY_DRIVER, 'my-cockroach-driver.ts': MY_DRIVER },
});
const isTsdoc = (b: DocBlock): boolean => b.file.startsWith('src/');
const docChecks = checks.filter((c) => !isTsdoc(c.block));
const tsdocChecks = checks.filter((c) => isTsdoc(c.block));
const where = (b: DocBlock): string => `${b.file}:${b.line}`;

describe('documentation code blocks', () => {
  it(`type-checks every TypeScript block of the docs (${markdown.length} in ${docFiles.length} files)`, () => {
    console.log(`# doc blocks: ${markdown.length} found, ${docChecks.length} type-checked, ${skipped.length} skipped`);
    for (const b of skipped) console.log(`#   skipped ${where(b)}: ${b.reason || 'no reason given'}`);
    const errors = docChecks.flatMap((c) => c.errors);
    if (errors.length > 0) assert.fail(`${errors.length} errors in doc blocks:\n${errors.join('\n')}`);
    for (const b of skipped) assert.ok(b.reason, `${where(b)}: say why the block is skipped: // doc-check: skip (reason)`);
  });

  describe('runs the blocks that stand on their own, on SQLite', () => {
    const runnable = docChecks.filter((c) => c.runnable);
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'athanor-doc-blocks-'));
      console.log(`# doc blocks: ${runnable.length} run, ${docChecks.length - runnable.length} type-checked only`);
      const notRun = new Map<string, string[]>();
      for (const c of docChecks.filter((x) => !x.runnable)) {
        // "uses engine, s from the text around it" and "uses s from ..." are one reason.
        const reason = c.notRunBecause.startsWith('uses ') ? 'uses the context of the text around it (engine, db, s, ...)' : c.notRunBecause;
        notRun.set(reason, [...(notRun.get(reason) ?? []), where(c.block)]);
      }
      for (const [reason, blocks] of notRun) console.log(`#   not run, ${blocks.length}: ${reason}${blocks.length <= 4 ? `: ${blocks.join(', ')}` : ''}`);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const [i, check] of runnable.entries()) {
      it(where(check.block), async () => {
        await runBlock(check, join(dir, String(i)));
      });
    }
  });

  it(`type-checks the TSDoc examples of src/ (reported, not failing: ${tsdoc.length} found)`, () => {
    const failing = tsdocChecks.filter((c) => c.errors.length > 0);
    console.log(`# TSDoc examples: ${tsdoc.length} found, ${tsdocChecks.length} type-checked, ${failing.length} do not compile`);
    for (const c of failing) console.log(`#   ${c.errors[0]}${c.errors.length > 1 ? ` (+${c.errors.length - 1} more)` : ''}`);
  });
});

/**
 * Run one block as an ES module of its own, in a folder of its own (a block's `sqlite:music.db` lands there), with
 * what it prints kept out of the test's output.
 */
async function runBlock(check: BlockCheck, folder: string): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'block.mts');
  writeFileSync(file, check.runnableSource);
  const cwd = process.cwd();
  const log = console.log;
  const printed: unknown[][] = [];
  console.log = (...args: unknown[]) => void printed.push(args);
  docErrorMismatches.length = 0;
  try {
    process.chdir(folder);
    await import(pathToFileURL(file).href);
  } catch (error) {
    const e = error as Error;
    assert.fail(`${where(check.block)}: the block threw ${e.name}: ${e.message}\n${e.stack ?? ''}`);
  } finally {
    process.chdir(cwd);
    console.log = log;
  }
  const mismatches = docErrorMismatches.splice(0);
  if (mismatches.length > 0) assert.fail(`errors the docs show that are not the ones thrown:\n${mismatches.join('\n')}`);
}
