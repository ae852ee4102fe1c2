/**
 * Lifecycle hooks on every database: when each hook runs and what it sees; before-hooks whose changes (to their
 * object, to others, new objects) go out in the same flush at the same statement count for 10 and 10,000 objects;
 * async hooks; a hook that throws writes nothing and a retry writes everything; afterLoad once per object created
 * from a row; the session's beforeFlush.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { count, insert, select, type Table } from '../../src/index.js';
import { database, InvalidRequestError, LifecycleHookError, selectinLoad, type Database, type Session } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import {
  Audit,
  Author,
  Post,
  createHookTables,
  emptyHookTables,
  hkAuditTable,
  hkAuthorTable,
  hkPostTable,
  hookBehaviour,
  hookLog,
  resetHooks,
} from '../fixtures/hook-models.js';

forEachDialect('lifecycle hooks', (ctx) => {
  let db: Database;
  let log: StatementLog;
  const countOf = async (t: Table) => Number(await ctx.engine.scalar(select({ n: count() }).from(t)));
  const writes = () => log.statements.filter((x) => x.kind === 'insert' || x.kind === 'update' || x.kind === 'delete');

  before(async () => {
    await createHookTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });
  beforeEach(async () => {
    resetHooks();
    await emptyHookTables(ctx.engine);
  });

  /** N authors with one post each, written with Core (no hooks run). */
  async function seed(n: number): Promise<void> {
    const authors = Array.from({ length: n }, (_, i) => ({ name: `author ${i}` }));
    for (let i = 0; i < n; i += 2000) await ctx.engine.execute(insert(hkAuthorTable).values(authors.slice(i, i + 2000)));
    const ids = (await ctx.engine.all(select(hkAuthorTable.c.id).from(hkAuthorTable).orderBy(hkAuthorTable.c.id))).map((r) => r.id);
    const posts = ids.map((id, i) => ({ title: `post ${i}`, authorId: id }));
    for (let i = 0; i < n; i += 2000) await ctx.engine.execute(insert(hkPostTable).values(posts.slice(i, i + 2000)));
  }

  it('runs beforeInsert and afterInsert around the INSERTs; what beforeInsert sets is in the same INSERT', async () => {
    const seen: { id: unknown; status: boolean }[] = [];
    hookBehaviour.beforeInsert = (o) => {
      if (o instanceof Post) o.slug = o.title.toLowerCase().replace(/\s+/g, '-');
    };
    hookBehaviour.afterInsert = (o) => {
      const a = o as Author;
      seen.push({ id: a.id, status: typeof a.id === 'number' });
    };
    log.start();
    await db.session(async (s) => {
      const a = new Author({ name: 'Ann' });
      a.posts.push(new Post({ title: 'Hello World' }));
      s.add(a);
    });
    log.end();
    assert.deepEqual(
      hookLog.calls.filter((c) => !c.startsWith('validate')),
      ['beforeInsert Author Ann', 'beforeInsert Post Hello World', 'afterInsert Author Ann'],
    );
    assert.equal(writes().length, 2, 'one INSERT per table, the slug included');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.status, true, 'afterInsert sees the generated key');
    const rows = await ctx.engine.all(select(hkPostTable.c.slug).from(hkPostTable));
    assert.deepEqual(rows, [{ slug: 'hello-world' }]);
  });

  it('tells beforeUpdate and afterUpdate which attributes change; what beforeUpdate sets goes in the same UPDATE', async () => {
    await seed(1);
    hookBehaviour.beforeUpdate = (o) => {
      if (o instanceof Author) o.revision += 1;
    };
    await db.session(async (s) => {
      const [a] = await s.query(Author).all();
      resetHooks();
      hookBehaviour.beforeUpdate = (o) => {
        if (o instanceof Author) o.revision += 1;
      };
      a!.email = 'ann@example.com';
      log.start();
      await s.flush();
      log.end();
    });
    const i = hookLog.calls.indexOf('beforeUpdate Author author 0');
    assert.ok(i >= 0, hookLog.calls.join('\n'));
    assert.deepEqual(hookLog.changed[i], ['email']);
    const j = hookLog.calls.indexOf('afterUpdate Author author 0');
    assert.deepEqual(hookLog.changed[j], ['email', 'revision', 'updatedAt'], 'what the UPDATE wrote, onUpdate included');
    assert.equal(writes().length, 1);
    const [row] = await ctx.engine.all(select(hkAuthorTable.c.revision, hkAuthorTable.c.email).from(hkAuthorTable));
    assert.deepEqual(row, { revision: 1, email: 'ann@example.com' });
  });

  async function renameAll(n: number): Promise<number> {
    await emptyHookTables(ctx.engine);
    await seed(n);
    hookLog.recording = false;
    let statements = 0;
    await db.session(async (s) => {
      const authors = await s.query(Author).all();
      const posts = await s.query(Post).all();
      const postOf = new Map(posts.map((p) => [p.authorId, p]));
      // The hook changes another object and adds a new one for each author it runs for.
      hookBehaviour.beforeUpdate = (o, e) => {
        if (!(o instanceof Author)) return;
        postOf.get(o.id)!.views += 1;
        e.session.add(new Audit({ action: 'rename', subject: o.name }));
      };
      authors.forEach((a, i) => (a.name = `renamed ${i}`));
      statements = (await log.during(() => s.flush())).length;
    });
    hookBehaviour.beforeUpdate = undefined;
    assert.equal(await countOf(hkAuditTable), n);
    const views = await ctx.engine.all(select(hkPostTable.c.views, hkPostTable.c.touchedAt).from(hkPostTable));
    assert.equal(views.length, n);
    for (const v of views) {
      assert.equal(v.views, 1);
      assert.notEqual(v.touchedAt, null, 'the SQL onUpdate ran');
    }
    const stamped = await ctx.engine.scalar(select({ n: count() }).from(hkAuthorTable).where(hkAuthorTable.c.updatedAt.isNotNull()));
    assert.equal(Number(stamped), n);
    return statements;
  }

  it('writes what a beforeUpdate hook changes on 10 and on 10,000 other objects, and the objects it adds, in the same number of statements', async () => {
    const small = await renameAll(10);
    const large = await renameAll(10_000);
    // UPDATE authors (each its own name and updated_at), UPDATE posts (views = 1, touched_at = CURRENT_TIMESTAMP), INSERT audits.
    assert.equal(small, 3);
    assert.equal(large, small);
  });

  it('awaits async hooks, in order; a hook may query its session (no autoflush deadlock)', async () => {
    const order: string[] = [];
    hookBehaviour.beforeInsert = async (o, e) => {
      await sleep(5);
      const n = await e.session.query(Author).count();
      order.push(`${o instanceof Author ? 'Author' : 'Post'}:${n}`);
      if (o instanceof Post) o.slug = 'async';
    };
    await db.session(async (s) => {
      const a = new Author({ name: 'Ann' });
      a.posts.push(new Post({ title: 'p1' }), new Post({ title: 'p2' }));
      s.add(a);
    });
    assert.deepEqual(order, ['Author:0', 'Post:0', 'Post:0']);
    const slugs = await ctx.engine.all(select(hkPostTable.c.slug).from(hkPostTable));
    assert.deepEqual(slugs, [{ slug: 'async' }, { slug: 'async' }]);
  });

  it('a beforeInsert that throws writes nothing and names the object; the objects stay pending and a retry writes them', async () => {
    let fail = true;
    hookBehaviour.beforeInsert = async (o) => {
      await sleep(1);
      if (fail && o instanceof Post) throw new Error('no slug service');
    };
    const s = db.openSession();
    const a = new Author({ name: 'Ann' });
    a.posts.push(new Post({ title: 'p1' }));
    s.add(a);
    log.start();
    await assert.rejects(s.commit(), (e: unknown) => {
      assert.ok(e instanceof LifecycleHookError);
      assert.equal(e.code, 'ATH_HOOK');
      assert.equal(e.hook, 'beforeInsert');
      assert.equal(e.model, 'Post');
      assert.match(e.message, /^Post\(pending\)\.beforeInsert threw: no slug service/);
      assert.equal((e.cause as Error).message, 'no slug service');
      return true;
    });
    log.end();
    assert.equal(writes().length, 0, 'no INSERT was sent');
    assert.equal(await countOf(hkAuthorTable), 0);
    assert.equal(s.size, 2, 'both objects are still pending');
    fail = false;
    await s.commit();
    await s.close();
    assert.equal(await countOf(hkAuthorTable), 1);
    assert.equal(await countOf(hkPostTable), 1);
  });

  it('a beforeUpdate that throws in the second flush of a transaction rolls back to its savepoint only', async () => {
    await seed(1);
    const s = db.openSession();
    const [a] = await s.query(Author).all();
    s.add(new Audit({ action: 'first flush' }));
    await s.flush();
    let fail = true;
    hookBehaviour.beforeUpdate = () => {
      if (fail) throw new Error('refused');
    };
    a!.name = 'changed';
    await assert.rejects(s.flush(), LifecycleHookError);
    fail = false;
    await s.commit();
    await s.close();
    assert.equal(await countOf(hkAuditTable), 1, 'the first flush survived');
    assert.equal(await ctx.engine.scalar(select(hkAuthorTable.c.name).from(hkAuthorTable)), 'changed');
  });

  it('an afterInsert that throws rolls the transaction back: everything it wrote is pending again, and commit() again writes it', async () => {
    let fail = true;
    hookBehaviour.afterInsert = () => {
      if (fail) throw new Error('mail server down');
    };
    const s = db.openSession();
    const a = new Author({ name: 'Ann' });
    a.posts.push(new Post({ title: 'p1' }));
    s.add(a);
    await assert.rejects(s.commit(), (e: unknown) => e instanceof LifecycleHookError && e.hook === 'afterInsert' && /^Author\(\d+\)\.afterInsert/.test(e.message));
    assert.equal(await countOf(hkAuthorTable), 0);
    assert.equal(a.id, undefined, 'the generated key is cleared: the object is pending again');
    fail = false;
    await s.commit();
    await s.close();
    assert.equal(await countOf(hkAuthorTable), 1);
    assert.equal(await countOf(hkPostTable), 1);
  });

  it('writes what after-hooks add before commit() returns (a flush of its own)', async () => {
    hookBehaviour.afterInsert = (o, e) => {
      if (o instanceof Author) e.session.add(new Audit({ action: 'created', subject: o.name }));
    };
    await db.session(async (s) => {
      s.add(new Author({ name: 'Ann' }));
    });
    assert.equal(await countOf(hkAuditTable), 1);
  });

  it('runs beforeDelete and afterDelete for the rows the flush deletes, cascaded ones included', async () => {
    await seed(2);
    await db.session(async (s) => {
      const authors = await s.query(Author).orderBy(Author.id).all();
      hookLog.calls.length = 0;
      s.delete(authors[0]!);
    });
    const calls = hookLog.calls.filter((c) => /Delete/.test(c));
    // In the plan's order: children first.
    assert.deepEqual(calls, ['beforeDelete Post post 0', 'beforeDelete Author author 0', 'afterDelete Post post 0', 'afterDelete Author author 0']);
    assert.equal(await countOf(hkPostTable), 1);
  });

  it('calls afterLoad once per object created from a row, after eager loads; not for identity-map hits', async () => {
    await seed(3);
    const sawPosts: number[] = [];
    hookBehaviour.afterLoad = (o) => {
      if (o instanceof Author) sawPosts.push((o.posts as unknown as Post[]).length);
    };
    await db.session(async (s) => {
      const authors = await s.query(Author).options(selectinLoad(Author.posts)).all();
      assert.equal(authors.length, 3);
      assert.deepEqual(sawPosts, [1, 1, 1], 'the eager load had finished');
      const loads = () => hookLog.calls.filter((c) => c.startsWith('afterLoad'));
      assert.equal(loads().length, 6, '3 authors and 3 posts');
      await s.query(Author).all();
      await s.get(Author, authors[0]!.id);
      assert.equal(loads().length, 6, 'identity-map hits run no afterLoad');
    });
    hookBehaviour.afterLoad = undefined;
    await db.session(async (s) => {
      hookLog.calls.length = 0;
      const a = await s.get(Author, (await ctx.engine.scalar(select(hkAuthorTable.c.id).from(hkAuthorTable).limit(1)))!);
      assert.deepEqual(hookLog.calls, [`afterLoad Author ${a!.name}`]);
      await a!.posts.load();
      assert.equal(hookLog.calls.length, 2, 'a lazy load runs it for what it loads');
    });
  });

  it('an afterLoad that throws fails the query, naming the object', async () => {
    await seed(1);
    hookBehaviour.afterLoad = async () => {
      await sleep(1);
      throw new Error('corrupt row');
    };
    await db.session(async (s) => {
      await assert.rejects(s.query(Author).all(), (e: unknown) => e instanceof LifecycleHookError && e.hook === 'afterLoad' && /^Author\(\d+\)\.afterLoad threw: corrupt row/.test(e.message));
    });
  });

  it('runs the session beforeFlush first, and plans what it changes', async () => {
    const seenPending: number[] = [];
    const tenantDb = database(ctx.engine, {
      beforeFlush: ({ session, pending }) => {
        seenPending.push(pending.length);
        for (const o of pending) if (o instanceof Post && o.slug == null) o.slug = 'from-before-flush';
        if (pending.some((o) => o instanceof Author)) session.add(new Audit({ action: 'flush' }));
      },
    });
    await tenantDb.session(async (s) => {
      const a = new Author({ name: 'Ann' });
      a.posts.push(new Post({ title: 'p' }));
      s.add(a);
    });
    assert.deepEqual(seenPending, [2]);
    assert.equal(await countOf(hkAuditTable), 1);
    assert.equal(await ctx.engine.scalar(select(hkPostTable.c.slug).from(hkPostTable)), 'from-before-flush');
  });

  it('a beforeFlush that throws writes nothing; its error names the hook', async () => {
    const failing = database(ctx.engine, {
      beforeFlush: () => {
        throw new Error('read only today');
      },
    });
    await assert.rejects(
      failing.session(async (s) => s.add(new Author({ name: 'Ann' }))),
      (e: unknown) => e instanceof LifecycleHookError && e.hook === 'beforeFlush' && e.message === 'beforeFlush threw: read only today',
    );
    assert.equal(await countOf(hkAuthorTable), 0);
  });

  it('refuses commit() from inside a hook instead of waiting for itself', async () => {
    hookBehaviour.beforeInsert = async (_o, e) => {
      await (e.session as Session).commit();
    };
    const s = db.openSession();
    s.add(new Audit({ action: 'x' }));
    s.add(new Author({ name: 'Ann' }));
    await assert.rejects(s.flush(), (e: unknown) => e instanceof LifecycleHookError && e.cause instanceof InvalidRequestError);
    await s.close();
    assert.equal(await countOf(hkAuthorTable), 0);
  });
});
