/**
 * Query filters on every database: a model's named conditions applied to its queries, to every relationship load
 * of it whatever the strategy (in the statement each already runs: the count does not change), to joins (in ON),
 * to subqueries, to get() by key; switched per query and per session; parameters typed and required.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { AthanorError, boolean, deleteFrom, identity, insert, integer, lower, primaryKey, table, text, timestamp, type Table } from '../../src/index.js';
import {
  FilterParametersError,
  Model,
  RaiseLoadError,
  database,
  defineFilter,
  joinedLoad,
  loadWith,
  many,
  mapped,
  one,
  selectinLoad,
  softDelete,
  softDeleteFilter,
  subqueryLoad,
  type Database,
  type Related,
  type Session,
} from '../../src/orm/index.js';
import { isEager, registeredStrategies } from '../../src/orm/loading/strategies/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';

const author = table('flt_author', { id: identity(), name: text().notNull(), tenantId: integer('tenant_id').notNull() });
const post = table('flt_post', {
  id: identity(),
  title: text().notNull(),
  authorId: integer('author_id').references(() => author.c.id),
  tenantId: integer('tenant_id').notNull(),
  published: boolean().notNull().default(false),
  deletedAt: timestamp('deleted_at'),
});
const comment = table('flt_comment', {
  id: identity(),
  body: text().notNull(),
  postId: integer('post_id').references(() => post.c.id),
  deletedAt: timestamp('deleted_at'),
});
const tag = table('flt_tag', { id: identity(), label: text().notNull(), hidden: boolean().notNull().default(false) });
const postTag = table(
  'flt_post_tag',
  {
    postId: integer('post_id').notNull().references(() => post.c.id),
    tagId: integer('tag_id').notNull().references(() => tag.c.id),
  },
  (c) => [primaryKey(c.postId, c.tagId)],
);
const tables = [author, post, comment, tag, postTag];

/** On by default, with parameters: a session must say which tenant. */
const tenant = defineFilter<{ id: number }>('tenant');
/** Opt-in. */
const published = defineFilter('published', { enabled: false });
/** On by default, no parameters. */
const visible = defineFilter('visible');
/** Opt-in, and not evaluable in JavaScript (a function). */
const notShouting = defineFilter('notShouting', { enabled: false });

@mapped
class Author extends Model(author) {
  static readonly posts = many(() => Post, { backPopulates: 'author', orderBy: [post.c.id] });
  static readonly tenant = tenant.on((p) => author.c.tenantId.eq(p.id));
}
interface Author extends Related<typeof Author> {}

@mapped
class Post extends Model(post) {
  static readonly author = one(() => Author, { backPopulates: 'posts' });
  static readonly comments = many(() => Comment, { backPopulates: 'post', orderBy: [comment.c.id] });
  static readonly tags = many(() => Tag, { secondary: postTag, orderBy: [tag.c.id] });
  static readonly tenant = tenant.on((p) => post.c.tenantId.eq(p.id));
  static readonly publishedOnly = published.on(post.c.published.eq(true));
  static readonly deleted = softDelete(post.c.deletedAt);
}
interface Post extends Related<typeof Post> {}

@mapped
class Comment extends Model(comment) {
  static readonly post = one(() => Post, { backPopulates: 'comments' });
  static readonly deleted = softDelete(comment.c.deletedAt);
  static readonly notShouting = notShouting.on(lower(comment.c.body).eq(comment.c.body));
}
interface Comment extends Related<typeof Comment> {}

@mapped
class Tag extends Model(tag) {
  static readonly visible = visible.on(tag.c.hidden.eq(false));
}

function norm(sql: string): string {
  return sql.replace(/`/g, '"').replace(/\$\d+/g, '?');
}

const tenant1 = { filters: [tenant.with({ id: 1 })] };

forEachDialect('query filters', (ctx) => {
  let db: Database;
  let log: StatementLog;

  /**
   * `n` authors of tenant 1, each with a live post (published when its id is even) and a soft-deleted one; each
   * live post has a live comment and a deleted one, and both tags (one hidden). One more tenant-1 author has only a
   * deleted post; one tenant-2 author has a live post.
   */
  async function seed(n: number): Promise<void> {
    for (const t of [postTag, comment, post, author, tag] as Table[]) await ctx.engine.execute(deleteFrom(t));
    const when = new Date('2024-01-02T03:04:05.000Z');
    const authors = Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `author ${i + 1}`, tenantId: 1 }));
    authors.push({ id: n + 1, name: 'only deleted', tenantId: 1 }, { id: n + 2, name: 'other tenant', tenantId: 2 });
    await ctx.engine.execute(insert(author).values(authors));
    const posts = [];
    for (let i = 1; i <= n; i++) {
      posts.push({ id: 2 * i - 1, title: `live ${i}`, authorId: i, tenantId: 1, published: i % 2 === 0, deletedAt: null });
      posts.push({ id: 2 * i, title: `deleted ${i}`, authorId: i, tenantId: 1, published: true, deletedAt: when });
    }
    posts.push({ id: 2 * n + 1, title: 'gone', authorId: n + 1, tenantId: 1, published: true, deletedAt: when });
    posts.push({ id: 2 * n + 2, title: 'elsewhere', authorId: n + 2, tenantId: 2, published: true, deletedAt: null });
    await ctx.engine.execute(insert(post).values(posts));
    const comments = [];
    for (let i = 1; i <= n; i++) {
      comments.push({ id: 2 * i - 1, body: `live ${i}`, postId: 2 * i - 1, deletedAt: null });
      comments.push({ id: 2 * i, body: `deleted ${i}`, postId: 2 * i - 1, deletedAt: when });
    }
    await ctx.engine.execute(insert(comment).values(comments));
    await ctx.engine.execute(insert(tag).values([{ id: 1, label: 'shown', hidden: false }, { id: 2, label: 'hidden', hidden: true }]));
    const links = [];
    for (let i = 1; i <= n; i++) links.push({ postId: 2 * i - 1, tagId: 1 }, { postId: 2 * i - 1, tagId: 2 });
    await ctx.engine.execute(insert(postTag).values(links));
  }

  before(async () => {
    await ctx.engine.dropAll(tables, { ifExists: true });
    await ctx.engine.createAll(tables);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  async function run(fn: (s: Session) => Promise<unknown>, options: Parameters<Database['session']>[1] = tenant1): Promise<string[]> {
    const statements = await log.during(() => db.session(fn, options));
    return statements.map((s) => norm(s.sql));
  }

  /** Authors' post titles after loading `Author.posts` with `key`, and the statements it took. */
  async function loadPostsWith(key: (typeof strategyKeys)[number], unfiltered: boolean): Promise<{ titles: Map<number, string[] | 'raised'>; statements: number }> {
    const titles = new Map<number, string[] | 'raised'>();
    const sql = await run(
      async (s) => {
        const authors = await s.query(Author).options(loadWith(Author.posts, key)).all();
        for (const a of authors) {
          try {
            const posts = isEager(key) ? (a.posts as unknown as readonly Post[]) : await a.posts.load();
            titles.set(a.id, [...posts].map((p) => p.title));
          } catch (error) {
            if (!(error instanceof RaiseLoadError)) throw error;
            titles.set(a.id, 'raised');
          }
        }
      },
      // Off for the session: lazy loads after the query follow the session's filters.
      unfiltered ? { withoutFilters: true } : tenant1,
    );
    return { titles, statements: sql.length };
  }

  const strategyKeys = registeredStrategies().map((s) => s.key) as readonly Parameters<typeof loadWith>[1][];

  it('every registered strategy loads only the rows the filters let through, in as many statements as without filters, at N=10 and N=10,000', async () => {
    for (const n of [10, 10_000]) {
      await seed(n);
      for (const key of strategyKeys) {
        const filtered = await loadPostsWith(key, false);
        const unfiltered = await loadPostsWith(key, true);
        assert.equal(filtered.statements, unfiltered.statements, `${key}: the filters add no statement (N=${n})`);
        const noContent = key === 'noload' ? [] : key === 'raise' || key === 'raiseOnSql' ? 'raised' : undefined;
        // Tenant 1 only; soft-deleted posts left out; the author whose posts are all deleted is there, with none.
        assert.equal(filtered.titles.size, n + 1, `${key}: authors of tenant 1 (N=${n})`);
        assert.deepEqual(filtered.titles.get(1), noContent ?? ['live 1'], `${key} (N=${n})`);
        assert.deepEqual(filtered.titles.get(n + 1), noContent ?? [], `${key}: a parent whose children are all filtered out is kept (N=${n})`);
        assert.equal(unfiltered.titles.size, n + 2, `${key}: no filter (N=${n})`);
        assert.deepEqual(unfiltered.titles.get(1), noContent ?? ['live 1', 'deleted 1'], `${key} unfiltered (N=${n})`);
      }
    }
  });

  it('a joined load puts the conditions in the ON clause (under the alias), so parents are kept; the root query gets them in WHERE', async () => {
    await seed(3);
    const sql = await run(async (s) => {
      const authors = await s.query(Author).options(joinedLoad(Author.posts).joinedLoad(Post.comments)).orderBy(Author.id).all();
      assert.deepEqual(authors.map((a) => a.posts.map((p) => p.title)), [['live 1'], ['live 2'], ['live 3'], []]);
      assert.deepEqual(authors[0]!.posts[0]!.comments.map((c) => c.body), ['live 1']);
    });
    assert.equal(sql.length, 1);
    assert.match(
      sql[0]!,
      / FROM "flt_author" LEFT JOIN "flt_post" AS "flt_post_1" ON "flt_author"\."id" = "flt_post_1"\."author_id" AND "flt_post_1"\."tenant_id" = \? AND "flt_post_1"\."deleted_at" IS NULL LEFT JOIN "flt_comment" AS "flt_comment_2" ON "flt_post_1"\."id" = "flt_comment_2"\."post_id" AND "flt_comment_2"\."deleted_at" IS NULL WHERE "flt_author"\."tenant_id" = \? ORDER BY/,
    );
  });

  it('selectin, subquery and many-to-many loads carry the conditions in their own statement', async () => {
    await seed(3);
    const selectin = await run(async (s) => {
      const posts = await s.query(Post).options(selectinLoad(Post.comments), selectinLoad(Post.tags)).orderBy(Post.id).all();
      assert.deepEqual(posts.map((p) => p.title), ['live 1', 'live 2', 'live 3']);
      assert.deepEqual(posts[0]!.comments.map((c) => c.body), ['live 1']);
      assert.deepEqual(posts[0]!.tags.map((t) => t.label), ['shown']);
    });
    assert.equal(selectin.length, 3);
    assert.match(selectin[0]!, /WHERE "flt_post"\."tenant_id" = \? AND "flt_post"\."deleted_at" IS NULL ORDER BY/);
    assert.match(selectin[1]!, /FROM "flt_comment" WHERE "flt_comment"\."post_id" IN \(\?, \?, \?\) AND "flt_comment"\."deleted_at" IS NULL/);
    assert.match(selectin[2]!, /FROM "flt_tag" JOIN "flt_post_tag" ON .* WHERE "flt_post_tag"\."post_id" IN \(\?, \?, \?\) AND "flt_tag"\."hidden" = \?/);
    const subquery = await run(async (s) => {
      const authors = await s.query(Author).options(subqueryLoad(Author.posts)).all();
      assert.equal(authors.reduce((k, a) => k + a.posts.length, 0), 3);
    });
    assert.equal(subquery.length, 2);
    // The parent query inside, with its own filter; the posts' filters outside.
    assert.match(subquery[1]!, /FROM "flt_post" JOIN \(SELECT DISTINCT "flt_author"\."id" AS "k0" FROM "flt_author" WHERE "flt_author"\."tenant_id" = \?\) AS "anon_1" ON .* WHERE "flt_post"\."tenant_id" = \? AND "flt_post"\."deleted_at" IS NULL/);
  });

  it('a to-one whose target is filtered out reads null: joined, selectin, lazy; an identity-map hit is checked in memory', async () => {
    await seed(3);
    // Comments of a deleted post, read with the comments' own filter off.
    await ctx.engine.execute(insert(comment).values([{ id: 100, body: 'on a deleted post', postId: 2 }]));
    await run(async (s) => {
      const [joined] = await s.query(Comment).where(Comment.id.eq(100)).options(joinedLoad(Comment.post)).all();
      assert.equal(joined!.post, null);
    });
    await run(async (s) => {
      const [c] = await s.query(Comment).where(Comment.id.eq(100)).options(selectinLoad(Comment.post)).all();
      assert.equal(c!.post, null);
    });
    await run(async (s) => {
      const [c] = await s.query(Comment).where(Comment.id.eq(100)).all();
      // The post is in the identity map (read without filters), but the session's filters hide it.
      const hidden = await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(2)).one();
      assert.ok(hidden.deletedAt instanceof Date);
      const statements = await log.during(async () => assert.equal(await s.load(c!, 'post'), null));
      assert.equal(statements.length, 0, 'decided in memory');
      // A synchronous read of a to-one, decided from the identity map, as well.
      const [c2] = await s.query(Comment).where(Comment.id.eq(100)).all();
      s.expire(c2!);
      const [again] = await s.query(Comment).where(Comment.id.eq(100)).all();
      assert.equal(again!.post, null);
    });
  });

  it('joins and relationship predicates (any/has, subqueries) see the filters too', async () => {
    await seed(3);
    await run(async (s) => {
      // The author with only a deleted post has no visible post.
      assert.equal(await s.query(Author).where(Author.posts.any()).count(), 3);
      assert.equal((await s.query(Author).join(Author.posts).all()).length, 3);
      assert.equal(await s.query(Post).where(Post.author.has(Author.name.like('author%'))).count(), 3);
      assert.equal(await s.query(Author).count(), 4);
      assert.equal(await s.query(Post).exists(), true);
      // A projection keeps them, also used as a subquery.
      const ids = s.query(Post).select(Post.authorId);
      assert.deepEqual((await s.query(Author).where(Author.id.in(ids)).orderBy(Author.id).all()).map((a) => a.id), [1, 2, 3]);
    });
  });

  it('streaming and keyset pagination with a joined collection apply the filters; the limit counts parents', async () => {
    await seed(5);
    await run(async (s) => {
      let streamed = 0;
      for await (const batch of s.query(Post).stream({ batchSize: 2 })) streamed += batch.length;
      assert.equal(streamed, 5);
      const q = s.query(Author).orderBy(Author.name.desc()).options(joinedLoad(Author.posts));
      const seen: string[] = [];
      let page = await q.paginate({ first: 2 });
      for (;;) {
        for (const a of page.items) seen.push(`${a.name}:${a.posts.map((p) => p.title).join('|')}`);
        if (!page.hasNextPage) break;
        page = await q.paginate({ first: 2, after: page.endCursor });
      }
      assert.deepEqual(seen, ['only deleted:', 'author 5:live 5', 'author 4:live 4', 'author 3:live 3', 'author 2:live 2', 'author 1:live 1']);
    });
  });

  it('switches per query: withoutFilters(f), withoutFilters() for all, withFilters for opt-in filters and other parameters', async () => {
    await seed(3);
    await run(async (s) => {
      assert.equal(await s.query(Post).count(), 3);
      assert.equal(await s.query(Post).withoutFilters(softDeleteFilter).count(), 7);
      assert.equal(await s.query(Post).withoutFilters().count(), 8);
      assert.equal(await s.query(Post).withFilters(published).count(), 1, 'opt-in: published live posts of tenant 1');
      assert.equal(await s.query(Post).withFilters(tenant.with({ id: 2 })).count(), 1, 'parameters of the query over the session');
      assert.equal(await s.query(Post).withoutFilters().withFilters(tenant.with({ id: 2 })).count(), 1, 'everything off, then one on');
      // The switches of a query apply to its eager loads.
      const authors = await s.query(Author).withoutFilters(softDeleteFilter).options(selectinLoad(Author.posts)).orderBy(Author.id).all();
      assert.deepEqual(authors[0]!.posts.map((p) => p.title), ['live 1', 'deleted 1']);
    });
  });

  it('switches per session: filters with parameters, opt-in filters, withoutFilters (some or all)', async () => {
    await seed(3);
    await run(async (s) => assert.equal(await s.query(Post).count(), 1), { filters: [tenant.with({ id: 1 }), published] });
    await run(async (s) => assert.equal(await s.query(Post).count(), 7), { filters: [tenant.with({ id: 1 })], withoutFilters: [softDeleteFilter] });
    await run(async (s) => assert.equal(await s.query(Post).count(), 8), { withoutFilters: true });
    await run(async (s) => assert.equal(await s.query(Post).count(), 1), { withoutFilters: true, filters: [tenant.with({ id: 2 })] });
    // The query's switches come after the session's.
    await run(async (s) => assert.equal(await s.query(Post).withFilters(softDeleteFilter).count(), 4), { withoutFilters: true });
  });

  it('a filter needing parameters that nobody gave fails with a typed error naming it and the model; no SQL is sent', async () => {
    await seed(3);
    const sql = await run(async (s) => {
      await assert.rejects(
        () => s.query(Post).all(),
        (e: unknown) => e instanceof FilterParametersError && e.code === 'ATH_FILTER_PARAMETERS' && e.filter === 'tenant' && e.model === 'Post' && /tenant\.with/.test(e.message),
      );
      await assert.rejects(() => s.get(Author, 1), FilterParametersError);
      // A model without that filter is not concerned.
      assert.equal((await s.query(Tag).all()).length, 1);
    }, {});
    assert.equal(sql.length, 1);
  });

  it('get() by key applies the filters: a filtered row is not found; an identity-map hit is checked in memory, or by SQL when it cannot be', async () => {
    await seed(3);
    await run(async (s) => {
      assert.equal((await s.get(Post, 1))?.title, 'live 1');
      assert.equal(await s.get(Post, 2), undefined, 'soft-deleted');
      assert.equal(await s.get(Post, 8), undefined, 'other tenant');
      const deleted = await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.eq(2)).one();
      const inMemory = await log.during(async () => {
        assert.equal(await s.get(Post, 2), undefined);
        assert.equal(await s.query(Post).get(2), undefined);
        assert.equal(await s.query(Post).withoutFilters(softDeleteFilter).get(2), deleted);
      });
      assert.equal(inMemory.length, 0, 'identity-map hits checked in memory');
    });
    // A condition JavaScript cannot evaluate (lower()): the hit is checked by a SELECT by key with the condition.
    await ctx.engine.execute(insert(comment).values([{ id: 100, body: 'LOUD', postId: 1 }]));
    await run(async (s) => {
      const loud = await s.get(Comment, 100);
      assert.equal(loud?.body, 'LOUD');
      const checked = await log.during(async () => assert.equal(await s.query(Comment).withFilters(notShouting).get(100), undefined));
      assert.equal(checked.length, 1);
      assert.match(norm(checked[0]!.sql), /WHERE "flt_comment"\."id" = \? AND "flt_comment"\."deleted_at" IS NULL AND lower\("flt_comment"\."body"\) = "flt_comment"\."body"/);
    });
    await run(async (s) => {
      await s.get(Comment, 1);
      const sql = await log.during(async () => assert.equal((await s.get(Comment, 1))?.body, 'live 1'));
      assert.equal(sql.length, 0);
    }, { filters: [tenant.with({ id: 1 })] });
  });

  it('bulk UPDATE and DELETE by query apply the filters to their WHERE', async () => {
    await seed(3);
    await run(async (s) => {
      assert.equal(await s.query(Post).update({ title: 'renamed' }), 3);
      assert.equal(await s.query(Post).withoutFilters(softDeleteFilter).where(Post.title.eq('renamed')).count(), 3);
      // A soft-delete model's bulk delete is an UPDATE of its column, on the rows not deleted yet.
      assert.equal(await s.query(Post).where(Post.id.eq(1)).delete(), 1);
      assert.equal(await s.query(Post).count(), 2);
      assert.equal(await s.query(Post).withoutFilters().where(Post.id.eq(1)).count(), 1, 'the row is still there');
      assert.equal(await s.query(Post).withoutFilters(softDeleteFilter).where(Post.id.in([2, 4])).delete({ hard: true }), 2);
      assert.equal(await s.query(Post).withoutFilters().where(Post.id.in([2, 4])).count(), 0);
    });
  });

  it('filter declarations are checked when the model is mapped', () => {
    const t = table('flt_bad', { id: identity(), deletedAt: timestamp('deleted_at'), gone: boolean().notNull().default(false), n: integer() });
    // The compiler refuses it too: the static hides the column's.
    // @ts-expect-error a static filter attribute named like a column
    class ShadowsColumn extends Model(t) {
      static readonly deletedAt = softDelete(t.c.deletedAt);
    }
    assert.throws(() => mapped(ShadowsColumn), (e: unknown) => e instanceof AthanorError && /both a column and a filter/.test(e.message));
    class Twice extends Model(t) {
      static readonly a = softDelete(t.c.deletedAt);
      static readonly b = softDelete(t.c.gone);
    }
    assert.throws(() => mapped(Twice), /declares filter "softDelete" twice/);
    assert.throws(() => softDelete(t.c.n), /needs \{ deletedValue, activeValue \}/);
    assert.throws(() => softDelete(t.c.id), /needs/);
    const strict = table('flt_strict', { id: identity(), deletedAt: timestamp('deleted_at').notNull() });
    assert.throws(() => softDelete(strict.c.deletedAt), /is NOT NULL, but a row that is not deleted holds NULL/);
  });
});

// Types: a filter's parameters are checked, and a filter needing parameters cannot be switched on without them.
function typeChecks(s: Session): void {
  void s.query(Post).withFilters(tenant.with({ id: 1 }), published);
  // @ts-expect-error wrong parameters
  void s.query(Post).withFilters(tenant.with({ id: 'one' }));
  // @ts-expect-error the tenant filter needs its parameters
  void s.query(Post).withFilters(tenant);
  void s.query(Post).withoutFilters(tenant, softDeleteFilter);
  // @ts-expect-error a filter condition of another filter's parameters
  void tenant.on((p: { name: string }) => post.c.title.eq(p.name));
  void database(null as never).session(async () => undefined, { filters: [tenant.with({ id: 1 })], withoutFilters: [published] });
}
void typeChecks;
