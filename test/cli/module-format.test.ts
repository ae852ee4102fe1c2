/**
 * TypeScript files in a project whose package.json says `"type": "module"`
 * and in one whose package.json does not: Node and tsx load a `.ts` file of
 * the second as CommonJS, which would give it a second copy of Athanor (its
 * tables and operations unrecognised). There the CLI refuses a `.ts` config,
 * schema module or migration with ModuleFormatError naming the `.mts` rename
 * and the `"type": "module"` fix, and `migrate generate` writes `.mts`
 * migrations, which load as ES modules and apply; in the first, `.ts` as
 * before. SQLite only: nothing here depends on the database.
 */

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrationExtension } from '../../src/migrate/index.js';
import { athanorIn, root } from './spawn.js';

const base = join(root, '.tmp', `cli-module-format-${process.pid}`);
after(() => rmSync(base, { recursive: true, force: true }));

const athanorFrom = (dir: string) => relative(dir, join(root, 'src/index.js')).split('\\').join('/');

/** A project folder: package.json as given, a config and a schema module with the given extensions. */
function project(name: string, packageJson: Record<string, unknown>, config: '.ts' | '.mts', schema: '.ts' | '.mts'): string {
  const dir = join(base, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson));
  writeFileSync(
    join(dir, `athanor.config${config}`),
    `import { defineConfig } from '${relative(dir, join(root, 'src/cli/config.js'))}';\n\n` +
      `export default defineConfig({ url: 'sqlite:app.sqlite', schema: './src/schema${schema}', migrations: './migrations' });\n`,
  );
  writeFileSync(
    join(dir, `src/schema${schema}`),
    `import { Model, identity, table, text } from '${athanorFrom(join(dir, 'src'))}';\n\n` +
      "export const bandTable = table('mf_band', { id: identity(), name: text().notNull() });\nexport class Band extends Model(bandTable) {}\n",
  );
  return dir;
}

describe('TypeScript files and the package type', () => {
  it('"type": "module": .ts config, schema module and migrations, as before', async () => {
    const dir = project('esm', { name: 'esm-app', private: true, type: 'module' }, '.ts', '.ts');
    const generated = await athanorIn(dir, ['migrate', 'generate', 'init', '--import-from', athanorFrom(join(dir, 'migrations'))]);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, /^wrote migrations\/\d{8}T\d{6}_init\.ts \(1 operation\)$/m);
    const up = await athanorIn(dir, ['migrate', 'up']);
    assert.equal(up.code, 0, up.stderr);
    const check = await athanorIn(dir, ['migrate', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it('no "type": a .ts config or schema module is refused with the fix; .mts ones load, and generate writes .mts migrations that apply', async () => {
    const dir = project('cjs', { name: 'cjs-app', private: true }, '.ts', '.ts');
    const refusedConfig = await athanorIn(dir, ['migrate', 'status']);
    assert.equal(refusedConfig.code, 3, refusedConfig.stdout + refusedConfig.stderr);
    assert.match(
      refusedConfig.stderr,
      /^error: \S+athanor\.config\.ts would load as CommonJS \(\S+package\.json does not say "type": "module"\), .* rename it to athanor\.config\.mts .*, or add "type": "module" to \S+package\.json \[ATH_MODULE_FORMAT\]$/m,
    );

    assert.match(refusedConfig.stderr, /^ {2}see docs\/errors\.md#ath_module_format$/m, 'the CLI links the code to its explanation');

    renameSync(join(dir, 'athanor.config.ts'), join(dir, 'athanor.config.mts'));
    const refusedSchema = await athanorIn(dir, ['migrate', 'check']);
    assert.equal(refusedSchema.code, 3, refusedSchema.stdout + refusedSchema.stderr);
    assert.match(refusedSchema.stderr, /src\/schema\.ts would load as CommonJS .* rename it to schema\.mts .*\[ATH_MODULE_FORMAT\]$/m);

    rmSync(dir, { recursive: true });
    const fixed = project('cjs', { name: 'cjs-app', private: true }, '.mts', '.mts');
    const migrations = join(fixed, 'migrations');
    const generated = await athanorIn(fixed, ['migrate', 'generate', 'init', '--import-from', athanorFrom(migrations)]);
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, /^wrote migrations\/\d{8}T\d{6}_init\.mts \(1 operation\)$/m);
    const up = await athanorIn(fixed, ['migrate', 'up']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^applied \d{8}T\d{6}_init$/m);
    const check = await athanorIn(fixed, ['migrate', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /^no drift: the database matches the schema module \(1 table\)$/m);

    // A .ts migration written by hand there would load as CommonJS too: refused, naming it.
    const [init] = readdirSync(migrations);
    writeFileSync(
      join(migrations, '29990101T000000_by_hand.ts'),
      `import { op } from '${athanorFrom(migrations)}';\n\nexport const id = '29990101T000000_by_hand';\nexport const up = [op.sql('SELECT 1')];\n`,
    );
    const refusedMigration = await athanorIn(fixed, ['migrate', 'status']);
    assert.equal(refusedMigration.code, 3, refusedMigration.stdout + refusedMigration.stderr);
    assert.match(refusedMigration.stderr, /migrations\/29990101T000000_by_hand\.ts would load as CommonJS .* rename it to 29990101T000000_by_hand\.mts /);
    renameSync(join(migrations, '29990101T000000_by_hand.ts'), join(migrations, '29990101T000000_by_hand.mts'));
    const status = await athanorIn(fixed, ['migrate', 'status']);
    assert.equal(status.code, 1, 'one pending');
    assert.match(status.stdout, new RegExp(`applied .* ${init!.replace(/\.mts$/, '')}\\n {2}pending +29990101T000000_by_hand$`, 'm'));
  });

  it('migrationExtension: .ts under "type": "module", .mts under any other package.json or none', () => {
    const dir = (name: string, pkg: Record<string, unknown> | undefined) => {
      const d = join(base, 'ext', name, 'db', 'migrations');
      mkdirSync(d, { recursive: true });
      if (pkg) writeFileSync(join(base, 'ext', name, 'package.json'), JSON.stringify(pkg));
      return d;
    };
    assert.equal(migrationExtension(dir('module', { type: 'module' })), '.ts');
    assert.equal(migrationExtension(dir('commonjs', { type: 'commonjs' })), '.mts');
    assert.equal(migrationExtension(dir('untyped', { name: 'x' })), '.mts');
    assert.equal(migrationExtension(join(root, 'no-such-folder')), '.ts', 'the nearest package.json up the tree decides (here the repository’s own)');
  });
});
