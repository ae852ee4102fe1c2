/**
 * No write is lost silently, and nothing partial is written, when the PostgreSQL server dies under a unit of work:
 * a private server (test/support/private-postgres.ts) is killed -9 or shut down mid-flush, between flush and
 * commit, between two flushes and mid-stream. Each time the session raises a typed ConnectionError, the
 * database holds none of the transaction's rows after the restart, and a retry with the same objects (commit()
 * again, rollback() and re-add, a new session, db.session(fn) again) writes every row, on the same engine.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, count, createEngine, select, sql, type Engine, type Table } from '../../src/index.js';
import { database, type Database, type Session } from '../../src/orm/index.js';
import { Artist, Song, artistTable, createOrmTables, songTable } from '../fixtures/orm-models.js';
import { bounded, lockTable, privatePostgresSuite, untilAnswers, untilBackend } from '../support/private-postgres.js';

const LARGE = 50_000;
/** How long a session call may take to fail once the server is gone: a hang fails the test. */
const FAIL_WITHIN_MS = 20_000;

function isConnectionError(error: unknown): true {
  assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`);
  return true;
}

await privatePostgresSuite('unit of work under server faults on a private PostgreSQL server', ({ server }) => {
  let engine: Engine;
  /** A second engine for watching and locking: pg_stat_activity, LOCK TABLE. */
  let observer: Engine;
  let db: Database;

  const countOf = async (t: Table) => Number(await engine.scalar(select({ n: count() }).from(t)));

  before(async () => {
    engine = createEngine(server.url, { poolSize: 4 });
    observer = createEngine(server.url, { poolSize: 2 });
    await createOrmTables(engine);
    db = database(engine);
  });

  beforeEach(async () => {
    // TRUNCATE, not DELETE: the mid-statement test reads the table's size on disk.
    await engine.execute(sql`TRUNCATE orm_song_tag, orm_song, orm_artist, orm_tag RESTART IDENTITY CASCADE`);
    // Left behind if the mid-statement test failed before dropping it.
    await engine.execute(sql`DROP TRIGGER IF EXISTS flt_pause ON orm_artist`);
  });

  after(async () => {
    // Bounded: a pool still waiting on a connection the server dropped must not stall the suite's cleanup.
    await bounded(Promise.all([engine?.close(), observer?.close()]), 10_000, 'closing the engines');
    console.log(`# unit-of-work faults: ${server.faults} faults injected into the private PostgreSQL server`);
  });

  /** Restart after a fault, on the same engines: the pools must serve new queries. */
  async function restart(): Promise<void> {
    await server.start();
    await untilAnswers(engine);
    await untilAnswers(observer);
  }

  const artists = (n: number, prefix = 'artist') => Array.from({ length: n }, (_, i) => new Artist({ name: `${prefix} ${i}` }));

  function withSongs(list: Artist[]): Artist[] {
    for (const [i, a] of list.entries()) a.songs.push(new Song({ title: `song ${i}.0` }), new Song({ title: `song ${i}.1` }));
    return list;
  }

  /** Every object has its own key, and the table holds exactly these objects' rows under those keys. */
  async function assertExactlyWritten(list: readonly Artist[]): Promise<void> {
    const ids = list.map((a) => a.id);
    assert.ok(ids.every((id) => typeof id === 'number'), 'every object has its key');
    assert.equal(new Set(ids).size, list.length, 'no two objects share a key');
    const rows = await engine.all(select(artistTable.c.id, artistTable.c.name).from(artistTable));
    assert.equal(rows.length, list.length);
    const nameById = new Map(rows.map((r) => [r.id, r.name]));
    for (const a of list) assert.equal(nameById.get(a.id), a.name, `row ${a.id} is ${a.name}`);
  }

  /** Songs point at their own artist's row ("song i.k" belongs to "artist i"). */
  async function assertSongsLinked(list: readonly Artist[]): Promise<void> {
    assert.equal(await countOf(songTable), list.length * 2);
    const pairs = await engine.all(
      select(songTable.c.title, artistTable.c.name).from(songTable).join(artistTable, songTable.c.artistId.eq(artistTable.c.id)),
    );
    assert.equal(pairs.length, list.length * 2);
    for (const p of pairs) assert.equal(p.title.split(' ')[1]!.split('.')[0], p.name.split(' ')[1]);
  }

  function assertPendingAgain(s: Session, list: readonly Artist[]): void {
    for (const a of [list[0]!, list[list.length - 1]!]) {
      assert.equal(s.stateOf(a).status, 'pending', 'inserted in the failed transaction: pending again');
      assert.equal(a.id, undefined, 'the key the database never committed is cleared');
    }
  }

  // ---------------------------------------------------------------------------
  // (a) kill -9 mid-flush of a large unit of work

  it(`kill -9 while the INSERT of ${LARGE.toLocaleString('en')} new objects waits at the server: no row; commit() again writes them all`, async () => {
    const list = artists(LARGE);
    const s = db.openSession();
    try {
      s.addAll(list);
      const lock = await lockTable(observer, 'orm_artist');
      try {
        const commit = s.commit();
        commit.catch(() => undefined);
        // The statement has reached the server with all its rows and waits for the lock.
        await untilBackend(observer, { query: 'INSERT INTO "orm_artist"%', waitEventType: 'Lock', not: lock.pid });
        await server.kill();
        await assert.rejects(bounded(commit, FAIL_WITHIN_MS, 'the commit'), isConnectionError);
      } finally {
        await lock.release();
      }
      await restart();
      assert.equal(await countOf(artistTable), 0, 'nothing written');
      assertPendingAgain(s, list);
      await s.commit();
      await assertExactlyWritten(list);
    } finally {
      await s.close();
    }
    // What commit() reported as written survives a crash right after it.
    await server.kill();
    await restart();
    await assertExactlyWritten(list);
  });

  it(`kill -9 mid-statement, half of ${LARGE.toLocaleString('en')} rows already in the heap: no row; a new session with the same objects writes them all`, async () => {
    // A row trigger pauses the INSERT at row 25,000 ('artist 25000', the middle of LARGE): the rows before it
    // are in the table's heap, uncommitted, when the server dies.
    await engine.execute(sql`CREATE OR REPLACE FUNCTION flt_pause() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'artist 25000' THEN PERFORM pg_sleep(30); END IF;
        RETURN NEW;
      END $$`);
    await engine.execute(sql`CREATE TRIGGER flt_pause BEFORE INSERT ON orm_artist FOR EACH ROW EXECUTE FUNCTION flt_pause()`);
    const list = artists(LARGE);
    const first = db.openSession();
    try {
      first.addAll(list);
      const commit = first.commit();
      commit.catch(() => undefined);
      await untilBackend(observer, { query: 'INSERT INTO "orm_artist"%', waitEventType: 'Timeout' });
      const heapBytes = Number(await observer.scalar(sql`SELECT pg_relation_size('orm_artist') AS n`));
      assert.ok(heapBytes > 500_000, `half the rows are written, uncommitted (${heapBytes} bytes in the heap)`);
      await server.kill();
      await assert.rejects(bounded(commit, FAIL_WITHIN_MS, 'the commit'), isConnectionError);
    } finally {
      await first.close();
    }
    await restart();
    await engine.execute(sql`DROP TRIGGER flt_pause ON orm_artist`);
    assert.equal(await countOf(artistTable), 0, 'crash recovery kept none of the uncommitted rows');
    assert.equal(list[0]!.id, undefined);
    await db.session(async (s) => s.addAll(list));
    await assertExactlyWritten(list);
  });

  it('kill -9 while the second INSERT of a flush (the songs) waits: the artists written before it are gone too; commit() again links every song', async () => {
    const list = withSongs(artists(5000));
    const s = db.openSession();
    try {
      s.addAll(list);
      const lock = await lockTable(observer, 'orm_song');
      try {
        const commit = s.commit();
        commit.catch(() => undefined);
        await untilBackend(observer, { query: 'INSERT INTO "orm_song"%', waitEventType: 'Lock', not: lock.pid });
        await server.kill();
        await assert.rejects(bounded(commit, FAIL_WITHIN_MS, 'the commit'), isConnectionError);
      } finally {
        await lock.release();
      }
      await restart();
      assert.equal(await countOf(artistTable), 0);
      assert.equal(await countOf(songTable), 0);
      assertPendingAgain(s, list);
      await s.commit();
      await assertExactlyWritten(list);
      await assertSongsLinked(list);
    } finally {
      await s.close();
    }
  });

  // ---------------------------------------------------------------------------
  // (b) mid-stream

  it('kill -9 while a session streams a large result: ConnectionError, not a hang or a short result; the session reads again after rollback()', async () => {
    await engine.execute(sql`INSERT INTO orm_artist (name, active) SELECT 'streamed ' || g, false FROM generate_series(1, 100000) g`);
    const s = db.openSession();
    try {
      let batches = 0;
      const read = async () => {
        for await (const batch of s.query(Artist).stream({ batchSize: 1000, clearIdentityMap: true })) {
          assert.equal(batch.length, 1000);
          if (++batches === 3) await server.kill();
        }
      };
      await assert.rejects(bounded(read(), FAIL_WITHIN_MS, 'the stream'), isConnectionError);
      assert.equal(batches, 3, 'no batch after the kill');
      await restart();
      await s.rollback();
      let rows = 0;
      for await (const batch of s.query(Artist).stream({ batchSize: 5000, clearIdentityMap: true })) rows += batch.length;
      assert.equal(rows, 100_000);
    } finally {
      await s.close();
    }
    // A new session on the same engine reads at once.
    assert.equal((await db.session(async (s) => s.query(Artist).where(Artist.name.eq('streamed 7')).all())).length, 1);
  });

  // ---------------------------------------------------------------------------
  // (c) between flush and commit

  for (const fault of ['fast shutdown', 'kill -9'] as const) {
    const strike = () => (fault === 'kill -9' ? server.kill() : server.stop('fast'));

    /** A flushed graph whose COMMIT then fails because the server is gone; restarted before it returns. */
    async function flushThenLoseCommit(s: Session): Promise<Artist[]> {
      const list = withSongs(artists(5000));
      s.addAll(list);
      await s.flush();
      assert.ok(list.every((a) => typeof a.id === 'number'), 'the flush assigned keys');
      await strike();
      await assert.rejects(bounded(s.commit(), FAIL_WITHIN_MS, 'the commit'), isConnectionError);
      await restart();
      assert.equal(await countOf(artistTable), 0, 'the flushed rows died with the transaction');
      assert.equal(await countOf(songTable), 0);
      return list;
    }

    it(`${fault} between flush and COMMIT: commit() rejects; rollback(), re-add and commit() write every row`, async () => {
      const s = db.openSession();
      try {
        const list = await flushThenLoseCommit(s);
        await s.rollback();
        assertPendingAgain(s, list);
        s.addAll(list);
        await s.commit();
        await assertExactlyWritten(list);
        await assertSongsLinked(list);
      } finally {
        await s.close();
      }
    });

    it(`${fault} between flush and COMMIT: commit() rejects; commit() again writes every row`, async () => {
      const s = db.openSession();
      try {
        const list = await flushThenLoseCommit(s);
        assertPendingAgain(s, list);
        await s.commit();
        await assertExactlyWritten(list);
        await assertSongsLinked(list);
      } finally {
        await s.close();
      }
    });
  }

  it('kill -9 between flush and COMMIT inside db.session(fn): fn retried with the same objects writes every row', async () => {
    const list = withSongs(artists(2000));
    let attempt = 0;
    const work = () =>
      db.session(async (s) => {
        s.addAll(list);
        await s.flush();
        if (attempt++ === 0) await server.kill();
      });
    await assert.rejects(bounded(work(), FAIL_WITHIN_MS, 'db.session'), isConnectionError);
    await restart();
    assert.equal(await countOf(artistTable), 0);
    await work();
    await assertExactlyWritten(list);
    await assertSongsLinked(list);
  });

  it('kill -9 between flush and COMMIT of edits, deletes and inserts: commit() again applies them all; rollback() instead restores them', async () => {
    const seeded = artists(10, 'seed');
    await db.session(async (s) => s.addAll(seeded));
    const names = async () => (await engine.all(select(artistTable.c.name).from(artistTable).orderBy(artistTable.c.name))).map((r) => r.name);
    const original = await names();

    for (const retry of ['commit again', 'rollback'] as const) {
      const s = db.openSession();
      try {
        const loaded = await s.query(Artist).orderBy(Artist.id).all();
        for (const a of loaded.slice(0, 5)) a.name = `${a.name} edited`;
        const gone = loaded.slice(5);
        for (const a of gone) s.delete(a);
        const fresh = artists(5, 'fresh');
        s.addAll(fresh);
        await s.flush();
        await server.kill();
        await assert.rejects(bounded(s.commit(), FAIL_WITHIN_MS, 'the commit'), isConnectionError);
        await restart();
        assert.deepEqual(await names(), original, 'nothing of the transaction was written');
        if (retry === 'commit again') {
          await s.commit();
          assert.deepEqual(
            await names(),
            [...original.slice(0, 5).map((n) => `${n} edited`), ...fresh.map((a) => a.name)].sort(),
          );
          // Back to the seeded state for the rollback round.
          await engine.execute(sql`TRUNCATE orm_artist RESTART IDENTITY CASCADE`);
          seeded.splice(0, seeded.length, ...artists(10, 'seed'));
          await db.session(async (s2) => s2.addAll(seeded));
        } else {
          await s.rollback();
          for (const a of gone) assert.equal(s.stateOf(a).status, 'persistent', 'a deleted object comes back');
          assert.ok(loaded.slice(0, 5).every((a) => !a.name.endsWith(' edited')), 'edits are undone');
          assertPendingAgain(s, fresh);
          await s.commit();
          assert.deepEqual(await names(), [...original, ...fresh.map((a) => a.name)].sort());
        }
      } finally {
        await s.close();
      }
    }
  });

  // ---------------------------------------------------------------------------
  // (d) between two flushes of one transaction

  it('kill -9 between two flushes: the second flush rejects, the first flush\'s rows are gone; commit() writes both', async () => {
    const s = db.openSession();
    try {
      const firstBatch = artists(1000, 'first');
      const secondBatch = artists(1000, 'second');
      s.addAll(firstBatch);
      await s.flush();
      await server.kill();
      s.addAll(secondBatch);
      await assert.rejects(bounded(s.flush(), FAIL_WITHIN_MS, 'the second flush'), isConnectionError);
      await restart();
      assert.equal(await countOf(artistTable), 0, "the first flush's rows died with the transaction");
      assertPendingAgain(s, firstBatch);
      await s.commit();
      await assertExactlyWritten([...firstBatch, ...secondBatch]);
    } finally {
      await s.close();
    }
  });

  it('a flush whose BEGIN meets a connection the server dropped raises ConnectionError; the next flush writes', async () => {
    const s = db.openSession();
    try {
      await s.query(Artist).all(); // takes the connection, no transaction yet
      await server.stop('fast');
      await restart();
      const list = artists(100);
      s.addAll(list);
      await assert.rejects(bounded(s.flush(), FAIL_WITHIN_MS, 'the flush'), isConnectionError);
      await s.flush();
      await s.commit();
      await assertExactlyWritten(list);
    } finally {
      await s.close();
    }
  });
});
