/**
 * A connection whose holder became garbage while it was checked out (an
 * `engine.connect()` never released, a session never closed, a transaction
 * whose callback never settles, a stream abandoned half-read) is reported
 * with a warning naming where it was acquired, and goes back to the pool
 * with whatever it held rolled back: the leak heals.
 *
 * Needs `node --expose-gc` (the test runner passes it).
 */
import { after, afterEach, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../../src/core/engine/index.js';
import { createEngine } from '../../../src/connect/index.js';
import { count, deleteFrom, insert, select, sql } from '../../../src/core/sql/index.js';
import { identity, text } from '../../../src/core/schema/column.js';
import { table } from '../../../src/core/schema/table.js';
import { database } from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { within, pause } from '../../support/waits.js';

const THIS_FILE = basename(fileURLToPath(import.meta.url));

const gc = (globalThis as { gc?: () => void }).gc;

/** Collect the process's connection-leak warnings while a test runs. */
const warnings: Error[] = [];
const onWarning = (w: Error): void => {
  if ((w as { code?: string }).code === 'ATH_CONNECTION_LEAK') warnings.push(w);
};

/** Collect garbage until a leak warning arrives (bounded). */
async function leakWarning(): Promise<Error> {
  for (let attempt = 0; attempt < 100; attempt++) {
    gc!();
    await pause(10);
    const w = warnings.shift();
    if (w) return w;
  }
  throw new Error('no connection-leak warning after 100 collections');
}

forEachDialect(
  'connections garbage collected while checked out',
  (ctx) => {
    const note = table(`eng_leak_${ctx.name}`, { id: identity(), body: text().notNull() });
    let engine: Engine;

    before(async () => {
      assert.ok(gc, 'run with node --expose-gc');
      process.on('warning', onWarning);
      // Tracking on: warnings name the acquiring line. One connection, so a leak blocks everyone until healed.
      engine = createEngine(ctx.url, { poolSize: 1, acquireTimeoutMs: 5000, trackCheckouts: true });
      await engine.createAll([note], { ifNotExists: true });
    });
    after(async () => {
      process.off('warning', onWarning);
      await engine.dropAll([note], { ifExists: true });
      await engine.close();
    });
    afterEach(() => {
      warnings.length = 0;
    });

    async function assertHealed(): Promise<void> {
      assert.equal(Number(await within(5000, 'a statement after the leak', engine.scalar(sql<number>`SELECT 1 AS one`))), 1);
      const conn = await within(5000, 'a connection after the leak', engine.connect());
      await conn.release();
    }

    function assertNamesAcquirer(w: Error, what: RegExp): void {
      assert.equal(w.name, 'AthanorWarning');
      assert.match(w.message, /garbage collected while checked out/);
      assert.match(w.message, what);
      assert.ok(w.message.includes(THIS_FILE), `names where it was acquired: ${w.message}`);
    }

    it('engine.connect() never released', async () => {
      await (async () => {
        const conn = await engine.connect();
        await conn.execute(sql`SELECT 1 AS one`);
      })();
      assertNamesAcquirer(await leakWarning(), /checked out by engine\.connect\(\) at /);
      await assertHealed();
    });

    it('a transaction left open on a dropped connection is rolled back', async () => {
      await (async () => {
        const conn = await engine.connect();
        await conn.begin();
        await conn.execute(insert(note).values({ body: 'never committed' }));
      })();
      await leakWarning();
      await assertHealed();
      assert.equal(Number(await engine.scalar(select({ n: count() }).from(note))), 0);
    });

    it('a transaction whose callback never settles', async () => {
      void engine.transaction(async (tx) => {
        await tx.execute(insert(note).values({ body: 'stuck' }));
        await new Promise(() => undefined); // nobody will ever resolve this
      });
      await pause(50);
      assertNamesAcquirer(await leakWarning(), /checked out by engine\.transaction\(\) at /);
      await assertHealed();
      assert.equal(Number(await engine.scalar(select({ n: count() }).from(note))), 0);
    });

    it('a stream abandoned half-read', async () => {
      await engine.execute(insert(note).values([{ body: 'a' }, { body: 'b' }, { body: 'c' }]));
      try {
        await (async () => {
          const batches = engine.stream(select(note.c.body).from(note), { batchSize: 1 });
          await batches.next();
        })();
        assertNamesAcquirer(await leakWarning(), /checked out by engine\.stream\(\) at /);
        await assertHealed();
      } finally {
        await engine.execute(deleteFrom(note));
      }
    });

    it('an ORM session never closed', async () => {
      const db = database(engine);
      await (async () => {
        const session = db.openSession();
        await session.execute(insert(note).values({ body: 'in a session' }));
      })();
      // The warning names the user's line (this file), not only the session's own frames.
      const w = await leakWarning();
      assert.match(w.message, new RegExp(`checked out for a session \\(connectForSession\\) at \\S*${THIS_FILE}:\\d+`));
      await assertHealed();
      assert.equal(Number(await engine.scalar(select({ n: count() }).from(note))), 0);
    });

    it('a released connection is never reported', async () => {
      await (async () => {
        const conn = await engine.connect();
        await conn.release();
      })();
      for (let i = 0; i < 5; i++) {
        gc!();
        await pause(10);
      }
      assert.deepEqual(warnings, []);
    });
  },
);

forEachDialect(
  'connection leaks without checkout tracking',
  (ctx) => {
    it('the first leak says how to learn where it came from and turns tracking on for the next', async () => {
      const engine = createEngine(ctx.url, { poolSize: 1, acquireTimeoutMs: 5000 });
      process.on('warning', onWarning);
      try {
        const leak = async (): Promise<void> => {
          const conn = await engine.connect();
          await conn.execute(sql`SELECT 1 AS one`);
        };
        await leak();
        const first = await leakWarning();
        assert.match(first.message, /trackCheckouts/);
        assert.ok(!first.message.includes(THIS_FILE));
        await leak();
        const second = await leakWarning();
        assert.ok(second.message.includes(THIS_FILE), second.message);
      } finally {
        process.off('warning', onWarning);
        warnings.length = 0;
        await engine.close();
      }
    });
  },
);
