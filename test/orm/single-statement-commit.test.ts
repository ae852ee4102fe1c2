/**
 * A commit whose whole flush is one atomic statement (one INSERT, UPDATE or DELETE of one object) sends it alone:
 * no BEGIN, no COMMIT. Everything else keeps its transaction. The full statement sequence, transaction control
 * included, is pinned here; failures must still write nothing and leave the objects as the rules say.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError, count, select } from '../../src/index.js';
import { database, StaleDataError, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { Author, createHookTables, emptyHookTables, resetHooks } from '../fixtures/hook-models.js';
import { Artist, Document, Song, Tag, artistTable, createOrmTables, emptyOrmTables, tagTable } from '../fixtures/orm-models.js';

forEachDialect('single-statement commit', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createOrmTables(ctx.engine);
    await createHookTables(ctx.engine);
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
    // MariaDB opens with START TRANSACTION.
    return log.all.map((s) => s.sql.split(/\s/)[0]!.toUpperCase().replace('START', 'BEGIN'));
  }

  const rows = async (t: typeof artistTable | typeof tagTable): Promise<number> =>
    Number((await ctx.engine.execute(select({ n: count() }).from(t))).rows[0]!.n);

  it('a lone create, update and delete are one statement each, and they land', async () => {
    const created = await sequence(() => db.session(async (s) => {
      s.add(new Artist({ name: 'Queen' }));
    }));
    assert.deepEqual(created, ['INSERT']);
    const [id] = (await ctx.engine.execute(select({ id: artistTable.c.id }).from(artistTable))).rows.map((r) => r.id!);

    const updated = await sequence(() =>
      db.session(async (s) => {
        const a = (await s.get(Artist, id))!;
        a.name = 'Queen II';
      }),
    );
    assert.deepEqual(updated, ['SELECT', 'UPDATE']);
    assert.equal((await db.session((s) => s.get(Artist, id)))!.name, 'Queen II');

    const deleted = await sequence(() =>
      db.session(async (s) => {
        s.delete((await s.get(Artist, id))!);
      }),
    );
    // The song cascade loads the artist's songs first (a read: outside any transaction), then the one DELETE.
    assert.equal(deleted.at(-1), 'DELETE');
    assert.ok(!deleted.includes('BEGIN') && !deleted.includes('COMMIT'), deleted.join(' '));
    assert.equal(await rows(artistTable), 0);
  });

  it('keeps the transaction when the flush is more than one statement, or a flush ran before the commit', async () => {
    const nested = await sequence(() =>
      db.session(async (s) => {
        const a = new Artist({ name: 'A' });
        a.songs.push(new Song({ title: 'x' }));
        s.add(a);
      }),
    );
    assert.deepEqual(nested, ['BEGIN', 'INSERT', 'INSERT', 'COMMIT']);

    const two = await sequence(() => db.session(async (s) => {
      s.add(new Tag({ label: 'a' }));
      s.add(new Tag({ label: 'b' }));
    }));
    assert.deepEqual(two, ['BEGIN', 'INSERT', 'COMMIT']);

    const flushedFirst = await sequence(() =>
      db.session(async (s) => {
        s.add(new Tag({ label: 'c' }));
        await s.flush();
        s.add(new Tag({ label: 'd' }));
      }),
    );
    assert.deepEqual(flushedFirst, ['BEGIN', 'INSERT', 'SAVEPOINT', 'INSERT', 'RELEASE', 'COMMIT']);
    assert.equal(await rows(tagTable), 4);
  });

  it('a bulk update or delete by criteria with { commit: true } is one statement; with pending work first, one transaction', async () => {
    await db.session(async (s) => {
      for (const label of ['a', 'b', 'c']) s.add(new Tag({ label }));
    });
    const updated = await sequence(() => db.session((s) => s.query(Tag).where(Tag.label.eq('a')).update({ label: 'ab' }, { synchronize: false, commit: true })));
    assert.deepEqual(updated, ['UPDATE']);
    const deleted = await sequence(() => db.session((s) => s.query(Tag).where(Tag.label.in(['ab', 'b'])).delete({ synchronize: false, commit: true })));
    assert.deepEqual(deleted, ['DELETE']);
    assert.equal(await rows(tagTable), 1);
    // Pending objects are flushed first, in the transaction the statement then joins, and all of it commits.
    const afterPending = await sequence(() =>
      db.session(async (s) => {
        s.add(new Tag({ label: 'd' }));
        return s.query(Tag).where(Tag.label.eq('c')).delete({ synchronize: false, commit: true });
      }),
    );
    assert.deepEqual(afterPending, ['BEGIN', 'INSERT', 'DELETE', 'COMMIT']);
    assert.deepEqual((await db.session((s) => s.query(Tag).all())).map((t) => t.label), ['d']);
    // Without commit, the bulk statement stays in the session's transaction until the session commits.
    const inTransaction = await sequence(() => db.session((s) => s.query(Tag).where(Tag.label.eq('d')).update({ label: 'e' }, { synchronize: false })));
    assert.deepEqual(inTransaction, ['BEGIN', 'UPDATE', 'COMMIT']);
  });

  it('keeps the transaction when the model has after-hooks: what they write belongs with the row', async () => {
    const inserted = await sequence(() =>
      db.session(async (s) => {
        s.add(new Author({ name: 'Ada' }));
      }),
    );
    assert.deepEqual(inserted, ['BEGIN', 'INSERT', 'COMMIT']);
  });

  it('keeps the transaction when the session asks for one (transaction options, singleStatementCommit: false)', async () => {
    const optedOut = await sequence(() => db.session(async (s) => {
      s.add(new Tag({ label: 'a' }));
    }, { singleStatementCommit: false }));
    assert.deepEqual(optedOut, ['BEGIN', 'INSERT', 'COMMIT']);
    const isolated = await sequence(() => db.session(async (s) => {
      s.add(new Tag({ label: 'b' }));
    }, { transaction: { isolation: 'serializable' } }));
    assert.equal(isolated[0], ctx.dialect.name === 'sqlite' ? 'BEGIN' : isolated[0]);
    assert.ok(isolated.includes('COMMIT'), isolated.join(' '));
  });

  it('a lone statement that fails writes nothing, raises, and the same objects commit on the next try', async () => {
    await db.session(async (s) => {
      s.add(new Tag({ label: 'taken' }));
    });
    const s = db.openSession();
    try {
      const tag = new Tag({ label: 'taken' });
      s.add(tag);
      const failed = await sequence(async () => {
        await assert.rejects(() => s.commit(), IntegrityError);
      });
      assert.ok(!failed.includes('BEGIN') && !failed.includes('ROLLBACK'), failed.join(' '));
      assert.equal(tag.id, undefined, 'the key is not set: the row was not written');
      tag.label = 'free';
      await s.commit();
      assert.equal(typeof tag.id, 'number');
    } finally {
      await s.close();
    }
    assert.equal(await rows(tagTable), 2);
  });

  it('a lone versioned UPDATE that matches no row raises StaleDataError and writes nothing', { skip: ctx.name === 'sqlite' && 'needs a second connection for the other writer' }, async () => {
    const id = await db.session(async (s) => {
      const d = new Document({ body: 'v1' });
      s.add(d);
      await s.flush();
      return d.id;
    });
    const s = db.openSession();
    try {
      const d = (await s.get(Document, id))!;
      // Another writer moves the version on.
      await db.session(async (o) => {
        (await o.get(Document, id))!.body = 'theirs';
      });
      d.body = 'mine';
      const failed = await sequence(() => assert.rejects(() => s.commit(), StaleDataError));
      assert.deepEqual(failed, ['UPDATE']);
    } finally {
      await s.close();
    }
    assert.equal((await db.session((o) => o.get(Document, id)))!.body, 'theirs');
  });
});
