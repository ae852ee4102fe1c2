/**
 * Evaluate a WHERE clause in JavaScript against objects in memory, for bulk
 * UPDATE / DELETE with `synchronize: 'evaluate'`. Only plain comparisons on
 * the model's own columns are understood; anything else makes the whole
 * criterion unevaluable, and the caller falls back to fetching keys.
 *
 * SQL's three-valued logic is kept: `undefined` stands for NULL/unknown, and
 * only `true` matches.
 *
 * @internal
 */

import type { ExprNode } from '../../core/sql/nodes.js';
import type { Mapper } from '../mapper.js';
import { NOT_LOADED, sameValue } from '../state.js';

export class CannotEvaluate extends Error {}

/** Thrown while evaluating when a needed column is not loaded on that object. */
export class NotLoadedColumn extends Error {}

type Fn = (values: readonly unknown[]) => unknown;

function cmp(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

function likeRegex(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

/** Compile `node` into a function of an object's values, or throw {@link CannotEvaluate}. */
export function compileCriteria(node: ExprNode | undefined, mapper: Mapper): (values: readonly unknown[]) => boolean {
  if (!node) return () => true;
  const fn = compile(node, mapper);
  return (values) => fn(values) === true;
}

function compile(node: ExprNode, mapper: Mapper): Fn {
  switch (node.kind) {
    case 'column': {
      if (node.column.table !== mapper.table || (node.qualifier !== undefined && node.qualifier !== mapper.table.name)) {
        throw new CannotEvaluate(`column ${node.qualifier ?? ''}.${node.column.name} is not a column of ${mapper.name}`);
      }
      const i = mapper.columnIndex(node.column.key);
      return (v) => {
        const x = v[i];
        if (x === NOT_LOADED) throw new NotLoadedColumn();
        return x;
      };
    }
    case 'param':
      return () => node.value;
    case 'keyword':
      if (node.keyword === 'NULL') return () => null;
      if (node.keyword === 'TRUE') return () => true;
      if (node.keyword === 'FALSE') return () => false;
      throw new CannotEvaluate(node.keyword);
    case 'binary': {
      const l = compile(node.left, mapper);
      const r = compile(node.right, mapper);
      const nullable = (f: (a: unknown, b: unknown) => unknown): Fn => (v) => {
        const a = l(v);
        const b = r(v);
        return isNull(a) || isNull(b) ? undefined : f(a, b);
      };
      switch (node.op) {
        case '=':
          return nullable((a, b) => sameValue(a, b) || (typeof a !== typeof b && String(a) === String(b)));
        case '<>':
          return nullable((a, b) => !sameValue(a, b));
        case '<':
          return nullable((a, b) => cmp(a, b) < 0);
        case '<=':
          return nullable((a, b) => cmp(a, b) <= 0);
        case '>':
          return nullable((a, b) => cmp(a, b) > 0);
        case '>=':
          return nullable((a, b) => cmp(a, b) >= 0);
        case 'LIKE':
          return nullable((a, b) => likeRegex(String(b), 's').test(String(a)));
        case 'NOT LIKE':
          return nullable((a, b) => !likeRegex(String(b), 's').test(String(a)));
        case 'ILIKE':
          return nullable((a, b) => likeRegex(String(b), 'is').test(String(a)));
        case 'IS':
          return (v) => sameValue(l(v) ?? null, r(v) ?? null);
        case 'IS NOT':
          return (v) => !sameValue(l(v) ?? null, r(v) ?? null);
        default:
          throw new CannotEvaluate(`operator ${node.op}`);
      }
    }
    case 'logical': {
      const parts = node.operands.map((o) => compile(o, mapper));
      if (node.op === 'AND') {
        return (v) => {
          let unknown = false;
          for (const p of parts) {
            const x = p(v);
            if (x === false) return false;
            if (x !== true) unknown = true;
          }
          return unknown ? undefined : true;
        };
      }
      return (v) => {
        let unknown = false;
        for (const p of parts) {
          const x = p(v);
          if (x === true) return true;
          if (x !== false) unknown = true;
        }
        return unknown ? undefined : false;
      };
    }
    case 'unary': {
      const o = compile(node.operand, mapper);
      switch (node.op) {
        case 'NOT':
          return (v) => {
            const x = o(v);
            return x === undefined ? undefined : !x;
          };
        case 'IS NULL':
          return (v) => isNull(o(v));
        case 'IS NOT NULL':
          return (v) => !isNull(o(v));
        default:
          throw new CannotEvaluate(`unary ${node.op}`);
      }
    }
    case 'inList': {
      const o = compile(node.operand, mapper);
      const items = node.items.map((i) => compile(i, mapper));
      return (v) => {
        const x = o(v);
        if (isNull(x)) return undefined;
        const hit = items.some((i) => {
          const y = i(v);
          return sameValue(x, y) || (typeof x !== typeof y && String(x) === String(y));
        });
        return node.negated ? !hit : hit;
      };
    }
    case 'between': {
      const o = compile(node.operand, mapper);
      const lo = compile(node.low, mapper);
      const hi = compile(node.high, mapper);
      return (v) => {
        const x = o(v);
        if (isNull(x)) return undefined;
        const inside = cmp(x, lo(v)) >= 0 && cmp(x, hi(v)) <= 0;
        return node.negated ? !inside : inside;
      };
    }
    default:
      throw new CannotEvaluate(`${node.kind} expression`);
  }
}
