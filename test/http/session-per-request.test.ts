/**
 * `athanor/http` on Express and Fastify, over real HTTP on every database:
 * a request's session commits when it succeeds (before the response goes
 * out), rolls back on a thrown error or an error status, on a failed commit
 * (a 500, the hook told) and when the client goes away mid-request; a handler
 * that never touches the session takes no connection; and the connection comes
 * back every time. Also `withSession` / `currentSession` on their own, and the
 * adapters over a test's transaction (`database(tx)`).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { count, deleteFrom, identity, IntegrityError, select, table, text } from '../../src/index.js';
import { currentSession, database, InvalidRequestError, mapped, Model, withSession, type Database } from '../../src/orm/index.js';
import { fastifySessionPerRequest, sessionPerRequest } from '../../src/http/index.js';
import { forEachDialect, type DialectContext } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { pause, within } from '../support/waits.js';

const item = table('hx_item', { id: identity(), name: text().notNull().unique() });

@mapped
class Item extends Model(item) {}

/** A gate a handler waits at until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** What the routes do, written once for both frameworks: each returns [status, body]. */
function routes() {
  return {
    ok: async (name: string): Promise<[number, unknown]> => {
      currentSession().add(new Item({ name }));
      await currentSession().flush();
      return [201, { ok: true }];
    },
    throws: async (name: string): Promise<[number, unknown]> => {
      currentSession().add(new Item({ name }));
      await currentSession().flush();
      throw new Error('after writing');
    },
    refuses: async (name: string): Promise<[number, unknown]> => {
      currentSession().add(new Item({ name }));
      await currentSession().flush();
      return [400, { error: 'refused after writing' }];
    },
    // The duplicate is only found by the commit's flush.
    commitFails: async (name: string): Promise<[number, unknown]> => {
      currentSession().add(new Item({ name }));
      currentSession().add(new Item({ name }));
      return [201, { ok: true }];
    },
    untouched: async (): Promise<[number, unknown]> => [200, { ok: true }],
  };
}

type Routes = Record<string, (name: string) => Promise<[number, unknown]>>;
type Framework = (db: Database, r: Routes, onCommitError: (e: unknown) => void) => Promise<{ url: string; close: () => Promise<void> }>;

const frameworks: Record<string, Framework> = {
  Express: async (db, r, onCommitError) => {
    const app = express();
    app.use(sessionPerRequest(db, { onCommitError }));
    for (const [name, handler] of Object.entries(r)) {
      app.get(`/${name}/:name`, async (req, res) => {
        const [status, body] = await handler(req.params['name']!);
        res.status(status).json(body);
      });
    }
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive sockets of fetch would hold close() for seconds
      }) };
  },
  Fastify: async (db, r, onCommitError) => {
    const app = Fastify({ forceCloseConnections: true });
    fastifySessionPerRequest(app, db, { onCommitError });
    for (const [name, handler] of Object.entries(r)) {
      app.get<{ Params: { name: string } }>(`/${name}/:name`, async (request, reply) => {
        const [status, body] = await handler(request.params.name);
        return reply.code(status).send(body);
      });
    }
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
};

async function names(ctx: DialectContext): Promise<string[]> {
  return (await ctx.engine.all(select(item.c.name).from(item).orderBy(item.c.name))).map((r) => r.name);
}

forEachDialect('a session per request', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([item], { ifExists: true });
    await ctx.engine.createAll([item]);
  });
  after(async () => {
    await ctx.engine.dropAll([item], { ifExists: true });
  });
  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(item));
  });

  it('withSession commits when fn resolves, rolls back when it throws; currentSession() finds it, and only inside', async () => {
    const db = database(ctx.engine);
    await withSession(db, async (s) => {
      assert.equal(currentSession(), s);
      await Promise.resolve();
      currentSession().add(new Item({ name: 'kept' }));
      // A nested withSession has a session of its own, current inside it.
      await withSession(db, async (inner) => {
        assert.notEqual(inner, s);
        assert.equal(currentSession(), inner);
      });
      assert.equal(currentSession(), s);
    });
    await assert.rejects(
      withSession(db, async () => {
        currentSession().add(new Item({ name: 'dropped' }));
        await currentSession().flush();
        throw new Error('no');
      }),
      /no/,
    );
    assert.deepEqual(await names(ctx), ['kept']);
    assert.throws(() => currentSession(), InvalidRequestError);
    assert.equal(ctx.engine.connectionsCheckedOut, 0);
  });

  for (const [framework, start] of Object.entries(frameworks)) {
    describe(framework, () => {
      let url: string;
      let close: () => Promise<void>;
      let slowReached = gate();
      let slowGate = gate();
      let slowAfter: { wait: Promise<unknown>; settle: (e: unknown) => void };
      const commitErrors: unknown[] = [];
      const resetSlow = () => {
        slowReached = gate();
        slowGate = gate();
        let settle!: (e: unknown) => void;
        slowAfter = { wait: new Promise((resolve) => (settle = resolve)), settle };
      };
      resetSlow();

      before(async () => {
        const r: Routes = { ...routes() };
        // Writes, then waits at a gate the test opens after the client went away. It reads the gates through
        // these variables, which resetSlow() replaces.
        r['slow'] = async (name) => {
          currentSession().add(new Item({ name }));
          await currentSession().flush();
          slowReached.open();
          await slowGate.wait;
          try {
            currentSession().add(new Item({ name: `${name} later` }));
            await currentSession().flush();
            slowAfter.settle(undefined);
          } catch (error) {
            slowAfter.settle(error);
          }
          return [200, { ok: true }];
        };
        ({ url, close } = await start(database(ctx.engine), r, (e) => commitErrors.push(e)));
      });
      after(() => close());

      async function get(path: string): Promise<number> {
        const res = await fetch(url + path);
        await res.text();
        assert.equal(ctx.engine.connectionsCheckedOut, 0, `${path} left a connection checked out`);
        return res.status;
      }

      it('commits on success, before the response arrives', async () => {
        assert.equal(await get('/ok/ada'), 201);
        assert.deepEqual(await names(ctx), ['ada']);
      });

      it('rolls back a handler that throws after writing (500) and one that answers an error status (400)', async () => {
        assert.equal(await get('/throws/bob'), 500);
        assert.equal(await get('/refuses/cy'), 400);
        assert.deepEqual(await names(ctx), []);
      });

      it('a failed commit answers 500, tells onCommitError, and leaves nothing', async () => {
        commitErrors.length = 0;
        assert.equal(await get('/commitFails/dup'), 500);
        assert.equal(commitErrors.length, 1);
        assert.ok(commitErrors[0] instanceof IntegrityError, String(commitErrors[0]));
        assert.deepEqual(await names(ctx), []);
      });

      it('a handler that never touches the session takes no connection and runs no statement', async () => {
        const log = new StatementLog(ctx.engine).start();
        assert.equal(await get('/untouched/x'), 200);
        log.end();
        assert.equal(log.all.length, 0);
      });

      it('the same statements per request at 1 and at 20 requests in a row', async () => {
        const log = new StatementLog(ctx.engine);
        const perRequest = async (n: number) => {
          log.start();
          for (let i = 0; i < n; i++) assert.equal(await get(`/ok/n${n}_${i}`), 201);
          log.end();
          return log.all.length / n;
        };
        assert.equal(await perRequest(1), await perRequest(20));
      });

      it('a client that goes away mid-request: rolled back, connection back, the handler cannot write any more', async () => {
        resetSlow();
        const abort = new AbortController();
        const request = fetch(`${url}/slow/eve`, { signal: abort.signal }).catch((e: unknown) => e);
        await within(5000, 'the handler', slowReached.wait);
        abort.abort();
        assert.ok((await request) instanceof Error);
        for (let i = 0; i < 200 && ctx.engine.connectionsCheckedOut > 0; i++) await pause(10);
        assert.equal(ctx.engine.connectionsCheckedOut, 0);
        slowGate.open();
        const later = await within(5000, 'the rest of the handler', slowAfter.wait);
        assert.ok(later instanceof InvalidRequestError, `the handler's later write is refused: ${String(later)}`);
        assert.deepEqual(await names(ctx), []);
      });
    });

    it(`${framework} over a test's transaction: requests commit into it, its rollback leaves nothing`, async () => {
      const tx = await ctx.engine.openTransaction();
      const { url, close } = await start(database(tx), routes(), () => {});
      try {
        for (const name of ['a', 'b', 'c']) assert.equal((await fetch(`${url}/ok/${name}`)).status, 201);
        assert.equal((await fetch(`${url}/throws/d`)).status, 500);
        assert.equal(Number(await tx.scalar(select({ n: count() }).from(item))), 3);
      } finally {
        await close();
        await tx.rollback();
      }
      assert.deepEqual(await names(ctx), []);
      assert.equal(ctx.engine.connectionsCheckedOut, 0);
    });
  }
});
