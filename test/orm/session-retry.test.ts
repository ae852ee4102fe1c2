/**
 * `db.session(fn, { retry })`: a session whose transaction loses to a concurrent one runs again in a new session,
 * with nothing of the failed attempt in it: not its identity map (rows load afresh), not the objects it created (its
 * inserts are gone, and only the last attempt's objects are written). Anything else fails on the first attempt.
 *
 * Conflicts come from the servers: K sessions that load a song and add a play under SERIALIZABLE (40001 on
 * PostgreSQL, deadlocks on MariaDB), a row changed after the session read it (PostgreSQL), SQLite's busy lock
 * between two engines on one file.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, createEngine, select, update, type Engine, type RetryEvent } from '../../src/index.js';
import { IntegrityError, LockTimeoutError, SerializationError } from '../../src/core/errors.js';
import { database, type Database, type Session } from '../../src/orm/index.js';
import { createSqliteDriver } from '../../src/drivers/better-sqlite3/index.js';
import { forEachDialect } from '../support/dialects.js';
import { pause, within } from '../support/waits.js';
import { Artist, Song, Tag, artistTable, createOrmTables, emptyOrmTables, ormTables, songTable } from '../fixtures/orm-models.js';

/** Resolves for everyone once `needed` callers have arrived. */
function barrier(needed: number): { arrive(): Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    arrive() {
      if (++arrived === needed) open();
      return opened;
    },
  };
}

const playsOf = async (engine: Engine, id: number) => Number(await engine.scalar(select(songTable.c.plays).from(songTable).where(songTable.c.id.eq(id))));
const artistNames = async (engine: Engine) => (await engine.all(select(artistTable.c.name).from(artistTable).orderBy(artistTable.c.name))).map((r) => r.name);

forEachDialect(
  'session retry on real conflicts',
  (ctx) => {
    let db: Database;
    let songId: number;
    before(async () => {
      await createOrmTables(ctx.engine);
      db = database(ctx.engine);
    });
    beforeEach(async () => {
      await emptyOrmTables(ctx.engine);
      songId = await db.session(async (s) => {
        const song = new Song({ title: 'Counter' });
        s.add(song);
        await s.flush();
        return song.id;
      });
    });

    it('K sessions add a play to one song under SERIALIZABLE: each retried in a fresh session, plays end at K', async (t) => {
      const K = 5;
      const allLoaded = barrier(K);
      const retries: RetryEvent[] = [];
      const sessions = new Set<Session>();
      const songs = new Set<Song>();
      const worker = (w: number) => {
        let attempt = 0;
        return db.session(
          async (s) => {
            attempt++;
            sessions.add(s);
            const song = (await s.get(Song, songId))!;
            songs.add(song);
            // Each attempt logs itself; only the committed attempt's row may remain.
            s.add(new Artist({ name: `w${w}.${attempt}` }));
            if (attempt === 1) await allLoaded.arrive();
            song.plays += 1;
          },
          { transaction: { isolation: 'serializable' }, retry: { attempts: 3 * K, onRetry: (e) => void retries.push(e) } },
        ).then(() => `w${w}.${attempt}`);
      };
      const committed = await within(60_000, 'the sessions', Promise.all(Array.from({ length: K }, (_, w) => worker(w))));
      assert.equal(await playsOf(ctx.engine, songId), K, 'no lost update');
      assert.ok(retries.length >= K - 1, `all but one lost the first round (${retries.length} retries)`);
      assert.equal(sessions.size, K + retries.length, 'a new session per attempt');
      assert.equal(songs.size, K + retries.length, 'a new object per attempt: nothing of a failed attempt is reused');
      assert.deepEqual(await artistNames(ctx.engine), [...committed].sort(), 'only the committed attempts wrote their objects');
      for (const e of retries) assert.ok(e.error instanceof SerializationError && e.error.retryable, String(e.error));
      t.diagnostic(`${K} sessions: ${retries.length} retries (${retries[0]?.error.conflict}), most attempts by one: ${Math.max(...retries.map((e) => e.attempt)) + 1}`);
    });

    it('a unique violation is raised on the first attempt, never retried', async () => {
      await db.session(async (s) => s.add(new Tag({ label: 'taken' })));
      let runs = 0;
      const retries: RetryEvent[] = [];
      await assert.rejects(
        db.session(
          async (s) => {
            runs++;
            s.add(new Tag({ label: 'taken' }));
          },
          { retry: { onRetry: (e) => void retries.push(e) } },
        ),
        (error: unknown) => error instanceof IntegrityError,
      );
      assert.equal(runs, 1);
      assert.equal(retries.length, 0);
    });

    if (ctx.name === 'postgres') {
      it('a row changed after the session read it: the next attempt reads it afresh in a new session, the failed one is closed', async () => {
        const outside = new Artist({ name: 'created outside' });
        const attempts: { s: Session; song: Song; read: number }[] = [];
        await db.session(
          async (s) => {
            const song = (await s.get(Song, songId))!;
            attempts.push({ s, song, read: song.plays });
            s.add(outside);
            // Another transaction commits a change to the row this one read: the flush's UPDATE at commit fails (40001).
            if (attempts.length === 1) await ctx.engine.execute(update(songTable).set({ plays: songTable.c.plays.add(100) }).where(songTable.c.id.eq(songId)));
            song.plays += 1;
          },
          { transaction: { isolation: 'repeatable read' }, retry: true },
        );
        assert.equal(attempts.length, 2);
        const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
        assert.notEqual(first.s, second.s);
        assert.notEqual(first.song, second.song);
        assert.deepEqual([first.read, second.read], [0, 100], 'the second attempt loaded the committed value');
        assert.equal(first.s.stateOf(first.song).status, 'detached', 'the failed session was closed');
        assert.equal(await playsOf(ctx.engine, songId), 101);
        // An object made outside the function is added again by the next attempt: written once.
        assert.deepEqual(await artistNames(ctx.engine), ['created outside']);
        assert.equal(typeof outside.id, 'number');
      });
    }
  },
  { only: ['postgres', 'mysql'] },
);

describe('session retry: SQLite sessions on two engines over one file', () => {
  let dir: string;
  const engines: Engine[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'athanor-session-retry-'));
  });
  after(async () => {
    for (const e of engines) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('busy past busyTimeoutMs is retried: K sessions over two engines end at K plays', async (t) => {
    const file = join(dir, 'orm.sqlite');
    const make = () => createEngine({ driver: createSqliteDriver({ filename: file, busyTimeoutMs: 5 }), dialect: 'sqlite' });
    const a = make();
    const b = make();
    engines.push(a, b);
    await a.createAll(ormTables);
    await b.ready();
    const dbs = [database(a), database(b)];
    const songId = await dbs[0]!.session(async (s) => {
      const song = new Song({ title: 'Counter' });
      s.add(song);
      await s.flush();
      return song.id;
    });
    const K = 8;
    const retries: RetryEvent[] = [];
    const worker = (w: number) =>
      dbs[w % 2]!.session(
        async (s) => {
          const song = (await s.get(Song, songId))!;
          s.add(new Artist({ name: `w${w}` }));
          song.plays += 1;
          await s.flush();
          await pause(10); // hold the write lock as real work would
        },
        // Reads inside the transaction too, so the read and the write see one state of the file.
        { transaction: {}, retry: { attempts: 50, baseDelayMs: 5, maxDelayMs: 100, onRetry: (e) => void retries.push(e) } },
      );
    await within(60_000, 'the sessions', Promise.all(Array.from({ length: K }, (_, w) => worker(w))));
    assert.equal(await playsOf(a, songId), K, 'no lost update');
    assert.equal(Number(await a.scalar(select({ n: count() }).from(artistTable))), K, 'one artist per worker: failed attempts left nothing');
    assert.ok(retries.length >= 1, 'the engines met the lock');
    for (const e of retries) assert.ok(e.error instanceof LockTimeoutError && e.error.retryable, String(e.error));
    t.diagnostic(`SQLite, ${K} sessions on two engines: ${retries.length} retries (busy), most attempts by one: ${Math.max(...retries.map((e) => e.attempt)) + 1}`);
  });
});
