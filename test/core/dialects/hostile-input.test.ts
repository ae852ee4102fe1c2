/**
 * The hostile-input matrix: hostile values and hostile identifiers × every
 * Core API that takes a string × every database. Each cell either
 * round-trips (the exact value comes back, the right rows match) or fails
 * with a typed AthanorError before any SQL is sent: never a driver error,
 * never a value silently altered. Which cells must fail is written out below
 * (`valueFails`, `identifierFails`), so a cell that starts failing, or stops,
 * is a test failure. Each suite prints how many cells it tried.
 *
 * hostile-strings.test.ts keeps the hand-written cases (DDL literals, enum
 * values, server defaults); this file sweeps the combinations.
 *
 * Database differences the expectations encode rather than hide: MySQL's PAD
 * SPACE collations compare 'a' and 'a ' as equal (not in LIKE); SQLite's LIKE
 * folds ASCII case and stops at a NUL in the value; PostgreSQL cannot store
 * NUL in text, nor NUL or a lone surrogate in jsonb, nor MariaDB a lone
 * surrogate in JSON (SQLite keeps both in JSON text); MySQL identifiers hold
 * only BMP characters, names end without a space and aliases start without one.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AthanorError,
  escapeLikePattern,
  identifier,
  identity,
  insert,
  integer,
  json,
  select,
  sql,
  table,
  text,
  update,
  varchar,
} from '../../../src/core/index.js';
import { forEachDialect, type DialectContext } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const VALUES: readonly (readonly [string, string])[] = [
  ['single quote', "'"],
  ['doubled quotes', "''"],
  ['quote inside', "it's"],
  ['double quote', '"'],
  ['backtick', '`'],
  ['backslash', '\\'],
  ['two backslashes', '\\\\'],
  ['backslashes around', 'back\\slash\\'],
  ['backslash quote', "\\'"],
  ['backslash n as text', '\\n'],
  ['backslash zero as text', '\\0'],
  ['backslash percent', '\\%'],
  ['backslash underscore', '\\_'],
  ['NUL', '\0'],
  ['NUL inside', 'a\0b'],
  ['NUL at the end', 'ab\0'],
  ['lone high surrogate', '\uD800'],
  ['lone low surrogate', 'x\uDC00y'],
  ['pair reversed', '\uDE00\uD83D'],
  ['two high surrogates', '\uDBFF\uDBFF'],
  ['100,000 ASCII characters', 'x'.repeat(100_000)],
  ['20,000 emoji', '🎸'.repeat(20_000)],
  ['30,000 quotes and backslashes', `'\\"`.repeat(10_000)],
  ['emoji', '🎸'],
  ['ZWJ sequence', '👨‍👩‍👧'],
  ['flag sequence', '🏳️‍🌈'],
  ['40 emoji (80 UTF-16 units)', '🎸'.repeat(40)],
  ['65 emoji', '🎸'.repeat(65)],
  ['percent', '%'],
  ['underscore', '_'],
  ['two percents', '%%'],
  ['wildcards', '_%_'],
  ['100%', '100%'],
  ['a_b', 'a_b'],
  ['DROP TABLE', "'; DROP TABLE bhx_value; --"],
  ['OR 1=1', '" OR 1=1 --'],
  ['comment', '/* x */ --'],
  ['dollar placeholder', '$1'],
  ['question mark', '?'],
  ['named placeholder', ':name'],
  ['at placeholder', '@p1'],
  ['dollar quoting', '$$x$$'],
  ['E string', "E'\\x41'"],
  ['CRLF', '\r\n'],
  ['CR inside', 'a\rb'],
  ['LF inside', 'a\nb'],
  ['tab', '\t'],
  ['line separator', '\u2028'],
  ['é composed (NFC)', '\u00E9'],
  ['é decomposed (NFD)', 'e\u0301'],
  ['Angstrom sign', '\u212B'],
  ['A with ring', '\u00C5'],
  ['ligature fi', '\uFB01'],
  ['fullwidth A', '\uFF21'],
  ['number', '1'],
  ['leading zero', '01'],
  ['exponent', '1e3'],
  ['minus zero', '-0'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['hex', '0x10'],
  ['spaced number', ' 1 '],
  ['empty', ''],
  ['one space', ' '],
  ['trailing spaces', 'pad  '],
  ['mixed case', 'MiXeD'],
];

const IDENTIFIERS: readonly (readonly [string, string])[] = [
  ['quote', "it's"],
  ['double quotes', 'say "hi"'],
  ['backtick', 'back`tick'],
  ['backslash', 'back\\slash'],
  ['space inside', 'with space'],
  ['leading space', ' lead'],
  ['trailing space', 'trail '],
  ['reserved select', 'select'],
  ['reserved order', 'order'],
  ['reserved group', 'group'],
  ['reserved from', 'from'],
  ['reserved table', 'table'],
  ['reserved user', 'user'],
  ['accents', 'ünïcödé'],
  ['CJK', '中文列'],
  ['é composed', '\u00E9'],
  ['é decomposed', 'e\u0301'],
  ['emoji', '🎸'],
  ['dot', 'a.b'],
  ['SQL fragment', 'a; DROP --'],
  ['dollar placeholder', '$1'],
  ['question mark', '?'],
  ['named placeholder', ':name'],
  ['newline', 'a\nb'],
  ['wildcards', '100%_x'],
  ['70 ASCII characters', 'x'.repeat(70)],
  ['40 two-byte characters', 'ü'.repeat(40)],
  ['300 ASCII characters', 'y'.repeat(300)],
  ['empty', ''],
  ['NUL', 'a\0b'],
  ['lone surrogate', 'x\uD800'],
];

// ---------------------------------------------------------------------------
// What each database keeps, and so which cells must fail (before any SQL)

type Dialect = DialectContext['name'];

const wellFormed = (s: string): boolean => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
const codePoints = (s: string): number => [...s].length;
const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

type ValueApi =
  | 'insert text'
  | 'insert varchar(64)'
  | 'insert json'
  | 'update set'
  | 'where eq'
  | 'where in'
  | 'like, escaped'
  | 'like, as a pattern'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'icontains'
  | 'concat'
  | 'sql`` value'
  | 'sql`` comparison'
  | 'limit'
  | 'offset';

const PATTERN_APIS: ReadonlySet<ValueApi> = new Set(['like, escaped', 'like, as a pattern', 'contains', 'startsWith', 'endsWith', 'icontains']);

/** True where `api` must refuse `v` on `dialect` with a typed error. */
function valueFails(dialect: Dialect, api: ValueApi, v: string): boolean {
  if (api === 'limit' || api === 'offset') return true; // a count is a number, never a string
  const pg = dialect === 'postgres';
  // JSON escapes NUL and lone surrogates: jsonb refuses both, MariaDB's JSON_VALID lone surrogates, SQLite keeps them.
  if (api === 'insert json') return (pg && v.includes('\0')) || (dialect !== 'sqlite' && !wellFormed(v));
  if (!wellFormed(v)) return true;
  if (pg && v.includes('\0')) return true;
  if (api === 'insert varchar(64)') return codePoints(v) > 64;
  if (PATTERN_APIS.has(api)) {
    if (v.includes('\0')) return true; // SQLite's LIKE would stop at it
    if (api === 'like, as a pattern' && /(?:^|[^\\])(?:\\\\)*\\$/.test(v)) return true; // ends in a lone escape
    if (dialect === 'sqlite' && utf8(patternOf(api, v)) > 50_000) return true; // SQLITE_MAX_LIKE_PATTERN_LENGTH
  }
  return false;
}

/** The LIKE pattern a pattern API sends for `v`. */
function patternOf(api: ValueApi, v: string): string {
  switch (api) {
    case 'like, as a pattern':
      return v;
    case 'contains':
    case 'icontains':
      return `%${escapeLikePattern(v)}%`;
    case 'startsWith':
      return `${escapeLikePattern(v)}%`;
    case 'endsWith':
      return `%${escapeLikePattern(v)}`;
    default:
      return escapeLikePattern(v);
  }
}

/** True where `name` must be refused as a `kind` on `dialect`. */
function identifierFails(dialect: Dialect, kind: 'name' | 'alias', name: string): boolean {
  if (name === '' || name.includes('\0') || !wellFormed(name)) return true;
  if (dialect === 'postgres') return utf8(name) > 63;
  if (dialect === 'mysql') {
    if (/[\uD800-\uDFFF]/.test(name)) return true;
    if (kind === 'alias') return name.length > 256 || name.startsWith(' ');
    return name.length > 64 || name.endsWith(' ');
  }
  return false;
}

/**
 * A LIKE match as the database does it: backslash escapes the next character,
 * `%` matches any run and `_` one character (code point). A matcher rather
 * than a regular expression, which would be too large for the long values.
 */
function likeMatches(dialect: Dialect, value: string, pattern: string): boolean {
  type Token = { readonly any: true } | { readonly one: true } | { readonly char: string };
  const tokens: Token[] = [];
  const chars = [...(dialect === 'sqlite' ? foldAscii(pattern) : pattern)];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') tokens.push({ char: chars[++i] ?? '' });
    else if (c === '%') tokens.push({ any: true });
    else if (c === '_') tokens.push({ one: true });
    else tokens.push({ char: c });
  }
  let subject = value;
  if (dialect === 'sqlite') {
    const nul = subject.indexOf('\0');
    if (nul >= 0) subject = subject.slice(0, nul); // SQLite's LIKE reads the value up to its first NUL
    subject = foldAscii(subject);
  }
  const text = [...subject];
  // Greedy matching, backtracking to the last %: linear for the patterns here.
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const tok = tokens[p];
    if (tok && 'char' in tok && tok.char === text[t]) {
      t++;
      p++;
    } else if (tok && 'one' in tok) {
      t++;
      p++;
    } else if (tok && 'any' in tok) {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < tokens.length && 'any' in tokens[p]!) p++;
  return p === tokens.length;
}

function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** `=` as the database does it: MySQL's PAD SPACE collations ignore trailing spaces. */
function equals(dialect: Dialect, a: string, b: string): boolean {
  return dialect === 'mysql' ? a.replace(/ +$/, '') === b.replace(/ +$/, '') : a === b;
}

// ---------------------------------------------------------------------------

// JSON values are wrapped in an object: mysql2 parses MariaDB JSON columns itself, and a top-level JSON string would be parsed twice.
const value = table('bhx_value', { id: identity(), v: text(), vc: varchar(64), j: json<{ s: string }>(), n: integer() });
const target = table('bhx_update', { id: identity(), v: text() });

forEachDialect('hostile input matrix', (ctx) => {
  let log: StatementLog;
  const tally = { cells: 0, roundTrips: 0, typedErrors: 0 };
  /** What the value table holds, by id, as the databases must hold it. */
  const stored = new Map<number, string>();

  before(async () => {
    await ctx.engine.dropAll([value, target], { ifExists: true });
    await ctx.engine.createAll([value, target]);
    log = new StatementLog(ctx.engine);
  });
  after(async () => {
    console.log(
      `hostile input matrix [${ctx.name}]: ${tally.cells} cells tried: ${tally.roundTrips} round trips, ${tally.typedErrors} typed errors before any SQL`,
    );
    await ctx.engine.dropAll([value, target], { ifExists: true });
  });

  /**
   * One cell: `run` must throw a typed AthanorError before any statement is
   * sent when `fails`, and otherwise complete (its own assertions included).
   */
  async function cell(name: string, fails: boolean, run: () => Promise<unknown>): Promise<void> {
    tally.cells++;
    log.start();
    let error: unknown;
    try {
      await run();
    } catch (e) {
      error = e;
    }
    const sent = log.count;
    log.end();
    if (!fails) {
      if (error !== undefined) throw new Error(`${name}: expected a round trip, got ${String(error)}`, { cause: error });
      tally.roundTrips++;
      return;
    }
    assert.ok(error instanceof AthanorError, `${name}: expected a typed AthanorError, got ${error === undefined ? 'none' : String(error)}`);
    assert.ok(/^ATH_(INVALID_ARGUMENT|INVALID_VALUE|SCHEMA)$/.test(error.code), `${name}: ${error.code} ${error.message}`);
    assert.equal(sent, 0, `${name}: failed only after SQL was sent (${error.message})`);
    tally.typedErrors++;
  }

  const ids = async (where: Parameters<ReturnType<typeof select>['where']>[0]): Promise<number[]> =>
    (await ctx.engine.all(select(value.c.id).from(value).where(where).orderBy(value.c.id))).map((r) => r.id);
  const expected = (test: (s: string) => boolean): number[] => [...stored].filter(([, s]) => test(s)).map(([id]) => id);
  const show = (label: string) => JSON.stringify(label);

  it('writes each hostile value with INSERT and UPDATE and reads back exactly that value', async () => {
    for (const [label, v] of VALUES) {
      await cell(`insert text ${show(label)}`, valueFails(ctx.name, 'insert text', v), async () => {
        const { id } = await ctx.engine.one(insert(value).values({ v }).returning(value.c.id));
        stored.set(id, v);
        const back = await ctx.engine.one(select(value.c.v).from(value).where(value.c.id.eq(id)));
        assert.equal(back.v, v);
      });
      await cell(`insert varchar(64) ${show(label)}`, valueFails(ctx.name, 'insert varchar(64)', v), async () => {
        const { id } = await ctx.engine.one(insert(value).values({ vc: v, n: -1 }).returning(value.c.id));
        assert.equal((await ctx.engine.one(select(value.c.vc).from(value).where(value.c.id.eq(id)))).vc, v);
      });
      await cell(`insert json ${show(label)}`, valueFails(ctx.name, 'insert json', v), async () => {
        const { id } = await ctx.engine.one(insert(value).values({ j: { s: v }, n: -1 }).returning(value.c.id));
        const back = await ctx.engine.one(select(value.c.j).from(value).where(value.c.id.eq(id)));
        assert.deepEqual(back.j, { s: v });
      });
      const { id: seed } = await ctx.engine.one(insert(target).values({ v: 'seed' }).returning(target.c.id));
      await cell(`update set ${show(label)}`, valueFails(ctx.name, 'update set', v), async () => {
        const id = seed;
        await ctx.engine.execute(update(target).set({ v }).where(target.c.id.eq(id)));
        assert.equal((await ctx.engine.one(select(target.c.v).from(target).where(target.c.id.eq(id)))).v, v);
      });
    }
    // Rows written by the varchar and json cells hold no text value; they match nothing below.
    assert.ok(stored.size > 0);
  });

  it('finds the right rows for each hostile value: eq, in, LIKE and the literal matches', async () => {
    for (const [label, v] of VALUES) {
      await cell(`where eq ${show(label)}`, valueFails(ctx.name, 'where eq', v), async () => {
        assert.deepEqual(await ids(value.c.v.eq(v)), expected((s) => equals(ctx.name, s, v)));
      });
      await cell(`where in ${show(label)}`, valueFails(ctx.name, 'where in', v), async () => {
        assert.deepEqual(await ids(value.c.v.in([v, 'no such value'])), expected((s) => equals(ctx.name, s, v)));
      });
      const matches: [ValueApi, () => ReturnType<typeof value.c.v.like>][] = [
        ['like, escaped', () => value.c.v.like(escapeLikePattern(v))],
        ['like, as a pattern', () => value.c.v.like(v)],
        ['contains', () => value.c.v.contains(v)],
        ['startsWith', () => value.c.v.startsWith(v)],
        ['endsWith', () => value.c.v.endsWith(v)],
      ];
      for (const [api, predicate] of matches) {
        await cell(`${api} ${show(label)}`, valueFails(ctx.name, api, v), async () => {
          assert.deepEqual(await ids(predicate()), expected((s) => likeMatches(ctx.name, s, patternOf(api, v))));
        });
      }
      await cell(`icontains ${show(label)}`, valueFails(ctx.name, 'icontains', v), async () => {
        // Case folding beyond ASCII differs (SQLite's lower() folds ASCII only): the exact rows must be among the matches.
        const found = await ids(value.c.v.icontains(v));
        for (const id of expected((s) => s === v)) assert.ok(found.includes(id), `row ${id} holding the value itself`);
      });
    }
  });

  it('binds each hostile value in expressions and sql`` templates, and refuses it as a count', async () => {
    const { id: seed } = await ctx.engine.one(insert(target).values({ v: 'seed:' }).returning(target.c.id));
    for (const [label, v] of VALUES) {
      await cell(`concat ${show(label)}`, valueFails(ctx.name, 'concat', v), async () => {
        const row = await ctx.engine.one(select({ s: target.c.v.concat(v) }).from(target).where(target.c.id.eq(seed)));
        assert.equal(row.s, `seed:${v}`);
      });
      await cell(`sql\`\` value ${show(label)}`, valueFails(ctx.name, 'sql`` value', v), async () => {
        assert.deepEqual(await ctx.engine.all(sql<{ x: string }>`SELECT ${v} AS ${identifier('x')}`), [{ x: v }]);
      });
      await cell(`sql\`\` comparison ${show(label)}`, valueFails(ctx.name, 'sql`` comparison', v), async () => {
        const rows = await ctx.engine.all(
          sql<{ id: number }>`SELECT ${identifier('id')} FROM ${identifier(value.name)} WHERE ${identifier('v')} = ${v} ORDER BY ${identifier('id')}`,
        );
        assert.deepEqual(
          rows.map((r) => Number(r.id)),
          expected((s) => equals(ctx.name, s, v)),
        );
      });
      await cell(`limit ${show(label)}`, valueFails(ctx.name, 'limit', v), async () => ctx.engine.all(select(value.c.id).from(value).limit(v as never)));
      await cell(`offset ${show(label)}`, valueFails(ctx.name, 'offset', v), async () => ctx.engine.all(select(value.c.id).from(value).offset(v as never)));
    }
  });

  it('creates, fills, queries and drops tables and columns with hostile names', async () => {
    for (const [label, name] of IDENTIFIERS) {
      // The table name: made with table() (which refuses what no database can hold), then created by DDL.
      const tableFails = identifierFails(ctx.name, 'name', name);
      await cell(`table name ${show(label)}`, tableFails, async () => {
        const t = table(name, { pk: identity(), c: text() });
        await ctx.engine.dropAll([t], { ifExists: true });
        await ctx.engine.createAll([t]);
        try {
          await ctx.engine.execute(insert(t).values({ c: name }));
          await ctx.engine.execute(update(t).set({ c: `${name}!` }).where(t.c.c.eq(name)));
          assert.deepEqual(await ctx.engine.all(select(t.c.c).where(t.c.pk.ge(1))), [{ c: `${name}!` }]);
        } finally {
          await ctx.engine.dropAll([t]);
        }
      });
      await ctx.engine.execute(sql`DROP TABLE IF EXISTS ${identifier('bhx_column')}`);
      await cell(`column name ${show(label)}`, identifierFails(ctx.name, 'name', name), async () => {
        const t = table('bhx_column', { pk: identity(), c: text(name) });
        await ctx.engine.createAll([t]);
        try {
          await ctx.engine.execute(insert(t).values([{ c: 'a' }, { c: 'b' }]));
          await ctx.engine.execute(update(t).set({ c: 'B' }).where(t.c.c.eq('b')));
          assert.deepEqual(await ctx.engine.all(select(t.c.c).where(t.c.c.in(['a', 'B'])).orderBy(t.c.c.desc())), [{ c: 'a' }, { c: 'B' }]);
          // Selected under its own name (no alias): the row key is the column's key, the value intact.
          assert.deepEqual(await ctx.engine.all(sql<Record<string, string>>`SELECT ${identifier(name)} FROM ${identifier('bhx_column')} WHERE ${identifier('pk')} = 1`), [{ [name]: 'a' }]);
        } finally {
          await ctx.engine.dropAll([t]);
        }
      });
    }
  });

  it('names select items, orders by them, and names tables, derived tables and CTEs with hostile aliases', async () => {
    const { id } = await ctx.engine.one(insert(value).values({ v: 'aliased', n: 7 }).returning(value.c.id));
    const one = value.c.id.eq(id);
    for (const [label, name] of IDENTIFIERS) {
      const aliasFails = identifierFails(ctx.name, 'alias', name);
      const nameFails = identifierFails(ctx.name, 'name', name);
      await cell(`select alias ${show(label)}`, aliasFails, async () => {
        assert.deepEqual(await ctx.engine.all(select(value.c.v.as(name)).from(value).where(one)), [{ [name]: 'aliased' }]);
      });
      await cell(`object select key ${show(label)}`, aliasFails, async () => {
        assert.deepEqual(await ctx.engine.all(select({ [name]: value.c.n }).from(value).where(one)), [{ [name]: 7 }]);
      });
      await cell(`order by alias ${show(label)}`, aliasFails, async () => {
        const rows = await ctx.engine.all(select(value.c.n.as(name)).from(value).where(value.c.n.eq(7)).orderBy(sql`${identifier(name)}`));
        assert.deepEqual(rows, [{ [name]: 7 }]);
      });
      await cell(`identifier() alias in sql\`\` ${show(label)}`, aliasFails, async () => {
        assert.deepEqual(await ctx.engine.all(sql`SELECT ${value.c.n} AS ${identifier(name)} FROM ${identifier(value.name)} WHERE ${one}`), [{ [name]: 7 }]);
      });
      await cell(`table alias ${show(label)}`, nameFails, async () => {
        const a = value.as(name);
        assert.deepEqual(await ctx.engine.all(select(a.c.n).from(a).where(a.c.id.eq(id))), [{ n: 7 }]);
      });
      await cell(`derived table alias ${show(label)}`, nameFails, async () => {
        const d = select(value.c.n).from(value).where(one).as(name);
        assert.deepEqual(await ctx.engine.all(select(d.c.n).from(d)), [{ n: 7 }]);
      });
      await cell(`CTE name ${show(label)}`, nameFails, async () => {
        const c = select(value.c.n).from(value).where(one).cte(name);
        assert.deepEqual(await ctx.engine.all(select(c.c.n).with(c).from(c)), [{ n: 7 }]);
      });
    }
  });
});
