/**
 * No write is lost silently on the session's failure paths: a COMMIT that fails, a flush whose BEGIN fails, a
 * forgotten `await`, a detached object edited then re-added. Each failure either raises or, retried, writes.
 *
 * Connections are broken for real: PostgreSQL and MariaDB terminate the session's backend from a second
 * connection; SQLite fails its COMMIT on a deferred foreign key.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, select, sql, type Table } from '../../src/index.js';
import { database, InvalidRequestError, type Database, type Session } from '../../src/orm/index.js';
import { forEachDialect, type DialectContext } from '../support/dialects.js';
import { Artist, Song, Tag, artistTable, tagTable, createOrmTables, emptyOrmTables, songTable } from '../fixtures/orm-models.js';

/** Break the connection the session holds, from another connection: its next statement fails. */
async function killSessionConnection(ctx: DialectContext, s: Session): Promise<void> {
  if (ctx.name === 'postgres') {
    // A Core SELECT: it runs on the session's connection without opening a transaction.
    const { rows } = await s.execute(select({ pid: sql<number>`pg_backend_pid()` }));
    const pid = Number(rows[0]!.pid);
    await ctx.engine.execute(sql`SELECT pg_terminate_backend(${pid})`);
  } else if (ctx.name === 'mysql') {
    const { rows } = await s.execute(select({ id: sql<number>`CONNECTION_ID()` }));
    const id = Number(rows[0]!.id);
    await ctx.engine.execute(sql`KILL ${id}`);
  } else {
    throw new Error('no backend to kill on SQLite');
  }
}

/**
 * Make the session's coming COMMIT fail for real: its backend is killed (PostgreSQL, MariaDB), or a deferred foreign
 * key is broken inside its transaction (SQLite), which COMMIT checks.
 */
async function failNextCommit(ctx: DialectContext, s: Session): Promise<void> {
  if (ctx.name !== 'sqlite') return killSessionConnection(ctx, s);
  await s.execute(sql`PRAGMA defer_foreign_keys = ON`);
  await s.execute(sql`INSERT INTO orm_song (title, artist_id, plays) VALUES ('dangling', 987654, 0)`);
}

forEachDialect('session failure paths', (ctx) => {
  let db: Database;
  const countOf = async (t: Table) => Number(await ctx.engine.scalar(select({ n: count() }).from(t)));

  before(async () => {
    await createOrmTables(ctx.engine);
    db = database(ctx.engine);
  });
  beforeEach(() => emptyOrmTables(ctx.engine));

  /** Flush a graph, then make COMMIT fail; returns the session (its transaction over) and the objects. */
  async function flushThenFailCommit(): Promise<{ s: Session; artists: Artist[] }> {
    const s = db.openSession();
    const artists: Artist[] = [];
    for (let i = 0; i < 5; i++) {
      const a = new Artist({ name: `a${i}` });
      a.songs.push(new Song({ title: `s${i}.0` }), new Song({ title: `s${i}.1` }));
      artists.push(a);
    }
    s.addAll(artists);
    await s.flush();
    assert.ok(artists.every((a) => typeof a.id === 'number'));
    await failNextCommit(ctx, s);
    await assert.rejects(s.commit());
    return { s, artists };
  }

  async function assertWritten(artists: readonly Artist[]): Promise<void> {
    assert.equal(await countOf(artistTable), artists.length);
    assert.equal(await countOf(songTable), artists.length * 2);
    // Every song's foreign key points at its artist's new row.
    const rows = await ctx.engine.all(
      select(songTable.c.title, artistTable.c.name).from(songTable).join(artistTable, songTable.c.artistId.eq(artistTable.c.id)),
    );
    assert.equal(rows.length, artists.length * 2);
    for (const r of rows) assert.equal(r.title.split('.')[0]!.slice(1), r.name.slice(1));
  }

  it('a failed COMMIT leaves everything pending: commit() again writes every row', async () => {
    const { s, artists } = await flushThenFailCommit();
    try {
      assert.equal(await countOf(artistTable), 0);
      assert.equal(s.stateOf(artists[0]!).status, 'pending');
      assert.equal(artists[0]!.id, undefined, 'the never-committed key is cleared');
      await s.commit();
      await assertWritten(artists);
    } finally {
      await s.close();
    }
  });

  it('a failed COMMIT after two flushes keeps the edits the second flush wrote', async () => {
    const s = db.openSession();
    try {
      const a = new Artist({ name: 'first' });
      s.add(a);
      await s.flush();
      a.name = 'second';
      await s.flush();
      await failNextCommit(ctx, s);
      await assert.rejects(s.commit());
      await s.commit();
      const rows = await ctx.engine.all(select(artistTable.c.name).from(artistTable));
      assert.deepEqual(rows.map((r) => r.name), ['second']);
    } finally {
      await s.close();
    }
  });

  it('a failed COMMIT, then rollback(), re-add and commit writes every row', async () => {
    const { s, artists } = await flushThenFailCommit();
    try {
      await s.rollback();
      s.addAll(artists);
      await s.commit();
      await assertWritten(artists);
    } finally {
      await s.close();
    }
  });

  it('db.session(fn) retried with the same objects after a failed COMMIT writes them', async () => {
    const artists = [new Artist({ name: 'a0' }), new Artist({ name: 'a1' })];
    for (const [i, a] of artists.entries()) a.songs.push(new Song({ title: `s${i}.0` }), new Song({ title: `s${i}.1` }));
    let attempt = 0;
    const work = (s: Session) => async () => {
      s.addAll(artists);
      await s.flush();
      if (attempt++ === 0) {
        await failNextCommit(ctx, s);
      }
    };
    await assert.rejects(db.session((s) => work(s)()));
    assert.equal(await countOf(artistTable), 0);
    await db.session((s) => work(s)());
    await assertWritten(artists);
  });

  it('rollback(): new objects pending again, deleted ones back, edits undone', async () => {
    const keep = new Artist({ name: 'keep' });
    const gone = new Artist({ name: 'gone' });
    await db.session(async (s) => s.addAll([keep, gone]));
    const s = db.openSession();
    try {
      const k = (await s.get(Artist, keep.id))!;
      const g = (await s.get(Artist, gone.id))!;
      k.name = 'edited';
      s.delete(g);
      const fresh = new Artist({ name: 'fresh' });
      fresh.songs.push(new Song({ title: 's0.0' }));
      s.add(fresh);
      await s.flush();
      await s.rollback();
      assert.equal(k.name, 'keep');
      assert.equal(s.stateOf(g).status, 'persistent');
      assert.equal(s.stateOf(fresh).status, 'pending');
      assert.equal(fresh.id, undefined);
      await s.commit();
      assert.equal(await countOf(artistTable), 3);
      const names = (await ctx.engine.all(select(artistTable.c.name).from(artistTable))).map((r) => r.name).sort();
      assert.deepEqual(names, ['fresh', 'gone', 'keep']);
      const song = await ctx.engine.all(select(songTable.c.artistId).from(songTable));
      assert.equal(song[0]!.artistId, fresh.id, 'the song is linked to the re-inserted artist');
    } finally {
      await s.close();
    }
  });

  it('a failed COMMIT keeps edits and deletes of persistent objects pending too', async () => {
    const keep = new Artist({ name: 'keep' });
    const gone = new Artist({ name: 'gone' });
    await db.session(async (s) => s.addAll([keep, gone]));
    const s = db.openSession();
    try {
      const k = (await s.get(Artist, keep.id))!;
      const g = (await s.get(Artist, gone.id))!;
      k.name = 'edited';
      s.delete(g);
      await s.flush();
      await failNextCommit(ctx, s);
      await assert.rejects(s.commit());
      assert.equal(k.name, 'edited');
      await s.commit();
      const names = (await ctx.engine.all(select(artistTable.c.name).from(artistTable))).map((r) => r.name);
      assert.deepEqual(names, ['edited']);
    } finally {
      await s.close();
    }
  });

  it('a flush whose BEGIN fails leaves the session usable: the next flush writes', { skip: ctx.name === 'sqlite' && 'needs a server connection to break' }, async () => {
    const s = db.openSession();
    try {
      await s.query(Artist).all(); // takes the connection, no transaction yet
      if (ctx.name === 'postgres') {
        const { rows } = await ctx.engine.execute(sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'`);
        for (const r of rows as { pid: number }[]) await ctx.engine.execute(sql`SELECT pg_terminate_backend(${Number(r.pid)})`);
      } else {
        const { rows } = await ctx.engine.execute(sql`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Sleep'`);
        for (const r of rows as { id: number }[]) await ctx.engine.execute(sql`KILL ${Number(r.id)}`).catch(() => undefined);
      }
      s.add(new Artist({ name: 'after' }));
      await assert.rejects(s.flush());
      await s.flush();
      await s.commit();
      assert.equal(await countOf(artistTable), 1);
    } finally {
      await s.close();
    }
  });

  it('a read that loses its connection outside a transaction raises ConnectionError; the next read reconnects', { skip: ctx.name === 'sqlite' && 'needs a server connection to break' }, async () => {
    await db.session(async (s) => s.add(new Artist({ name: 'kept' })));
    const s = db.openSession();
    try {
      await s.query(Artist).all(); // holds the connection, no transaction
      await killSessionConnection(ctx, s);
      assert.equal(s.inTransaction, false);
      await assert.rejects(s.query(Artist).all(), (e: Error) => e.name === 'ConnectionError');
      // No rollback() in between: nothing was held on the lost connection, so the session simply takes a new one.
      assert.deepEqual((await s.query(Artist).all()).map((a) => a.name), ['kept']);
      s.add(new Artist({ name: 'after' }));
      await s.commit();
      assert.equal(await countOf(artistTable), 2);
    } finally {
      await s.close();
    }
  });

  it('a forgotten await on flush(): the commit waits for it, nothing is lost, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await db.session(async (s) => {
        s.add(new Artist({ name: 'x' }));
        void s.flush();
      });
      assert.equal(await countOf(artistTable), 1);
      // A forgotten await on a flush that fails: the commit raises, the process does not crash.
      await assert.rejects(
        db.session(async (s) => {
          s.add(new Artist({ name: null as unknown as string }));
          void s.flush();
        }),
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(unhandled, []);
      assert.equal(await countOf(artistTable), 1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a detached object edited, then added to a new session, is updated', async () => {
    const a = new Artist({ name: 'before' });
    await db.session(async (s) => s.add(a));
    a.name = 'edited while detached';
    await db.session(async (s) => s.add(a));
    const rows = await ctx.engine.all(select(artistTable.c.name).from(artistTable));
    assert.deepEqual(rows.map((r) => r.name), ['edited while detached']);
  });

  it('reading an unloaded many-to-one names a fix that works', async () => {
    const a = new Artist({ name: 'x' });
    a.songs.push(new Song({ title: 't' }));
    await db.session(async (s) => s.add(a));
    await db.session(async (s) => {
      const song = (await s.query(Song).all())[0]!;
      let message = '';
      try {
        void song.artist;
      } catch (e) {
        message = (e as Error).message;
      }
      assert.match(message, /session\.load\(obj, 'artist'\)/);
      assert.doesNotMatch(message, /obj\.artist\.load\(\)/, 'a to-one read throws: it has no .load() to call');
      const artist = await s.load(song, 'artist');
      assert.equal((artist as Artist).name, 'x');
    });
  });

  it("bulk update synchronize 'auto' matches the database's text comparison; 'evaluate' refuses where it cannot", async () => {
    await db.session(async (s) => s.addAll([new Tag({ label: 'Rock' }), new Tag({ label: 'Jazz' })]));
    // Read on the session's own connection (SQLite has one).
    const labelIn = async (s: Session, id: number) => (await s.execute(select(tagTable.c.label).from(tagTable).where(tagTable.c.id.eq(id)))).rows[0]!.label;
    await db.session(async (s) => {
      const tags = await s.query(Tag).all();
      const rock = tags.find((t) => t.label === 'Rock')!;
      // SQLite: LIKE ignores ASCII case; MariaDB: the collation decides (PAD SPACE, case).
      const n = await s.query(Tag).where(Tag.label.like('rock')).update({ label: 'Changed' });
      if (ctx.name === 'sqlite') assert.equal(n, 1);
      if (ctx.name === 'postgres') assert.equal(n, 0);
      assert.equal(rock.label, await labelIn(s, rock.id), 'the loaded object agrees with the database');
    });
    await db.session(async (s) => {
      const jazz = (await s.query(Tag).where(Tag.label.eq('Jazz')).all())[0]!;
      const n = await s.query(Tag).where(Tag.label.eq('Jazz ')).update({ label: 'Padded' });
      // MariaDB's PAD SPACE collations ignore trailing spaces.
      assert.equal(n, ctx.name === 'mysql' ? 1 : 0);
      assert.equal(jazz.label, await labelIn(s, jazz.id));
      if (ctx.name === 'mysql') {
        await assert.rejects(s.query(Tag).where(Tag.label.eq('x')).update({ label: 'y' }, { synchronize: 'evaluate' }), (e: unknown) => {
          assert.ok(e instanceof InvalidRequestError);
          assert.match((e as Error).message, /label = "x"/);
          return true;
        });
      }
    });
  });

  it('a long-lived session lets go of clean objects the program dropped (weak identity map)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return;
    const s = db.openSession();
    try {
      for (let round = 0; round < 10; round++) {
        s.addAll(Array.from({ length: 500 }, (_, i) => new Artist({ name: `r${round}.${i}` })));
        await s.commit();
      }
      const kept = (await s.query(Artist).where(Artist.name.eq('r0.0')).all())[0]!;
      kept.name = 'changed, not flushed';
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(s.identityMap.size <= 1, `identity map holds ${s.identityMap.size} objects`);
      assert.equal(Number((await s.execute(select({ n: count() }).from(artistTable))).rows[0]!.n), 5000);
      // The same row read again while its object lives: the same object, its unflushed edit intact.
      const again = await s.get(Artist, kept.id);
      assert.equal(again, kept);
      assert.equal(again!.name, 'changed, not flushed');
    } finally {
      await s.close();
    }
  });
});
