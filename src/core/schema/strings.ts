/**
 * @internal Strings in values and names: well-formedness (no lone surrogate)
 * and how values are shown in error messages.
 */

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/**
 * True when `s` is well-formed UTF-16 (no lone surrogate). Every database
 * stores UTF-8 (or checks it), so a lone surrogate would come back as U+FFFD:
 * such strings are refused instead of silently altered. `isWellFormed` (Node
 * 20+) scans without allocating and answers at once for one-byte strings.
 */
export const isWellFormed: (s: string) => boolean = nativeWellFormed
  ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
  : (s) => !LONE_SURROGATE.test(s);

/** @internal Why a string is not well-formed, for messages: where its first lone surrogate is. */
export function loneSurrogate(s: string): string {
  const at = LONE_SURROGATE.exec(s)?.index ?? -1;
  const unit = at < 0 ? '' : `\\u${s.charCodeAt(at).toString(16).toUpperCase()} `;
  return `a lone surrogate ${unit}at index ${at}, which every database would store as U+FFFD`;
}

/** @internal The number of characters (code points) in `s`: a surrogate pair counts once. */
export function codePointCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const h = s.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) n--;
    }
  }
  return n;
}

/** @internal What `typeMismatch` answers for a string that is not well-formed. */
export const NOT_WELL_FORMED = 'well-formed Unicode text';

/** @internal A value as it appears in an error message (long strings cut). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString()})`;
  if (value instanceof Uint8Array) return `bytes[${value.length}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** @internal `value` in a message, with its JavaScript type: `"10" (a string)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  const kind = typeof value === 'object' ? (Array.isArray(value) ? 'an array' : `an object`) : `a ${typeof value}`;
  const name = typeof value === 'object' ? (value.constructor?.name ?? '') : '';
  const text = typeof value === 'function' ? `function ${value.name || '(anonymous)'}` : typeof value === 'symbol' ? value.toString() : show(value);
  return `${text} (${kind}${name && name !== 'Object' && name !== 'Array' ? ` of class ${name}` : ''})`;
}

/**
 * @internal Why `name` cannot be an SQL identifier on every database, or
 * undefined when it can: it must be a non-empty, well-formed string without
 * NUL (PostgreSQL refuses NUL in statement text, and a lone surrogate would
 * reach the catalog as U+FFFD).
 */
export function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `a name must be a string, got ${describeValue(name)}`;
  if (name.length === 0) return 'a name must not be empty';
  if (name.includes('\0')) return `a name must not contain NUL (\\0), got ${show(name)}`;
  if (!isWellFormed(name)) return `a name must be ${NOT_WELL_FORMED} (${loneSurrogate(name)}), got ${show(name)}`;
  return undefined;
}

/** @internal An answer of `typeMismatch`, with where the lone surrogate is when that is the reason. */
export function expectedText(expected: string, value: unknown): string {
  return expected === NOT_WELL_FORMED && typeof value === 'string' ? `${expected} (${loneSurrogate(value)})` : expected;
}
