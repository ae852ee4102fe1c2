/**
 * Prepared statements: compiled once, run with named values, values checked
 * against the columns they are compared with, on every database.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { identity, insert, placeholder, select, table, text, update, integer, count } from '../../../src/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const person = table('prep_person', { id: identity(), name: text().notNull(), age: integer() });

forEachDialect('prepared statements', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([person], { ifExists: true });
    await ctx.engine.createAll([person]);
    await ctx.engine.execute(insert(person).values([{ name: 'Ada', age: 36 }, { name: "O'Brien", age: 50 }, { name: 'Linus', age: null }]));
  });

  it('compiles once and binds named values per run', async () => {
    const byName = ctx.engine.prepare(select(person.c.id, person.c.name, person.c.age).from(person).where(person.c.name.eq(placeholder('name'))));
    const log = new StatementLog(ctx.engine);
    const runs = await log.during(async () => {
      assert.deepEqual((await byName.one({ name: "O'Brien" })).age, 50);
      assert.equal((await byName.first({ name: 'nobody' })), undefined);
      assert.equal((await byName.all({ name: 'Ada' })).length, 1);
    });
    assert.equal(runs.length, 3);
    assert.equal(new Set(runs.map((r) => r.sql)).size, 1, 'the same SQL text every time');
    assert.deepEqual(runs.map((r) => r.parameters), [["O'Brien"], ['nobody'], ['Ada']]);
    const q = ctx.dialect.quoteIdentifier;
    assert.equal(byName.sqlFor(ctx.dialect).endsWith(`WHERE ${q('prep_person')}.${q('name')} = ${ctx.name === 'postgres' ? '$1' : '?'}`), true);
  });

  it('mixes fixed values and placeholders, and works for writes and aggregates', async () => {
    const older = ctx.engine.prepare(select({ n: count() }).from(person).where(person.c.age.gt(placeholder('min')), person.c.name.ne('Linus')));
    assert.equal(Number(await older.scalar({ min: 40 })), 1);
    assert.equal(Number(await older.scalar({ min: 10 })), 2);
    const rename = ctx.engine.prepare(update(person).set({ name: placeholder<string>('to') }).where(person.c.name.eq(placeholder('from'))));
    assert.equal((await rename.execute({ from: 'Ada', to: 'Ada Lovelace' })).rowCount, 1);
    assert.equal(await ctx.engine.scalar(select(person.c.name).from(person).where(person.c.age.eq(36))), 'Ada Lovelace');
  });

  it('names a missing or mistyped value before any SQL', async () => {
    const byAge = ctx.engine.prepare(select(person.c.id).from(person).where(person.c.age.eq(placeholder('age'))));
    await assert.rejects(byAge.all({}), /no value for placeholder "age"/);
    await assert.rejects(byAge.all({ age: 'old' }), /placeholder "age" expects an integer, got "old"/);
  });
});
