/**
 * Named placeholders for prepared statements: a value supplied at execution.
 *
 * ```ts
 * const byId = engine.prepare(select(artist.c.id, artist.c.name).from(artist).where(artist.c.id.eq(placeholder('id'))));
 * await byId.one({ id: 7 }); // compiled once; PostgreSQL: ... WHERE "artist"."id" = $1  -- [7]
 * ```
 */

import type { SqlType } from '../schema/types.js';
import { Expression } from './expression.js';
import { InvalidArgumentError } from '../errors.js';

/** The marker a placeholder's parameter node carries until execution. @internal */
export class Placeholder {
  constructor(readonly name: string) {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('placeholder() needs a name', 'placeholder', name);
  }
  toString(): string {
    return `:${this.name}`;
  }
}

/**
 * A value named `name`, given when a prepared statement runs. Compared with a
 * column, it takes the column's type (and its value is checked against it).
 */
export function placeholder<T = unknown>(name: string, type?: SqlType<T>): Expression<T> {
  return new Expression<T>({ kind: 'param', value: new Placeholder(name), type }, type);
}
