/**
 * Every code of the AthanorErrorCode union has its anchor in docs/errors.md,
 * and every anchor there is a code: `error.docs` and the CLI's "see" line
 * never point at nothing.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, IntegrityError, errorDocs } from '../../src/core/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

it('each error code has an anchor in docs/errors.md, and each anchor is a code', () => {
  const union = read('src/core/errors.ts').match(/export type AthanorErrorCode =([^;]+);/)![1]!;
  const codes = [...union.matchAll(/'(ATH_[A-Z_]+)'/g)].map((m) => m[1]!).sort();
  const anchors = [...read('docs/errors.md').matchAll(/<a id="(ath_[a-z_]+)"><\/a>/g)].map((m) => m[1]!).sort();
  assert.ok(codes.length > 30, `the union was read (${codes.length} codes)`);
  assert.deepEqual(anchors, codes.map((c) => c.toLowerCase()).sort());
  assert.deepEqual(new Set(anchors).size, anchors.length, 'no anchor twice');
});

it('error.docs is the anchor of its code', () => {
  assert.equal(new ConfigError('no URL').docs, 'docs/errors.md#ath_config');
  assert.equal(errorDocs('ATH_INTEGRITY'), 'docs/errors.md#ath_integrity');
  assert.equal(Object.getOwnPropertyDescriptor(IntegrityError.prototype, 'docs'), undefined, 'one getter, on AthanorError');
});
