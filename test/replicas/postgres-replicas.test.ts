/**
 * Read replicas on real PostgreSQL servers: a private primary and a hot standby streaming from it
 * (test/support/replica-suites.ts), shared by the whole file. Each test proves where statements ran by asking the
 * server through the same connection (`pg_is_in_recovery()` is true only on the standby) and by the `target` the
 * recorder saw; read-your-writes is checked under a deliberately delayed replay (`recovery_min_apply_delay`), and
 * failure and recovery by stopping and starting the standby (and the primary).
 */
import { after, afterEach, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, createEngine, fn, insert, ReadConsistency, select, sql, type Engine } from '../../src/index.js';
import { database, type Database } from '../../src/orm/index.js';
import { diagnose, recordStatements } from '../../src/diagnostics/index.js';
import { types } from '../../src/core/schema/types.js';
import { ConsistencyTokenError, ReplicationConfigError } from '../../src/core/errors.js';
import { Artist, artistTable, createOrmTables } from '../fixtures/orm-models.js';
import { postgresReplicaSuite } from '../support/replica-suites.js';
import { pause } from '../support/waits.js';

/** True on the standby, false on the primary: where the statement ran. */
const inRecovery = select({ standby: fn('pg_is_in_recovery', [], types.boolean()) });

/**
 * The statements a recording shows, less the engine's own replica status probes and position reads, which run in
 * the caller's async context and are recorded like any statement.
 */
function ran<T extends { readonly sql: string }>(statements: readonly T[]): T[] {
  return statements.filter((s) => !/pg_last_wal_replay_lsn|pg_current_wal_lsn/.test(s.sql));
}

await postgresReplicaSuite('read replicas on a PostgreSQL primary with a streaming replica', ({ primary, replica }) => {
  let engine: Engine;
  let db: Database;
  /** Straight to each server, for checks and settings. */
  let onPrimary: Engine;
  let onReplica: Engine;

  async function setApplyDelay(value: string): Promise<void> {
    await replica.setSetting('recovery_min_apply_delay', value, async (shown) => (await onReplica.scalar(sql`SHOW recovery_min_apply_delay`)) === shown);
  }

  /** Until the standby has replayed everything the primary has written. */
  async function caughtUp(): Promise<void> {
    const lsn = String(await onPrimary.scalar(sql`SELECT pg_current_wal_lsn()::text`));
    const deadline = Date.now() + 30_000;
    while (!(await onReplica.scalar(sql`SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn`))) {
      if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${lsn} within 30 s`);
      await pause(20);
    }
  }

  before(async () => {
    onPrimary = createEngine(primary.url, { poolSize: 2 });
    onReplica = createEngine(replica.url, { poolSize: 2 });
    engine = createEngine({
      primary: primary.url,
      replicas: [replica.url],
      poolSize: 4,
      replication: { retryAfterMs: 200, maxLagMs: 600_000, positionCacheMs: 20, healthCheckMs: 100 },
    });
    await createOrmTables(onPrimary);
    await caughtUp();
    db = database(engine);
  });

  afterEach(async () => {
    await replica.ensureRunning();
    await primary.ensureRunning();
    await setApplyDelay('0');
  });

  after(async () => {
    await Promise.all([engine?.close(), onPrimary?.close(), onReplica?.close()]);
  });

  it('sends reads to the replica and writes, raw SQL and FOR UPDATE to the primary', async () => {
    const rec = await recordStatements(async () => {
      assert.equal(await engine.scalar(inRecovery), true, 'a SELECT ran on the standby');
      assert.equal(await engine.primary.scalar(inRecovery), false, 'engine.primary pins to the primary');
      assert.equal(await engine.scalar(sql`SELECT pg_is_in_recovery()`), false, 'raw SQL goes to the primary');
      await engine.execute(insert(artistTable).values({ name: 'Routing' }));
      assert.equal(await engine.scalar(select({ standby: fn('pg_is_in_recovery', [], types.boolean()) }).from(artistTable).limit(1).forUpdate()), false, 'FOR UPDATE goes to the primary');
      assert.equal(
        await engine.transaction(async (tx) => tx.scalar(inRecovery)),
        false,
        'a transaction runs on the primary',
      );
      const locked = await engine.transaction(async (tx) => tx.all(select(artistTable.c.id).from(artistTable).forUpdate()));
      assert.ok(locked.length >= 1);
    });
    const statements = ran(rec.statements);
    const targets = statements.map((s) => `${s.target} ${s.sql.slice(0, 30)}`);
    assert.match(targets[0]!, /^replica:0 SELECT pg_is_in_recovery/);
    assert.ok(statements.slice(1).every((s) => s.target === 'primary'), targets.join('\n'));
  });

  it('routes an ORM session: loads on the replica until it writes, then its transaction on the primary', async () => {
    await caughtUp();
    const rec = await recordStatements(() =>
      db.session(async (s) => {
        await s.query(Artist).all();
        s.add(new Artist({ name: 'Session write' }));
        await s.flush();
        await s.query(Artist).all();
      }),
    );
    const data = ran(rec.statements);
    assert.deepEqual(
      data.map((s) => `${s.kind}@${s.target}`),
      ['select@replica:0', 'insert@primary', 'select@primary'],
      rec.format(),
    );
    const pinned = await recordStatements(() => db.session(async (s) => s.query(Artist).all(), { primary: true }));
    assert.deepEqual(ran(pinned.statements).map((s) => s.target), ['primary']);
    assert.equal(engine.connectionsCheckedOut, 0, 'both connections of each session went back, the replica\'s and the primary\'s');
  });

  it('reads its own writes under a delayed replay: the session and a token go to the primary, others see stale rows', async () => {
    await caughtUp();
    await setApplyDelay('3s');
    const s = db.openSession();
    let token: string | undefined;
    try {
      s.add(new Artist({ name: 'Fresh' }));
      await s.commit();
      token = s.consistencyToken();
      assert.ok(token && /^[A-Za-z0-9_-]+$/.test(token), `a cookie-safe token: ${token}`);
      const rec = await recordStatements(async () => s.query(Artist).where(artistTable.c.name.eq('Fresh')).all());
      assert.equal(rec.value.length, 1, 'the session reads its own commit');
      assert.deepEqual(ran(rec.statements).filter((x) => x.kind === 'select').map((x) => x.target), ['primary']);
    } finally {
      await s.close();
    }
    // Another request without the token: any replica will do, and this one has not replayed the commit yet.
    const stale = await recordStatements(() => db.session(async (o) => o.query(Artist).where(artistTable.c.name.eq('Fresh')).all()));
    assert.equal(stale.value.length, 0, 'the delayed standby does not have the row yet');
    assert.deepEqual(ran(stale.statements).map((x) => x.target), ['replica:0']);
    // Another request with the token reads the row, from the primary while the standby is behind.
    const carried = await recordStatements(() =>
      db.session(async (o) => o.query(Artist).where(artistTable.c.name.eq('Fresh')).all(), { consistencyToken: token! }),
    );
    assert.equal(carried.value.length, 1);
    assert.deepEqual(ran(carried.statements).filter((x) => x.kind === 'select').map((x) => x.target), ['primary']);
    // Once the standby has replayed past the commit, the token's reads go back to it.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const again: Awaited<ReturnType<typeof recordStatements<Artist[]>>> = await recordStatements(() =>
        db.session(async (o) => o.query(Artist).where(artistTable.c.name.eq('Fresh')).all(), { consistencyToken: token! }),
      );
      assert.equal(again.value.length, 1);
      if (ran(again.statements).some((x) => x.kind === 'select' && x.target === 'replica:0')) break;
      if (Date.now() > deadline) throw new Error('the token\'s reads never returned to the replica');
      await pause(200);
    }
    assert.ok(engine.replicaStats!.fallbacks >= 2, JSON.stringify(engine.replicaStats));
  });

  it('reads its own writes in Core too: engine.consistent() and engine.transaction({ consistency })', async () => {
    await caughtUp();
    await setApplyDelay('3s');
    const named = (name: string) => select({ n: count() }).from(artistTable).where(artistTable.c.name.eq(name));
    const consistency = new ReadConsistency();
    const reads = engine.consistent(consistency);
    await reads.execute(insert(artistTable).values({ name: 'Core fresh' }));
    assert.ok(consistency.token(), 'the write recorded its position');
    const rec = await recordStatements(async () => reads.scalar(named('Core fresh')));
    assert.equal(Number(rec.value), 1, 'its own write, from the primary');
    assert.deepEqual(ran(rec.statements).map((x) => x.target), ['primary']);
    assert.equal(Number(await engine.scalar(named('Core fresh'))), 0, 'without the consistency: the stale replica');
    const other = new ReadConsistency();
    await engine.transaction(async (tx) => tx.execute(insert(artistTable).values({ name: 'Core tx' })), { consistency: other });
    assert.equal(Number(await engine.consistent(new ReadConsistency(other.token())).scalar(named('Core tx'))), 1);
  });

  it('reports reads after a write that kept falling back to the primary (replica lag)', async () => {
    await caughtUp();
    await setApplyDelay('3s');
    const fallbacks: number[] = [];
    const off = engine.events.on('replicaFallback', (e) => fallbacks.push(e.lagMs ?? -1));
    try {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            s.add(new Artist({ name: 'Lagged' }));
            await s.commit();
            for (let i = 0; i < 3; i++) await s.query(Artist).where(artistTable.c.name.eq('Lagged')).all();
          }),
        { onFinding: () => undefined },
      );
      const [found] = report.of('replica-lag');
      assert.ok(found, report.toString());
      assert.equal(found.numbers['fallbacks'], 3);
      assert.match(found.fix, /primary: true/);
      assert.equal(fallbacks.length, 3);
    } finally {
      off();
    }
    // A unit that read back its write once is not reported.
    const { report } = await diagnose(
      () =>
        db.session(async (s) => {
          s.add(new Artist({ name: 'Lagged once' }));
          await s.commit();
          await s.query(Artist).where(artistTable.c.name.eq('Lagged once')).all();
        }),
      { onFinding: () => undefined },
    );
    assert.equal(report.of('replica-lag').length, 0);
  });

  it('takes a lagging replica out of rotation and brings it back once it catches up', async () => {
    const strict = createEngine({
      primary: primary.url,
      replicas: [replica.url],
      poolSize: 2,
      replication: { maxLagMs: 500, healthCheckMs: 50, retryAfterMs: 100 },
    });
    try {
      assert.equal(await strict.scalar(inRecovery), true);
      await setApplyDelay('3s');
      await onPrimary.execute(insert(artistTable).values({ name: 'Lag' }));
      const deadline = Date.now() + 10_000;
      while (strict.replicaStatus()[0]!.healthy) {
        await strict.scalar(inRecovery);
        if (Date.now() > deadline) throw new Error(`the standby never reported its lag: ${JSON.stringify(strict.replicaStatus())}`);
        await pause(50);
      }
      assert.equal(await strict.scalar(inRecovery), false, 'reads go to the primary while the replica lags');
      await setApplyDelay('0');
      await caughtUp();
      const back = Date.now() + 10_000;
      while (!(await strict.scalar(inRecovery))) {
        if (Date.now() > back) throw new Error(`the standby never came back: ${JSON.stringify(strict.replicaStatus())}`);
        await pause(60);
      }
    } finally {
      await strict.close();
    }
  });

  it('survives the replica stopping and starting again, and the primary stopping, with no error for readers', async () => {
    await caughtUp();
    const s = db.openSession();
    try {
      assert.ok((await s.query(Artist).all()).length >= 1);
      await replica.stop('fast');
      // The session's replica connection is gone: its next read goes to the primary, no error.
      assert.ok((await s.query(Artist).all()).length >= 1);
      assert.equal(await engine.scalar(inRecovery), false, 'the engine reads from the primary meanwhile');
      assert.equal(engine.replicaStatus()[0]!.healthy, false);
      assert.ok(engine.replicaStatus()[0]!.lastError);
    } finally {
      await s.close();
    }
    await replica.start();
    const deadline = Date.now() + 20_000;
    while (!(await engine.scalar(inRecovery))) {
      if (Date.now() > deadline) throw new Error(`reads never returned to the restarted standby: ${JSON.stringify(engine.replicaStatus())}`);
      await pause(100);
    }
    // The primary down: reads that need no position still succeed on the replica.
    await primary.stop('fast');
    assert.equal(await engine.scalar(inRecovery), true);
    const names = await db.session(async (o) => (await o.query(Artist).all()).map((a) => a.name));
    assert.ok(names.length >= 1);
    await primary.start();
  });

  it('refuses what cannot work with typed errors', async () => {
    assert.throws(() => createEngine({ primary: 'sqlite::memory:', replicas: ['sqlite::memory:'] }), ReplicationConfigError);
    assert.throws(() => createEngine({ url: primary.url, primary: primary.url, replicas: [replica.url] }), ReplicationConfigError);
    assert.throws(() => createEngine({ primary: primary.url, replicas: ['mysql://root@127.0.0.1/x'] }), ReplicationConfigError);
    assert.throws(() => createEngine({ primary: primary.url, replicas: [replica.url], replication: { maxLagMs: -1 } }), ReplicationConfigError);
    assert.throws(() => db.openSession({ consistencyToken: 'not a token' }), ConsistencyTokenError);
  });
});
