/**
 * The HTTP example (examples/http) over real HTTP on every database: each
 * request's session commits on success, rolls back on an error status (a
 * handler that throws after writing leaves nothing), gives its connection
 * back, and costs the same statements at 10 rows and at 10,000.
 */
import { after, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, deleteFrom, select, type Table } from '../../src/index.js';
import { database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { startServer } from '../../examples/http/server.js';
import { Post, User, blogTables, commentTable, postTable, userTable } from '../../examples/http/schema.js';

forEachDialect('HTTP example: a session per request', (ctx) => {
  let base: string;
  let close: () => Promise<void>;
  let log: StatementLog;
  const countOf = async (t: Table) => Number(await ctx.engine.scalar(select({ n: count() }).from(t)));

  /** A request, its JSON answer, and the statements it ran (data and transaction control apart). */
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; sql: string[]; control: string[] }> {
    log.start();
    const res = await fetch(base + path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    log.end();
    // The response came after the commit and the release: nothing may be held now.
    assert.equal(ctx.engine.connectionsCheckedOut, 0, `${method} ${path} left a connection checked out`);
    return {
      status: res.status,
      json: text ? JSON.parse(text) : undefined,
      sql: log.sql.map((q) => /^(INSERT INTO \S+|UPDATE \S+|DELETE FROM \S+|SELECT)/.exec(q)?.[0] ?? q),
      control: log.all.filter((c) => c.kind === 'transaction').map((c) => c.sql.split(' ')[0]!),
    };
  }

  before(async () => {
    await ctx.engine.dropAll(blogTables, { ifExists: true });
    await ctx.engine.createAll(blogTables);
    log = new StatementLog(ctx.engine);
    ({ url: base, close } = await startServer(database(ctx.engine)));
  });
  after(async () => {
    await close();
    await ctx.engine.dropAll(blogTables, { ifExists: true });
  });
  beforeEach(async () => {
    for (const t of [commentTable, postTable, userTable] as Table[]) await ctx.engine.execute(deleteFrom(t));
  });

  it('a handler that never touches the session takes no connection and runs no statement', async () => {
    const r = await call('GET', '/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.sql, []);
    assert.deepEqual(r.control, []);
  });

  for (const n of [10, 10_000]) {
    it(`POST /users with ${n} nested comments: 3 INSERTs and one commit, whatever n`, async () => {
      const posts = Array.from({ length: 5 }, (_, p) => ({ title: `post ${p}`, comments: Array.from({ length: n / 5 }, (_, c) => ({ body: `comment ${c}` })) }));
      const r = await call('POST', '/users', { email: 'ada@example.org', name: 'Ada', posts });
      assert.equal(r.status, 201);
      const created = r.json as { id: number; posts: { comments: unknown[] }[] };
      assert.equal(typeof created.id, 'number');
      assert.equal(created.posts.reduce((k, p) => k + p.comments.length, 0), n);
      const q = ctx.dialect.quoteIdentifier.bind(ctx.dialect);
      assert.deepEqual(r.sql, [`INSERT INTO ${q('http_user')}`, `INSERT INTO ${q('http_post')}`, `INSERT INTO ${q('http_comment')}`]);
      assert.deepEqual(r.control.filter((c) => c === 'COMMIT'), ['COMMIT']);
      assert.equal(await countOf(commentTable), n);
    });

    it(`GET /users lists ${n} users with their posts in 2 SELECTs`, async () => {
      await database(ctx.engine).session(async (s) => {
        for (let i = 0; i < n; i++) {
          const u = new User({ email: `u${i}@example.org`, name: `u${i}` });
          u.posts.push(new Post({ title: `by u${i}` }));
          s.add(u);
        }
      });
      const r = await call('GET', '/users');
      assert.equal(r.status, 200);
      assert.equal((r.json as unknown[]).length, n);
      assert.deepEqual(r.sql, ['SELECT', 'SELECT']);
      // Reads only: no transaction was opened.
      assert.deepEqual(r.control, []);
    });
  }

  it('GET /users/:id loads posts and comments; PATCH edits; DELETE removes; 404 for the missing', async () => {
    const created = (await call('POST', '/users', { email: 'bo@example.org', name: 'Bo', posts: [{ title: 'one', comments: [{ body: 'hi' }] }] })).json as {
      id: number;
      posts: { id: number }[];
    };
    const got = await call('GET', `/users/${created.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual((got.json as { posts: { comments: { body: string }[] }[] }).posts[0]!.comments.map((c) => c.body), ['hi']);
    assert.deepEqual(got.sql, ['SELECT', 'SELECT', 'SELECT']);

    const postId = created.posts[0]!.id;
    const patched = await call('PATCH', `/posts/${postId}`, { title: 'one, edited' });
    assert.equal(patched.status, 200);
    assert.equal((patched.json as { title: string }).title, 'one, edited');
    assert.deepEqual(patched.sql, ['SELECT', `UPDATE ${ctx.dialect.quoteIdentifier('http_post')}`]);
    assert.equal(await ctx.engine.scalar(select(postTable.c.title).from(postTable)), 'one, edited');

    const deleted = await call('DELETE', `/posts/${postId}`);
    assert.equal(deleted.status, 204);
    assert.deepEqual(deleted.sql, ['SELECT', `DELETE FROM ${ctx.dialect.quoteIdentifier('http_post')}`]);
    assert.equal(await countOf(postTable), 0);
    assert.equal(await countOf(commentTable), 0);

    assert.equal((await call('PATCH', `/posts/${postId}`, { title: 'x' })).status, 404);
    assert.equal((await call('GET', '/users/abc')).status, 400);
  });

  it('a handler that throws after writing answers 422 and nothing lands', async () => {
    const r = await call('POST', '/users', { email: 'cy@example.org', name: 'Cy', posts: [{ title: 'p', comments: [{ body: 'ok' }, { body: ' ' }] }] });
    assert.equal(r.status, 422);
    // The rows were written (the flush ran) and rolled back with the request's session.
    assert.equal(r.sql.length, 3);
    assert.deepEqual(r.control.slice(-1), ['ROLLBACK']);
    assert.equal(await countOf(userTable), 0);
    assert.equal(await countOf(postTable), 0);
    assert.equal(await countOf(commentTable), 0);
  });

  it('a unique violation answers 409; the first user stays, the second left nothing', async () => {
    assert.equal((await call('POST', '/users', { email: 'dee@example.org', name: 'Dee' })).status, 201);
    const r = await call('POST', '/users', { email: 'dee@example.org', name: 'Dee again', posts: [{ title: 'p' }] });
    assert.equal(r.status, 409);
    assert.equal(await countOf(userTable), 1);
    assert.equal(await countOf(postTable), 0);
  });

  it('concurrent requests each get their own session and all connections come back', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${base}/users`, { method: 'POST', body: JSON.stringify({ email: `c${i}@example.org`, name: `c${i}` }), headers: { 'content-type': 'application/json' } }),
      ),
    );
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    await Promise.all(answers.map((a) => a.text()));
    assert.equal(ctx.engine.connectionsCheckedOut, 0);
    assert.equal(await countOf(userTable), 20);
  });
});
