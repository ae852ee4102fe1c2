/**
 * @internal English plurals and singulars for generated names: good enough
 * for table names (`categories` → `Category`, `order_details` → `OrderDetail`),
 * and never wrong in a way that breaks code, only in a way that reads oddly.
 */

/** `albums` → `album`, `categories` → `category`, `address` stays. */
export function singular(word: string): string {
  if (/[^aeiou]ies$/i.test(word)) return word.slice(0, -3) + 'y';
  if (/(ss|us|is|ch|sh|x)es$/i.test(word)) return word.slice(0, -2);
  if (/(ss|us|is)$/i.test(word)) return word;
  if (/s$/i.test(word) && word.length > 2) return word.slice(0, -1);
  return word;
}

/** `album` → `albums`, `category` → `categories`, `address` → `addresses`. */
export function plural(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return word.slice(0, -1) + 'ies';
  if (/(s|x|ch|sh)$/i.test(word)) return word + 'es';
  return word + 's';
}

/** A name not in `used`: `base`, else `base2`, `base3`, ... (and records it). */
export function unused(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}
