/**
 * Where each dialect's benchmark database lives: one per scale (SQLite: one
 * file per scale), so data seeded at one scale is never measured as another.
 * Never athanor_test: other test runs use it, and their statements would land
 * in our counts.
 */

import { fileURLToPath } from 'node:url';

export const DIALECTS = ['sqlite', 'postgres', 'mysql'] as const;
export type DialectId = (typeof DIALECTS)[number];

export const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The servers, with the base name of the benchmark databases: each scale gets `<base>_s<scale>` (see urlFor). */
export const PG_URL = process.env.ATHANOR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/athanor_bench';
export const MYSQL_URL = process.env.ATHANOR_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/athanor_bench';

/** One SQLite file per scale, so both sizes can be kept seeded. Scale 0 is the core bench's own. */
export function sqlitePath(scale: number): string {
  return `${BENCH_ROOT}.data/bench-${scale}.sqlite`;
}

/** The database name for a scale: athanor_bench_s1, athanor_bench_s10, athanor_bench_s0_01 (scale 0: the core bench's). */
export function databaseAt(base: string, scale: number): string {
  return `${base}_s${String(scale).replace(/[^0-9]/g, '_')}`;
}

/** A server URL with the scale's database in place of the base name. */
function serverUrlAt(url: string, scale: number): string {
  const u = new URL(url);
  u.pathname = `/${databaseAt(decodeURIComponent(u.pathname.slice(1)), scale)}`;
  return u.toString();
}

/** The URL a system connects to for a dialect at a scale. */
export function urlFor(dialect: DialectId, scale: number): string {
  switch (dialect) {
    case 'sqlite':
      return `sqlite:${sqlitePath(scale)}`;
    case 'postgres':
      return serverUrlAt(PG_URL, scale);
    case 'mysql':
      return serverUrlAt(MYSQL_URL, scale);
  }
}
