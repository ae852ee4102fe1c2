/**
 * Soft delete on every database: `delete()` of a model declaring softDelete(column) is one UPDATE per model and
 * flush whatever the number of objects (the same count at N=10 and N=10,000), cascades to soft-delete children,
 * leaves other children alone, restores what was deleted together, and hard deletes on request.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { boolean, deleteFrom, identity, insert, integer, primaryKey, select, table, text, timestamp, type Table } from '../../src/index.js';
import { Model, database, many, mapped, one, selectinLoad, softDelete, softDeleteFilter, type Database, type Related, type Session } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';

const blog = table('sd_blog', { id: identity(), name: text().notNull() });
const post = table('sd_post', {
  id: identity(),
  title: text().notNull(),
  blogId: integer('blog_id').references(() => blog.c.id),
  deletedAt: timestamp('deleted_at'),
});
const comment = table('sd_comment', {
  id: identity(),
  body: text().notNull(),
  postId: integer('post_id').notNull().references(() => post.c.id),
  deletedAt: timestamp('deleted_at'),
});
const reaction = table('sd_reaction', {
  id: identity(),
  kind: text().notNull(),
  commentId: integer('comment_id').notNull().references(() => comment.c.id),
  removed: boolean().notNull().default(false),
});
const attachment = table('sd_attachment', { id: identity(), name: text().notNull(), postId: integer('post_id').notNull().references(() => post.c.id) });
const label = table('sd_label', { id: identity(), name: text().notNull() });
const postLabel = table(
  'sd_post_label',
  { postId: integer('post_id').notNull().references(() => post.c.id), labelId: integer('label_id').notNull().references(() => label.c.id) },
  (c) => [primaryKey(c.postId, c.labelId)],
);
const tables = [blog, post, comment, reaction, attachment, label, postLabel];

@mapped
class Blog extends Model(blog) {
  static readonly posts = many(() => Post, { backPopulates: 'blog', cascade: 'all' });
}
interface Blog extends Related<typeof Blog> {}

@mapped
class Post extends Model(post) {
  static readonly blog = one(() => Blog, { backPopulates: 'posts' });
  static readonly comments = many(() => Comment, { backPopulates: 'post', cascade: 'all', orderBy: [comment.c.id] });
  static readonly attachments = many(() => Attachment, { cascade: 'all' });
  static readonly labels = many(() => Label, { secondary: postLabel });
  static readonly deleted = softDelete(post.c.deletedAt);
}
interface Post extends Related<typeof Post> {}

@mapped
class Comment extends Model(comment) {
  static readonly post = one(() => Post, { backPopulates: 'comments' });
  static readonly reactions = many(() => Reaction, { cascade: 'all, delete-orphan' });
  static readonly deleted = softDelete(comment.c.deletedAt);
}
interface Comment extends Related<typeof Comment> {}

@mapped
class Reaction extends Model(reaction) {
  static readonly deleted = softDelete(reaction.c.removed);
}

@mapped
class Attachment extends Model(attachment) {}

@mapped
class Label extends Model(label) {}

function norm(sql: string): string {
  return sql.replace(/`/g, '"').replace(/\$\d+/g, '?');
}

const EARLIER = new Date('2020-01-01T00:00:00.000Z');

forEachDialect('soft delete', (ctx) => {
  let db: Database;
  let log: StatementLog;

  /** `n` posts of blog 1, each with a comment (with a reaction), an attachment and a label. */
  async function seed(n: number): Promise<void> {
    for (const t of [postLabel, reaction, comment, attachment, post, label, blog] as Table[]) await ctx.engine.execute(deleteFrom(t));
    await ctx.engine.execute(insert(blog).values([{ id: 1, name: 'blog' }]));
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    await ctx.engine.execute(insert(post).values(ids.map((id) => ({ id, title: `post ${id}`, blogId: 1 }))));
    await ctx.engine.execute(insert(comment).values(ids.map((id) => ({ id, body: `comment ${id}`, postId: id }))));
    await ctx.engine.execute(insert(reaction).values(ids.map((id) => ({ id, kind: 'like', commentId: id }))));
    await ctx.engine.execute(insert(attachment).values(ids.map((id) => ({ id, name: `file ${id}`, postId: id }))));
    await ctx.engine.execute(insert(label).values([{ id: 1, name: 'news' }]));
    await ctx.engine.execute(insert(postLabel).values(ids.map((id) => ({ postId: id, labelId: 1 }))));
  }

  async function rows(t: Table): Promise<number> {
    return (await ctx.engine.execute(select(t.columns[0]!).from(t))).rows.length;
  }

  async function deletedRows(t: typeof post | typeof comment): Promise<number> {
    return (await ctx.engine.execute(select(t.c.id).from(t).where(t.c.deletedAt.isNotNull()))).rows.length;
  }

  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  async function run(fn: (s: Session) => Promise<unknown>): Promise<string[]> {
    return (await log.during(() => db.session(fn))).map((s) => norm(s.sql));
  }

  it('deleting N objects of a soft-delete model is one UPDATE, and N soft-deleted posts with children a fixed few statements, at N=10 and N=10,000', async () => {
    const counts: Record<number, { leaves: number; tree: number }> = {};
    for (const n of [10, 10_000]) {
      await seed(n);
      const leaves = await run(async (s) => {
        const all = await s.query(Reaction).all();
        for (const r of all) s.delete(r);
        await log.during(() => s.flush()).then((flushed) => {
          assert.equal(flushed.length, 1);
          assert.match(norm(flushed[0]!.sql), /^UPDATE "sd_reaction" SET "removed" = \? WHERE "sd_reaction"\."id" (IN \(\?|= ANY)/);
        });
        assert.equal(await s.query(Reaction).count(), 0);
      });
      assert.equal(await rows(reaction), n, 'the rows stay');
      await seed(n);
      const tree = await run(async (s) => {
        const posts = await s.query(Post).all();
        for (const p of posts) s.delete(p);
        const flushed = (await log.during(() => s.flush())).map((x) => norm(x.sql));
        // Children of each level read once (every row, no filter), then one UPDATE per model.
        assert.deepEqual(
          flushed.map((q) => q.split(' WHERE')[0]),
          [
            'SELECT "sd_comment"."id", "sd_comment"."body", "sd_comment"."post_id" AS "postId", "sd_comment"."deleted_at" AS "deletedAt" FROM "sd_comment"',
            'SELECT "sd_reaction"."id", "sd_reaction"."kind", "sd_reaction"."comment_id" AS "commentId", "sd_reaction"."removed" FROM "sd_reaction"',
            'UPDATE "sd_post" SET "deleted_at" = ?',
            'UPDATE "sd_comment" SET "deleted_at" = ?',
            'UPDATE "sd_reaction" SET "removed" = ?',
          ],
        );
        // One instant for the whole flush: the same value in every row.
        const instants = new Set(posts.map((p) => p.deletedAt!.getTime()));
        assert.equal(instants.size, 1);
      });
      assert.equal(await deletedRows(post), n);
      assert.equal(await deletedRows(comment), n);
      assert.equal(await rows(attachment), n, 'children of a model that does not soft-delete are left alone');
      assert.equal(await rows(postLabel), n, 'link rows stay');
      counts[n] = { leaves: leaves.length, tree: tree.length };
    }
    assert.deepEqual(counts[10], counts[10_000]);
  });

  it('soft-deleted objects stay in the session, marked; queries, get() and lazy loads no longer see them', async () => {
    await seed(3);
    await run(async (s) => {
      const p = (await s.get(Post, 1))!;
      const comments = await p.comments.load();
      s.delete(p);
      assert.deepEqual((await s.plan()).describe(), ['softDelete Post ×1 (soft-delete)', 'softDelete Comment ×1 (soft-delete)', 'softDelete Reaction ×1 (soft-delete)']);
      await s.flush();
      assert.ok(p.deletedAt instanceof Date);
      assert.equal(comments[0]!.deletedAt!.getTime(), p.deletedAt.getTime(), 'children get their parent instant');
      assert.equal(await s.get(Post, 1), undefined);
      assert.equal(await s.query(Post).count(), 2);
      assert.equal(await s.query(Comment).where(Comment.postId.eq(1)).count(), 0);
      assert.equal((await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(1)).one()), p, 'the same object');
      // Its relationships to models that do not soft-delete are there as they were.
      assert.equal((await p.attachments.load()).length, 1);
      assert.equal((await p.labels.load()).length, 1);
    });
  });

  it('deleting an object deleted already writes nothing; the cascade skips children deleted earlier, keeping their time', async () => {
    await seed(2);
    await ctx.engine.execute(insert(comment).values([{ id: 50, body: 'deleted on its own', postId: 1, deletedAt: EARLIER }]));
    await run(async (s) => {
      const p = (await s.get(Post, 1))!;
      s.delete(p);
      await s.flush();
      const again = await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(1)).one();
      s.delete(again);
      assert.equal((await log.during(() => s.flush())).length, 0);
      assert.equal(s.deleted.size, 0);
      const old = await s.query(Comment).withoutFilters(softDeleteFilter).where(Comment.id.eq(50)).one();
      assert.equal(old.deletedAt!.getTime(), EARLIER.getTime());
    });
  });

  it('restore() brings back the object and the children deleted with it, not those deleted on their own before', async () => {
    await seed(2);
    await ctx.engine.execute(insert(comment).values([{ id: 50, body: 'deleted on its own', postId: 1, deletedAt: EARLIER }]));
    await run(async (s) => s.delete((await s.get(Post, 1))!));
    assert.equal(await deletedRows(comment), 2);
    const sql = await run(async (s) => {
      const p = await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(1)).one();
      s.restore(p);
      assert.equal(p.deletedAt, null);
      assert.deepEqual((await s.plan()).describe(), ['restore Post ×1 (soft-delete)', 'restore Comment ×1 (soft-delete)', 'restore Reaction ×1 (soft-delete)']);
      await s.flush();
      assert.equal((await s.get(Post, 1))?.title, 'post 1');
      assert.deepEqual((await p.comments.load()).map((c) => c.id), [1]);
    });
    assert.equal(sql.filter((q) => q.startsWith('UPDATE')).length, 3);
    assert.equal(await deletedRows(post), 0);
    assert.equal(await deletedRows(comment), 1, 'the comment deleted on its own stays deleted');
    assert.equal((await ctx.engine.execute(select(reaction.c.id).from(reaction).where(reaction.c.removed.eq(true)))).rows.length, 0);
  });

  it('setting the column by hand is a soft delete (cascading with that instant) and clearing it a restore', async () => {
    await seed(2);
    const when = new Date('2023-06-07T08:09:10.000Z');
    await run(async (s) => {
      const p = (await s.get(Post, 2))!;
      p.deletedAt = when;
      await s.flush();
      const c = await s.query(Comment).withoutFilters(softDeleteFilter).where(Comment.id.eq(2)).one();
      assert.equal(c.deletedAt!.getTime(), when.getTime());
      p.deletedAt = null;
      await s.flush();
      assert.equal(c.deletedAt, null);
    });
    assert.equal(await deletedRows(comment), 0);
  });

  it('delete(obj, { hard: true }) deletes the row, and its cascades delete every child row, those hidden by the filter too', async () => {
    await seed(2);
    await ctx.engine.execute(insert(comment).values([{ id: 50, body: 'deleted on its own', postId: 1, deletedAt: EARLIER }]));
    const sql = await run(async (s) => {
      const [p] = await s.query(Post).where(Post.id.eq(1)).options(selectinLoad(Post.comments)).all();
      assert.equal(p!.comments.length, 1, 'loaded through the filter');
      s.delete(p!, { hard: true });
      await s.flush();
      assert.equal(await s.query(Post).withoutFilters().where(Post.id.eq(1)).count(), 0);
    });
    assert.ok(sql.some((q) => q.startsWith('DELETE FROM "sd_post"')));
    assert.equal(await rows(comment), 1, 'only the other post\'s comment');
    assert.equal(await rows(attachment), 1);
    assert.equal(await rows(postLabel), 1);
    // A soft delete afterwards is soft again.
    await run(async (s) => s.delete((await s.get(Post, 2))!));
    assert.equal(await rows(post), 1);
    assert.equal(await deletedRows(post), 1);
  });

  it('a hard delete of a parent that does not soft-delete deletes its soft-delete children too (their parent row goes)', async () => {
    await seed(2);
    await run(async (s) => s.delete((await s.get(Blog, 1))!));
    for (const t of [blog, post, comment, reaction, attachment, postLabel]) assert.equal(await rows(t), 0, t.name);
  });

  it('an orphan of a delete-orphan relationship to a soft-delete model is soft-deleted', async () => {
    await seed(1);
    await run(async (s) => {
      const c = (await s.get(Comment, 1))!;
      const [r] = await c.reactions.load();
      c.reactions.remove(r!);
      await s.flush();
      assert.equal(await s.query(Reaction).count(), 0);
    });
    assert.equal(await rows(reaction), 1);
  });

  it('a rollback undoes a soft delete in memory as in the database', async () => {
    await seed(1);
    const s = db.openSession();
    try {
      const p = (await s.get(Post, 1))!;
      s.delete(p);
      await s.flush();
      await s.rollback();
      assert.equal(p.deletedAt, null);
      assert.equal((await s.get(Post, 1))?.id, 1);
    } finally {
      await s.close();
    }
    assert.equal(await deletedRows(post), 0);
  });

  it('merge() of a detached soft-deleted object finds its row (no INSERT of a second one)', async () => {
    await seed(1);
    await run(async (s) => s.delete((await s.get(Post, 1))!));
    let detached: Post | undefined;
    await run(async (s) => {
      detached = await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(1)).one();
    });
    detached!.title = 'edited while deleted';
    const sql = await run(async (s) => {
      const merged = await s.merge(detached!);
      assert.notEqual(merged, detached);
    });
    assert.ok(sql.some((q) => q.startsWith('UPDATE "sd_post" SET "title"')));
    assert.ok(!sql.some((q) => q.startsWith('INSERT')));
    assert.equal(await rows(post), 1);
  });

  it('restore() of a model that does not soft-delete fails, naming the fix', async () => {
    await seed(1);
    await run(async (s) => {
      const a = (await s.query(Attachment).first())!;
      assert.throws(() => s.restore(a), /Attachment does not soft-delete/);
    });
  });
});
