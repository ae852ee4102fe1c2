/**
 * An optional package that is not installed (a driver library, pg-copy-streams)
 * is a MissingPackageError naming it and the install command, not Node's
 * ERR_MODULE_NOT_FOUND from inside Athanor's files. The real packages missing
 * from a real install are checked in test/package/tarball.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, registerDriver } from '../../src/connect/index.js';
import type { DriverModule } from '../../src/core/engine/driver.js';
import { importOptionalPackage, missingPackageOf } from '../../src/core/engine/optional-package.js';
import { MissingPackageError } from '../../src/core/errors.js';

/** Not a literal: the type checker must not look for it. */
const absent = (name: string): Promise<DriverModule> => import(name) as Promise<DriverModule>;

describe('missing optional packages', () => {
  it('a registered scheme whose driver library is not installed fails on first use, naming it', async () => {
    registerDriver('absentdb', { dialect: 'sqlite', load: () => absent('athanor-absent-driver-library') });
    const engine = createEngine('absentdb://app:secret@host/db');
    await assert.rejects(engine.ready(), (e: unknown) => {
      assert.ok(e instanceof MissingPackageError);
      assert.equal(e.code, 'ATH_MISSING_PACKAGE');
      assert.equal(e.packageName, 'athanor-absent-driver-library');
      assert.equal(
        e.message,
        'createEngine("absentdb://app:***@host/db") needs the package "athanor-absent-driver-library", which is not installed: npm install athanor-absent-driver-library',
      );
      assert.equal((e.cause as { code?: string }).code, 'ERR_MODULE_NOT_FOUND');
      return true;
    });
    await engine.close();
  });

  it('names the package, not the subpath, scoped or not', async () => {
    await assert.rejects(
      importOptionalPackage('the test', () => absent('@athanor-absent/scoped/sub/path.js')),
      (e: unknown) => e instanceof MissingPackageError && e.packageName === '@athanor-absent/scoped' && /npm install @athanor-absent\/scoped$/.test(e.message),
    );
    await assert.rejects(importOptionalPackage('the test', () => absent('athanor-absent/sub')), (e: unknown) => e instanceof MissingPackageError && e.packageName === 'athanor-absent');
  });

  it('lets other failures through unchanged', async () => {
    const missingFile = import('./athanor-no-such-file.js' as string);
    await assert.rejects(importOptionalPackage('the test', () => missingFile), (e: unknown) => !(e instanceof MissingPackageError) && (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND');
    const broken = new SyntaxError('Unexpected token');
    await assert.rejects(importOptionalPackage('the test', () => Promise.reject(broken)), (e: unknown) => e === broken);
    assert.equal(missingPackageOf(new Error("Cannot find package 'x'")), undefined, 'only ERR_MODULE_NOT_FOUND');
  });
});
