/**
 * PostgreSQL behind pgbouncer in transaction pooling mode, with the engine's `pooler: 'transaction'`: the file
 * starts its own pgbouncer (test/support/private-pgbouncer.ts) in front of the shared server and runs through it
 * what an application does — sessions, savepoints, streaming, COPY, `engine.prepare()`, retried transactions,
 * migrations from two deploys at once — and checks that nothing session-scoped is left on the server connection
 * for the next client: through a database with one server connection, whatever a transaction left would be seen by
 * the next one. Statements that would leave such state are refused with the form that ends with the transaction.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../../src/connect/index.js';
import { PostgresDialect } from '../../../src/core/dialects/postgres/dialect.js';
import { InvalidArgumentError, UnsupportedError } from '../../../src/core/errors.js';
import type { Engine, Transaction } from '../../../src/core/engine/index.js';
import { identity, integer, text } from '../../../src/core/schema/column.js';
import { table } from '../../../src/core/schema/table.js';
import { count, insert, placeholder, select, sql, update } from '../../../src/core/sql/index.js';
import { op } from '../../../src/core/schema/operations.js';
import { defineMigration, Migrator, MigrationLockError } from '../../../src/migrate/index.js';
import { database } from '../../../src/orm/index.js';
import { privatePgbouncerSuite } from '../../support/private-pgbouncer.js';
import { within } from '../../support/waits.js';
import { Artist, Tag, artistTable, createOrmTables, emptyOrmTables, tagTable } from '../../fixtures/orm-models.js';

const PG_URL = process.env['ATHANOR_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/athanor_test';

const note = table('pool_note', { id: identity(), body: text().notNull(), n: integer().notNull().default(0) });
const counter = table('pool_counter', { id: integer().primaryKey(), n: integer().notNull() });

/** What a server connection carries beyond its transaction, read inside one transaction on it. */
async function sessionState(engine: Engine) {
  return engine.transaction(async (tx) =>
    tx.one(
      sql<{ pid: number; lock_timeout: string; statement_timeout: string; prepared: string; cursors: string; advisory: string; listening: string; temp: string }>`
        SELECT pg_backend_pid() AS pid, current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout,
          (SELECT count(*) FROM pg_prepared_statements) AS prepared,
          (SELECT count(*) FROM pg_cursors) AS cursors,
          (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS advisory,
          (SELECT count(*) FROM pg_listening_channels()) AS listening,
          (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp`,
    ),
  );
}

const backendPid = (ex: Engine | Transaction) => ex.scalar(sql<number>`SELECT pg_backend_pid()`);

/** Migrations on their own tables, one of them adding a column, for the migrator runs. */
function migrations(prefix: string) {
  const a = table(`${prefix}_a`, { id: identity(), label: text().notNull() });
  const b = table(`${prefix}_b`, { id: identity(), aId: integer('a_id').notNull() });
  return {
    tables: [a, b],
    list: [
      defineMigration({ id: '001_a', up: [op.createTable(a)] }),
      defineMigration({ id: '002_b', up: [op.createTable(b)] }),
      defineMigration({ id: '003_a_note', up: [op.addColumn(`${prefix}_a`, 'note', text())] }),
    ],
  };
}

/** A statement written as text (no bound values). */
const statementText = (statement: string) => sql(Object.assign([statement], { raw: [statement] }) as unknown as TemplateStringsArray);

async function dropTables(engine: Engine, names: readonly string[]): Promise<void> {
  for (const name of names) await engine.execute(statementText(`DROP TABLE IF EXISTS "${name}" CASCADE`));
}

await privatePgbouncerSuite('PostgreSQL behind pgbouncer (pool_mode = transaction)', PG_URL, ({ bouncer }) => {
  let engine: Engine;
  /** Straight to the server, to watch it. */
  let direct: Engine;
  before(async () => {
    engine = createEngine(bouncer.url('pooled'), { pooler: 'transaction', poolSize: 6 });
    direct = createEngine(PG_URL);
    await engine.dropAll([note, counter], { ifExists: true });
    await engine.createAll([note, counter]);
    await createOrmTables(engine);
  });
  after(async () => {
    await engine.dropAll([note, counter], { ifExists: true });
    await engine.close();
    await direct.close();
  });
  beforeEach(async () => {
    await engine.execute(sql`DELETE FROM pool_note`);
    await emptyOrmTables(engine);
  });

  it('one held connection runs its statements on several server connections; a transaction stays on one', async () => {
    const conn = await engine.connect();
    const occupant = await engine.connect();
    try {
      const first = await conn.scalar(sql<number>`SELECT pg_backend_pid()`);
      // Take the server connection `conn` just used, inside a transaction (pgbouncer hands out the last one freed).
      await occupant.begin();
      let held = await occupant.scalar(sql<number>`SELECT pg_backend_pid()`);
      for (let i = 0; i < 5 && held !== first; i++) {
        await occupant.commit();
        await conn.scalar(sql`SELECT 1`);
        await occupant.begin();
        held = await occupant.scalar(sql<number>`SELECT pg_backend_pid()`);
      }
      assert.equal(held, first, 'the occupant got the server connection conn had');
      const second = await conn.scalar(sql<number>`SELECT pg_backend_pid()`);
      assert.notEqual(second, first, 'the same client connection, another server connection');
      await occupant.commit();
      // Inside a transaction every statement runs on one server connection, whatever else runs meanwhile.
      const pids = await conn.transaction(async (tx) => {
        const seen: number[] = [];
        for (let i = 0; i < 10; i++) {
          const [pid] = await Promise.all([backendPid(tx), engine.scalar(sql`SELECT pg_sleep(0.001)`)]);
          seen.push(Number(pid));
        }
        return new Set(seen);
      });
      assert.equal(pids.size, 1);
    } finally {
      if (occupant.inTransaction) await occupant.rollback();
      await occupant.release();
      await conn.release();
    }
  });

  it('savepoints: a nested transaction rolled back leaves the outer one\'s rows; a session\'s later flush rolls back to its savepoint', async () => {
    await engine.transaction(async (tx) => {
      await tx.execute(insert(note).values({ body: 'outer' }));
      await assert.rejects(
        tx.transaction(async (sp) => {
          await sp.execute(insert(note).values({ body: 'inner' }));
          throw new Error('undo the savepoint');
        }),
      );
      await tx.transaction(async (sp) => sp.execute(insert(note).values({ body: 'kept' })));
    });
    assert.deepEqual((await engine.all(select(note.c.body).from(note).orderBy(note.c.body))).map((r) => r.body), ['kept', 'outer']);

    const db = database(engine);
    await db.session(async (s) => {
      const artist = new Artist({ name: 'first flush' });
      s.addAll([artist, new Tag({ label: 'once' })]);
      await s.flush();
      // The second flush runs in a savepoint; its failure (a unique key) rolls back to it and the transaction goes on.
      const bad = new Tag({ label: 'once' });
      s.add(bad);
      await assert.rejects(s.flush());
      s.expunge(bad);
      artist.name = 'second flush';
    });
    assert.deepEqual((await engine.all(select(artistTable.c.name).from(artistTable))).map((r) => r.name), ['second flush']);
    assert.equal(Number(await engine.scalar(select({ n: count() }).from(tagTable))), 1);
  });

  it('streaming: cursor batches outside and inside a transaction, while other statements run on the engine', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ body: `row ${i}`, n: i }));
    await engine.execute(insert(note).values(rows));
    let seen = 0;
    let batches = 0;
    for await (const batch of engine.stream(select(note.c.n).from(note).orderBy(note.c.n), { batchSize: 700 })) {
      for (const r of batch) assert.equal(r.n, seen++);
      batches++;
      assert.equal(Number(await engine.scalar(sql<number>`SELECT 1`)), 1);
    }
    assert.equal(seen, 5000);
    assert.equal(batches, 8);
    const total = await engine.transaction(async (tx) => {
      let n = 0;
      for await (const batch of tx.stream(select(note.c.n).from(note), { batchSize: 1000 })) n += batch.length;
      return n;
    });
    assert.equal(total, 5000);
  });

  it('COPY FROM STDIN loads 10,000 rows', async () => {
    const rows = function* () {
      for (let i = 0; i < 10_000; i++) yield { body: `copied ${i}`, n: i };
    };
    assert.equal(await engine.copyFrom(note, rows(), { columns: ['body', 'n'] }), 10_000);
    assert.equal(Number(await engine.scalar(select({ n: count() }).from(note))), 10_000);
    assert.equal(Number(await engine.scalar(sql<number>`SELECT sum(n) FROM pool_note`)), (10_000 * 9_999) / 2);
  });

  it('engine.prepare(): one compiled statement run 300 times from six connections over two server connections', async () => {
    await engine.execute(insert(note).values(Array.from({ length: 30 }, (_, i) => ({ body: `p${i}`, n: i }))));
    const byN = engine.prepare(select(note.c.body).from(note).where(note.c.n.eq(placeholder('n'))));
    const runs = Array.from({ length: 300 }, (_, i) => byN.one({ n: i % 30 }).then((r) => assert.equal(r.body, `p${i % 30}`)));
    await within(30_000, 'the prepared runs', Promise.all(runs));
    // Athanor names no statement on the server: nothing to collide with another client's, nothing left behind.
    const state = await sessionState(engine);
    assert.equal(Number(state.prepared), 0);
  });

  it('retried transactions through the pooler: K workers on one counter under SERIALIZABLE end at K', async (t) => {
    await engine.execute(sql`DELETE FROM pool_counter`);
    await engine.execute(insert(counter).values({ id: 1, n: 0 }));
    const K = 5;
    let retries = 0;
    const worker = () =>
      engine.transaction(
        async (tx) => {
          const n = Number(await tx.scalar(select(counter.c.n).from(counter).where(counter.c.id.eq(1))));
          await tx.execute(sql`SELECT pg_sleep(0.005)`);
          await tx.execute(update(counter).set({ n: n + 1 }).where(counter.c.id.eq(1)));
        },
        { isolation: 'serializable', retry: { attempts: 3 * K, onRetry: () => void retries++ } },
      );
    await within(60_000, 'the workers', Promise.all(Array.from({ length: K }, worker)));
    assert.equal(Number(await engine.scalar(select(counter.c.n).from(counter))), K);
    t.diagnostic(`through pgbouncer, ${K} workers: ${retries} retries`);
  });

  it('statements that would leave session state are refused, naming the form that ends with the transaction', async () => {
    const refused: [string, RegExp][] = [
      ["SET statement_timeout = '5s'", /SET LOCAL/],
      ["SELECT set_config('statement_timeout', '5s', false)", /set_config\(name, value, true\)/],
      ['SELECT pg_advisory_lock(42)', /pg_advisory_xact_lock/],
      ['SELECT pg_try_advisory_lock(42)', /pg_advisory_xact_lock/],
      ['CREATE TEMP TABLE pool_scratch (id integer)', /ON COMMIT DROP/],
      ['PREPARE pool_by_id AS SELECT 1', /engine\.prepare\(\)/],
      ['LISTEN pool_channel', /straight to the server/],
      ['DECLARE pool_c CURSOR WITH HOLD FOR SELECT 1', /engine\.stream\(\)/],
    ];
    for (const [statement, instead] of refused) {
      await assert.rejects(engine.execute(statementText(statement)), (error: unknown) => {
        assert.ok(error instanceof UnsupportedError, `${statement}: ${String(error)}`);
        assert.match(error.message, /pooler: 'transaction'/);
        assert.match(error.message, instead);
        return true;
      });
    }
    // The forms that end with the transaction run.
    const inside = await engine.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL statement_timeout = '5s'`);
      await tx.execute(sql`SELECT pg_advisory_xact_lock(42)`);
      await tx.execute(sql`CREATE TEMP TABLE pool_scratch (id integer) ON COMMIT DROP`);
      await tx.execute(sql`INSERT INTO pool_scratch VALUES (1)`);
      return tx.scalar(sql<string>`SELECT current_setting('statement_timeout')`);
    });
    assert.equal(inside, '5s');
    const state = await sessionState(engine);
    assert.equal(state.statement_timeout, '0');
    assert.equal(Number(state.temp), 0);
  });

  it('two deploys migrating at once: each migration applied once, under a lock each transaction takes', async (t) => {
    const m = migrations('pool_mig');
    const history = 'pool_mig_history';
    await dropTables(engine, [...m.tables.map((t) => t.name), history]);
    const second = createEngine(bouncer.url('pooled'), { pooler: 'transaction', poolSize: 2 });
    try {
      const run = (e: Engine) => new Migrator({ engine: e, migrations: m.list, historyTable: history, lockTimeoutMs: 5000 }).up();
      const [a, b] = await within(30_000, 'the two migrator runs', Promise.all([run(engine), run(second)]));
      assert.deepEqual([...a, ...b].sort(), ['001_a', '002_b', '003_a_note'], `first applied ${a.join(', ')}; second ${b.join(', ')}`);
      t.diagnostic(`two migrator runs at once: one applied [${a.join(', ')}], the other [${b.join(', ')}]`);
      const rows = await engine.all(sql<{ id: string }>`SELECT id FROM pool_mig_history ORDER BY id`);
      assert.deepEqual(rows.map((r) => r.id), ['001_a', '002_b', '003_a_note']);
      await engine.execute(sql`INSERT INTO pool_mig_a (label, note) VALUES ('x', 'y')`);
      // No session lock was taken: none is left on any server connection.
      const advisory = await direct.scalar(sql<string>`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'`);
      assert.equal(Number(advisory), 0);
    } finally {
      await second.close();
      await dropTables(engine, [...m.tables.map((t) => t.name), history]);
    }
  });

  it('a migration that runs outside a transaction is refused before anything runs', async () => {
    const m = migrations('pool_mig2');
    const history = 'pool_mig2_history';
    await dropTables(engine, [...m.tables.map((t) => t.name), history]);
    try {
      const list = [...m.list, defineMigration({ id: '004_index', transactional: false, up: [op.createIndex('pool_mig2_a', 'pool_mig2_a_label_idx', ['label'], { concurrently: true })] })];
      await assert.rejects(new Migrator({ engine, migrations: list, historyTable: history }).up(), (error: unknown) => {
        assert.ok(error instanceof MigrationLockError, String(error));
        assert.match(error.message, /migration "004_index" runs outside a transaction/);
        assert.match(error.message, /connected straight to the server/);
        return true;
      });
      const applied = await engine.scalar(sql<string>`SELECT count(*) FROM pool_mig2_history`);
      assert.equal(Number(applied), 0, 'nothing ran');
    } finally {
      await dropTables(engine, [...m.tables.map((t) => t.name), history]);
    }
  });

  describe('nothing session-scoped is left on the server connection (one server connection: the next transaction sees it all)', () => {
    let single: Engine;
    before(async () => {
      single = createEngine(bouncer.url('single'), { pooler: 'transaction', poolSize: 3 });
    });
    after(async () => single.close());

    it('sessions, savepoints, streams, COPY, prepared statements, retries and a migration run leave the connection as they found it', async () => {
      const before = await sessionState(single);
      const m = migrations('pool_mig3');
      const history = 'pool_mig3_history';
      await dropTables(single, [...m.tables.map((t) => t.name), history]);
      try {
        await new Migrator({ engine: single, migrations: m.list, historyTable: history, lockTimeoutMs: 1234 }).up();
        await single.transaction(async (tx) => {
          await tx.execute(insert(note).values({ body: 'a' }));
          await tx.transaction(async (sp) => sp.execute(insert(note).values({ body: 'b' })));
        });
        await database(single).session(async (s) => {
          s.add(new Artist({ name: 'x' }));
          await s.flush();
          s.add(new Artist({ name: 'y' }));
        });
        for await (const batch of single.stream(select(note.c.body).from(note), { batchSize: 1 })) assert.equal(batch.length, 1);
        await single.copyFrom(note, [{ body: 'copied', n: 1 }], { columns: ['body', 'n'] });
        const prepared = single.prepare(select(note.c.body).from(note).where(note.c.body.eq(placeholder('b'))));
        for (const b of ['a', 'b', 'copied']) assert.equal((await prepared.one({ b })).body, b);
        await single.transaction(async (tx) => tx.scalar(sql`SELECT 1`), { isolation: 'serializable', retry: true });
        const afterwards = await sessionState(single);
        assert.equal(afterwards.pid, before.pid, 'every transaction ran on the one server connection');
        assert.deepEqual(afterwards, before);
        assert.equal(Number(afterwards.prepared), 0);
        assert.equal(Number(afterwards.advisory), 0);
        assert.equal(Number(afterwards.temp), 0);
      } finally {
        await dropTables(single, [...m.tables.map((t) => t.name), history]);
      }
    });

    it('without the setting, the migrator\'s session lock_timeout stays on the connection for the next client', async () => {
      const plain = createEngine(bouncer.url('single'), { poolSize: 1 });
      const m = migrations('pool_mig4');
      const history = 'pool_mig4_history';
      try {
        await dropTables(plain, [...m.tables.map((t) => t.name), history]);
        await new Migrator({ engine: plain, migrations: m.list, historyTable: history, lockTimeoutMs: 1234 }).up();
        // Another client of the pooler, on the server connection the migrator used.
        assert.equal((await sessionState(single)).lock_timeout, '1234ms');
      } finally {
        await plain.execute(sql`RESET lock_timeout`);
        await dropTables(plain, [...m.tables.map((t) => t.name), history]);
        await plain.close();
      }
      assert.equal((await sessionState(single)).lock_timeout, '0');
    });
  });
});

describe('the pooler setting', () => {
  it("is 'transaction' or absent, and for PostgreSQL only", async () => {
    assert.throws(() => createEngine('postgres://postgres@127.0.0.1:1/none', { pooler: 'session' as never }), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError, String(error));
      assert.equal(error.method, 'pooler');
      return true;
    });
    assert.throws(() => createEngine('sqlite::memory:', { pooler: 'transaction' }), (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError, String(error));
      assert.match(error.message, /for PostgreSQL behind a transaction pooler/);
      return true;
    });
    assert.throws(() => createEngine('mariadb://root@127.0.0.1:1/none', { pooler: 'transaction' }), InvalidArgumentError);
  });

  it('PostgreSQL: which statements leave state on the server connection, and which end with their transaction', () => {
    const dialect = new PostgresDialect();
    const leaves = [
      "SET statement_timeout = '5s'",
      'set search_path to app',
      "-- a comment first\nSET SESSION work_mem = '64MB'",
      '/* hint */ SET ROLE reporting',
      "SELECT set_config('search_path', 'app', false)",
      'SELECT pg_advisory_lock(1)',
      'SELECT pg_advisory_lock_shared(1, 2)',
      'SELECT pg_try_advisory_lock(7) AS taken',
      'CREATE TEMPORARY TABLE scratch (id integer)',
      'create local temp view v as select 1',
      'PREPARE q (int) AS SELECT $1',
      'LISTEN jobs',
      'DECLARE c CURSOR WITH HOLD FOR SELECT 1',
    ];
    const ends = [
      "SET LOCAL statement_timeout = '5s'",
      'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
      'SET CONSTRAINTS ALL DEFERRED',
      'UPDATE t SET x = 1',
      "SELECT 'SET x = 1' AS text",
      "SELECT set_config('search_path', 'app', true)",
      'SELECT pg_advisory_xact_lock(1)',
      'SELECT pg_advisory_unlock(1)',
      'CREATE TEMP TABLE scratch (id integer) ON COMMIT DROP',
      'CREATE TABLE temp_results (id integer)',
      'DECLARE c NO SCROLL CURSOR FOR SELECT 1',
      'RESET ALL',
      'UNLISTEN *',
    ];
    for (const s of leaves) assert.ok(dialect.sessionStateOf(s), `leaves state: ${s}`);
    for (const s of ends) assert.equal(dialect.sessionStateOf(s), undefined, `ends with its transaction: ${s}`);
  });
});
