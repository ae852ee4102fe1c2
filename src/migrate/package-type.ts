/**
 * Which module system Node gives a `.ts` file: the `"type"` of the nearest
 * package.json. Node (and tsx) load a `.ts` file as CommonJS unless that
 * package says `"type": "module"`; loaded so, a migration or config gets a
 * second copy of Athanor (tsx compiles the library again as CommonJS), whose
 * classes are not the CLI's, so every `instanceof` inside fails. `.mts` is
 * an ES module whatever the package says.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** @internal The nearest package.json from `dir` up, and its `"type"` (undefined when it has none, or there is none). */
export function nearestPackage(dir: string): { readonly file: string | undefined; readonly type: string | undefined } {
  let current = resolve(dir);
  for (;;) {
    const file = join(current, 'package.json');
    if (existsSync(file)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(file, 'utf8')) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      return { file, type: typeof type === 'string' ? type : undefined };
    }
    const parent = dirname(current);
    if (parent === current) return { file: undefined, type: undefined };
    current = parent;
  }
}

/**
 * The extension for a migration file written into `dir`: `.ts` where the
 * package is `"type": "module"`, else `.mts`, which Node loads as an ES
 * module whatever the package says.
 *
 * ```ts
 * migrationExtension('migrations'); // '.mts' in a package.json without "type": "module"
 * ```
 */
export function migrationExtension(dir: string): '.ts' | '.mts' {
  return nearestPackage(dir).type === 'module' ? '.ts' : '.mts';
}
