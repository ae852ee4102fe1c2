/**
 * Raw SQL with bound values: the `sql` tagged template.
 *
 * ```ts
 * sql`SELECT * FROM ${identifier('artist')} WHERE name = ${userInput}`
 * // PostgreSQL: SELECT * FROM "artist" WHERE name = $1   -- parameters: [userInput]
 * ```
 * Every `${value}` is a bound parameter; expressions and columns interpolate as
 * SQL; identifiers come only through {@link identifier}, which the dialect quotes.
 */

import { InvalidArgumentError } from '../errors.js';
import { identifierProblem, isWellFormed } from '../schema/strings.js';
import { Expression, checkBindable, type QueryLike } from './expression.js';
import type { ExprNode, IdentifierNode, RawNode } from './nodes.js';

/** A quoted identifier (a table, column or alias name, optionally dotted into a path). */
export class Identifier {
  readonly node: IdentifierNode;
  constructor(path: readonly string[]) {
    for (const part of path) {
      const problem = identifierProblem(part);
      if (problem !== undefined) throw new InvalidArgumentError(`identifier() needs non-empty strings: ${problem}`, 'identifier', part);
    }
    this.node = Object.freeze({ kind: 'identifier', path });
  }
}

/** `identifier('schema', 'table')` renders `"schema"."table"` (quoted by the dialect). */
export function identifier(...path: string[]): Identifier {
  return new Identifier(path);
}

/** A raw fragment; usable as an expression (`sql<number>\`...\``) or executed as a statement. */
export class RawSql<T = unknown> extends Expression<T> {
  declare readonly node: RawNode;
  /** Raw statements expose their node as a statement too. */
  get statementNode(): { kind: 'rawStatement'; raw: RawNode } {
    return { kind: 'rawStatement', raw: this.node };
  }
}

function position(index: number, method: 'sql' | 'sql.join'): string {
  return method === 'sql' ? `sql\`\`: value ${index + 1}` : `sql.join(): item ${index + 1}`;
}

/** `index` and `method` say where the value is, for error messages (built only when one is thrown). */
function interpolate(value: unknown, index: number, method: 'sql' | 'sql.join'): ExprNode {
  if (value instanceof Expression) return value.node;
  if (value instanceof Identifier) return value.node;
  if (typeof value === 'object' && value !== null && 'queryNode' in value) {
    return { kind: 'scalarSubquery', query: (value as QueryLike).queryNode };
  }
  if (value === undefined) throw new InvalidArgumentError(`${position(index, method)}: an interpolated value is undefined`, method, value);
  if ((typeof value === 'string' && !isWellFormed(value)) || typeof value === 'function' || typeof value === 'symbol') {
    checkBindable(value, undefined, position(index, method));
  }
  return { kind: 'param', value, type: undefined };
}

/**
 * Raw SQL: text parts as written, every `${value}` a bound parameter (strings
 * must be well-formed Unicode), expressions and `identifier()`s as SQL.
 * ```ts
 * sql`SELECT ${identifier('name')} FROM ${identifier('artist')} WHERE id = ${7}`
 * // PostgreSQL: SELECT "name" FROM "artist" WHERE id = $1   -- [7]
 * ```
 */
export function sql<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): RawSql<T> {
  const nodes = new Array<ExprNode>(values.length);
  for (let i = 0; i < values.length; i++) nodes[i] = interpolate(values[i], i, 'sql');
  return new RawSql<T>({ kind: 'raw', parts: [...strings], values: nodes }, undefined);
}

/** Join fragments with a separator fragment: `sql.join(items, sql\`, \`)`. */
sql.join = function join(items: readonly unknown[], separator: RawSql = sql`, `): RawSql {
  const parts: string[] = [''];
  const values: ExprNode[] = [];
  items.forEach((item, i) => {
    if (i > 0) {
      // splice the separator's parts in
      const sep = separator.node;
      parts[parts.length - 1] += sep.parts[0];
      for (let j = 0; j < sep.values.length; j++) {
        values.push(sep.values[j]!);
        parts.push(sep.parts[j + 1]!);
      }
    }
    values.push(interpolate(item, i, 'sql.join'));
    parts.push('');
  });
  return new RawSql({ kind: 'raw', parts, values }, undefined);
};
