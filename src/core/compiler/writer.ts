/** The text and parameters of a statement being written. */

import type { ParamNode } from '../sql/nodes.js';
import type { FromScope } from './infer-from.js';

/** @internal Accumulates SQL text and the parameter nodes in placeholder order. */
export class SqlWriter {
  sql = '';
  /** DDL cannot bind parameters: values are written as literals instead. */
  inlineParams = false;
  /** DDL expressions (CHECK, partial index WHERE) name columns without their table. */
  unqualifiedColumns = false;
  /** Set when the statement would pass the bound-parameter limit: every IN list the dialect can bind whole is. */
  longInLists = false;
  readonly params: ParamNode[] = [];
  /** What the statements enclosing the one being written provide to it (innermost last), for correlation. */
  readonly scopes: FromScope[] = [];
  write(text: string): this {
    this.sql += text;
    return this;
  }
}
