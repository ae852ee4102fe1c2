/**
 * A Core write that is the unit of work's last: `s.execute(stmt, { commit: true })` and `s.upsert(..., { commit: true })`
 * commit the session right after the statement, and when it is the only write (nothing pending, nothing written
 * earlier in the transaction, no transaction options, not joined to an outer transaction) and one INSERT, UPDATE or
 * DELETE, it goes alone: no BEGIN, no COMMIT. Without the option a Core write opens the session's transaction, as
 * before. The full statement sequence, transaction control included, is pinned on every database; failures must
 * raise and write nothing.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError, count, identity, insert, select, sql, table, text, update } from '../../src/index.js';
import { Model, database, mapped, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { Author, createHookTables, emptyHookTables, resetHooks } from '../fixtures/hook-models.js';
import { Artist, Tag, artistTable, createOrmTables, emptyOrmTables, tagTable } from '../fixtures/orm-models.js';

/** Two unique keys and a value: an upsert by one may meet a conflict on the other (MySQL's ON DUPLICATE KEY takes any). */
const codeTable = table('orm_lone_code', { id: identity(), code: text().notNull().unique(), note: text() });
@mapped
class Code extends Model(codeTable) {}

forEachDialect('a lone Core write commits alone', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createOrmTables(ctx.engine);
    await createHookTables(ctx.engine);
    await ctx.engine.dropAll([codeTable], { ifExists: true });
    await ctx.engine.createAll([codeTable]);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(async () => {
    await emptyOrmTables(ctx.engine);
    await emptyHookTables(ctx.engine);
    resetHooks();
  });

  /** Every statement, transaction control as its keyword (BEGIN, COMMIT, SAVEPOINT …), data statements as their verb. */
  async function sequence(fn: () => Promise<unknown>): Promise<string[]> {
    log.start();
    try {
      await fn();
    } finally {
      log.end();
    }
    // MariaDB opens with START TRANSACTION, SQLite with BEGIN IMMEDIATE.
    return log.all.map((s) => s.sql.split(/\s/)[0]!.toUpperCase().replace('START', 'BEGIN'));
  }

  const rows = async (t: typeof artistTable | typeof tagTable): Promise<number> =>
    Number((await ctx.engine.execute(select({ n: count() }).from(t))).rows[0]!.n);

  /** An upsert's statements: its INSERT, and on MySQL/MariaDB (no RETURNING for an insert) the SELECT reading the rows back. */
  const upsertStatements = (): string[] => (ctx.dialect.capabilities.returning.insert ? ['INSERT'] : ['INSERT', 'SELECT']);
  /**
   * An upsert with { commit: true } and nothing else to write: its one statement alone; on MySQL/MariaDB in the
   * transaction, since ON DUPLICATE KEY may update a row of another unique key, and the check that every row came back
   * must be able to roll the write back.
   */
  const upsertCommitted = (): string[] => (ctx.dialect.capabilities.upsertConflictTarget ? ['INSERT'] : ['BEGIN', ...upsertStatements(), 'COMMIT']);

  it('without { commit: true } a Core write opens the transaction, as before', async () => {
    const seq = await sequence(() => db.session(async (s) => {
      await s.execute(insert(tagTable).values({ label: 'rock' }));
    }));
    assert.deepEqual(seq, ['BEGIN', 'INSERT', 'COMMIT']);
    const upserted = await sequence(() => db.session(async (s) => {
      await s.upsert(Tag, [{ label: 'jazz' }], { on: [Tag.label] });
    }));
    assert.deepEqual(upserted, ['BEGIN', ...upsertStatements(), 'COMMIT']);
  });

  it('s.execute(insert | update | delete, { commit: true }) alone is one statement, and it lands', async () => {
    const inserted = await sequence(() => db.session(async (s) => {
      const r = await s.execute(insert(tagTable).values({ label: 'rock' }), { commit: true });
      assert.equal(r.rowCount, 1);
    }));
    assert.deepEqual(inserted, ['INSERT']);
    assert.equal(await rows(tagTable), 1);

    const updated = await sequence(() => db.session((s) => s.execute(update(tagTable).set({ label: 'roll' }).where(tagTable.c.label.eq('rock')), { commit: true })));
    assert.deepEqual(updated, ['UPDATE']);
    const labels = (await ctx.engine.execute(select({ label: tagTable.c.label }).from(tagTable))).rows.map((r) => r.label);
    assert.deepEqual(labels, ['roll']);

    // An open session, not a callback: the call commits; commit() and close() after it send nothing.
    const s = db.openSession();
    try {
      const seq = await sequence(async () => {
        await s.execute(insert(tagTable).values({ label: 'pop' }), { commit: true });
        await s.commit();
      });
      assert.deepEqual(seq, ['INSERT']);
    } finally {
      await s.close();
    }
    assert.equal(await rows(tagTable), 2);
  });

  it('s.upsert(..., { commit: true }) is the same statements for 10 rows as for 10,000: one alone where the conflict target is honoured', async () => {
    const sequences: string[][] = [];
    for (const n of [10, 10_000]) {
      await emptyOrmTables(ctx.engine);
      // Half of them exist already.
      await ctx.engine.execute(insert(tagTable).values(Array.from({ length: n / 2 }, (_, i) => ({ label: `t${i}` }))));
      const given = Array.from({ length: n }, (_, i) => ({ label: `t${i}` }));
      let returned = 0;
      sequences.push(await sequence(() => db.session(async (s) => {
        returned = (await s.upsert(Tag, given, { on: [Tag.label], commit: true })).length;
      })));
      assert.equal(returned, n);
      assert.equal(await rows(tagTable), n);
    }
    assert.deepEqual(sequences[0], upsertCommitted());
    assert.deepEqual(sequences[1], sequences[0], 'as many statements at N=10,000 as at N=10');
  });

  it('keeps the transaction when the write is not alone: changes pending, an earlier write, transaction options, opted out', async () => {
    const pending = await sequence(() => db.session(async (s) => {
      s.add(new Artist({ name: 'Queen' }));
      await s.upsert(Tag, [{ label: 'rock' }], { on: [Tag.label], commit: true });
    }));
    // The pending artist is flushed first, in the transaction the upsert then joins.
    assert.deepEqual(pending, ['BEGIN', 'INSERT', ...upsertStatements(), 'COMMIT']);
    assert.equal(await rows(artistTable), 1);

    const earlier = await sequence(() => db.session(async (s) => {
      await s.execute(insert(tagTable).values({ label: 'jazz' }));
      await s.execute(update(tagTable).set({ label: 'blues' }).where(tagTable.c.label.eq('jazz')), { commit: true });
    }));
    assert.deepEqual(earlier, ['BEGIN', 'INSERT', 'UPDATE', 'COMMIT']);

    const optedOut = await sequence(() => db.session((s) => s.execute(insert(tagTable).values({ label: 'a' }), { commit: true }), { singleStatementCommit: false }));
    assert.deepEqual(optedOut, ['BEGIN', 'INSERT', 'COMMIT']);

    const isolated = await sequence(() => db.session((s) => s.execute(insert(tagTable).values({ label: 'b' }), { commit: true }), { transaction: { isolation: 'serializable' } }));
    assert.ok(isolated.includes('BEGIN') || isolated.includes('SET'), isolated.join(' '));
    assert.equal(isolated.at(-1), 'COMMIT');
    assert.equal(await rows(tagTable), 4);
  });

  it('keeps the transaction for raw SQL and for an upsert of a model with an afterLoad hook', async () => {
    const raw = await sequence(() => db.session((s) => s.execute(sql`DELETE FROM orm_tag`, { commit: true })));
    assert.deepEqual(raw, ['BEGIN', 'DELETE', 'COMMIT'], 'raw SQL is not known to be one atomic statement');

    // What afterLoad changes on the objects read back must commit with the row.
    const hooked = await sequence(() => db.session((s) => s.upsert(Author, [{ id: 1, name: 'Ada' }], { commit: true })));
    assert.equal(hooked[0], 'BEGIN');
    assert.equal(hooked.at(-1), 'COMMIT');
  });

  it('in a session joined to an outer transaction, the write keeps its savepoint', async () => {
    const tx = await ctx.engine.openTransaction();
    try {
      const joined = await sequence(() => database(tx).session((s) => s.execute(insert(tagTable).values({ label: 'x' }), { commit: true })));
      assert.deepEqual(joined, ['SAVEPOINT', 'INSERT', 'RELEASE']);
    } finally {
      await tx.rollback();
    }
    assert.equal(await rows(tagTable), 0, 'the outer ROLLBACK undid it');
  });

  it('a lone write that fails raises, writes nothing, sends no BEGIN or ROLLBACK, and the session goes on', async () => {
    await db.session((s) => s.execute(insert(tagTable).values({ label: 'taken' })));
    const s = db.openSession();
    try {
      const failed = await sequence(() => assert.rejects(() => s.execute(insert(tagTable).values({ label: 'taken' }), { commit: true }), IntegrityError));
      assert.ok(!failed.includes('BEGIN') && !failed.includes('ROLLBACK') && !failed.includes('COMMIT'), failed.join(' '));
      const again = await sequence(() => s.execute(insert(tagTable).values({ label: 'free' }), { commit: true }));
      assert.deepEqual(again, ['INSERT']);
    } finally {
      await s.close();
    }
    assert.equal(await rows(tagTable), 2);
  });

  it('an upsert with { commit: true } whose read-back fails writes nothing (MySQL/MariaDB: ON DUPLICATE KEY met another unique key)', { skip: ctx.name !== 'mysql' && 'RETURNING gives the rows back in the statement itself' }, async () => {
    await ctx.engine.execute(insert(codeTable).values({ code: 'taken', note: 'original' }));
    // By the primary key, but the conflict is on the code: the row updated is not the one read back.
    const seq = await sequence(() =>
      assert.rejects(() => db.session((s) => s.upsert(Code, [{ id: 999_999, code: 'taken', note: 'changed' }], { update: ['note'], commit: true })), /written but not read back/),
    );
    assert.deepEqual(seq, ['BEGIN', ...upsertStatements(), 'ROLLBACK']);
    const left = (await ctx.engine.execute(select({ note: codeTable.c.note }).from(codeTable))).rows;
    assert.deepEqual(left, [{ note: 'original' }], 'the write was rolled back with its read-back');
  });

  it('what { commit: true } committed stays when the callback goes on and throws: the unit of work ended at the call', async () => {
    await assert.rejects(
      () =>
        db.session(async (s) => {
          await s.execute(insert(tagTable).values({ label: 'kept' }), { commit: true });
          s.add(new Artist({ name: 'lost' }));
          await s.flush(); // a new transaction
          throw new Error('after the commit');
        }),
      /after the commit/,
    );
    assert.equal(await rows(tagTable), 1, 'committed by the call');
    assert.equal(await rows(artistTable), 0, 'the later write was rolled back with its own transaction');
  });

  it('a locking read opens the transaction, as the statement node says (also compiled before it is given)', { skip: ctx.name === 'sqlite' && 'SQLite has no locking reads: the SQL leaves FOR UPDATE out' }, async () => {
    const forUpdate = select({ id: tagTable.c.id }).from(tagTable).forUpdate();
    const locked = await sequence(() => db.session((s) => s.execute(forUpdate)));
    assert.deepEqual(locked, ['BEGIN', 'SELECT', 'COMMIT']);
    const compiled = await sequence(() => db.session((s) => s.execute(ctx.dialect.compile(forUpdate.node))));
    assert.deepEqual(compiled, ['BEGIN', 'SELECT', 'COMMIT']);
    const plain = await sequence(() => db.session((s) => s.execute(select({ id: tagTable.c.id }).from(tagTable))));
    assert.deepEqual(plain, ['SELECT']);
  });
});
