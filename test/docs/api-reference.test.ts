/**
 * The API reference (`npm run docs:api`, TypeDoc over every entry point of package.json's `exports`) builds without
 * a warning: every `{@link}` of the TSDoc resolves to a documented symbol. Built without writing (`--emit none`).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

it('typedoc.json covers every entry point of package.json, and the reference builds with no warning', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { types?: string } | string> };
  const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
  const sources = Object.values(pkg.exports)
    .flatMap((e) => (typeof e === 'object' && e.types ? [e.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')] : []))
    .sort();
  assert.deepEqual([...config.entryPoints].sort(), sources);
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
});
