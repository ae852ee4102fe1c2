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

import type { DialectCapabilities } from '../../core/dialects/dialect.js';
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

/** SQLite's LIKE folds ASCII letters only: `'Rock' LIKE 'rock'` but not `'É' LIKE 'é'`. */
function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

type TextComparison = DialectCapabilities['textComparison'];

/** True when the node is text whose comparison the database's collation decides (a text column or a string). */
function isText(node: ExprNode): boolean {
  if (node.kind === 'param') return typeof node.value === 'string';
  if (node.kind === 'column') {
    const kind = node.column.type.kind;
    return kind === 'text' || kind === 'varchar' || kind === 'uuid';
  }
  return false;
}

/** A uuid column: the database compares its text case-insensitively, JavaScript does not. */
function isUuid(node: ExprNode): boolean {
  return node.kind === 'column' && node.column.type.kind === 'uuid';
}

function describeNode(node: ExprNode): string {
  if (node.kind === 'column') return node.column.name;
  if (node.kind === 'param') return JSON.stringify(node.value) ?? String(node.value);
  return node.kind;
}

function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

/** Compile `node` into a function of an object's values, or throw {@link CannotEvaluate}. */
export function compileCriteria(node: ExprNode | undefined, mapper: Mapper, text: TextComparison): (values: readonly unknown[]) => boolean {
  if (!node) return () => true;
  const fn = compile(node, mapper, text);
  return (values) => fn(values) === true;
}

function compile(node: ExprNode, mapper: Mapper, text: TextComparison): Fn {
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
      const l = compile(node.left, mapper, text);
      const r = compile(node.right, mapper, text);
      // Only where JavaScript gives the database's answer: collations decide text equality on some databases and
      // text order on all of them; LIKE's case rules differ per database.
      const textual = isText(node.left) || isText(node.right);
      const what = `${describeNode(node.left)} ${node.op} ${describeNode(node.right)}`;
      if (textual) {
        const equality = node.op === '=' || node.op === '<>' || node.op === 'IS' || node.op === 'IS NOT';
        const like = node.op === 'LIKE' || node.op === 'NOT LIKE';
        if ((isUuid(node.left) || isUuid(node.right)) && !(node.op === 'IS' || node.op === 'IS NOT')) throw new CannotEvaluate(`${what} (uuid text compares case-insensitively)`);
        if (equality && text.equality === 'collation') throw new CannotEvaluate(`${what} (the column's collation decides text equality here)`);
        if (!equality && !like) throw new CannotEvaluate(`${what} (the collation decides text order)`);
        if (like) {
          if (text.like === 'collation') throw new CannotEvaluate(`${what} (the column's collation decides LIKE here)`);
          // Every LIKE carries an ESCAPE character (backslash unless given): a pattern using it is left to the database.
          const escape = node.escape ?? '\\';
          if (node.right.kind !== 'param' || typeof node.right.value !== 'string' || node.right.value.includes(escape)) {
            throw new CannotEvaluate(`${what} (only a pattern without escapes is evaluated)`);
          }
        }
      }
      const fold = text.like === 'asciiCaseInsensitive' ? foldAscii : (x: string) => x;
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
          return nullable((a, b) => likeRegex(fold(String(b)), 's').test(fold(String(a))));
        case 'NOT LIKE':
          return nullable((a, b) => !likeRegex(fold(String(b)), 's').test(fold(String(a))));
        case 'ILIKE':
          // Case folding beyond ASCII follows the database's locale.
          throw new CannotEvaluate(`${what} (ILIKE folds case by the database's locale)`);
        case 'IS':
          return (v) => sameValue(l(v) ?? null, r(v) ?? null);
        case 'IS NOT':
          return (v) => !sameValue(l(v) ?? null, r(v) ?? null);
        default:
          throw new CannotEvaluate(`operator ${node.op}`);
      }
    }
    case 'logical': {
      const parts = node.operands.map((o) => compile(o, mapper, text));
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
      const o = compile(node.operand, mapper, text);
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
      if ((isText(node.operand) || node.items.some(isText)) && (text.equality === 'collation' || isUuid(node.operand))) {
        throw new CannotEvaluate(`${describeNode(node.operand)} IN (...) (the column's collation decides text equality here)`);
      }
      const o = compile(node.operand, mapper, text);
      const items = node.items.map((i) => compile(i, mapper, text));
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
      if (isText(node.operand) || isText(node.low) || isText(node.high)) throw new CannotEvaluate(`${describeNode(node.operand)} BETWEEN (the collation decides text order)`);
      const o = compile(node.operand, mapper, text);
      const lo = compile(node.low, mapper, text);
      const hi = compile(node.high, mapper, text);
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
