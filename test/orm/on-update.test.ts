/**
 * Column `onUpdate()` values on every database: a flush sets them on every row it UPDATEs (a function per row, an
 * SQL expression left to the database) unless the change sets the column; inserts leave them alone; Core's
 * `update().set()`, the ORM's bulk update and the UPDATE that detaches children of a deleted parent apply them too.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { insert, select, update } from '../../src/index.js';
import { database, NotLoadedError, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { Author, Comment, Post, createHookTables, emptyHookTables, hkAuthorTable, hkCommentTable, hkPostTable, resetHooks } from '../fixtures/hook-models.js';

forEachDialect('column onUpdate', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createHookTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });
  beforeEach(async () => {
    resetHooks();
    await emptyHookTables(ctx.engine);
  });

  const authorRow = async (id: number) => (await ctx.engine.all(select(hkAuthorTable.c.name, hkAuthorTable.c.updatedAt).from(hkAuthorTable).where(hkAuthorTable.c.id.eq(id))))[0]!;
  /** Seconds: MariaDB's TIMESTAMP keeps no fraction. */
  const seconds = (d: unknown) => Math.floor(new Date(d as Date).getTime() / 1000);

  async function newAuthor(name = 'Ann'): Promise<number> {
    let id = 0;
    await db.session(async (s) => {
      const a = new Author({ name });
      s.add(a);
      await s.flush();
      id = a.id;
    });
    return id;
  }

  it('leaves onUpdate columns alone on INSERT (the default applies there)', async () => {
    const id = await newAuthor();
    const row = await ctx.engine.all(select(hkAuthorTable.c.createdAt, hkAuthorTable.c.updatedAt).from(hkAuthorTable).where(hkAuthorTable.c.id.eq(id)));
    assert.notEqual(row[0]!.createdAt, null);
    assert.equal(row[0]!.updatedAt, null);
  });

  it('sets a client onUpdate value on every row a flush updates, in memory and in the row', async () => {
    const id = await newAuthor();
    const before = Date.now();
    let inMemory: unknown = null;
    await db.session(async (s) => {
      const a = (await s.get(Author, id))!;
      a.name = 'Bob';
      const statements = await log.during(() => s.flush());
      assert.equal(statements.length, 1);
      assert.match(statements[0]!.sql, /updated_at/);
      inMemory = a.updatedAt;
    });
    assert.ok(inMemory instanceof Date);
    assert.ok((inMemory as Date).getTime() >= before);
    const row = await authorRow(id);
    assert.equal(row.name, 'Bob');
    assert.equal(seconds(row.updatedAt), seconds(inMemory));
  });

  it('keeps the value the change sets itself, and sends no UPDATE for an object with nothing to write', async () => {
    const id = await newAuthor();
    const fixed = new Date('2020-01-02T03:04:05Z');
    await db.session(async (s) => {
      const a = (await s.get(Author, id))!;
      a.name = 'Bob';
      a.updatedAt = fixed;
    });
    assert.equal(seconds((await authorRow(id)).updatedAt), seconds(fixed));
    await db.session(async (s) => {
      const a = (await s.get(Author, id))!;
      await a.posts.load();
      a.posts.push(new Post({ title: 'new' }));
      const statements = await log.during(() => s.flush());
      assert.deepEqual(statements.map((x) => x.kind), ['insert'], 'only the post is written: the author row is not updated');
    });
    assert.equal(seconds((await authorRow(id)).updatedAt), seconds(fixed));
  });

  it('leaves an SQL onUpdate to the database (same values: one UPDATE ... IN); the attribute is unloaded until read again', async () => {
    const id = await newAuthor();
    await ctx.engine.execute(insert(hkPostTable).values([{ title: 'a', authorId: id }, { title: 'b', authorId: id }]));
    await db.session(async (s) => {
      const posts = await s.query(Post).orderBy(Post.id).all();
      for (const p of posts) p.views = 7;
      const statements = await log.during(() => s.flush());
      assert.equal(statements.length, 1);
      assert.match(statements[0]!.sql, /touched_at.? = CURRENT_TIMESTAMP/);
      assert.throws(() => posts[0]!.touchedAt, NotLoadedError);
      await s.refresh(posts[0]!);
      assert.ok(posts[0]!.touchedAt instanceof Date);
      // Different values per row: the many-row UPDATE carries the expression too.
      posts[0]!.views = 1;
      posts[1]!.views = 2;
      const perRow = await log.during(() => s.flush());
      assert.equal(perRow.length, 1);
      assert.match(perRow[0]!.sql, /CURRENT_TIMESTAMP/);
    });
    const rows = await ctx.engine.all(select(hkPostTable.c.views, hkPostTable.c.touchedAt).from(hkPostTable).orderBy(hkPostTable.c.id));
    assert.deepEqual(rows.map((r) => r.views), [1, 2]);
    for (const r of rows) assert.ok(r.touchedAt instanceof Date);
  });

  it('applies to Core update().set() for the columns the SET leaves out; setting a column to itself leaves it', async () => {
    const id = await newAuthor();
    const stamped = update(hkAuthorTable).set({ name: 'core' }).where(hkAuthorTable.c.id.eq(id));
    assert.match(ctx.dialect.compile(stamped.node).sql, /updated_at/);
    await ctx.engine.execute(stamped);
    const first = (await authorRow(id)).updatedAt;
    assert.notEqual(first, null);
    const untouched = update(hkAuthorTable).set({ name: 'core 2', updatedAt: hkAuthorTable.c.updatedAt }).where(hkAuthorTable.c.id.eq(id));
    await ctx.engine.execute(untouched);
    assert.equal(seconds((await authorRow(id)).updatedAt), seconds(first));
    // SQL expression onUpdate in Core: written as the expression.
    assert.match(ctx.dialect.compile(update(hkPostTable).set({ views: 1 }).node).sql, /touched_at.? = CURRENT_TIMESTAMP/);
  });

  it('applies to a bulk query.update(), and synchronizes the objects in the session', async () => {
    const id = await newAuthor();
    await db.session(async (s) => {
      const a = (await s.get(Author, id))!;
      await s.query(Author).where(Author.id.eq(id)).update({ name: 'bulk' });
      assert.equal(a.name, 'bulk');
      assert.ok(a.updatedAt instanceof Date, 'the value the statement wrote');
      const row = await s.execute(select(hkAuthorTable.c.updatedAt).from(hkAuthorTable).where(hkAuthorTable.c.id.eq(id)));
      assert.equal(seconds(row.rows[0]!.updatedAt), seconds(a.updatedAt));
    });
  });

  it('applies to the UPDATE that detaches the children of a deleted parent; loaded children get the column unloaded', async () => {
    const id = await newAuthor();
    await db.session(async (s) => {
      const a = (await s.get(Author, id))!;
      const p = new Post({ title: 'p' });
      p.comments.push(new Comment({ body: 'c' }));
      a.posts.push(p);
    });
    await db.session(async (s) => {
      const p = (await s.query(Post).first())!;
      const [c] = await p.comments.load();
      // Post.comments has no delete cascade: the comments stay, their post_id set to NULL by one UPDATE.
      s.delete(p);
      await s.flush();
      assert.equal(c!.postId, null);
      assert.throws(() => c!.editedAt, NotLoadedError);
    });
    const rows = await ctx.engine.all(select(hkCommentTable.c.postId, hkCommentTable.c.editedAt).from(hkCommentTable));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.postId, null);
    assert.ok(rows[0]!.editedAt instanceof Date);
  });
});
