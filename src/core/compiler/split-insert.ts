/**
 * Splitting a multi-row INSERT into statements a database accepts.
 *
 * Two limits apply: the number of bound parameters per statement (SQLite
 * 32766, PostgreSQL and MySQL 65535), and, on databases without `DEFAULT`
 * inside VALUES (SQLite), rows that leave different columns to the database
 * cannot share a statement. Rows keep their order within each group so
 * RETURNING maps back to them.
 */

import type { DialectCapabilities } from '../dialects/dialect.js';
import type { ExprNode, InsertNode } from '../sql/nodes.js';

function isDefault(n: ExprNode): boolean {
  return n.kind === 'keyword' && n.keyword === 'DEFAULT';
}

function countParams(row: readonly ExprNode[]): number {
  let n = 0;
  for (const v of row) if (v.kind === 'param') n++;
  return n;
}

/** @internal */
export function splitInsert(node: InsertNode, caps: DialectCapabilities): InsertNode[] {
  const groups: InsertNode[] = [];
  if (!caps.defaultInValues && node.rows.some((r) => r.some(isDefault))) {
    // Group rows by the set of columns they leave to DEFAULT, dropping those columns.
    const byPattern = new Map<string, { keep: number[]; rows: ExprNode[][] }>();
    for (const row of node.rows) {
      let pattern = '';
      for (const v of row) pattern += isDefault(v) ? 'D' : '.';
      let g = byPattern.get(pattern);
      if (!g) {
        const keep: number[] = [];
        row.forEach((v, i) => {
          if (!isDefault(v)) keep.push(i);
        });
        g = { keep, rows: [] };
        byPattern.set(pattern, g);
      }
      g.rows.push(g.keep.map((i) => row[i]!));
    }
    for (const g of byPattern.values()) {
      groups.push({ ...node, columns: g.keep.map((i) => node.columns[i]!), rows: g.rows });
    }
  } else {
    groups.push(node);
  }
  const out: InsertNode[] = [];
  const limit = caps.maxBindParameters;
  for (const g of groups) {
    let start = 0;
    let params = 0;
    for (let i = 0; i < g.rows.length; i++) {
      const p = countParams(g.rows[i]!);
      if (params + p > limit && i > start) {
        out.push({ ...g, rows: g.rows.slice(start, i) });
        start = i;
        params = 0;
      }
      params += p;
    }
    out.push(start === 0 ? g : { ...g, rows: g.rows.slice(start) });
  }
  return out;
}
