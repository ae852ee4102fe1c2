// Lint: type-aware rules that catch unawaited promises and `any`, plus the
// layer rules that keep dependencies pointing one way (see STYLE.md):
// core never imports the ORM, diagnostics, a driver or the connection module
// (src/connect, which sits above core and the drivers); a dialect never
// imports an engine or a driver; a driver knows nothing of SQL flavour; the
// ORM never imports a driver.
import { existsSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// bench/ has its own dependencies (the peer ORMs), installed by `npm run bench`. Without them its
// files cannot be type-checked, so a fresh clone (CI) lints it only once they are installed.
const benchInstalled = existsSync(new URL('./bench/node_modules', import.meta.url));

const layer = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns }],
  },
});

// no-restricted-imports does not see `import()`: the same direction for dynamic imports.
const noDynamicImport = (files, folders, message) => ({
  files,
  rules: {
    'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/(^|\\/)(${folders.join('|')})(\\/|$)/]`, message }],
  },
});

export default tseslint.config(
  { ignores: [...(benchInstalled ? [] : ['bench/**']), 'dist/**', 'node_modules/**', '.tmp/**', 'bench/node_modules/**', 'bench/results/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      // `export interface Artist extends Related<typeof Artist> {}` is how models get relationship types.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Tests and benchmarks may poke at internals and loosely typed driver results.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  layer(['src/core/**/*.ts'], [
    { group: ['**/orm/**', '**/orm', '**/diagnostics/**', '**/diagnostics'], message: 'core never imports the ORM or diagnostics' },
    {
      group: ['**/drivers/**', '**/drivers', '**/connect/**', '**/connect', 'pg', 'pg-copy-streams', 'mysql2', 'mysql2/*', 'better-sqlite3'],
      message: 'core never imports a driver: URL schemes and drivers meet in src/connect, above core',
    },
  ]),
  noDynamicImport(['src/core/**/*.ts'], ['drivers', 'connect', 'orm', 'diagnostics'], 'core never imports a driver, the connection module, the ORM or diagnostics'),
  layer(['src/core/dialects/**/*.ts', 'src/core/compiler/**/*.ts', 'src/core/sql/**/*.ts', 'src/core/schema/**/*.ts'], [
    { group: ['**/orm/**', '**/diagnostics/**'], message: 'core never imports the ORM or diagnostics' },
    {
      group: ['**/engine/**', '**/engine', '**/drivers/**', '**/connect/**', '**/connect', 'pg', 'pg-copy-streams', 'mysql2', 'mysql2/*', 'better-sqlite3'],
      message: 'SQL, schema, compilers and dialects never import an engine or a driver',
    },
  ]),
  layer(['src/drivers/**/*.ts'], [
    { group: ['**/dialects/**', '**/compiler/**', '**/sql/**', '**/schema/**', '**/orm/**', '**/diagnostics/**'], message: 'a driver knows nothing of SQL flavour, schema or sessions' },
  ]),
  layer(['src/orm/**/*.ts'], [
    { group: ['**/drivers/**', '**/drivers', 'pg', 'mysql2', 'mysql2/*', 'better-sqlite3', '**/diagnostics/**'], message: 'the ORM talks to databases through the engine only' },
  ]),
  noDynamicImport(['src/orm/**/*.ts'], ['drivers', 'diagnostics'], 'the ORM talks to databases through the engine only'),
  // The HTTP adapters describe the frameworks structurally: the library has no runtime dependencies beyond drivers.
  layer(['src/http/**/*.ts'], [
    { group: ['express', 'express/*', 'fastify', 'fastify/*', '@nestjs/*', '**/drivers/**', '**/drivers', 'pg', 'mysql2', 'mysql2/*', 'better-sqlite3'], message: 'athanor/http imports no web framework and no driver' },
  ]),
);
