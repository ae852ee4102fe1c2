/**
 * Loading an optional peer dependency (a driver library, pg-copy-streams)
 * so that its absence is a {@link MissingPackageError} naming the package and
 * the install command, not Node's `ERR_MODULE_NOT_FOUND` from deep inside
 * Athanor's own files.
 */

import { MissingPackageError } from '../errors.js';

/**
 * @internal The package a failed `import()` could not find, or undefined when
 * the error is something else (a syntax error in the module, a missing
 * relative file). Node names the package, not the subpath:
 * `Cannot find package '@scope/name' imported from /app/x.js`.
 */
export function missingPackageOf(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' || typeof message !== 'string') return undefined;
  return /^Cannot find package '((?:@[^/'\s]+\/)?[^/'\s]+)[^']*'/.exec(message)?.[1];
}

/**
 * @internal Run `load` (a literal `import()`, so bundlers see it); if a package
 * it needs is not installed, raise a {@link MissingPackageError} saying what
 * needed it. The package named is the one Node could not find, which is the
 * expected one unless that package is installed but broken.
 *
 * ```ts
 * const copyStreams = await importOptionalPackage('PostgreSQL COPY (engine.copyFrom)', () => import('pg-copy-streams'));
 * ```
 */
export async function importOptionalPackage<Module>(neededFor: string, load: () => Promise<Module>): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    const missing = missingPackageOf(error);
    if (missing !== undefined) throw new MissingPackageError(missing, neededFor, { cause: error });
    throw error;
  }
}
