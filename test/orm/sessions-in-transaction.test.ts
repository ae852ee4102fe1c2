/**
 * Sessions joined to a transaction they do not own (`database(tx)`), the way a
 * test runs code that commits: each session's commit is a savepoint release,
 * its rollback a rollback to its savepoint, and the outer ROLLBACK undoes
 * everything. Flushes cost what they cost outside (the savepoint adds two
 * control statements per session, no data statements).
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, identity, integer, IntegrityError, select, sql, table, text, UnsupportedError, type OpenTransaction, type Table } from '../../src/index.js';
import { createEngine } from '../../src/connect/index.js';
import { database, Model, many, mapped, one, type Related } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { within } from '../support/waits.js';

const member = table('jt_member', { id: identity(), email: text().notNull().unique(), name: text().notNull() });
const note = table('jt_note', {
  id: identity(),
  memberId: integer('member_id').notNull().references(() => member.c.id, { onDelete: 'CASCADE' }),
  body: text().notNull(),
});

@mapped
class Member extends Model(member) {
  static readonly notes = many(() => Note, { backPopulates: 'member', cascade: 'all' });
}
interface Member extends Related<typeof Member> {}

@mapped
class Note extends Model(note) {
  static readonly member = one(() => Member, { backPopulates: 'notes' });
}
interface Note extends Related<typeof Note> {}

/** The code under test: it commits, as application code does. */
async function register(db: ReturnType<typeof database>, email: string, notes = 0): Promise<number> {
  return db.session(async (s) => {
    const m = new Member({ email, name: email.split('@')[0]! });
    for (let i = 0; i < notes; i++) m.notes.push(new Note({ body: `note ${i}` }));
    s.add(m);
    await s.flush();
    return m.id;
  });
}

forEachDialect('sessions joined to an outer transaction', (ctx) => {
  const countIn = async (executor: { scalar: OpenTransaction['scalar'] }, t: Table) => Number(await executor.scalar(select({ n: count() }).from(t)));

  before(async () => {
    await ctx.engine.dropAll([note, member], { ifExists: true });
    await ctx.engine.createAll([member, note]);
  });
  after(async () => {
    await ctx.engine.dropAll([note, member], { ifExists: true });
  });

  it('many sessions commit inside the transaction; its rollback leaves the tables empty and the pool idle', async () => {
    const tx = await ctx.engine.openTransaction();
    const db = database(tx);
    const log = new StatementLog(ctx.engine).start();
    for (let i = 0; i < 5; i++) await register(db, `m${i}@example.org`, 2);
    log.end();
    // Each session: SAVEPOINT before its first statement, RELEASE at its commit; never BEGIN or COMMIT.
    const control = log.all.filter((c) => c.kind === 'transaction').map((c) => c.sql.replace(/athanor_session_\d+/, 'sp'));
    const savepoint = ctx.dialect.savepointStatement('sp');
    const release = ctx.dialect.releaseSavepointStatement('sp');
    assert.deepEqual(control, Array.from({ length: 5 }, () => [savepoint, release]).flat());
    // Later sessions (and the transaction itself) see what earlier ones committed.
    assert.equal(await db.session(async (s) => (await s.query(Member).all()).length), 5);
    assert.equal(await countIn(tx, note), 10);
    await tx.rollback();
    assert.equal(await countIn(ctx.engine, member), 0);
    assert.equal(await countIn(ctx.engine, note), 0);
    assert.equal(ctx.engine.connectionsCheckedOut, 0);
  });

  it('a session that fails rolls back to its own savepoint: earlier sessions and the transaction carry on', async () => {
    const tx = await ctx.engine.openTransaction();
    try {
      const db = database(tx);
      await register(db, 'ada@example.org');
      await assert.rejects(
        db.session(async (s) => {
          s.add(new Member({ email: 'bob@example.org', name: 'bob' }));
          await s.flush();
          s.add(new Member({ email: 'ada@example.org', name: 'ada again' }));
        }),
        IntegrityError,
      );
      // The failed session's first flush (bob) is gone with its savepoint; ada's session stays.
      assert.deepEqual((await tx.all(select(member.c.email).from(member).orderBy(member.c.email))).map((r) => r.email), ['ada@example.org']);
      // A failing first flush, too: only that session's work is undone.
      await assert.rejects(register(db, 'ada@example.org'), IntegrityError);
      await register(db, 'cy@example.org');
      assert.equal(await countIn(tx, member), 2);
      // An explicit rollback of a session undoes its flushes only.
      const s = db.openSession();
      s.add(new Member({ email: 'dee@example.org', name: 'dee' }));
      await s.flush();
      await s.rollback();
      await s.close();
      assert.equal(await countIn(tx, member), 2);
    } finally {
      await tx.rollback();
    }
    assert.equal(await countIn(ctx.engine, member), 0);
  });

  it('a failed read does not poison the outer transaction (the session savepoint is taken before its first statement)', async () => {
    const tx = await ctx.engine.openTransaction();
    try {
      const db = database(tx);
      await register(db, 'ada@example.org');
      await assert.rejects(db.session((s) => s.execute(sql`SELECT no_such_column FROM jt_member`)));
      // On PostgreSQL, without the ROLLBACK TO this would fail with "current transaction is aborted".
      assert.equal(await db.session(async (s) => (await s.query(Member).all()).length), 1);
    } finally {
      await tx.rollback();
    }
  });

  for (const n of [10, 10_000]) {
    it(`a flush inside the transaction costs the same statements as outside: ${n} members with a note each, 2 inserts`, async () => {
      const tx = await ctx.engine.openTransaction();
      try {
        const db = database(tx);
        const log = new StatementLog(ctx.engine);
        const statements = await log.during(() =>
          db.session(async (s) => {
            for (let i = 0; i < n; i++) {
              const m = new Member({ email: `m${i}@example.org`, name: `m${i}` });
              m.notes.push(new Note({ body: 'x' }));
              s.add(m);
            }
          }),
        );
        assert.deepEqual(
          statements.map((c) => c.sql.split(' (')[0]),
          [`INSERT INTO ${ctx.dialect.quoteIdentifier('jt_member')}`, `INSERT INTO ${ctx.dialect.quoteIdentifier('jt_note')}`],
        );
        assert.equal(await countIn(tx, member), n);
        assert.equal(await countIn(tx, note), n);
      } finally {
        await tx.rollback();
      }
      assert.equal(await countIn(ctx.engine, member), 0);
    });
  }

  it('works inside engine.transaction(fn) and inside a savepoint of it', async () => {
    await assert.rejects(
      ctx.engine.transaction(async (tx) => {
        await register(database(tx), 'ada@example.org');
        await tx.transaction(async (sp) => {
          await register(database(sp), 'bob@example.org');
        });
        assert.equal(await countIn(tx, member), 2);
        throw new Error('undo');
      }),
      /undo/,
    );
    assert.equal(await countIn(ctx.engine, member), 0);
  });

  it('two sessions take turns on the connection: the second waits until the first is closed', async () => {
    const tx = await ctx.engine.openTransaction();
    try {
      const db = database(tx);
      const first = db.openSession();
      await first.query(Member).all();
      let secondDone = false;
      const second = db.session(async (s) => {
        s.add(new Member({ email: 'late@example.org', name: 'late' }));
      }).then(() => {
        secondDone = true;
      });
      first.add(new Member({ email: 'early@example.org', name: 'early' }));
      await first.commit();
      await within(5000, 'the second session', second);
      assert.ok(secondDone);
      await first.close();
      assert.equal(await countIn(tx, member), 2);
    } finally {
      await tx.rollback();
    }
  });

  it('a session waiting for a turn that never comes fails with a PoolTimeoutError naming the cause', async () => {
    const engine = createEngine(ctx.url, { acquireTimeoutMs: 100 });
    await engine.createAll([member, note], { ifNotExists: true }); // SQLite in memory: a database per engine
    const tx = await engine.openTransaction();
    try {
      const db = database(tx);
      const holder = db.openSession();
      await holder.query(Member).all();
      await assert.rejects(
        within(5000, 'the waiting session', db.session((s) => s.query(Member).all())),
        (e: Error) => e.name === 'PoolTimeoutError' && /another session of database\(tx\) holds/.test(e.message),
      );
      await holder.close();
    } finally {
      await tx.rollback();
      await engine.close();
    }
  });

  it('transaction options on a joined session are refused (the outer transaction owns them)', async () => {
    const tx = await ctx.engine.openTransaction();
    try {
      await assert.rejects(
        database(tx).session(async (s) => s.query(Member).all(), { transaction: { isolation: 'serializable' } }),
        UnsupportedError,
      );
      // The refusal left the connection usable.
      assert.equal(await countIn(tx, member), 0);
    } finally {
      await tx.rollback();
    }
  });

  it('a session still open when the transaction ends closes quietly; the transaction refuses new sessions', async () => {
    const tx = await ctx.engine.openTransaction();
    const db = database(tx);
    const s = db.openSession();
    s.add(new Member({ email: 'ada@example.org', name: 'ada' }));
    await s.flush();
    await tx.rollback();
    await s.close();
    await tx.rollback(); // twice: nothing
    await assert.rejects(db.session((x) => x.query(Member).all()), /this transaction is over/);
    await assert.rejects(tx.commit(), /already over/);
    assert.equal(await countIn(ctx.engine, member), 0);
    assert.equal(ctx.engine.connectionsCheckedOut, 0);
  });

  // The recipe from docs/orm.md, as a test file would write it.
  describe('beforeEach opens, afterEach rolls back', () => {
    let tx: OpenTransaction;
    let db: ReturnType<typeof database>;
    beforeEach(async () => {
      tx = await ctx.engine.openTransaction();
      db = database(tx);
    });
    afterEach(async () => {
      await tx.rollback();
    });
    for (const name of ['first', 'second']) {
      it(`${name} test starts from empty tables and commits freely`, async () => {
        assert.equal(await countIn(tx, member), 0);
        await register(db, 'ada@example.org', 3);
        await register(db, 'bob@example.org');
        assert.equal(await countIn(tx, member), 2);
      });
    }
  });
});
