/**
 * The compiled-statement cache.
 *
 * Compiling is one cheap walk that writes the SQL text (under a microsecond
 * for a query by id). The earlier cache keyed by the statement's *shape*
 * needed a second, generic walk of the same tree to build its key and measured
 * 3 to 4 times slower than compiling (scripts/cache-bench.ts). A cache keyed
 * by statement object (WeakMap) was tried too: it makes recompiling the very
 * same object nearly free, but its insert taxes every new statement by about
 * as much as the compile itself, and applications build a new statement per
 * call. So statements are always compiled, and this cache only shares one
 * template per SQL text: its `columns` array is then the same object on every
 * execution, which lets the row shaper find its row builder by identity.
 */

import type { SelectItemNode } from '../sql/nodes.js';
import type { CompiledStatement } from './compiled.js';

export class StatementCache {
  enabled = true;
  /** Templates kept by SQL text; the oldest are dropped first. */
  maxEntries = 2000;
  private readonly bySql = new Map<string, CompiledStatement>();
  /** Statements whose SQL text (and output columns) were seen before. */
  hits = 0;
  misses = 0;

  /**
   * @internal The template compiled earlier to the same SQL with the same
   * output columns (names and types: two tables may share a name), if any.
   */
  shared(sql: string, items: readonly SelectItemNode[]): CompiledStatement | undefined {
    const template = this.bySql.get(sql);
    if (template && sameColumns(template, items)) {
      this.hits++;
      return template;
    }
    this.misses++;
    return undefined;
  }

  /** @internal Keep `compiled` as the template for its SQL text. */
  store(compiled: CompiledStatement): void {
    if (this.bySql.size >= this.maxEntries) {
      const oldest = this.bySql.keys().next().value;
      if (oldest !== undefined) this.bySql.delete(oldest);
    }
    this.bySql.set(compiled.sql, compiled);
  }

  clear(): void {
    this.bySql.clear();
    this.hits = 0;
    this.misses = 0;
  }

  get size(): number {
    return this.bySql.size;
  }
}

function sameColumns(template: CompiledStatement, items: readonly SelectItemNode[]): boolean {
  const columns = template.columns;
  if (columns.length !== items.length) return false;
  for (let i = 0; i < items.length; i++) {
    if (columns[i]!.name !== items[i]!.alias || columns[i]!.type !== items[i]!.type) return false;
  }
  return true;
}
