/**
 * Read replicas on real MariaDB servers: a private primary and a GTID replica of it
 * (test/support/private-mariadb.ts), shared by the whole file. Where a statement ran is asked through the same
 * connection (`@@server_id`: 1 on the primary, 2 on the replica) and read from the recorder's `target`;
 * read-your-writes is checked with the replica's SQL thread stopped (`STOP SLAVE SQL_THREAD`: it receives the
 * primary's events and applies none), and failure and recovery by stopping and starting the replica.
 */
import { after, afterEach, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, insert, select, sql, type Engine } from '../../src/index.js';
import { database, type Database } from '../../src/orm/index.js';
import { recordStatements } from '../../src/diagnostics/index.js';
import { Artist, artistTable, createOrmTables } from '../fixtures/orm-models.js';
import { mariadbReplicaSuite } from '../support/replica-suites.js';
import { pause } from '../support/waits.js';

/** 1 on the primary, 2 on the replica: where the statement ran. */
const serverId = select({ id: sql<number>`@@server_id` });

/**
 * The statements a recording shows, less the engine's own replica status probes and position reads, which run in
 * the caller's async context and are recorded like any statement.
 */
function ran<T extends { readonly sql: string }>(statements: readonly T[]): T[] {
  return statements.filter((s) => !/@@gtid_slave_pos|@@last_gtid/.test(s.sql));
}

await mariadbReplicaSuite('read replicas on a MariaDB primary with a GTID replica', ({ pair }) => {
  let engine: Engine;
  let db: Database;
  let onPrimary: Engine;

  before(async () => {
    onPrimary = createEngine(pair.primary.url, { poolSize: 2 });
    engine = createEngine({
      primary: pair.primary.url,
      replicas: [pair.replica.url],
      poolSize: 4,
      replication: { retryAfterMs: 200, positionCacheMs: 20, healthCheckMs: 100 },
    });
    await createOrmTables(onPrimary);
    await pair.waitCaughtUp();
    db = database(engine);
  });

  afterEach(async () => {
    await pair.replica.start();
    await pair.replica.query('START SLAVE');
    await pair.waitReplicating();
  });

  after(async () => {
    await Promise.all([engine?.close(), onPrimary?.close()]);
  });

  it('sends reads to the replica and writes, raw SQL and FOR UPDATE to the primary', async () => {
    assert.equal(Number(await engine.scalar(serverId)), 2, 'a SELECT ran on the replica');
    assert.equal(Number(await engine.primary.scalar(serverId)), 1, 'engine.primary pins to the primary');
    assert.equal(Number(await engine.scalar(sql`SELECT @@server_id`)), 1, 'raw SQL goes to the primary');
    await engine.execute(insert(artistTable).values({ name: 'Routing' }));
    await pair.waitCaughtUp();
    const locking = select({ id: sql<number>`@@server_id` }).from(artistTable).limit(1).forUpdate();
    assert.equal(Number(await engine.scalar(locking)), 1, 'FOR UPDATE goes to the primary');
    assert.equal(Number(await engine.transaction(async (tx) => tx.scalar(serverId))), 1, 'a transaction runs on the primary');
    const rec = await recordStatements(() => db.session(async (s) => s.query(Artist).all()));
    assert.deepEqual(ran(rec.statements).filter((s) => s.kind === 'select').map((s) => s.target), ['replica:0']);
  });

  it('reads its own writes while the replica applies nothing: the session and a token go to the primary', async () => {
    await pair.waitCaughtUp();
    await pair.replica.query('STOP SLAVE SQL_THREAD');
    const s = db.openSession();
    let token: string | undefined;
    try {
      s.add(new Artist({ name: 'Fresh' }));
      await s.commit();
      token = s.consistencyToken();
      assert.ok(token);
      const rec = await recordStatements(async () => s.query(Artist).where(artistTable.c.name.eq('Fresh')).all());
      assert.equal(rec.value.length, 1, 'the session reads its own commit');
      assert.deepEqual(ran(rec.statements).filter((x) => x.kind === 'select').map((x) => x.target), ['primary']);
    } finally {
      await s.close();
    }
    const stale = await recordStatements(() => db.session(async (o) => o.query(Artist).where(artistTable.c.name.eq('Fresh')).all()));
    assert.equal(stale.value.length, 0, 'the stopped replica does not have the row');
    assert.deepEqual(ran(stale.statements).map((x) => x.target), ['replica:0']);
    const carried = await recordStatements(() =>
      db.session(async (o) => o.query(Artist).where(artistTable.c.name.eq('Fresh')).all(), { consistencyToken: token! }),
    );
    assert.equal(carried.value.length, 1);
    assert.deepEqual(ran(carried.statements).filter((x) => x.kind === 'select').map((x) => x.target), ['primary']);
    await pair.replica.query('START SLAVE SQL_THREAD');
    await pair.waitCaughtUp();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const again: Awaited<ReturnType<typeof recordStatements<Artist[]>>> = await recordStatements(() =>
        db.session(async (o) => o.query(Artist).where(artistTable.c.name.eq('Fresh')).all(), { consistencyToken: token! }),
      );
      assert.equal(again.value.length, 1);
      if (ran(again.statements).some((x) => x.kind === 'select' && x.target === 'replica:0')) break;
      if (Date.now() > deadline) throw new Error('the token\'s reads never returned to the replica');
      await pause(100);
    }
  });

  it('survives the replica stopping and starting again with no error for readers', async () => {
    const s = db.openSession();
    try {
      assert.ok((await s.query(Artist).all()).length >= 1);
      await pair.replica.stop();
      assert.ok((await s.query(Artist).all()).length >= 1);
      assert.equal(Number(await engine.scalar(serverId)), 1, 'the engine reads from the primary meanwhile');
      assert.equal(engine.replicaStatus()[0]!.healthy, false);
    } finally {
      await s.close();
    }
    await pair.replica.start();
    const deadline = Date.now() + 20_000;
    while (Number(await engine.scalar(serverId)) !== 2) {
      if (Date.now() > deadline) throw new Error(`reads never returned to the restarted replica: ${JSON.stringify(engine.replicaStatus())}`);
      await pause(100);
    }
  });
});
