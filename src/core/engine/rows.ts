/**
 * Turning positional driver rows into row objects, decoding each value.
 *
 * This is the hot loop of every query, so a row shape (its column names and
 * decoders) gets one builder, made once and cached: by default a function
 * generated for that shape, which V8 compiles to straight-line code building
 * objects of one hidden class. `rowBuilding.generated = false` switches to the
 * plain loop beside it, which does the same thing readably (and serves where
 * `new Function` is not allowed).
 *
 * @internal
 */

import type { ResultColumn } from '../compiler/compiled.js';
import type { Decoder, Dialect } from '../dialects/dialect.js';

/** A positional driver row to a row object. */
export type RowBuilder = (raw: readonly unknown[]) => Record<string, unknown>;

/** A row shape: its builder and its output names in order. */
export interface RowShape {
  readonly build: RowBuilder;
  readonly names: readonly string[];
}

/** Switch for benchmarks and restricted environments. */
export const rowBuilding = { generated: true };

/** The readable path: one loop per row. */
function interpretedBuilder(names: readonly string[], decoders: readonly (Decoder | undefined)[]): RowBuilder {
  const n = names.length;
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const value = raw[i];
      const decode = decoders[i];
      // __proto__ as a column name must become a property, not a prototype change.
      if (names[i] === '__proto__') {
        Object.defineProperty(row, '__proto__', { value: decode && value !== null ? decode(value) : value, enumerable: true, writable: true, configurable: true });
      } else {
        row[names[i]!] = decode && value !== null ? decode(value) : value;
      }
    }
    return row;
  };
}

/**
 * The fast path: `(r) => ({ "id": r[0], "createdAt": r[1] === null ? null : d1(r[1]) })`.
 * Names enter the source only as JSON string literals, so no column name can inject code.
 */
function generatedBuilder(names: readonly string[], decoders: readonly (Decoder | undefined)[]): RowBuilder {
  const fields: string[] = [];
  for (let i = 0; i < names.length; i++) {
    // A computed key: `{ "__proto__": v }` would set the prototype.
    const key = names[i] === '__proto__' ? '["__proto__"]' : JSON.stringify(names[i]);
    const value = decoders[i] ? `(r[${i}] === null ? null : d[${i}](r[${i}]))` : `r[${i}]`;
    fields.push(`${key}: ${value}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the generated builder is the point; names enter only as literals
  const factory = new Function('d', `"use strict"; return function buildRow(r) { return { ${fields.join(', ')} }; };`) as (
    d: readonly (Decoder | undefined)[],
  ) => RowBuilder;
  return factory(decoders);
}

function makeBuilder(names: readonly string[], decoders: readonly (Decoder | undefined)[]): RowBuilder {
  return rowBuilding.generated ? generatedBuilder(names, decoders) : interpretedBuilder(names, decoders);
}

/**
 * How to finish rows the driver built as objects: decode, in place, the
 * columns whose type needs it. Exists only for statements whose labels the
 * compiler knows, all distinct and none `__proto__`.
 */
export interface ObjectRowPlan {
  readonly names: readonly string[];
  /** Labels whose values need decoding, with their decoders. */
  readonly decoded: readonly (readonly [string, Decoder])[];
}

/** Decode the columns of driver-built row objects in place. */
export function finishObjectRows(plan: ObjectRowPlan, rows: Record<string, unknown>[]): void {
  const decoded = plan.decoded;
  if (decoded.length === 0) return;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let j = 0; j < decoded.length; j++) {
      const [name, decode] = decoded[j]!;
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = decode(value);
    }
  }
}

/** True when the driver labelled its columns exactly as planned. */
export function sameLabels(plan: ObjectRowPlan, driverColumns: readonly string[]): boolean {
  const names = plan.names;
  if (names.length !== driverColumns.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== driverColumns[i]) return false;
  return true;
}

/** Shapes kept per cache before it starts over (a generated builder is a compiled function). */
const SHAPES_LIMIT = 1000;

/** Row builders of one dialect, cached by shape. */
export class RowShaper {
  /** Keyed by a compiled statement's columns array, which the statement cache reuses for every execution of a shape. */
  private readonly byColumns = new WeakMap<readonly ResultColumn[], RowShape>();
  /** The same, keyed by names and types, for columns arrays not seen before. */
  private readonly byContent = new Map<string, RowShape>();
  /** Raw SQL: keyed by the column names the driver reported. */
  private readonly byNames = new Map<string, RowShape>();

  /** Object-row plans by columns array; null where rows must come as arrays. */
  private readonly objectPlans = new WeakMap<readonly ResultColumn[], ObjectRowPlan | null>();

  constructor(private readonly dialect: Dialect) {}

  /**
   * The plan for letting the driver build row objects for `columns`, or
   * undefined when rows must come as arrays (labels unknown, repeated, or
   * `__proto__`, which a driver would turn into a prototype change).
   */
  objectPlan(columns: readonly ResultColumn[]): ObjectRowPlan | undefined {
    let plan = this.objectPlans.get(columns);
    if (plan === undefined) {
      const names = columns.map((c) => c.name);
      const distinct = new Set(names);
      if (columns.length === 0 || distinct.size !== names.length || distinct.has('__proto__')) {
        plan = null;
      } else {
        const decoded: (readonly [string, Decoder])[] = [];
        for (const c of columns) {
          const d = c.type ? this.dialect.decoder(c.type) : undefined;
          if (d) decoded.push([c.name, d]);
        }
        plan = { names, decoded };
      }
      this.objectPlans.set(columns, plan);
    }
    return plan ?? undefined;
  }

  /**
   * The shape of rows of `columns` (from the compiler). When the compiler
   * knows no columns (raw SQL, `SELECT *`) or the driver reports a different
   * number, the driver's names are used and values are left as the driver gave them.
   */
  shape(columns: readonly ResultColumn[], driverColumns: readonly string[]): RowShape {
    if (columns.length > 0 && columns.length === driverColumns.length) {
      let shape = this.byColumns.get(columns);
      if (!shape) {
        // A new columns array (the statement cache is off, or a hand-built statement):
        // look the shape up by content before generating another function for it.
        const key = columns.map((c) => `${c.name}\u0001${c.type ? JSON.stringify(c.type) : ''}`).join('\u0000');
        shape = this.byContent.get(key);
        if (!shape) {
          const names = columns.map((c) => c.name);
          const decoders = columns.map((c) => (c.type ? this.dialect.decoder(c.type) : undefined));
          shape = { build: makeBuilder(names, decoders), names };
          if (this.byContent.size >= SHAPES_LIMIT) this.byContent.clear();
          this.byContent.set(key, shape);
        }
        this.byColumns.set(columns, shape);
      }
      return shape;
    }
    return this.forNames(driverColumns);
  }

  private forNames(names: readonly string[]): RowShape {
    const key = names.join('\u0000');
    let shape = this.byNames.get(key);
    if (!shape) {
      if (this.byNames.size >= SHAPES_LIMIT) this.byNames.clear();
      shape = { build: makeBuilder(names, names.map(() => undefined)), names: names.slice() };
      this.byNames.set(key, shape);
    }
    return shape;
  }
}

/** Build every row of a driver result. */
export function buildRows(build: RowBuilder, raw: readonly (readonly unknown[])[]): Record<string, unknown>[] {
  const n = raw.length;
  const rows = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) rows[i] = build(raw[i]!);
  return rows;
}
