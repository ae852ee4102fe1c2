/**
 * The TypeScript blocks of the documentation, extracted, type-checked and (where they stand on their own) run, so
 * the docs cannot drift from the code. `test/docs/code-blocks.test.ts` drives it; docs/development.md says how to
 * mark a block.
 *
 * Every ```ts block of a Markdown file (and every ```ts example inside a TSDoc comment) becomes its own virtual
 * module. Blocks are fragments, so one line of prelude, put before each block, imports what the docs assume
 * exists, leaving out the names the block declares or imports itself:
 * - the library: every export, except that a page with a block made only of `import { ... } from 'athanor/x'`
 *   lines (core.md's first block) gets, of those entry points, only what that block imports, as a reader copying
 *   it would (so a later block using `numeric` fails until the page imports it);
 * - the fixtures: the docs' tables and models (real values) and their context (`engine`, `db`, `s`: declared only).
 * All blocks are checked in one program, with the repository's compiler options and `athanor`, `athanor/orm`, ...
 * mapped to the sources.
 *
 * ```ts
 * const blocks = markdownBlocks('docs/core.md', readFileSync('docs/core.md', 'utf8'));
 * const checks = checkBlocks(blocks, { root, models: ['test/docs/doc-models.ts'], context: ['test/docs/doc-context.ts'] });
 * for (const c of checks) console.log(c.block.line, c.errors, c.runnable);
 * ```
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** What a block's marker asks: by default it is type-checked, and run when it stands on its own. */
export type BlockDirective = 'default' | 'skip' | 'run' | 'no-run';

export interface DocBlock {
  /** The file it was found in, relative to the repository root (`docs/core.md`, `src/orm/session.ts`). */
  readonly file: string;
  /** The 1-based line in that file of the block's first line of code. */
  readonly line: number;
  readonly code: string;
  readonly directive: BlockDirective;
  /** Why, as the marker says (`// doc-check: skip (shows code that does not compile)`). */
  readonly reason: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`~]*)\s*(.*)$/;
const DIRECTIVE = /^\s*\/\/\s*doc-check:\s*(skip|run|no-run)\b\s*(.*)$/;
const TS_LANGUAGES = new Set(['ts', 'typescript']);

/** The ```ts blocks of a Markdown text; `firstLine` is the line of the text's first line in its file. */
export function markdownBlocks(file: string, text: string, firstLine = 1): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', language = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!.trim();
      if (line.startsWith(fence) && line.replace(new RegExp(`^\\${fence[0]}+`), '') === '') break;
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
    }
    if (TS_LANGUAGES.has(language.toLowerCase())) {
      blocks.push({ file, line: firstLine + i + 1, code: body.join('\n'), ...directiveOf(info, body[0] ?? '') });
    }
    i = j;
  }
  return blocks;
}

function directiveOf(info: string, firstLine: string): { directive: BlockDirective; reason: string } {
  const found = DIRECTIVE.exec(firstLine) ?? /^(skip|run|no-run)\b\s*(.*)$/.exec(info.trim());
  if (!found) return { directive: 'default', reason: '' };
  return { directive: found[1] as BlockDirective, reason: found[2]!.trim().replace(/^\((.*)\)$/, '$1') };
}

/** The ```ts examples inside the TSDoc comments of a source file. */
export function tsdocBlocks(file: string, source: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const comment of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    if (!comment[0].includes('```')) continue;
    const startLine = source.slice(0, comment.index).split('\n').length;
    const text = comment[0]
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((l) => l.replace(/^\s*\* ?/, ''))
      .join('\n');
    blocks.push(...markdownBlocks(file, text, startLine));
  }
  return blocks;
}

/** The documentation's Markdown files: README.md, then docs/ in reading order, then the rest of docs/. */
export function documentationFiles(root: string): string[] {
  const ordered = ['README.md', ...DOCS_ORDER.map((f) => `docs/${f}`)];
  const rest = ts.sys
    .readDirectory(join(root, 'docs'), ['.md'], undefined, undefined, 1)
    .map((p) => relative(root, p))
    .filter((p) => !ordered.includes(p))
    .sort();
  return [...ordered, ...rest].filter((p) => existsSync(join(root, p)));
}

/** docs/ in the order the README's table lists it. */
const DOCS_ORDER = ['core.md', 'orm.md', 'queries-and-loading.md', 'schema.md', 'migrations.md', 'diagnostics.md', 'scaling.md', 'errors.md', 'benchmarks.md', 'development.md'];

export interface CheckOptions {
  /** The repository root (where tsconfig.json is). */
  readonly root: string;
  /** Modules (relative to the root) of real values every block may use: tables, models. Run blocks import them too. */
  readonly models: readonly string[];
  /** Modules of what the text around a fragment set up, declared only (`engine`, `s`): a block using one is not run. */
  readonly context: readonly string[];
  /** More context for the blocks of one file (file → modules), whose names win over the shared ones. */
  readonly contextByFile?: Readonly<Record<string, readonly string[]>>;
  /** Declaration files of the program only (`declare module 'pino' { ... }`), as their text. */
  readonly ambient?: readonly string[];
  /** Modules a block may import by a relative path (`'./my-driver.js'`): file name → source. */
  readonly siblingModules?: Readonly<Record<string, string>>;
}

export interface BlockCheck {
  readonly block: DocBlock;
  /** Compiler errors, each `file:line:column TSnnnn: message` at the block's place in its file. */
  readonly errors: readonly string[];
  /** Whether the block is run, and if not, why not. */
  readonly runnable: boolean;
  readonly notRunBecause: string;
  /** The block as a module that runs: imports by file URL, statements annotated with an error wrapped to expect it. */
  readonly runnableSource: string;
}

/** The package's entry points, mapped to the sources they are built from. */
const ENTRY_POINTS: Readonly<Record<string, string>> = {
  athanor: 'src/index.ts',
  'athanor/core': 'src/core.ts',
  'athanor/orm': 'src/orm/index.ts',
  'athanor/diagnostics': 'src/diagnostics/index.ts',
  'athanor/migrate': 'src/migrate/index.ts',
  'athanor/cli': 'src/cli/index.ts',
  'athanor/http': 'src/http/index.ts',
  'athanor/drivers/pg': 'src/drivers/pg/index.ts',
  'athanor/drivers/mysql2': 'src/drivers/mysql2/index.ts',
  'athanor/drivers/better-sqlite3': 'src/drivers/better-sqlite3/index.ts',
};

interface ModuleExports {
  /** The absolute path of the module. */
  readonly path: string;
  readonly values: readonly string[];
  readonly types: readonly string[];
}

/** One named import of the page's import block: `import { a as b }` is { name: 'a', local: 'b' }. */
interface PageImport {
  readonly specifier: string;
  readonly name: string;
  readonly local: string;
  readonly typeOnly: boolean;
}

/** Type-check every block, each as its own module, in one program. Skipped blocks are left out. */
export function checkBlocks(blocks: readonly DocBlock[], options: CheckOptions): BlockCheck[] {
  const { root } = options;
  const compilerOptions = repositoryOptions(root);
  const library = join(root, ENTRY_POINTS['athanor']!);
  const fixtureFiles = [...new Set([...options.models, ...options.context, ...Object.values(options.contextByFile ?? {}).flat()])];

  // A first program over the library and the fixtures tells what each exports (and whether as a value or a type).
  const entryPoints = Object.values(ENTRY_POINTS).map((f) => join(root, f));
  // A TSDoc example may use what its own module exports, exported from the package or not.
  const ownModules = [...new Set(blocks.map((b) => b.file).filter((f) => f.endsWith('.ts')))];
  const base = ts.createProgram({
    rootNames: [...entryPoints, ...fixtureFiles.map((f) => join(root, f)), ...ownModules.map((f) => join(root, f))],
    options: compilerOptions,
  });
  const libraryExports = moduleExports(base, library);
  const entryPointExports = new Map(Object.entries(ENTRY_POINTS).map(([specifier, f]) => [specifier, moduleExports(base, join(root, f))]));
  const fixtureExports = new Map([...fixtureFiles, ...ownModules].map((f) => [f, moduleExports(base, join(root, f))]));

  const virtualDir = join(root, 'test', 'docs', '.blocks');
  const virtual = new Map<string, string>();
  const ambientRoots = (options.ambient ?? []).map((text, i) => {
    const file = join(virtualDir, `ambient-${i}.d.ts`);
    virtual.set(file, text);
    return file;
  });
  for (const [name, text] of Object.entries(options.siblingModules ?? {})) virtual.set(join(virtualDir, name), text);

  const pageImports = new Map<string, { line: number; imports: PageImport[] }>();
  for (const block of blocks) {
    const imports = importOnlyBlock(block.code);
    if (imports && !pageImports.has(block.file)) pageImports.set(block.file, { line: block.line, imports });
  }

  const plans = blocks.map((block, index) => {
    const file = join(virtualDir, `${block.file.replace(/[^A-Za-z0-9]+/g, '_')}_${block.line}_${index}.mts`);
    const code = elide(block.code);
    const own = declaredNames(code);
    const taken = new Set(own);
    const ownModule = block.file.endsWith('.ts') ? fixtureExports.get(block.file)! : undefined;
    const ownModuleLine = ownModule ? importLine(ownModule, taken, ownModule.path) : '';
    const page = pageImports.get(block.file);
    const pageLine = page && page.line < block.line ? pageImportLine(page.imports, taken) : '';
    // Of the entry points the page imports from, only what it imports: the rest of them is withheld.
    const withheld = new Set(pageLine ? page!.imports.flatMap((i) => namesOf(entryPointExports.get(i.specifier))) : []);
    const context = [...(options.contextByFile?.[block.file] ?? []), ...options.context].map((f) => fixtureExports.get(f)!);
    const models = options.models.map((f) => fixtureExports.get(f)!);
    const contextLines = context.map((m) => importLine(m, taken, m.path));
    const modelLines = models.map((m) => importLine(m, taken, m.path));
    const libraryLine = importLine(libraryExports, new Set([...taken, ...withheld]), library);
    // The prelude stays on the block's first line, so the block's lines keep their numbers.
    virtual.set(file, `${[ownModuleLine, pageLine, libraryLine, ...contextLines, ...modelLines].join(' ')}\n${code}\n`);
    const fixtureNames = (modules: readonly ModuleExports[]): Set<string> => new Set(modules.flatMap(namesOf).filter((n) => !own.has(n)));
    return { block, code, file, own, withheld, contextNames: fixtureNames(context), modelNames: fixtureNames(models), hasPageImports: pageLine !== '' };
  });

  const host = ts.createCompilerHost(compilerOptions, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = virtual.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    return base.getSourceFile(fileName) ?? getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists(fileName);
  host.directoryExists = (dir) => dir === virtualDir || ts.sys.directoryExists(dir);
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile(fileName);

  const program = ts.createProgram({ rootNames: [...ambientRoots, ...plans.map((p) => p.file)], options: compilerOptions, host, oldProgram: base });
  const checker = program.getTypeChecker();
  // Names the library exports only as types (`export type * from`) though they name values: the compiler says so on
  // the prelude line (TS1484/TS1485), and a block's own use of one as a value is still reported on its line.
  const typeOnly = new Set<string>();
  const checked = plans.map((plan) => {
    const { block, file } = plan;
    const sf = program.getSourceFile(file)!;
    const preludeEnd = sf.text.indexOf('\n');
    const run = runnable(plan, sf, checker, preludeEnd);
    const expectations = run.runnable ? expectedErrors(plan.code, preludeEnd + 1) : [];
    const compileErrors = compileErrorStatements(plan.code, preludeEnd + 1).map((span) => ({ ...span, seen: false }));
    const errors: string[] = [];
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const start = d.start ?? 0;
      if (start < preludeEnd && (d.code === 1484 || d.code === 1485)) {
        typeOnly.add(sf.text.slice(start, start + (d.length ?? 0)));
        continue;
      }
      // A statement the docs say throws may well be one the compiler rejects too: running it checks it.
      if (expectations.some((e) => start >= e.start && start < e.end)) continue;
      const expected = compileErrors.find((e) => start >= e.start && start < e.end);
      if (expected) {
        expected.seen = true;
        continue;
      }
      errors.push(withHint(formatDiagnostic(d, sf, block), d, sf, plan.withheld));
    }
    for (const e of compileErrors.filter((c) => !c.seen)) {
      errors.push(`${block.file}:${block.line + e.line}: the docs say this does not compile ("// compile error"), but it does`);
    }
    return { plan, errors, expectations, ...run };
  });

  const runtimeLibrary = { ...libraryExports, values: libraryExports.values.filter((n) => !typeOnly.has(n)) };
  return checked.map(({ plan, errors, expectations, runnable: run, notRunBecause }) => {
    const taken = new Set(plan.own);
    const page = pageImports.get(plan.block.file);
    const pageLine = plan.hasPageImports && page ? pageImportLine(page.imports, taken, root) : '';
    const modelLines = options.models.map((f) => importLine(fixtureExports.get(f)!, taken, fixtureExports.get(f)!.path, root));
    const imports = [
      pageLine,
      importLine(runtimeLibrary, new Set([...taken, ...plan.withheld]), library, root),
      ...modelLines,
      `import { expectDocError as __expectDocError } from ${JSON.stringify(pathToFileURL(join(root, 'test/support/doc-blocks.ts')).href)};`,
    ];
    const body = wrapExpectations(rewriteEntryPoints(plan.code, root), expectations, plan.block);
    return { block: plan.block, errors, runnable: run, notRunBecause, runnableSource: `${imports.join(' ')}\n${body}\n` };
  });
}

/**
 * A block runs when it stands on its own: it uses nothing of the context (`engine`, `s`, ...), and either opens no
 * database (it builds statements, declares models) or opens its own SQLite one and uses no fixture table or model,
 * whose tables it did not create.
 */
function runnable(
  plan: { block: DocBlock; contextNames: ReadonlySet<string>; modelNames: ReadonlySet<string> },
  sf: ts.SourceFile,
  checker: ts.TypeChecker,
  preludeEnd: number,
): { runnable: boolean; notRunBecause: string } {
  const { block } = plan;
  if (block.directive === 'run') return { runnable: true, notRunBecause: '' };
  if (block.directive === 'no-run') return { runnable: false, notRunBecause: block.reason || 'marked no-run' };
  const context = usedPreludeNames(sf, checker, preludeEnd, plan.contextNames);
  if (context.length > 0) return { runnable: false, notRunBecause: `uses ${context.join(', ')} from the text around it` };
  const missing = [...block.code.matchAll(/\bfrom\s*['"]([^'"./][^'"]*)['"]/g)].map((m) => m[1]!).filter((m) => !ENTRY_POINTS[m] && !resolves(m));
  if (missing.length > 0) return { runnable: false, notRunBecause: `imports ${missing.join(', ')}, which is not installed here` };
  const engine = /createEngine\(\s*([^)]*)\)/.exec(block.code);
  if (!engine) return { runnable: true, notRunBecause: '' };
  if (!/^['"`]sqlite:/.test(engine[1]!)) return { runnable: false, notRunBecause: 'opens a database other than SQLite' };
  const models = usedPreludeNames(sf, checker, preludeEnd, plan.modelNames);
  if (models.length > 0) return { runnable: false, notRunBecause: `opens a database without the tables of ${models.join(', ')}` };
  return { runnable: true, notRunBecause: '' };
}

function resolves(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

const namesOf = (m: ModuleExports | undefined): string[] => (m ? [...m.values, ...m.types] : []);

/** "Cannot find name 'numeric'" on a page whose imports leave it out says where to add it. */
function withHint(text: string, d: ts.Diagnostic, sf: ts.SourceFile, withheld: ReadonlySet<string>): string {
  if (d.code !== 2304 || d.start === undefined) return text;
  const name = sf.text.slice(d.start, d.start + (d.length ?? 0));
  return withheld.has(name) ? `${text} (the page's import block does not import it)` : text;
}

/** Statements with a trailing `// compile error: ...` comment: the compiler must reject them. */
function compileErrorStatements(code: string, offset: number): { start: number; end: number; line: number }[] {
  const sf = ts.createSourceFile('block.mts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const lines = code.split('\n');
  const found: { start: number; end: number; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node) || ts.isVariableStatement(node)) {
      const end = sf.getLineAndCharacterOfPosition(node.getEnd());
      if (/^\/\/\s*compile error\b/i.test(lines[end.line]!.slice(end.character).trim())) {
        found.push({ start: node.getStart(sf) + offset, end: node.getEnd() + offset, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function formatDiagnostic(d: ts.Diagnostic, sf: ts.SourceFile, block: DocBlock): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
  if (d.start === undefined) return `${block.file}:${block.line} TS${d.code}: ${message}`;
  const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
  // Line 0 is the prelude; line 1 is the block's first line.
  const where = line === 0 ? `${block.file}:${block.line} (in the prelude)` : `${block.file}:${block.line + line - 1}:${character + 1}`;
  return `${where} TS${d.code}: ${message}`;
}

function repositoryOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  const paths = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([specifier, file]) => [specifier, [join(root, file)]]));
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, paths, pathsBasePath: root };
}

function moduleExports(program: ts.Program, path: string): ModuleExports {
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(path);
  const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
  if (!moduleSymbol) throw new Error(`doc blocks: ${path} is not a module of the program`);
  const values: string[] = [];
  const types: string[] = [];
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    if (symbol.name === 'default') continue;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    // `export type { X }` re-exports a class as a type only: the alias itself says so.
    const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) ?? false;
    if (target.flags & ts.SymbolFlags.Value && !typeOnly) values.push(symbol.name);
    else types.push(symbol.name);
  }
  return { path, values, types };
}

/**
 * `import { a, b } from '...'; import type { C } from '...';` for the names not yet taken, which it then takes.
 * With `runFrom` (the root), for running: values only, by file URL.
 */
function importLine(module: ModuleExports, taken: Set<string>, path: string, runFrom?: string): string {
  const values = module.values.filter((n) => !taken.has(n));
  const types = runFrom === undefined ? module.types.filter((n) => !taken.has(n)) : [];
  for (const n of [...values, ...types]) taken.add(n);
  const from = JSON.stringify(runFrom === undefined ? path.replace(/\.ts$/, '.js') : pathToFileURL(path).href);
  return [
    values.length > 0 ? `import { ${values.join(', ')} } from ${from};` : '',
    types.length > 0 ? `import type { ${types.join(', ')} } from ${from};` : '',
  ].join(' ');
}

/** The page's imports on one line, less the names taken; with `runFrom`, values only and entry points rewritten. */
function pageImportLine(imports: readonly PageImport[], taken: Set<string>, runFrom?: string): string {
  const bySpecifier = new Map<string, string[]>();
  for (const i of imports) {
    if (taken.has(i.local) || (runFrom !== undefined && i.typeOnly)) continue;
    taken.add(i.local);
    const text = `${i.typeOnly && runFrom === undefined ? 'type ' : ''}${i.name === i.local ? i.name : `${i.name} as ${i.local}`}`;
    bySpecifier.set(i.specifier, [...(bySpecifier.get(i.specifier) ?? []), text]);
  }
  return [...bySpecifier]
    .map(([specifier, names]) => {
      const entry = ENTRY_POINTS[specifier];
      const from = runFrom !== undefined && entry ? pathToFileURL(join(runFrom, entry)).href : specifier;
      return `import { ${names.join(', ')} } from ${JSON.stringify(from)};`;
    })
    .join(' ');
}

/** The named imports of a block made only of `import { ... } from '...'` lines, else undefined. */
function importOnlyBlock(code: string): PageImport[] | undefined {
  const sf = ts.createSourceFile('block.mts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  if (sf.statements.length === 0) return undefined;
  const imports: PageImport[] = [];
  for (const statement of sf.statements) {
    const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
    if (!ts.isImportDeclaration(statement) || !bindings || !ts.isNamedImports(bindings) || statement.importClause?.name) return undefined;
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    for (const e of bindings.elements) {
      imports.push({ specifier, name: (e.propertyName ?? e.name).text, local: e.name.text, typeOnly: e.isTypeOnly || statement.importClause!.isTypeOnly });
    }
  }
  return imports;
}

/**
 * `...` where code would go (`{ ... }`, `f(a, ...)`, `if (x) ...`, a line of its own) is elided code: it becomes a
 * comment (an empty block after `)`), so the block's lines stay where they were. Spread (`...rows`) is left alone.
 */
export function elide(code: string): string {
  return code
    .split('\n')
    .map((line) => {
      const code = line.slice(0, commentStart(line));
      const elided = code.replace(/(?<![.\w'"`])\.\.\.(?=\s*(?:[})\];,]|$))/g, (_dots, at: number) => (/\)\s*$/.test(code.slice(0, at)) ? '{}' : '/**/'));
      return elided + line.slice(code.length);
    })
    .join('\n');
}

/** Where a line's `//` or `/*` comment starts (outside quotes), or its length. */
function commentStart(line: string): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === '/' && (line[i + 1] === '/' || line[i + 1] === '*')) {
      return i;
    }
  }
  return line.length;
}

/** `from 'athanor/orm'` and `import('athanor')` pointed at the sources, for running a block. */
function rewriteEntryPoints(code: string, root: string): string {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])(athanor(?:\/[a-z0-9-]+)*)\2/g, (whole, lead: string, _q, specifier: string) => {
    const file = ENTRY_POINTS[specifier];
    return file ? `${lead}${JSON.stringify(pathToFileURL(join(root, file)).href)}` : whole;
  });
}

/** The names a block declares or imports at its top level. */
export function declaredNames(code: string): Set<string> {
  const sf = ts.createSourceFile('block.mts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of sf.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) addBinding(d.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        ts.isModuleDeclaration(statement)) &&
      statement.name &&
      ts.isIdentifier(statement.name)
    ) {
      names.add(statement.name.text);
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      else if (bindings) for (const e of bindings.elements) names.add(e.name.text);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The context names (declared only) that identifiers of the block resolve to through the prelude. */
function usedPreludeNames(sf: ts.SourceFile, checker: ts.TypeChecker, preludeEnd: number, names: ReadonlySet<string>): string[] {
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.getStart(sf) > preludeEnd && names.has(node.text)) {
      const symbol = ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
      const declaration = symbol?.declarations?.[0];
      if (declaration && declaration.getSourceFile() === sf && declaration.pos < preludeEnd) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...used].sort();
}

// Statements annotated with the error they throw:
//   insert(artist).values({ nmae: 'x' });   // SchemaError: table "artist" has no column "nmae" ...
//   await generateMigration({ ... });
//   // UnconfirmedDropError (ATH_MIGRATION_DROP): the migration would drop data: ...
// A run wraps each so it must throw that class (or a subclass), with that code, and a message that starts with the
// text before the first "..." (and holds each later piece, in order). Whitespace is compared loosely.

interface ExpectedError {
  /** The statement's span in the virtual file (prelude included). */
  readonly start: number;
  readonly end: number;
  /** The statement's span in the block's code. */
  readonly codeStart: number;
  readonly codeEnd: number;
  readonly className: string;
  readonly code: string | undefined;
  readonly message: string;
  /** The 0-based line of the statement in the block. */
  readonly line: number;
}

const ERROR_COMMENT = /^\/\/\s*([A-Z]\w*Error)(?:\s*\((ATH_[A-Z_]+)\))?:\s*(.*)$/;

function expectedErrors(code: string, offset: number): ExpectedError[] {
  const sf = ts.createSourceFile('block.mts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const lines = code.split('\n');
  const found: ExpectedError[] = [];
  for (const statement of sf.statements) {
    if (!ts.isExpressionStatement(statement) && !ts.isVariableStatement(statement)) continue;
    const end = statement.getEnd();
    const endLine = sf.getLineAndCharacterOfPosition(end).line;
    const trailing = lines[endLine]!.slice(sf.getLineAndCharacterOfPosition(end).character).trim();
    let comment: string[];
    if (trailing.startsWith('//')) comment = [trailing];
    else if (trailing === '') comment = [];
    else continue;
    // The comment goes on on the next lines, or (with nothing after the statement) starts there.
    for (let l = endLine + 1; l < lines.length && lines[l]!.trim().startsWith('//'); l++) {
      if (comment.length > 0 && ERROR_COMMENT.test(lines[l]!.trim())) break;
      comment.push(lines[l]!.trim());
    }
    const first = ERROR_COMMENT.exec(comment[0] ?? '');
    if (!first) continue;
    const message = [first[3]!, ...comment.slice(1).map((c) => c.replace(/^\/\/\s?/, ''))].join(' ');
    const start = statement.getStart(sf);
    found.push({
      start: start + offset,
      end: end + offset,
      codeStart: start,
      codeEnd: end,
      className: first[1]!,
      code: first[2],
      message,
      line: sf.getLineAndCharacterOfPosition(start).line,
    });
  }
  return found;
}

function wrapExpectations(code: string, expectations: readonly ExpectedError[], block: DocBlock): string {
  // Rewriting the entry points changes no statement spans: the annotated statements are not imports.
  let out = code;
  for (const e of [...expectations].sort((a, b) => b.codeStart - a.codeStart)) {
    const statement = out.slice(e.codeStart, e.codeEnd);
    const where = `${block.file}:${block.line + e.line}`;
    const expected = JSON.stringify({ className: e.className, code: e.code, message: e.message, where });
    // On one line, so the block's lines keep their numbers.
    out = `${out.slice(0, e.codeStart)}await __expectDocError(async () => { ${statement} }, ${expected});${out.slice(e.codeEnd)}`;
  }
  return out;
}

/** What a run found wrong in the errors its blocks throw; the test reads and clears it. */
export const docErrorMismatches: string[] = [];

/** Run `work`, which the docs say throws; record how what it did differs from what they show. @internal */
export async function expectDocError(
  work: () => Promise<unknown>,
  expected: { className: string; code: string | undefined; message: string; where: string },
): Promise<void> {
  let thrown: unknown;
  try {
    await work();
  } catch (error) {
    thrown = error;
  }
  const problem = errorMismatch(thrown, expected);
  if (problem) docErrorMismatches.push(`${expected.where}: ${problem}`);
}

function errorMismatch(thrown: unknown, expected: { className: string; code: string | undefined; message: string }): string | undefined {
  if (thrown === undefined) return `expected ${expected.className}, nothing was thrown`;
  if (!(thrown instanceof Error)) return `expected ${expected.className}, got ${String(thrown)}`;
  const classes: string[] = [];
  for (let p: unknown = Object.getPrototypeOf(thrown); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    classes.push((p as { constructor: { name: string } }).constructor.name);
  }
  const got = `${thrown.name} (${(thrown as { code?: string }).code ?? 'no code'}): ${thrown.message}`;
  if (!classes.includes(expected.className)) return `expected ${expected.className}, got ${got}`;
  if (expected.code && (thrown as { code?: string }).code !== expected.code) return `expected code ${expected.code}, got ${got}`;
  const loose = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const actual = loose(thrown.message);
  const pieces = expected.message.split('...').map(loose).filter(Boolean);
  let at = 0;
  for (const [i, piece] of pieces.entries()) {
    const found = actual.indexOf(piece, at);
    if (found < 0 || (i === 0 && found !== 0)) return `the message shown is not the one thrown:\n    shown:  ${loose(expected.message)}\n    thrown: ${actual}`;
    at = found + piece.length;
  }
  return undefined;
}
