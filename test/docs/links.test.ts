/**
 * Every relative link of README.md and docs/*.md reaches something: the file exists, and an anchor names a heading
 * of that file (GitHub's anchor for it: lower case, punctuation dropped, spaces as hyphens). Links to the web are
 * not followed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentationFiles } from '../support/doc-blocks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The text outside fenced code blocks and inline code spans (links inside them are examples). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

const anchorsByFile = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorsByFile.get(file);
  if (anchors === undefined) {
    const text = readFileSync(join(root, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
    anchorsByFile.set(file, anchors);
  }
  return anchors;
}

describe('documentation links', () => {
  for (const file of documentationFiles(root)) {
    it(`${file}: every relative link and anchor resolves`, () => {
      const broken: string[] = [];
      for (const m of prose(readFileSync(join(root, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : relative(root, normalize(join(root, dirname(file), path)));
        if (!existsSync(join(root, resolved))) {
          broken.push(`${target}: no file ${resolved}`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target}: ${resolved} has no heading with anchor #${anchor}`);
      }
      assert.deepEqual(broken, []);
    });
  }
});
