/**
 * Prepared entity queries (`db.prepare`, `Query.prepare`): compiled once and run in many sessions with values
 * for their placeholders. On every database: the same SQL text every run, the same objects as the query built per
 * call (identity map, eager loads by each strategy), the same statement count at 10 and 10,000 parents, the cuts
 * (`first`, `oneOrNull`, `one`) and their errors, autoflush, a missing or mistyped value refused before any SQL,
 * a session's filters (compiled for that session's values, placeholders still bound), LIMIT and OFFSET
 * placeholders, subquery loads (the parents' query they embed gets the values), and a query with a placeholder
 * run without preparing it.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { identity, insert, integer, InvalidArgumentError, MultipleResultsError, NoResultError, placeholder, table, text } from '../../../src/index.js';
import {
  Model,
  database,
  defineFilter,
  InvalidRequestError,
  joinedLoad,
  jsonLoad,
  many,
  mapped,
  one,
  selectinLoad,
  subqueryLoad,
  type Database,
  type Related,
} from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const artist = table('qp_artist', { id: identity(), name: text().notNull(), tenantId: integer('tenant_id').notNull().default(1) });
const album = table('qp_album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artist.c.id, { onDelete: 'CASCADE' }),
});

const tenant = defineFilter<{ id: number }>('qp_tenant', { enabled: false });

@mapped
class Artist extends Model(artist) {
  static readonly albums = many(() => Album, { backPopulates: 'artist', orderBy: [album.c.id] });
  static readonly tenant = tenant.on((p) => artist.c.tenantId.eq(p.id));
}
interface Artist extends Related<typeof Artist> {}

@mapped
class Album extends Model(album) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
}
interface Album extends Related<typeof Album> {}

const PARENTS = 10_000;

forEachDialect('prepared entity queries', (ctx) => {
  let db: Database;

  before(async () => {
    await ctx.engine.dropAll([album, artist], { ifExists: true });
    await ctx.engine.createAll([artist, album]);
    const artists = Array.from({ length: PARENTS }, (_, i) => ({ name: `artist ${i + 1}`, tenantId: (i % 2) + 1 }));
    const albums = Array.from({ length: PARENTS * 2 }, (_, i) => ({ title: `album ${i + 1}`, artistId: (i % PARENTS) + 1 }));
    await ctx.engine.execute(insert(artist).values(artists));
    await ctx.engine.execute(insert(album).values(albums));
    db = database(ctx.engine);
  });

  it('compiles once: every run sends the same SQL text with its own values, in any session', async () => {
    const byName = db.prepare((s) => s.query(Artist).where(Artist.name.eq(placeholder('name'))));
    const log = new StatementLog(ctx.engine);
    const runs = await log.during(async () => {
      for (const name of ['artist 3', 'artist 4', 'nobody']) {
        await db.session(async (s) => {
          const found = await byName.first(s, { name });
          assert.equal(found?.name, name === 'nobody' ? undefined : name);
        });
      }
    });
    assert.equal(runs.length, 3);
    assert.equal(new Set(runs.map((r) => r.sql)).size, 1, 'one SQL text');
    assert.deepEqual(runs.map((r) => r.parameters[0]), ['artist 3', 'artist 4', 'nobody']);
    assert.equal(byName.sqlFor(ctx.dialect), runs[0]!.sql.replace(/ LIMIT .*$/, ''));
  });

  for (const [name, strategy] of [['selectinLoad', selectinLoad], ['jsonLoad', jsonLoad], ['joinedLoad', joinedLoad]] as const) {
    it(`returns what the query built per call returns, with ${name}`, async () => {
      const prepared = db.prepare((s) => s.query(Artist).where(Artist.id.le(placeholder('max'))).orderBy(Artist.id).options(strategy(Artist.albums)));
      await db.session(async (s) => {
        const built = await s.query(Artist).where(Artist.id.le(5)).orderBy(Artist.id).options(strategy(Artist.albums)).all();
        const again = await prepared.all(s, { max: 5 });
        assert.equal(again.length, 5);
        // The same session: the identity map hands back the very objects.
        assert.deepEqual(again, built);
        for (const a of again) assert.strictEqual(a, built[again.indexOf(a)]);
      });
      await db.session(async (s) => {
        const fresh = await prepared.all(s, { max: 5 });
        assert.deepEqual(
          fresh.map((a) => [a.id, a.name, a.albums.map((al) => al.title)]),
          [1, 2, 3, 4, 5].map((id) => [id, `artist ${id}`, [`album ${id}`, `album ${id + PARENTS}`]]),
        );
        assert.strictEqual(fresh[0]!.albums[0]!.artist, fresh[0], 'back-populated from the same identity map');
      });
    });
  }

  it('sends the same number of statements for 10 parents as for 10,000', async () => {
    const withAlbums = db.prepare((s) => s.query(Artist).where(Artist.id.le(placeholder('max'))).options(selectinLoad(Artist.albums)));
    const log = new StatementLog(ctx.engine);
    const counts: number[] = [];
    for (const max of [10, PARENTS]) {
      const statements = await log.during(() =>
        db.session(async (s) => {
          const artists = await withAlbums.all(s, { max });
          assert.equal(artists.length, max);
          assert.equal(artists.reduce((n, a) => n + a.albums.length, 0), 2 * max);
        }),
      );
      counts.push(statements.length);
    }
    assert.deepEqual(counts, [2, 2]);
  });

  it('first, oneOrNull and one cut the rows as the query does, and name what is wrong', async () => {
    const byTenant = db.prepare((s) => s.query(Artist).where(Artist.tenantId.eq(placeholder('tenant'))).orderBy(Artist.id));
    const byId = db.prepare((s) => s.query(Artist).where(Artist.id.eq(placeholder('id'))));
    await db.session(async (s) => {
      assert.equal((await byTenant.first(s, { tenant: 2 }))?.id, 2);
      assert.equal(await byTenant.first(s, { tenant: 3 }), undefined);
      await assert.rejects(byTenant.oneOrNull(s, { tenant: 1 }), MultipleResultsError);
      assert.equal(await byId.oneOrNull(s, { id: PARENTS + 1 }), null);
      await assert.rejects(byId.one(s, { id: PARENTS + 1 }), NoResultError);
      assert.equal((await byId.one(s, { id: 7 })).name, 'artist 7');
    });
  });

  it('refuses a missing or mistyped value before any SQL, and a closed session', async () => {
    const byId = db.prepare((s) => s.query(Artist).where(Artist.id.eq(placeholder('id'))));
    const log = new StatementLog(ctx.engine);
    const statements = await log.during(() =>
      db.session(async (s) => {
        await assert.rejects(byId.all(s, {}), /no value for placeholder "id"/);
        await assert.rejects(byId.all(s, { id: 'seven' }), /placeholder "id" expects an integer, got "seven"/);
        await assert.rejects(byId.all(s, { id: undefined }), /placeholder "id" is undefined \(use null for NULL\)/);
      }),
    );
    assert.equal(statements.length, 0);
    const s = db.openSession();
    await s.close();
    await assert.rejects(byId.all(s, { id: 1 }), InvalidRequestError);
  });

  it('flushes pending changes first (autoflush), as a query does', async () => {
    const byName = db.prepare((s) => s.query(Artist).where(Artist.name.eq(placeholder('name'))));
    const s = db.openSession();
    try {
      s.add(new Artist({ name: 'pending artist' }));
      const found = await byName.one(s, { name: 'pending artist' });
      assert.ok(found.id > PARENTS);
    } finally {
      await s.rollback();
      await s.close();
    }
  });

  it("applies each session's filters, with its own values, and binds the placeholders the same way", async () => {
    const upTo = db.prepare((s) => s.query(Artist).where(Artist.id.le(placeholder('max'))).orderBy(Artist.id));
    const ids = (tenantId: number | undefined) =>
      db.session(
        async (s) => (await upTo.all(s, { max: 6 })).map((a) => a.id),
        tenantId === undefined ? {} : { filters: [tenant.with({ id: tenantId })] },
      );
    assert.deepEqual(await ids(1), [1, 3, 5]);
    assert.deepEqual(await ids(2), [2, 4, 6]);
    assert.deepEqual(await ids(undefined), [1, 2, 3, 4, 5, 6]);
    const onQuery = db.prepare((s) => s.query(Artist).withFilters(tenant.with({ id: 2 })).where(Artist.id.le(placeholder('max'))).orderBy(Artist.id));
    assert.deepEqual(await db.session(async (s) => (await onQuery.all(s, { max: 4 })).map((a) => a.id)), [2, 4]);
  });

  it('takes placeholders for LIMIT and OFFSET, checked as integers', async () => {
    const page = db.prepare((s) => s.query(Artist).orderBy(Artist.id).limit(placeholder('n')).offset(placeholder('skip')).options(selectinLoad(Artist.albums)));
    await db.session(async (s) => {
      assert.deepEqual((await page.all(s, { n: 3, skip: 0 })).map((a) => a.id), [1, 2, 3]);
      const third = await page.all(s, { n: 3, skip: 6 });
      assert.deepEqual(third.map((a) => [a.id, a.albums.length]), [[7, 2], [8, 2], [9, 2]]);
      await assert.rejects(page.all(s, { n: 'three', skip: 0 }), /placeholder "n" expects an integer, got "three"/);
    });
  });

  it('binds the values into the parents query a subqueryLoad embeds', async () => {
    const upTo = db.prepare((s) => s.query(Artist).where(Artist.id.le(placeholder('max'))).orderBy(Artist.id).options(subqueryLoad(Artist.albums)));
    const log = new StatementLog(ctx.engine);
    for (const max of [2, 4]) {
      const statements = await log.during(() =>
        db.session(async (s) => {
          const artists = await upTo.all(s, { max });
          assert.deepEqual(artists.map((a) => a.albums.map((al) => al.id)), Array.from({ length: max }, (_, i) => [i + 1, i + 1 + PARENTS]));
        }),
      );
      assert.equal(statements.length, 2);
      assert.ok(statements[1]!.parameters.includes(max), 'the value in the embedded query');
    }
  });

  it('a query with a placeholder run as it is, not prepared, names the placeholder before any SQL', async () => {
    const log = new StatementLog(ctx.engine);
    const statements = await log.during(() =>
      db.session(async (s) => {
        await assert.rejects(s.query(Artist).where(Artist.id.eq(placeholder('id'))).all(), (e: unknown) => e instanceof InvalidArgumentError && /placeholder "id" has no value/.test(e.message));
      }),
    );
    assert.equal(statements.length, 0);
  });

  it('Query.prepare() keeps the query and forgets its session', async () => {
    const s = db.openSession();
    const prepared = s.query(Artist).where(Artist.id.eq(placeholder('id'))).options(selectinLoad(Artist.albums)).prepare();
    await s.close();
    const a = await db.session((x) => prepared.one(x, { id: 9 }));
    assert.deepEqual(a.albums.map((al) => al.id), [9, 9 + PARENTS]);
  });
});

it('a prepared query is built without SQL (on SQLite in memory)', async () => {
  const { createEngine } = await import('../../../src/index.js');
  const engine = createEngine('sqlite::memory:');
  try {
    const log = new StatementLog(engine).start();
    const prepared = database(engine).prepare((s) => s.query(Artist).where(Artist.id.eq(placeholder('id'))));
    assert.equal(log.all.length, 0);
    assert.ok(prepared.sqlFor(engine.dialect).includes('WHERE "qp_artist"."id" = ?'));
  } finally {
    await engine.close();
  }
});
