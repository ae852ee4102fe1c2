/**
 * LIKE patterns mean the same on every database: `%` and `_` are wildcards and
 * backslash (or the escape character named) makes the next character literal,
 * because every LIKE carries an explicit ESCAPE (SQLite has no default escape
 * character, PostgreSQL and MySQL default to backslash). contains(),
 * startsWith() and endsWith() match text literally, whatever it holds.
 * Case sensitivity stays each database's: SQLite folds ASCII case in LIKE, so
 * there 'a%b' patterns also match the row 'A%B' (the others compare case on
 * the binary collations Athanor creates).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AthanorError,
  IntegrityError,
  check,
  identity,
  insert,
  placeholder,
  select,
  table,
  text,
  type Predicate,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';

const word = table('blk_word', { id: identity(), w: text().notNull() });

const checked = table('blk_checked', { id: identity(), label: text().notNull() }, (c) => [
  // A literal percent sign is refused: the pattern is inlined into DDL with its ESCAPE clause.
  check('blk_no_percent', c.label.notLike('%\\%%')),
]);

const WORDS = ['a\\b', 'a%b', 'a_b', 'axb', 'A%B', '100%', '100', "it's", 'back\\', '\\\\', 'x!y', 'x!!y', '%_\\', 'ü%ö'];

function code(e: unknown): string | undefined {
  return e instanceof AthanorError ? e.code : undefined;
}

forEachDialect('LIKE patterns and literal matches', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([word, checked], { ifExists: true });
    await ctx.engine.createAll([word, checked]);
    await ctx.engine.execute(insert(word).values(WORDS.map((w) => ({ w }))));
  });
  after(async () => ctx.engine.dropAll([word, checked], { ifExists: true }));

  /** `rows` in table order, plus the rows equal to one of them but for ASCII case where LIKE folds it (SQLite). */
  const folded = (...rows: string[]): string[] =>
    WORDS.filter((w) => rows.includes(w) || (ctx.name === 'sqlite' && rows.some((r) => r.toLowerCase() === w.toLowerCase())));

  async function matching(p: Predicate): Promise<string[]> {
    const rows = await ctx.engine.all(select(word.c.w).from(word).where(p).orderBy(word.c.id));
    return rows.map((r) => r.w);
  }

  it('a backslash escapes %, _ and itself on every database', async () => {
    assert.deepEqual(await matching(word.c.w.like('a\\%b')), folded('a%b'));
    assert.deepEqual(await matching(word.c.w.like('a\\_b')), ['a_b']);
    assert.deepEqual(await matching(word.c.w.like('a\\\\b')), ['a\\b']);
    assert.deepEqual(await matching(word.c.w.like('back\\\\')), ['back\\']);
    assert.deepEqual(await matching(word.c.w.like('\\\\\\\\')), ['\\\\']);
    // Unescaped, they are wildcards.
    assert.deepEqual(await matching(word.c.w.like('a_b')), folded('a\\b', 'a%b', 'a_b', 'axb'));
    assert.deepEqual(await matching(word.c.w.notLike('%\\%%')), WORDS.filter((w) => !w.includes('%')));
    assert.deepEqual(await matching(word.c.w.notLike('a\\%b')), WORDS.filter((w) => w !== 'a%b' && (w !== 'A%B' || ctx.name !== 'sqlite')));
    assert.deepEqual(await matching(word.c.w.like('ü\\%ö')), ['ü%ö']);
  });

  it('another escape character on request, and a placeholder pattern follows the same rules', async () => {
    assert.deepEqual(await matching(word.c.w.like('a!%b', { escape: '!' })), folded('a%b'));
    // With '!' as the escape character, a backslash is an ordinary character.
    assert.deepEqual(await matching(word.c.w.like('a\\b', { escape: '!' })), ['a\\b']);
    assert.deepEqual(await matching(word.c.w.like('x!!y', { escape: '!' })), ['x!y']);
    assert.deepEqual(await matching(word.c.w.like("it''s", { escape: "'" })), ["it's"]);
    const byPattern = ctx.engine.prepare(select(word.c.w).from(word).where(word.c.w.like(placeholder('p'))).orderBy(word.c.id));
    assert.deepEqual((await byPattern.all({ p: '100\\%' })).map((r) => r.w), ['100%']);
    assert.deepEqual((await byPattern.all({ p: '100%' })).map((r) => r.w), ['100%', '100']);
  });

  it('contains(), startsWith() and endsWith() match the text literally', async () => {
    assert.deepEqual(await matching(word.c.w.contains('%')), ['a%b', 'A%B', '100%', '%_\\', 'ü%ö']);
    assert.deepEqual(await matching(word.c.w.contains('_')), ['a_b', '%_\\']);
    assert.deepEqual(await matching(word.c.w.contains('\\')), ['a\\b', 'back\\', '\\\\', '%_\\']);
    assert.deepEqual(await matching(word.c.w.contains("'")), ["it's"]);
    assert.deepEqual(await matching(word.c.w.startsWith('100%')), ['100%']);
    assert.deepEqual(await matching(word.c.w.startsWith('%_')), ['%_\\']);
    assert.deepEqual(await matching(word.c.w.endsWith('\\')), ['back\\', '\\\\', '%_\\']);
    assert.deepEqual(await matching(word.c.w.endsWith('%')), ['100%']);
    assert.deepEqual(await matching(word.c.w.contains('!!', { escape: '!' })), ['x!!y']);
    assert.deepEqual(await matching(word.c.w.contains('')), WORDS);
  });

  it('the case-insensitive forms match literally and ignore case', async () => {
    assert.deepEqual(await matching(word.c.w.icontains('A%b')), ['a%b', 'A%B']);
    assert.deepEqual(await matching(word.c.w.istartsWith('A\\')), ['a\\b']);
    assert.deepEqual(await matching(word.c.w.iendsWith('%B')), ['a%b', 'A%B']);
    assert.deepEqual(await matching(word.c.w.ilike('a\\%B')), ['a%b', 'A%B']);
  });

  it('a pattern ending in a lone escape character, or a bad escape option, fails before any SQL', () => {
    // PostgreSQL refuses such a pattern, SQLite matches nothing and MySQL matches a backslash: refused everywhere.
    assert.throws(() => word.c.w.like('back\\'), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /like\(\): the pattern "back\\\\" ends with the escape character/.test((e as Error).message));
    assert.throws(() => word.c.w.like('x!', { escape: '!' }), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT');
    for (const escape of ['', 'ab', '%', '_', 'e', 'É', 5]) {
      assert.throws(
        () => word.c.w.like('x', { escape: escape as string }),
        (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /like\(\): the escape character must be one character other than %, _ or a letter/.test((e as Error).message),
        String(escape),
      );
    }
    assert.throws(() => word.c.w.contains(5 as never), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /contains\(\) takes a string to match literally, got 5 \(a number\)/.test((e as Error).message));
    assert.throws(() => word.c.w.startsWith(word.c.w as never), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /for a pattern or an expression use like\(\)/.test((e as Error).message));
  });

  it('a LIKE in a CHECK constraint keeps its ESCAPE clause', async () => {
    await ctx.engine.execute(insert(checked).values({ label: 'a\\b_c' }));
    await assert.rejects(ctx.engine.execute(insert(checked).values({ label: '50%' })), IntegrityError);
  });
});
