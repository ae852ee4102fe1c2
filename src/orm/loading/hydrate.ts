/**
 * Rows to objects. A row's columns are decoded once per value with the
 * dialect's decoders (only for types that need it), the identity key is read,
 * and the identity map either supplies the existing object (whose loaded and
 * changed values are left alone) or receives a new one.
 *
 * @internal
 */

import type { Dialect, Decoder } from '../../core/dialects/dialect.js';
import type { SelectItemNode } from '../../core/sql/nodes.js';
import { lookup, type IdentityMap, type ObjectMap } from '../identity-map.js';
import type { Mapper } from '../mapper.js';
import { LoadGroup, NOT_LOADED, STATE, type InstanceState, type SessionHooks } from '../state.js';

const decoderCache = new WeakMap<Mapper, WeakMap<Dialect, readonly (Decoder | undefined)[]>>();

/** Decoders for a mapper's columns on a dialect (undefined where values need none). */
export function decodersFor(mapper: Mapper, dialect: Dialect): readonly (Decoder | undefined)[] {
  let byDialect = decoderCache.get(mapper);
  if (!byDialect) {
    byDialect = new WeakMap();
    decoderCache.set(mapper, byDialect);
  }
  let decoders = byDialect.get(dialect);
  if (!decoders) {
    decoders = mapper.columns.map((c) => dialect.storedDecoder(c.type));
    byDialect.set(dialect, decoders);
  }
  return decoders;
}

const jsonDecoderCache = new WeakMap<Mapper, WeakMap<Dialect, readonly (Decoder | undefined)[]>>();

/** Decoders for a mapper's columns read from the cells of a JSON rows array (`Dialect.jsonDecoder`). */
export function jsonDecodersFor(mapper: Mapper, dialect: Dialect): readonly (Decoder | undefined)[] {
  let byDialect = jsonDecoderCache.get(mapper);
  if (!byDialect) {
    byDialect = new WeakMap();
    jsonDecoderCache.set(mapper, byDialect);
  }
  let decoders = byDialect.get(dialect);
  if (!decoders) {
    decoders = mapper.columns.map((c) => dialect.jsonDecoder(c.type));
    byDialect.set(dialect, decoders);
  }
  return decoders;
}

/** Which of a mapper's columns a query selects, in select-list order. */
export interface EntityShape {
  readonly mapper: Mapper;
  /** Mapper column indexes, in the order they appear in the row. */
  readonly columnIndexes: readonly number[];
  /** Position of the first of them in the row. */
  readonly offset: number;
  /** Row positions of the primary key columns. */
  readonly keyPositions: readonly number[];
  /** Every column, in mapper order, from position 0: a row of exactly this width can become the values array. */
  readonly wholeRow: boolean;
}

export function entityShape(mapper: Mapper, columnIndexes: readonly number[], offset: number): EntityShape {
  const keyPositions = mapper.primaryKeyIndexes.map((pk) => {
    const at = columnIndexes.indexOf(pk);
    if (at < 0) throw new Error(`internal: ${mapper.name} query does not select its primary key`);
    return offset + at;
  });
  const wholeRow = offset === 0 && columnIndexes.length === mapper.columns.length && columnIndexes.every((c, j) => c === j);
  return { mapper, columnIndexes, offset, keyPositions, wholeRow };
}

/** Select-list items for some of a mapper's columns (all by default), qualified by `qualifier`. */
export function entitySelectItems(mapper: Mapper, columnIndexes: readonly number[], qualifier: string, prefix = ''): SelectItemNode[] {
  return columnIndexes.map((i) => {
    const col = mapper.columns[i]!;
    return {
      expr: { kind: 'column', column: col, qualifier },
      alias: `${prefix}${col.key}`,
      explicitAlias: prefix !== '' || col.key !== col.name,
      type: col.type,
    };
  });
}

export interface HydrationContext {
  readonly dialect: Dialect;
  readonly identityMap: IdentityMap;
  readonly hooks: SessionHooks;
  /** Objects the session is about to delete: still returned, as SQLAlchemy does until flush. */
}

/**
 * Turns rows of one query result into objects of one shape: what does not
 * change from row to row (decoders, the mapper's identity map, the load group)
 * is looked up once per result, not once per row.
 */
export class RowHydrator {
  private readonly decoders: readonly (Decoder | undefined)[];
  private readonly map: ObjectMap;
  private readonly keyPosition: number;
  private readonly keyDecoder: Decoder | undefined;

  constructor(
    private readonly ctx: HydrationContext,
    private readonly shape: EntityShape,
    private readonly group: LoadGroup | undefined,
    /** Overwrite an identity-map hit's loaded values that have no unflushed change (the row was just written). */
    private readonly overwrite = false,
    /** The mapper's column decoders, when the row is not the driver's (the cells of a JSON rows array). */
    decoders?: readonly (Decoder | undefined)[],
  ) {
    const { mapper, keyPositions } = shape;
    this.decoders = decoders ?? decodersFor(mapper, ctx.dialect);
    this.map = ctx.identityMap.mapFor(mapper);
    this.keyPosition = keyPositions.length === 1 ? keyPositions[0]! : -1;
    this.keyDecoder = keyPositions.length === 1 ? this.decoders[mapper.primaryKeyIndexes[0]!] : undefined;
  }

  /**
   * The object for one row (at the shape's columns), from the identity map or new.
   * Returns undefined when the row's key columns are all NULL (an outer join that matched nothing).
   */
  row(row: readonly unknown[]): object | undefined {
    const { shape, decoders } = this;
    const { mapper, columnIndexes, offset } = shape;
    let key: unknown;
    if (this.keyPosition >= 0) {
      key = row[this.keyPosition];
      if (key === null || key === undefined) return undefined;
      if (this.keyDecoder !== undefined) key = this.keyDecoder(key);
    } else {
      key = this.compositeKey(row);
      if (key === undefined) return undefined;
    }
    const existing = lookup(this.map, key);
    if (existing !== undefined) {
      const st = (existing as { [STATE]: InstanceState })[STATE];
      // Fill in columns this object had not loaded; loaded (and changed) values stay as they are.
      const values = st.values;
      const changed = this.overwrite ? st.original : undefined;
      for (let j = 0; j < columnIndexes.length; j++) {
        const i = columnIndexes[j]!;
        if (values[i] === NOT_LOADED || (this.overwrite && !changed?.has(i))) {
          const raw = row[offset + j];
          const d = decoders[i];
          values[i] = d !== undefined && raw !== null ? d(raw) : raw;
        }
      }
      return existing;
    }
    const n = mapper.columns.length;
    let values: unknown[];
    if (shape.wholeRow && row.length === n) {
      // The driver's row array is fresh and ours: decode it in place and keep it (one allocation less per object).
      values = row as unknown[];
      for (let i = 0; i < n; i++) {
        const d = decoders[i];
        if (d !== undefined) {
          const raw = values[i];
          if (raw !== null) values[i] = d(raw);
        }
      }
    } else {
      values = new Array<unknown>(n);
      if (columnIndexes.length !== n) values.fill(NOT_LOADED);
      for (let j = 0; j < columnIndexes.length; j++) {
        const i = columnIndexes[j]!;
        const raw = row[offset + j];
        const d = decoders[i];
        values[i] = d !== undefined && raw !== null ? d(raw) : raw;
      }
    }
    const obj = mapper.hydrateLoaded(values, key, this.ctx.hooks, this.group);
    this.ctx.identityMap.addNew(this.map, key, obj);
    return obj;
  }

  private compositeKey(row: readonly unknown[]): unknown {
    const { mapper, keyPositions } = this.shape;
    const values = new Array<unknown>(mapper.columns.length);
    for (let k = 0; k < keyPositions.length; k++) {
      let raw = row[keyPositions[k]!];
      if (raw === null || raw === undefined) return undefined;
      const pk = mapper.primaryKeyIndexes[k]!;
      const d = this.decoders[pk];
      if (d) raw = d(raw);
      values[pk] = raw;
    }
    return mapper.identityKey(values);
  }
}

/** One row to its object (see {@link RowHydrator}; loops over a result should build one of those instead). */
export function hydrateRow(ctx: HydrationContext, shape: EntityShape, row: readonly unknown[], group: LoadGroup | undefined): object | undefined {
  return new RowHydrator(ctx, shape, group).row(row);
}

export { LoadGroup };
