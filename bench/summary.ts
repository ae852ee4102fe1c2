/**
 * Rewrite bench/results/summary.svg from bench/results/results.json:
 *   npx tsx bench/summary.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { summarySvg } from './lib/svg.js';
import type { BenchResult } from './lib/suite.js';

const dir = new URL('./results/', import.meta.url);
const { results } = JSON.parse(readFileSync(new URL('results.json', dir), 'utf8')) as { results: BenchResult[] };
writeFileSync(new URL('summary.svg', dir), summarySvg(results));
console.log('wrote bench/results/summary.svg');
