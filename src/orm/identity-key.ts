/**
 * The one encoding of identity keys: how the identity map, the loaders that
 * match rows to parents, and the lookups by foreign key spell a key.
 *
 * A single-column key is the value itself (no string building on the
 * hydration path). A composite key is one string of its parts joined by NUL,
 * a `Date` part by its ISO instant: two `Date` objects for one instant must
 * meet, and `String(date)` drops the milliseconds and depends on the time
 * zone. Every place that builds a key builds it here, so a key made from a
 * foreign key finds the object a key made from its row stored.
 *
 * @internal
 */

/** One part of a composite key as text. */
function keyPart(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** The identity key of key values in key order: the value itself for one, a joined string for several. */
export function keyOf(parts: readonly unknown[]): unknown {
  if (parts.length === 1) return parts[0];
  let out = keyPart(parts[0]);
  for (let i = 1; i < parts.length; i++) out += '\u0000' + keyPart(parts[i]);
  return out;
}

/** The identity key of the values at `indexes` of a values array (a row in column order). */
export function keyAt(values: readonly unknown[], indexes: readonly number[]): unknown {
  if (indexes.length === 1) return values[indexes[0]!];
  return keyOf(indexes.map((i) => values[i]));
}
