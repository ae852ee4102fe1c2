/**
 * The ORM query's builder methods check their arguments as Core's do:
 * limit('5'), orderBy('name') or a lone surrogate in an attribute fail while
 * the query is built (or the attribute set), naming the method or the column,
 * before any SQL is sent.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { AthanorError, deleteFrom, insert, type Table } from '../../../src/index.js';
import { Model, database, mapped, type Database } from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';
import { musicTables } from './models.js';

const t = musicTables('qba_');

@mapped
class Artist extends Model(t.artist) {}

function code(e: unknown): string | undefined {
  return e instanceof AthanorError ? e.code : undefined;
}

forEachDialect('ORM query arguments', (ctx) => {
  let db: Database;
  let log: StatementLog;
  before(async () => {
    await ctx.engine.dropAll(t.all, { ifExists: true });
    await ctx.engine.createAll(t.all);
    for (const table of [t.artist] as Table[]) await ctx.engine.execute(deleteFrom(table));
    await ctx.engine.execute(insert(t.artist).values([{ id: 1, name: 'Queen' }, { id: 2, name: 'Bob Dylan' }, { id: 3, name: 'Nobody' }]));
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  it('limit() and offset() take non-negative integers; a bigint that fits is taken', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        for (const bad of ['5', '1; DROP TABLE t', null, 1.5, -1, NaN, 2n ** 60n]) {
          assert.throws(() => s.query(Artist).limit(bad as number), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /^limit\(\) takes a non-negative integer/.test((e as Error).message), String(bad));
          assert.throws(() => s.query(Artist).offset(bad as number), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /^offset\(\)/.test((e as Error).message), String(bad));
          assert.throws(() => s.query(Artist).select(t.artist.c.name).limit(bad as number), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT', String(bad));
        }
      }),
    );
    assert.equal(statements.length, 0);
    await db.session(async (s) => {
      const names = (await s.query(Artist).orderBy(t.artist.c.id).limit(2n).offset(1n).all()).map((a) => a.name);
      assert.deepEqual(names, ['Bob Dylan', 'Nobody']);
    });
  });

  it('orderBy(), where(), groupBy() and having() name the method and what they got', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        assert.throws(() => s.query(Artist).orderBy('name' as never), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /^orderBy\(\) takes columns.*got "name" \(a string\)/.test((e as Error).message));
        assert.throws(() => s.query(Artist).where('id = 1' as never), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /^where\(\) takes conditions/.test((e as Error).message));
        assert.throws(() => s.query(Artist).groupBy('name' as never), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /^groupBy\(\)/.test((e as Error).message));
        assert.throws(() => s.query(Artist).having(1 as never), (e: unknown) => code(e) === 'ATH_INVALID_ARGUMENT' && /^having\(\)/.test((e as Error).message));
      }),
    );
    assert.equal(statements.length, 0);
  });

  it('an attribute set to a string with a lone surrogate fails at once, naming the column', async () => {
    await db.session(async (s) => {
      const queen = await s.get(Artist, 1);
      assert.ok(queen);
      assert.throws(
        () => {
          queen.name = 'Que\uDC00en';
        },
        (e: unknown) => code(e) === 'ATH_INVALID_VALUE' && /qba_artist\.name \(text\) expects well-formed Unicode text/.test((e as Error).message),
      );
      assert.equal(queen.name, 'Queen');
    });
  });
});
