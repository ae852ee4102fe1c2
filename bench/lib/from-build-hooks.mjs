// Module resolution hook of from-build.mjs: a module of the repository's src/ resolves to its dist/ build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SRC = new URL('../../src/', import.meta.url).href;
const DIST = new URL('../../dist/', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith(SRC)) return resolved;
  const built = DIST + resolved.url.slice(SRC.length).replace(/\.(m?)ts$/, '.$1js');
  if (!existsSync(fileURLToPath(built))) throw new Error(`bench: ${built} is missing: build the library first (npm run build)`);
  return { ...resolved, url: built, format: 'module' };
}
