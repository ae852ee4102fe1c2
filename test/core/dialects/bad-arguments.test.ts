/**
 * Arguments of the wrong kind fail while the statement is built, on every
 * database, with a typed AthanorError that names the method and what it got:
 * never an internal TypeError, never a server that casts `LIMIT '1; ...'` to
 * 1, never a string silently stored with U+FFFD in place of a lone surrogate.
 * Errors are checked by their stable `code`, so the checks read the same
 * whatever class carries it.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AthanorError,
  and,
  caseWhen,
  count,
  deleteFrom,
  fn,
  identifier,
  identity,
  insert,
  integer,
  lower,
  not,
  rowNumber,
  select,
  sql,
  table,
  text,
  union,
  update,
  varchar,
  type Predicate,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const item = table('bba_item', {
  id: identity(),
  name: text(),
  code: varchar(20),
  n: integer(),
});
const other = table('bba_other', { id: identity(), itemId: integer('item_id') });

/** The error `build` throws: an AthanorError with `code` whose message matches every pattern. */
function fails(build: () => unknown, code: string, ...patterns: RegExp[]): AthanorError {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof AthanorError, `expected an AthanorError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  assert.equal((error as { code: string }).code, code, error.message);
  for (const p of patterns) assert.match(error.message, p);
  return error;
}

const ARGUMENT = 'ATH_INVALID_ARGUMENT';
const VALUE = 'ATH_INVALID_VALUE';

forEachDialect('bad arguments fail before any SQL', (ctx) => {
  let log: StatementLog;
  before(async () => {
    await ctx.engine.dropAll([item, other], { ifExists: true });
    await ctx.engine.createAll([item, other]);
    await ctx.engine.execute(insert(item).values([1, 2, 3, 4, 5].map((n) => ({ name: `item ${n}`, n }))));
    log = new StatementLog(ctx.engine).start();
  });
  after(async () => {
    log.end();
    await ctx.engine.dropAll([item, other], { ifExists: true });
  });

  /** Build (and, were it to build, run) a statement: nothing may reach the database. */
  async function rejected(build: () => unknown, code: string, ...patterns: RegExp[]): Promise<void> {
    log.start();
    fails(() => build(), code, ...patterns);
    assert.equal(log.count, 0, `no statement ran: ${log.sql.join('; ')}`);
  }

  it('limit() and offset() take non-negative integers only, naming the method and the value', async () => {
    const bad: [unknown, RegExp][] = [
      ['5', /got "5" \(a string\)/],
      ['1; DROP TABLE t', /got "1; DROP TABLE t" \(a string\)/],
      [null, /got null/],
      [1.5, /got 1\.5 \(a number\)/],
      [-1, /got -1 \(a number\)/],
      [NaN, /got NaN \(a number\)/],
      [Infinity, /got Infinity/],
      [1e300, /no larger than 2\^53 - 1/],
      [-1n, /got -1n \(a bigint\)/],
      [2n ** 60n, /no larger than 2\^53 - 1.*got 1152921504606846976n/],
      [{ valueOf: () => 1 }, /an object/],
    ];
    for (const [value, pattern] of bad) {
      for (const method of ['limit', 'offset'] as const) {
        await rejected(() => select(item.c.id).from(item)[method](value as number), ARGUMENT, new RegExp(`^${method}\\(\\) takes a non-negative integer`), pattern);
        await rejected(() => union(select(item.c.id).from(item), select(item.c.id).from(item))[method](value as number), ARGUMENT, pattern);
      }
    }
    const e = fails(() => select(item.c.id).from(item).limit('10' as never), ARGUMENT);
    assert.equal((e as unknown as { method: string }).method, 'limit');
    assert.equal((e as unknown as { value: unknown }).value, '10');
  });

  it('a bigint count that fits a safe integer is taken, as the same number', async () => {
    const q = select(item.c.n).from(item).orderBy(item.c.n).limit(2n).offset(1n);
    assert.deepEqual(ctx.dialect.compile(q.node).parameters, [2, 1]);
    assert.deepEqual(await ctx.engine.all(q), [{ n: 2 }, { n: 3 }]);
    assert.deepEqual(await ctx.engine.all(select(item.c.n).from(item).orderBy(item.c.n).limit(0)), []);
  });

  it('orderBy(), groupBy(), where() and having() say what to pass instead of failing inside the compiler', async () => {
    await rejected(
      () => select(item.c.id).from(item).orderBy('name' as never),
      ARGUMENT,
      /^orderBy\(\) takes columns, expressions, asc\(col\)\/desc\(col\) \(or col\.asc\(\)\/col\.desc\(\)\) or sql`\.\.\.`, got "name" \(a string\)/,
      /identifier\("name"\)/,
    );
    await rejected(() => select(item.c.id).from(item).orderBy(undefined as never), ARGUMENT, /orderBy\(\).*got undefined/);
    await rejected(() => select(item.c.id).from(item).orderBy({ column: 'id', direction: 'desc' } as never), ARGUMENT, /orderBy\(\).*\(an object\)/);
    await rejected(() => select(item.c.id).from(item).groupBy('id' as never), ARGUMENT, /^groupBy\(\) takes columns or SQL expressions, got "id" \(a string\)/);
    await rejected(() => select(item.c.id).from(item).where('id = 1' as never), ARGUMENT, /^where\(\) takes conditions such as .*, got "id = 1" \(a string\)/);
    await rejected(() => select(item.c.id).from(item).where(true as never), ARGUMENT, /where\(\).*got true \(a boolean\)/);
    await rejected(() => select(item.c.id).from(item).having(null as never), ARGUMENT, /^having\(\) takes conditions.*got null/);
    await rejected(() => update(item).set({ n: 1 }).where('id = 1' as never), ARGUMENT, /^where\(\)/);
    await rejected(() => deleteFrom(item).where({ id: 1 } as never), ARGUMENT, /^where\(\).*\{"id":1\} \(an object\)/);
    await rejected(() => select(item.c.id).from(item).where(and(item.c.id.eq(1), 'x' as never)), ARGUMENT, /^and\(\) takes conditions/);
    await rejected(() => select(item.c.id).from(item).where(not('x' as never)), ARGUMENT, /^not\(\) takes a condition, got "x"/);
  });

  it('select lists, FROM items and joins refuse what they cannot use', async () => {
    await rejected(() => select('id' as never).from(item), ARGUMENT, /^select\(\) takes columns, tables, expr\.as\("name"\), or one object \{ name: expr \}, got "id" \(a string\)/);
    await rejected(() => select(1 as never).from(item), ARGUMENT, /^select\(\) takes .*, got 1 \(a number\)/);
    await rejected(() => select(null as never).from(item), ARGUMENT, /^select\(\) takes .*, got null/);
    await rejected(() => select({ total: 'count(*)' } as never).from(item), ARGUMENT, /^select\(\): item "total" must be an SQL expression, got "count\(\*\)" \(a string\)/);
    await rejected(() => select({ '': item.c.id }).from(item), ARGUMENT, /^select\(\): a name must not be empty/);
    await rejected(() => select(item.c.id.as(5 as never)).from(item), ARGUMENT, /^as\(\): a name must be a string, got 5 \(a number\)/);
    await rejected(() => select(item.c.id).from('bba_item' as never), ARGUMENT, /^from\(\) takes tables, .*, got "bba_item" \(a string\) \(declare the table with table\(\)/);
    await rejected(() => select(item.c.id).from(item).join('bba_other' as never, other.c.itemId.eq(item.c.id)), ARGUMENT, /^join\(\) takes tables/);
    // A missing or wrong ON is refused: without it the join would be a cross join.
    await rejected(() => select(item.c.id).from(item).leftJoin(other, 'bba_other.item_id = bba_item.id' as never), ARGUMENT, /^leftJoin\(\) takes a target and an ON condition/);
    await rejected(() => select(item.c.id).from(item).join(other, undefined as never), ARGUMENT, /^join\(\) takes a target and an ON condition.*got undefined/);
    await rejected(() => union(select(item.c.id).from(item), 'SELECT 1' as never), ARGUMENT, /^union\(\) takes select statements, got "SELECT 1"/);
    await rejected(() => select(item.c.id).from(item).with('x' as never), ARGUMENT, /^with\(\) takes CTEs/);
    await rejected(() => select(item.c.id).from(item).as(''), ARGUMENT, /^as\(\): a name must not be empty/);
  });

  it('set(), values() and returning() take objects of column values', async () => {
    await rejected(() => update(item).set(null as never), ARGUMENT, /^set\(\) on "bba_item" takes an object of column values such as \{ id: \.\.\. \}, got null/);
    await rejected(() => update(item).set('n = 1' as never), ARGUMENT, /^set\(\) .*got "n = 1" \(a string\)/);
    await rejected(() => update(item).set([{ n: 1 }] as never), ARGUMENT, /^set\(\) .*\(an array\)/);
    await rejected(() => insert(item).values(null as never), ARGUMENT, /^values\(\) on "bba_item" takes an object of column values/);
    await rejected(() => insert(item).values([{ n: 1 }, null] as never), ARGUMENT, /^values\(\).*got null/);
    await rejected(() => insert(item).values('x' as never), ARGUMENT, /^values\(\).*got "x" \(a string\)/);
    await rejected(() => insert(item).values({ n: 1 }).returning('id' as never), ARGUMENT, /^returning\(\) takes columns/);
    // An UPDATE with nothing to set fails before any SQL (it compiled to "UPDATE t SET WHERE ...").
    log.start();
    fails(() => ctx.dialect.compile(update(item).where(item.c.id.eq(1)).node), ARGUMENT, /update "bba_item": nothing to set/);
    await assert.rejects(ctx.engine.execute(update(item).set({}).where(item.c.id.eq(1))), (e: unknown) => (e as { code?: string }).code === ARGUMENT);
    assert.equal(log.count, 0);
  });

  it('expression operands and function arguments of the wrong kind', async () => {
    await rejected(() => item.c.id.in('1,2' as never), ARGUMENT, /^in\(\) takes an array of values or a subquery, got "1,2" \(a string\)/);
    await rejected(() => item.c.id.notIn(3 as never), ARGUMENT, /^notIn\(\) takes an array/);
    await rejected(() => lower(item.c.name).eq((() => 'x') as never), ARGUMENT, /^eq\(\): function .* is not an SQL value/);
    // A query where a value belongs: the message says how to make it a scalar subquery.
    const q = select(item.c.name).from(item).limit(1);
    await rejected(() => lower(item.c.name).eq(q as never), ARGUMENT, /^eq\(\): .* is not an SQL value of type text: use query\.scalar\(\)/);
    await rejected(() => count('id' as never), ARGUMENT, /^count\(\) takes columns or SQL expressions, got "id"/);
    await rejected(() => lower('NAME' as never), ARGUMENT, /^lower\(\) takes columns or SQL expressions, got "NAME"/);
    await rejected(() => fn('upper(x); DROP', []), ARGUMENT, /^fn\(\): a function name must be a plain identifier/);
    await rejected(() => caseWhen([['x' as unknown as Predicate, 1]]), ARGUMENT, /^caseWhen\(\) takes \[condition, value\] pairs, got "x"/);
    await rejected(() => rowNumber().over({ partitionBy: ['n' as never] }), ARGUMENT, /^over\(\) takes columns or SQL expressions, got "n"/);
    await rejected(() => identifier(''), ARGUMENT, /^identifier\(\) needs non-empty strings: a name must not be empty/);
    await rejected(() => item.c.name.eq(undefined as never), ARGUMENT, /undefined is not an SQL value: use null for NULL/);
    await rejected(() => sql`SELECT ${undefined}`, ARGUMENT, /sql``: value 1: an interpolated value is undefined/);
  });

  it('a lone surrogate is refused, naming the column, or the method and the position', async () => {
    const lone = 'x\uD800y';
    const column = /bba_item\.name \(text\) expects well-formed Unicode text \(a lone surrogate \\uD800 at index 1, which every database would store as U\+FFFD\), got "x\\ud800y"/;
    const e = fails(() => insert(item).values({ name: lone }), VALUE, column) as unknown as { table: string; column: string };
    assert.equal(e.table, 'bba_item');
    assert.equal(e.column, 'name');
    await rejected(() => insert(item).values([{ name: 'fine' }, { name: '\uDC00' }]), VALUE, /bba_item\.name .* \\uDC00 at index 0/);
    await rejected(() => update(item).set({ name: lone }), VALUE, column);
    await rejected(() => update(item).set({ code: lone }), VALUE, /bba_item\.code \(varchar\(20\)\) expects well-formed Unicode text/);
    await rejected(() => select(item.c.id).from(item).where(item.c.name.eq(lone)), VALUE, /bba_item\.name \(text\) is compared with "x\\ud800y", but expects well-formed Unicode text/);
    await rejected(() => select(item.c.id).from(item).where(item.c.name.in(['ok', lone])), VALUE, /bba_item\.name \(text\) is compared with/);
    await rejected(() => select(item.c.id).from(item).where(item.c.name.like(`${lone}%`)), ARGUMENT, /^like\(\): the string "x\\ud800y%" is not well-formed Unicode text \(a lone surrogate \\uD800 at index 1/);
    await rejected(() => select(item.c.id).from(item).where(lower(item.c.name).eq(lone)), ARGUMENT, /^eq\(\): the string "x\\ud800y" is not well-formed/);
    await rejected(() => select({ s: item.c.name.concat(lone) }).from(item), ARGUMENT, /^concat\(\): the string/);
    await rejected(() => select({ s: fn<string>('upper', [lone]) }).from(item), ARGUMENT, /^fn\(\): the string/);
    await rejected(() => sql`SELECT ${'fine'}, ${lone}`, ARGUMENT, /^sql``: value 2: the string "x\\ud800y" is not well-formed/);
    await rejected(() => sql.join(['a', '\uDFFF']), ARGUMENT, /^sql\.join\(\): item 2: the string/);
    fails(() => table('bba_\uD800', { id: identity() }), 'ATH_SCHEMA', /^table\(\): a name must be well-formed Unicode text/);
    fails(() => table('bba_t', { id: identity(), v: text('v\uDBFF') }), 'ATH_SCHEMA', /^table "bba_t", column "v": a name must be well-formed/);
    fails(() => item.as('a\uD800'), ARGUMENT, /^as\(\): a name must be well-formed/);
    fails(() => select(item.c.id.as('id\uDC00')), ARGUMENT, /^as\(\): a name must be well-formed/);
    fails(() => identifier('x\uD800'), ARGUMENT, /^identifier\(\).*well-formed/);
    // Surrogate pairs are well-formed: an emoji round-trips.
    log.start();
    await ctx.engine.execute(insert(item).values({ name: '🎸 x\uD83D\uDE00y' }));
    assert.deepEqual(await ctx.engine.all(select(item.c.name).from(item).where(item.c.name.eq('🎸 x😀y'))), [{ name: '🎸 x😀y' }]);
    await ctx.engine.execute(deleteFrom(item).where(item.c.name.eq('🎸 x😀y')));
  });
});
