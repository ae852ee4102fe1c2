/**
 * Statement shapes: SQL with its values taken out, so that "the same
 * statement with other parameters" groups together (as pg_stat_statements
 * normalizes queries).
 *
 * ```ts
 * statementShape('SELECT * FROM "song" WHERE "id" IN ($1, $2, $3)'); // 'SELECT * FROM "song" WHERE "id" IN (?)'
 * ```
 */

const PLACEHOLDER = /\$\d+|\?|:\w+|@p\d+/g;
const STRING_LITERAL = /'(?:[^']|'')*'/g;
const NUMBER_LITERAL = /(?<![\w"`$.])-?\d+(?:\.\d+)?(?![\w"`])/g;
const LIST = /\(\s*\?(?:\s*,\s*\?)*\s*\)/g;
const ROWS = /(\(\?\))(?:\s*,\s*\(\?\))+/g;

const cache = new Map<string, string>();
const CACHE_LIMIT = 2000;

/** The shape of a statement: literals and placeholders become `?`, lists of them one `(?)`. */
export function statementShape(sql: string): string {
  const hit = cache.get(sql);
  if (hit !== undefined) return hit;
  const shape = sql
    .replace(STRING_LITERAL, '?')
    .replace(PLACEHOLDER, '?')
    .replace(NUMBER_LITERAL, '?')
    .replace(LIST, '(?)')
    .replace(ROWS, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(sql, shape);
  return shape;
}

/** The first table a statement names after FROM / INTO / UPDATE (unquoted), for messages. */
export function statementTable(sql: string): string | undefined {
  const m = /\b(?:FROM|INTO|UPDATE)\s+([`"[]?)([\w.]+)[`"\]]?/i.exec(sql);
  return m?.[2];
}
