/**
 * IN and NOT IN lists of any length, as one statement with SQL's meaning: past
 * every database's bound-parameter limit, with NULLs among the values, for
 * every column type, as row values, and in UPDATE and DELETE. The rows each
 * list should match are worked out here with SQL's three-valued logic (and, for
 * collations, from the same list written short), never taken from the database.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
  bigint,
  deleteFrom,
  identity,
  insert,
  integer,
  param,
  select,
  sql,
  table,
  text,
  tuple,
  update,
  type Dialect,
  type Expression,
  type Predicate,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { everyColumnType } from '../../fixtures/music.js';

/** Past SQLite's 32,766 and the 65,535 of PostgreSQL's and MySQL's wire protocols. */
const LONG = 70_000;
const LONGER = 200_000;

const nums = table('bil_nums', {
  id: identity(),
  n: integer(),
  s: text(),
});

const pairs = table('bil_pairs', {
  id: identity(),
  a: integer(),
  b: text(),
});

const every = table('bil_every', { ...everyColumnType(), big: bigint('big', 'bigint') });

/** Created by hand: its text column compares case-insensitively (Athanor's DDL writes no collation). */
const folded = table('bil_folded', {
  id: integer().primaryKey(),
  s: text(),
});

/** Every character that has broken an SQL builder somewhere (lone surrogates are refused before SQL: see hostile-input). */
const HOSTILE = [
  `'"\`\\;\n$1?ü✓`,
  "'; DROP TABLE students; --",
  'back\\slash\\',
  '\\',
  "''",
  '"quoted"',
  '$1 $2 ?? ? :name @p1',
  'line\nbreak\r\ntab\t\u0001',
  '🎸 ünïcödé Ωµ 中文',
  '',
  'null',
  '[1, 2]',
];

type Value = number | string | null;

/** SQL's `v IN (list)`: true, false, or NULL (unknown). */
function sqlIn(v: Value, list: ReadonlySet<Value>): boolean | null {
  if (v === null) return null;
  if (list.has(v)) return true;
  return list.has(null) ? null : false;
}

/** A string as the database holds it: UTF-8 has no lone surrogates, drivers send U+FFFD for them. */
function stored(v: Value): Value {
  return typeof v === 'string' ? Buffer.from(v).toString() : v;
}

/** Ids of the rows where `IN` (or `NOT IN`) is true. */
function expectedIds(rows: readonly { id: number; v: Value }[], list: readonly Value[], negated: boolean): number[] {
  const set = new Set(list.map(stored));
  return rows.filter((r) => (negated ? sqlIn(r.v, set) === false : sqlIn(r.v, set) === true)).map((r) => r.id);
}

function sorted(ids: readonly number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

forEachDialect('IN lists of any length', (ctx) => {
  const tables = [nums, pairs, every];
  let numRows: { id: number; n: number | null; s: string | null }[] = [];

  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    const values = Array.from({ length: 400 }, (_, i) => ({
      n: i % 37 === 5 ? null : i * 3,
      s: i % 41 === 7 ? null : i < HOSTILE.length ? HOSTILE[i]! : `s${i * 3}`,
    }));
    await ctx.engine.execute(insert(nums).values(values));
    numRows = await ctx.engine.all(select(nums.c.id, nums.c.n, nums.c.s).from(nums).orderBy(nums.c.id));
  });
  after(async () => ctx.engine.dropAll(tables, { ifExists: true }));

  async function ids(where: Predicate): Promise<number[]> {
    const rows = await ctx.engine.all(select(nums.c.id).from(nums).where(where).orderBy(nums.c.id));
    return rows.map((r) => r.id);
  }
  const byN = () => numRows.map((r) => ({ id: r.id, v: r.n }));
  const byS = () => numRows.map((r) => ({ id: r.id, v: r.s }));

  for (const size of [LONG, LONGER]) {
    it(`${size.toLocaleString('en')} integers: IN and NOT IN`, async () => {
      // Every even number: half the rows' values, then far past them.
      const list = Array.from({ length: size }, (_, i) => i * 2);
      assert.deepEqual(await ids(nums.c.n.in(list)), expectedIds(byN(), list, false));
      assert.deepEqual(await ids(nums.c.n.notIn(list)), expectedIds(byN(), list, true));
    });

    it(`${size.toLocaleString('en')} strings, hostile ones among them: IN and NOT IN`, async () => {
      const list = [...HOSTILE.slice(0, 6), ...Array.from({ length: size - 6 }, (_, i) => `s${i * 2}`)];
      assert.deepEqual(await ids(nums.c.s.in(list)), expectedIds(byS(), list, false));
      assert.deepEqual(await ids(nums.c.s.notIn(list)), expectedIds(byS(), list, true));
    });
  }

  describe('NULL among the values', () => {
    const cases: [string, Value[]][] = [
      ['short', [3, null, 9]],
      ['medium', [...Array.from({ length: 30 }, (_, i) => i * 6), null]],
      ['long', [null, ...Array.from({ length: LONG }, (_, i) => i * 6)]],
      ['long, NULL last', [...Array.from({ length: LONG }, (_, i) => i * 6), null]],
    ];
    for (const [label, list] of cases) {
      it(`${label} (${list.length.toLocaleString('en')} values): IN is true for the values only, NOT IN never`, async () => {
        const inIds = await ids(nums.c.n.in(list as (number | null)[]));
        assert.ok(inIds.length > 0);
        assert.deepEqual(inIds, expectedIds(byN(), list, false));
        assert.deepEqual(await ids(nums.c.n.notIn(list as (number | null)[])), []);
      });
    }

    it('a long list of nothing but NULL matches no row, in or not in', async () => {
      const list = Array.from({ length: LONG }, () => null);
      assert.deepEqual(await ids(nums.c.n.in(list)), []);
      assert.deepEqual(await ids(nums.c.n.notIn(list)), []);
    });

    it('NOT IN without NULL leaves out the rows whose value is NULL', async () => {
      for (const list of [[3, 9], Array.from({ length: 30 }, (_, i) => i * 6), Array.from({ length: LONG }, (_, i) => i * 6)]) {
        const notIn = await ids(nums.c.n.notIn(list));
        assert.deepEqual(notIn, expectedIds(byN(), list, true));
        assert.ok(!notIn.some((id) => numRows.find((r) => r.id === id)!.n === null));
      }
    });

    it('strings, long, with NULL', async () => {
      const list = [...HOSTILE, null, ...Array.from({ length: LONG }, (_, i) => `s${i * 2}`)];
      assert.deepEqual(await ids(nums.c.s.in(list)), expectedIds(byS(), list, false));
      assert.deepEqual(await ids(nums.c.s.notIn(list)), []);
    });
  });

  describe('every column type in a long list', () => {
    type Every = typeof every;
    type Key = Exclude<keyof Every['c'], 'id'>;
    const rows = [
      {
        i: 2147483647, si: -32768, bi: 9007199254740991, t: 'a longer text\nwith a newline', vc: 'x'.repeat(20), b: true,
        r: 1.5, d: 0.1 + 0.2, n: '12345678901234.5678', dt: '2024-02-29', ts: new Date('2024-02-29T23:59:58.123Z'),
        tstz: new Date('1969-07-20T20:17:40.001Z'), j: { a: 1, tags: ['x', 'y'] }, u: '123e4567-e89b-12d3-a456-426614174000',
        bl: new Uint8Array([0, 1, 127, 128, 255]), e: 'green' as const, big: 9007199254740993n,
      },
      {
        i: -2147483648, si: 32767, bi: -9007199254740991, t: '', vc: 'varchar', b: false, r: -0.25, d: -1e-300,
        n: '-0.0001', dt: '1900-01-01', ts: new Date('2000-01-01T00:00:00.000Z'), tstz: new Date('2038-01-19T03:14:08.999Z'),
        j: [1, 2, 3], u: '00000000-0000-0000-0000-000000000000', bl: new Uint8Array([]), e: 'blue' as const,
        big: -9223372036854775808n,
      },
      {
        i: 0, si: 0, bi: 0, t: HOSTILE[0]!, vc: "'; --", b: true, r: 3.75, d: 1e300, n: '1.5000', dt: '2000-02-29',
        ts: new Date('2024-01-01T12:00:00.500Z'), tstz: new Date('2024-01-01T12:00:00.500Z'), j: { a: 2, tags: [] },
        u: 'ffffffff-ffff-4fff-bfff-ffffffffffff', bl: new Uint8Array([0]), e: 'red' as const, big: 9223372036854775807n,
      },
      {},
    ];
    /** Values of each type that no row holds, to lengthen the lists. */
    const filler: Record<Key, (i: number) => unknown> = {
      i: (i) => 1_000_000 + i,
      si: (i) => 1000 + (i % 30_000),
      bi: (i) => 1e12 + i,
      t: (i) => `filler ${i}`,
      vc: (i) => `f${i}`,
      b: () => true,
      r: (i) => 1e6 + i,
      d: (i) => i + 0.5,
      n: (i) => `${i}.0001`,
      dt: (i) => new Date(Date.UTC(3000, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      ts: (i) => new Date(Date.UTC(2100, 0, 1) + i * 1000),
      tstz: (i) => new Date(Date.UTC(2100, 0, 1) + i * 1000),
      j: (i) => [i],
      u: (i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      bl: (i) => new Uint8Array([1, 2, i & 255, (i >> 8) & 255, i >> 16]),
      e: () => 'green',
      big: (i) => 10n ** 15n + BigInt(i),
    };
    /** A value as something `===` compares: instants, bytes and JSON by content. */
    function same(v: unknown): unknown {
      if (v === null || v === undefined) return null;
      if (v instanceof Date) return v.getTime();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      if (typeof v === 'object') return JSON.stringify(v);
      if (typeof v === 'bigint') return `${v}n`;
      return v;
    }
    let stored: Record<string, unknown>[] = [];

    before(async () => {
      await ctx.engine.execute(insert(every).values(rows));
      stored = await ctx.engine.all(select(every).from(every).orderBy(every.c.id));
    });

    for (const key of Object.keys(filler) as Key[]) {
      it(`${key}: the rows whose value is listed, and those whose value is not, read back intact`, async () => {
        const column = every.c[key] as unknown as Expression<unknown>;
        // The first two rows' values (the second row's listed once more), then fillers.
        const inserted = rows.map((r) => (r as Record<string, unknown>)[key] ?? null);
        const list = [inserted[0], inserted[1], inserted[1], ...Array.from({ length: LONG }, (_, i) => filler[key](i))];
        const listed = new Set(list.map(same));
        // Rows in insertion order; values compared as inserted (SQLite reads bigints past 2^53 back rounded).
        const matching = stored.filter((_, k) => inserted[k] !== null && listed.has(same(inserted[k])));
        const others = stored.filter((_, k) => inserted[k] !== null && !listed.has(same(inserted[k])));
        const found = await ctx.engine.all(select(every).from(every).where(column.in(list)).orderBy(every.c.id));
        assert.deepEqual(found.map((r) => r.id), matching.map((r) => r.id));
        assert.deepEqual(found.map((r) => same(r[key])), matching.map((r) => same(r[key])));
        const notFound = await ctx.engine.all(select(every.c.id).from(every).where(column.notIn(list)).orderBy(every.c.id));
        assert.deepEqual(notFound.map((r) => r.id), others.map((r) => r.id));
      });
    }

    it("a long numeric list matches no value rounded to the column's scale", async () => {
      const list = ['1.50001', '12345678901234.56781', ...Array.from({ length: LONG }, (_, i) => `${i}.0001`)];
      assert.deepEqual(await ctx.engine.all(select(every.c.id).from(every).where(every.c.n.in(list))), []);
    });
  });

  it("a long list of text compares with the column's collation, as a short one does", async () => {
    const q = (name: string) => ctx.dialect.quoteIdentifier(name);
    const collate = { sqlite: 'COLLATE NOCASE', mysql: 'COLLATE utf8mb4_general_ci', postgres: `COLLATE ${q('bil_folding')}` }[ctx.name];
    await ctx.engine.execute(raw(`DROP TABLE IF EXISTS ${q('bil_folded')}`));
    if (ctx.name === 'postgres') {
      await ctx.engine.execute(raw(`DROP COLLATION IF EXISTS ${q('bil_folding')}`));
      await ctx.engine.execute(raw(`CREATE COLLATION ${q('bil_folding')} (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`));
    }
    const tail = ctx.name === 'mysql' ? ' DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
    await ctx.engine.execute(raw(`CREATE TABLE ${q('bil_folded')} (${q('id')} INTEGER PRIMARY KEY, ${q('s')} VARCHAR(50) ${collate})${tail}`));
    try {
      await ctx.engine.execute(insert(folded).values([{ id: 1, s: 'Alpha' }, { id: 2, s: 'beta' }, { id: 3, s: 'gamma' }]));
      const find = async (list: string[], negated = false) =>
        (await ctx.engine.all(select(folded.c.id).from(folded).where(negated ? folded.c.s.notIn(list) : folded.c.s.in(list)).orderBy(folded.c.id))).map((r) => r.id);
      const short = ['ALPHA', 'Beta'];
      assert.deepEqual(await find(short), [1, 2], 'the short list folds case');
      const long = [...short, ...Array.from({ length: LONG }, (_, i) => `filler ${i}`)];
      assert.deepEqual(await find(long), [1, 2]);
      assert.deepEqual(await find(long, true), [3]);
    } finally {
      await ctx.engine.execute(raw(`DROP TABLE IF EXISTS ${q('bil_folded')}`));
      if (ctx.name === 'postgres') await ctx.engine.execute(raw(`DROP COLLATION IF EXISTS ${q('bil_folding')}`));
    }
  });

  describe('row values: (a, b) IN ((..), (..))', () => {
    let pairRows: { id: number; a: number | null; b: string | null }[] = [];
    before(async () => {
      const values = Array.from({ length: 300 }, (_, i) => ({ a: i % 53 === 4 ? null : i % 20, b: i % 47 === 3 ? null : `b${i}` }));
      await ctx.engine.execute(insert(pairs).values(values));
      pairRows = await ctx.engine.all(select(pairs.c.id, pairs.c.a, pairs.c.b).from(pairs).orderBy(pairs.c.id));
    });

    type Pair = [number | null, string | null];
    const equal = (x: unknown, y: unknown): boolean | null => (x === null || y === null ? null : x === y);
    /** SQL's `(a, b) IN (...)` over rows of two values. */
    function pairIn(row: Pair, list: readonly Pair[]): boolean | null {
      let unknown = false;
      for (const item of list) {
        const first = equal(row[0], item[0]);
        const second = equal(row[1], item[1]);
        if (first === false || second === false) continue;
        if (first === true && second === true) return true;
        unknown = true;
      }
      return unknown ? null : false;
    }
    function expectedPairs(list: readonly Pair[], negated: boolean): number[] {
      // Two non-NULL rows are equal or not, never unknown: only items holding a NULL need pairIn for such a row.
      const exact = new Set(list.filter(([a, b]) => a !== null && b !== null).map(([a, b]) => `${a}|${b}`));
      const withNull = list.filter(([a, b]) => a === null || b === null);
      return pairRows
        .filter((r) => {
          const row: Pair = [r.a, r.b];
          const result = r.a === null || r.b === null ? pairIn(row, list) : exact.has(`${r.a}|${r.b}`) || pairIn(row, withNull);
          return negated ? result === false : result === true;
        })
        .map((r) => r.id);
    }
    const predicate = (list: readonly Pair[], negated: boolean): Predicate => {
      const items = list.map(([a, b]) => tuple(param(a, pairs.c.a.sqlType), param(b, pairs.c.b.sqlType)));
      const operand = tuple(pairs.c.a, pairs.c.b);
      return negated ? operand.notIn(items) : operand.in(items);
    };
    async function pairIds(list: readonly Pair[], negated: boolean): Promise<number[]> {
      return (await ctx.engine.all(select(pairs.c.id).from(pairs).where(predicate(list, negated)).orderBy(pairs.c.id))).map((r) => r.id);
    }
    const longPairs = (n: number): Pair[] => Array.from({ length: n }, (_, i) => [i % 25, `b${i}`]);

    // 2,000: past SQLite's expression depth as ORs; 20,000: past PostgreSQL's stack depth as ORs, under its parameter limit.
    for (const n of [3, 2_000, 20_000, LONG]) {
      it(`${n.toLocaleString('en')} pairs: IN and NOT IN`, async () => {
        const list = longPairs(n);
        const inIds = await pairIds(list, false);
        assert.ok(inIds.length > 0);
        assert.deepEqual(inIds, expectedPairs(list, false));
        assert.deepEqual(await pairIds(list, true), expectedPairs(list, true));
      });
    }

    it('pairs holding NULL, short and long', async () => {
      for (const list of [[[1, null], [2, 'b2'], [null, 'b5']] as Pair[], [[1, null], ...longPairs(LONG), [null, 'b5']] as Pair[]]) {
        assert.deepEqual(await pairIds(list, false), expectedPairs(list, false));
        assert.deepEqual(await pairIds(list, true), expectedPairs(list, true));
      }
    });
  });

  describe('in UPDATE and DELETE', () => {
    it('updates and deletes the rows a long list names, and only those', async () => {
      const list = [null, ...Array.from({ length: LONG }, (_, i) => i * 6)];
      const named = expectedIds(byN(), list, false);
      const updated = await ctx.engine.execute(update(nums).set({ s: 'touched' }).where(nums.c.n.in(list)));
      assert.equal(updated.rowCount, named.length);
      assert.deepEqual(await ids(nums.c.s.eq('touched')), named);
      const kept = Array.from({ length: LONG }, (_, i) => i * 2);
      const doomed = expectedIds(byN(), kept, true);
      const deleted = await ctx.engine.execute(deleteFrom(nums).where(nums.c.n.notIn(kept)));
      assert.equal(deleted.rowCount, doomed.length);
      const left = await ids(nums.c.id.ge(0));
      assert.deepEqual(left, sorted(numRows.map((r) => r.id).filter((id) => !doomed.includes(id))));
      const gone = await ctx.engine.execute(deleteFrom(nums).where(nums.c.id.in([...left, ...Array.from({ length: LONG }, (_, i) => -1 - i)])));
      assert.equal(gone.rowCount, left.length);
    });
  });
});

function raw(text: string) {
  return sql(Object.assign([text], { raw: [text] }) as TemplateStringsArray);
}

describe('IN list SQL', () => {
  const dialects: Record<string, Dialect> = {
    sqlite: new SqliteDialect(),
    postgres: new PostgresDialect(),
    mysql: new MysqlDialect(),
  };
  const compile = (d: Dialect, where: Predicate) => d.compile(select(nums.c.id).from(nums).where(where).node);

  it('keeps one placeholder per value while the statement stays under the limit', () => {
    for (const [name, d] of Object.entries(dialects)) {
      const compiled = compile(d, nums.c.n.in([1, 2, 3]));
      assert.equal(compiled.parameters.length, 3, name);
      if (name !== 'postgres') assert.match(compiled.sql, /IN \(\?, \?, \?\)$/, name);
    }
  });

  it('binds a list past the limit as one parameter', () => {
    const list = Array.from({ length: LONG }, (_, i) => i);
    const expected: Record<string, string> = {
      sqlite: 'SELECT "bil_nums"."id" FROM "bil_nums" WHERE "bil_nums"."n" IN (SELECT value FROM json_each(?))',
      postgres: 'SELECT "bil_nums"."id" FROM "bil_nums" WHERE "bil_nums"."n" = ANY($1::INTEGER[])',
      mysql:
        'SELECT `bil_nums`.`id` FROM `bil_nums` WHERE `bil_nums`.`n` IN (SELECT `d`.`c0` FROM (SELECT DISTINCT `v`.`c0` AS `c0` ' +
        "FROM JSON_TABLE(?, '$[*]' COLUMNS (`c0` BIGINT PATH '$' ERROR ON ERROR)) AS `v`) AS `d`)",
    };
    for (const [name, d] of Object.entries(dialects)) {
      const compiled = compile(d, nums.c.n.in(list));
      assert.equal(compiled.sql, expected[name], name);
      assert.equal(compiled.parameters.length, 1, name);
    }
  });
});
