/**
 * Where each dialect's benchmark database lives. Never athanor_test: other
 * test runs use it, and their statements would land in our counts.
 */

import { fileURLToPath } from 'node:url';

export const DIALECTS = ['sqlite', 'postgres', 'mysql'] as const;
export type DialectId = (typeof DIALECTS)[number];

export const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const PG_URL = process.env.ATHANOR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/athanor_bench';
export const MYSQL_URL = process.env.ATHANOR_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/athanor_bench';

/** One SQLite file per scale, so both sizes can be kept seeded. */
export function sqlitePath(scale: number): string {
  return `${BENCH_ROOT}.data/bench-${scale}.sqlite`;
}

/** The URL a system connects to for a dialect at a scale. */
export function urlFor(dialect: DialectId, scale: number): string {
  switch (dialect) {
    case 'sqlite':
      return `sqlite:${sqlitePath(scale)}`;
    case 'postgres':
      return PG_URL;
    case 'mysql':
      return MYSQL_URL;
  }
}
