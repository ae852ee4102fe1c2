#!/usr/bin/env node
// Build README.md from docs/: the head, then each part with its headings pushed one level down.
// Run after editing docs/*.md: `node scripts/readme.mjs`.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const parts = ['core.md', 'orm.md', 'queries-and-loading.md', 'schema.md', 'migrations.md', 'diagnostics.md', 'scaling.md', 'errors.md', 'benchmarks.md', 'development.md'];
const demote = (text) => text.replace(/^(#{1,5}) /gm, (m, hashes) => `${hashes}# `);
let out = readFileSync('docs/README.head.md', 'utf8').trimEnd() + '\n';
for (const part of parts) {
  const path = `docs/${part}`;
  if (!existsSync(path)) continue;
  let text = readFileSync(path, 'utf8').trim();
  // Parts that start at `##` are already one level down.
  if (!/^# /.test(text)) text = text.replace(/^##/, '#');
  // Links written relative to docs/ point one level up from the root README.
  text = text.replace(/\]\(\.\.\//g, '](');
  out += '\n' + demote(text) + '\n';
}
writeFileSync('README.md', out);
console.log(`README.md: ${out.split('\n').length} lines`);
