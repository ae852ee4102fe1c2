/**
 * What a statement asks of each table it reads: the columns it compares for
 * equality (filters and join conditions), the columns it bounds (ranges), the
 * columns it sorts on, and the predicates that compare a column to a constant
 * (candidates for a partial index). Read from the SQL text, which is the same
 * for a recorded statement and a `pg_stat_statements` entry, on every dialect.
 *
 * ```ts
 * statementShape('SELECT * FROM "song" WHERE "song"."artist_id" = $1 ORDER BY "song"."title" LIMIT 10');
 * // { kind: 'select', tables: [{ table: 'song', alias: 'song', equality: ['artist_id'], range: [], order: [{ column: 'title', desc: false }], constants: [] }] }
 * ```
 * It reads what Athanor and most hand-written SQL produce: one SELECT (or an
 * UPDATE/DELETE) with FROM, JOIN ... ON, WHERE, ORDER BY. A disjunction (OR)
 * or a function around a column makes that part unusable for an index and it
 * is left out; a statement it cannot read yields no tables.
 *
 * @internal
 */

type TokenKind = 'ident' | 'quoted' | 'string' | 'number' | 'param' | 'op' | 'punct';
interface Token {
  readonly kind: TokenKind;
  /** For identifiers the name (unquoted); for keywords the upper-case word is in `upper`. */
  readonly value: string;
  readonly upper: string;
  /** The token as written. */
  readonly text: string;
}

/** A predicate comparing a column to a constant: `"deleted_at" IS NULL`, `"status" = 'open'`. */
export interface ConstantPredicate {
  readonly column: string;
  /** The predicate with the column unqualified, as SQL text (quoted with the statement's quote character). */
  readonly sql: string;
}

/** One table a statement reads, and what it asks of it. */
export interface TableUse {
  readonly table: string;
  /** The name the statement uses for it (its alias, else its name). */
  readonly alias: string;
  /** Columns compared with `=`, `IN`, `= ANY` to a parameter, or joined to another table's column. */
  readonly equality: readonly string[];
  /** Columns bounded with `<`, `<=`, `>`, `>=`, `BETWEEN`. */
  readonly range: readonly string[];
  /** ORDER BY columns of this table, in order (only while every ORDER BY item before them is a column of this table). */
  readonly order: readonly { readonly column: string; readonly desc: boolean }[];
  readonly constants: readonly ConstantPredicate[];
}

export interface StatementShapeInfo {
  readonly kind: 'select' | 'update' | 'delete' | 'other';
  readonly tables: readonly TableUse[];
}

const OPS = ['<=', '>=', '<>', '!=', '::', '||', '=', '<', '>', '+', '-', '*', '/', '%'];

function tokenize(sql: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, value: string, text: string) => out.push({ kind, value, upper: kind === 'ident' ? value.toUpperCase() : value, text });
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= sql.length) return undefined;
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            name += c;
            j += 2;
            continue;
          }
          break;
        }
        name += sql[j];
        j++;
      }
      push('quoted', name, sql.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) return undefined;
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      push('string', sql.slice(i + 1, j), sql.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === '?' || (c === '$' && /\d/.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < sql.length && /\d/.test(sql[j]!)) j++;
      push('param', sql.slice(i, j), sql.slice(i, j));
      i = j;
      continue;
    }
    if (/\d/.test(c)) {
      let j = i;
      while (j < sql.length && /[\d.eE]/.test(sql[j]!)) j++;
      push('number', sql.slice(i, j), sql.slice(i, j));
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < sql.length && /[\w$]/.test(sql[j]!)) j++;
      push('ident', sql.slice(i, j), sql.slice(i, j));
      i = j;
      continue;
    }
    const op = OPS.find((o) => sql.startsWith(o, i));
    if (op) {
      push('op', op, op);
      i += op.length;
      continue;
    }
    push('punct', c, c);
    i++;
  }
  return out;
}

const isWord = (t: Token | undefined, ...words: string[]) => t !== undefined && t.kind === 'ident' && words.includes(t.upper);

/** Indexes of tokens at parenthesis depth 0 that are one of `words`. */
function topLevel(tokens: readonly Token[], words: readonly string[]): number[] {
  const out: number[] = [];
  let depth = 0;
  tokens.forEach((t, i) => {
    if (t.kind === 'punct' && t.value === '(') depth++;
    else if (t.kind === 'punct' && t.value === ')') depth--;
    else if (depth === 0 && isWord(t, ...words)) out.push(i);
  });
  return out;
}

/** Split at depth-0 tokens matching `is`. */
function splitTop(tokens: readonly Token[], is: (t: Token, i: number) => boolean): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  tokens.forEach((t, i) => {
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')') depth--;
    if (depth === 0 && is(t, i)) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  });
  return parts;
}

const CLAUSES = ['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'FOR', 'UNION', 'EXCEPT', 'INTERSECT', 'RETURNING', 'SET', 'WINDOW'];

/** The tokens of one clause: from after `word` to the next clause keyword. */
function clause(tokens: readonly Token[], word: string, skip = 0): Token[] | undefined {
  const marks = topLevel(tokens, CLAUSES);
  const start = marks.find((i) => tokens[i]!.upper === word);
  if (start === undefined) return undefined;
  const end = marks.find((i) => i > start) ?? tokens.length;
  return tokens.slice(start + 1 + skip, end);
}

interface Ref {
  table: string;
  alias: string;
  equality: string[];
  range: string[];
  order: { column: string; desc: boolean }[];
  constants: ConstantPredicate[];
}

/** A column reference: `"t"."c"`, `t.c`, `c`, `s.t.c`; undefined when the tokens are anything else. */
function columnRef(tokens: readonly Token[]): { qualifier: string | undefined; column: string } | undefined {
  const names: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (i % 2 === 1) {
      if (!(t.kind === 'punct' && t.value === '.')) return undefined;
      continue;
    }
    if (t.kind !== 'quoted' && t.kind !== 'ident') return undefined;
    if (t.kind === 'ident' && ['NULL', 'TRUE', 'FALSE', 'NOT', 'AND', 'OR', 'CURRENT_DATE', 'CURRENT_TIMESTAMP'].includes(t.upper)) return undefined;
    names.push(t.value);
  }
  if (names.length === 0 || names.length > 3 || tokens.length % 2 === 0) return undefined;
  return { qualifier: names.length > 1 ? names[names.length - 2] : undefined, column: names[names.length - 1]! };
}

/** A constant operand: a literal, possibly cast (`'x'`, `5`, `TRUE`, `'2020-01-01'::date`). */
function isConstant(tokens: readonly Token[]): boolean {
  if (tokens.length === 0) return false;
  const [first, ...rest] = tokens;
  const literal = first!.kind === 'string' || first!.kind === 'number' || isWord(first, 'TRUE', 'FALSE');
  if (!literal) return false;
  if (rest.length === 0) return true;
  return rest[0]!.kind === 'op' && rest[0]!.value === '::' && rest.slice(1).every((t) => t.kind === 'ident' || t.kind === 'quoted' || (t.kind === 'punct' && '()'.includes(t.value)) || t.kind === 'number');
}

/** A bound value: a parameter or a list of them (`$1`, `?`, `($1, $2)`, `ANY($1::int[])`), possibly cast. */
function isParameter(tokens: readonly Token[]): boolean {
  const bare = tokens.filter((t) => !(t.kind === 'op' && t.value === '::'));
  return bare.some((t) => t.kind === 'param') && bare.every((t) => t.kind === 'param' || t.kind === 'ident' || t.kind === 'number' || (t.kind === 'punct' && '(),[]'.includes(t.value)));
}

const FLIP: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=' };

interface Resolver {
  (ref: { qualifier: string | undefined; column: string }): Ref | undefined;
}

/** One conjunct of a WHERE or ON clause. */
function conjunct(tokens: readonly Token[], resolve: Resolver, quote: string): void {
  if (tokens.length === 0) return;
  // A parenthesised group without OR is a list of conjuncts.
  if (tokens[0]!.value === '(' && tokens[tokens.length - 1]!.value === ')' && matching(tokens, 0) === tokens.length - 1) {
    const inner = tokens.slice(1, -1);
    if (topLevel(inner, ['OR']).length === 0) for (const part of conjuncts(inner)) conjunct(part, resolve, quote);
    return;
  }
  if (topLevel(tokens, ['OR']).length > 0) return;
  const q = (name: string) => `${quote}${name.split(quote).join(quote + quote)}${quote}`;
  // column IS [NOT] NULL
  const isAt = tokens.findIndex((t) => isWord(t, 'IS'));
  if (isAt > 0) {
    const col = columnRef(tokens.slice(0, isAt));
    const rest = tokens.slice(isAt + 1);
    const ref = col && resolve(col);
    if (ref && col && rest.every((t) => isWord(t, 'NOT', 'NULL')) && isWord(rest[rest.length - 1], 'NULL')) {
      ref.constants.push({ column: col.column, sql: `${q(col.column)} IS ${rest.map((t) => t.upper).join(' ')}` });
    }
    return;
  }
  // column [NOT] IN (...)
  const inAt = tokens.findIndex((t) => isWord(t, 'IN'));
  if (inAt > 0) {
    if (isWord(tokens[inAt - 1], 'NOT')) return;
    const col = columnRef(tokens.slice(0, inAt));
    const ref = col && resolve(col);
    if (ref && col) add(ref.equality, col.column);
    return;
  }
  // column BETWEEN a AND b (the AND was not split: see conjuncts)
  const betweenAt = tokens.findIndex((t) => isWord(t, 'BETWEEN'));
  if (betweenAt > 0) {
    const col = columnRef(tokens.slice(0, betweenAt));
    const ref = col && resolve(col);
    if (ref && col && !isWord(tokens[betweenAt - 1], 'NOT')) add(ref.range, col.column);
    return;
  }
  const opAt = tokens.findIndex((t) => t.kind === 'op' && t.value in FLIP);
  if (opAt <= 0) return;
  const op = tokens[opAt]!.value;
  const left = tokens.slice(0, opAt);
  const right = tokens.slice(opAt + 1);
  const lcol = columnRef(left);
  const rcol = columnRef(right);
  // a join condition: each side is a column of another table
  if (lcol && rcol) {
    const l = resolve(lcol);
    const r = resolve(rcol);
    if (op === '=' && l && r && l !== r) {
      add(l.equality, lcol.column);
      add(r.equality, rcol.column);
    }
    return;
  }
  const [col, operand, theOp] = lcol ? [lcol, right, op] : rcol ? [rcol, left, FLIP[op]!] : [undefined, [], op];
  if (!col) return;
  const ref = resolve(col);
  if (!ref) return;
  const anyList = isWord(operand[0], 'ANY') && theOp === '=';
  if (isConstant(operand) && theOp === '=') {
    ref.constants.push({ column: col.column, sql: `${q(col.column)} = ${operand.map((t) => t.text).join('')}` });
  } else if (isParameter(operand) || anyList || isConstant(operand)) {
    add(theOp === '=' ? ref.equality : ref.range, col.column);
  }
}

function add(list: string[], column: string): void {
  if (!list.includes(column)) list.push(column);
}

function matching(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.value === '(' && tokens[i]!.kind === 'punct') depth++;
    if (tokens[i]!.value === ')' && tokens[i]!.kind === 'punct' && --depth === 0) return i;
  }
  return -1;
}

/** Split a condition at its top-level ANDs, keeping `BETWEEN a AND b` together. */
function conjuncts(tokens: readonly Token[]): Token[][] {
  let between = false;
  return splitTop(tokens, (t) => {
    if (isWord(t, 'BETWEEN')) between = true;
    if (isWord(t, 'AND')) {
      if (between) {
        between = false;
        return false;
      }
      return true;
    }
    return false;
  });
}

/** `"t" AS "a"`, `t a`, `"s"."t"`: the table and its alias; undefined for a subquery or function. */
function tableRef(tokens: readonly Token[]): { table: string; alias: string } | undefined {
  const asAt = tokens.findIndex((t) => isWord(t, 'AS'));
  const nameTokens = asAt >= 0 ? tokens.slice(0, asAt) : tokens.length >= 2 && tokens[tokens.length - 2]!.value !== '.' && tokens.length !== 1 ? tokens.slice(0, -1) : tokens;
  const aliasToken = asAt >= 0 ? tokens[asAt + 1] : nameTokens.length < tokens.length ? tokens[tokens.length - 1] : undefined;
  const name = columnRef(nameTokens);
  if (!name) return undefined;
  const alias = aliasToken && (aliasToken.kind === 'quoted' || aliasToken.kind === 'ident') ? aliasToken.value : name.column;
  return { table: name.column, alias };
}

const JOIN_WORDS = ['JOIN', 'LEFT', 'RIGHT', 'INNER', 'OUTER', 'CROSS', 'FULL', 'NATURAL', 'STRAIGHT_JOIN'];

/**
 * The tables a statement reads and what it asks of each (see the module comment).
 *
 * @param columnsOf the columns of a table, when known, to place unqualified columns of a join.
 */
export function statementShape(sql: string, columnsOf: (table: string) => readonly string[] | undefined = () => undefined): StatementShapeInfo {
  const tokens = tokenize(sql);
  if (!tokens || tokens.length === 0) return { kind: 'other', tables: [] };
  const first = tokens[0]!.upper;
  const kind = first === 'SELECT' ? 'select' : first === 'UPDATE' ? 'update' : first === 'DELETE' ? 'delete' : 'other';
  if (kind === 'other') return { kind, tables: [] };
  const quote = tokens.find((t) => t.kind === 'quoted')?.text[0] ?? '"';
  const refs: Ref[] = [];
  const onClauses: Token[][] = [];
  const fromTokens = kind === 'update' ? tokens.slice(1, topLevel(tokens, ['SET'])[0] ?? tokens.length) : clause(tokens, 'FROM');
  if (!fromTokens) return { kind, tables: [] };
  // FROM a [AS x] [, b] [LEFT JOIN c ON ...]*
  let current: Token[] = [];
  let inOn = false;
  const flushRef = () => {
    if (current.length === 0) return;
    if (inOn) onClauses.push(current);
    else {
      const r = tableRef(current);
      if (r) refs.push({ ...r, equality: [], range: [], order: [], constants: [] });
    }
    current = [];
  };
  let depth = 0;
  for (const t of fromTokens) {
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')') depth--;
    if (depth === 0 && (isWord(t, ...JOIN_WORDS) || (t.kind === 'punct' && t.value === ','))) {
      flushRef();
      inOn = false;
      continue;
    }
    if (depth === 0 && isWord(t, 'ON')) {
      flushRef();
      inOn = true;
      continue;
    }
    if (depth === 0 && isWord(t, 'USING')) return { kind, tables: [] };
    current.push(t);
  }
  flushRef();
  if (refs.length === 0) return { kind, tables: [] };
  const resolve: Resolver = (c) => {
    if (c.qualifier !== undefined) return refs.find((r) => r.alias === c.qualifier) ?? refs.find((r) => r.table === c.qualifier);
    if (refs.length === 1) return refs[0];
    const owners = refs.filter((r) => columnsOf(r.table)?.includes(c.column));
    return owners.length === 1 ? owners[0] : undefined;
  };
  for (const on of onClauses) for (const part of conjuncts(on)) conjunct(part, resolve, quote);
  const where = clause(tokens, 'WHERE');
  if (where) for (const part of conjuncts(where)) conjunct(part, resolve, quote);
  const order = clause(tokens, 'ORDER', 1);
  if (order) {
    let owner: Ref | undefined;
    for (const item of splitTop(order, (t) => t.kind === 'punct' && t.value === ',')) {
      const desc = item.some((t) => isWord(t, 'DESC'));
      const colTokens = item.filter((t) => !isWord(t, 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST'));
      const col = columnRef(colTokens);
      const ref = col && resolve(col);
      if (!ref || !col || (owner && owner !== ref)) break;
      owner = ref;
      ref.order.push({ column: col.column, desc });
    }
  }
  return { kind, tables: refs.map((r) => ({ table: r.table, alias: r.alias, equality: r.equality, range: r.range, order: r.order, constants: r.constants })) };
}
