/**
 * Plain data out of mapped objects, without surprise queries: only what is
 * loaded is written, and nothing is ever fetched.
 *
 * ```ts
 * const artists = await s.query(Artist).options(selectinLoad(Artist.songs)).all();
 * serialize(artists[0]!, { name: true, songs: { title: true } });
 * // { name: 'Queen', songs: [{ title: 'Bohemian Rhapsody' }] }   (no SQL)
 * ```
 * A relationship named in the shape but not loaded is left out (it is not
 * "empty": it was not read); `toJSON()` / `JSON.stringify` do the same for the
 * whole object.
 */

import { Collection } from '../collection.js';
import { InvalidRequestError } from '../errors.js';
import { NOT_LOADED, STATE, type InstanceState } from '../state.js';

/** Which attributes to write: `true` for a column or a whole related object, a nested shape for a relationship. */
export type SerializeShape<T> = {
  readonly [K in keyof T]?: true | (NonNullable<T[K]> extends ArrayLike<infer E> ? SerializeShape<E> : SerializeShape<NonNullable<T[K]>>);
};

type AnyShape = { readonly [key: string]: true | AnyShape | undefined };

/** Plain data of `obj` restricted to `shape` (all loaded columns and relationships when omitted). */
export function serialize<T extends object>(obj: T, shape?: SerializeShape<T>): Record<string, unknown> {
  if (!shape) return (obj as unknown as { toJSON(): Record<string, unknown> }).toJSON();
  return write(obj, shape as AnyShape);
}

function write(obj: object, shape: AnyShape): Record<string, unknown> {
  const st = (obj as { [STATE]?: InstanceState })[STATE];
  if (!st) throw new InvalidRequestError('serialize() takes a mapped object');
  const m = st.mapper;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const sub = shape[key];
    if (sub === undefined) continue;
    if (m.hasColumn(key)) {
      const v = st.values[m.columnIndex(key)];
      if (v !== NOT_LOADED) out[key] = v;
      continue;
    }
    const attr = m.relationship(key);
    const slot = st.slots?.[m.relationshipIndex(attr)];
    // A to-one the session can answer without SQL (NULL key, target in the identity map) counts as loaded.
    const v = slot?.loaded ? slot.value : attr.many ? undefined : st.resolveWithoutSql(attr);
    if (v === undefined && !slot?.loaded) continue;
    if (v instanceof Collection) {
      out[key] = (v as Collection<object>).map((item) => (sub === true ? (item as { toJSON(): unknown }).toJSON() : write(item, sub)));
    } else if (v === null || v === undefined) {
      out[key] = null;
    } else {
      out[key] = sub === true ? (v as { toJSON(): unknown }).toJSON() : write(v, sub);
    }
  }
  return out;
}
