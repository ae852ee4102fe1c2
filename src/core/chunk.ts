/**
 * `items` in consecutive runs of at most `size` (at least one item per run,
 * whatever `size`), in order: statements that must stay under a database's
 * parameter limit send their rows or keys so.
 *
 * ```ts
 * chunk([1, 2, 3, 4, 5], 2); // [[1, 2], [3, 4], [5]]
 * ```
 * @internal
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const n = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
