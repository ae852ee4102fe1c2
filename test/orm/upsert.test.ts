/**
 * `s.upsert(Model, rows, { on, update })`: the database's insert-or-update, one statement per chunk whatever the
 * number of rows, its rows returned as the session's objects.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { select } from '../../src/index.js';
import { database, InvalidRequestError, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { Artist, Tag, artistTable, createOrmTables, emptyOrmTables, tagTable } from '../fixtures/orm-models.js';

forEachDialect('session upsert', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await createOrmTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(() => emptyOrmTables(ctx.engine));

  /** Statements per upsert: one, plus the read-back where the database has no RETURNING for an insert. */
  const perUpsert = () => (ctx.dialect.capabilities.returning.insert ? 1 : 2);

  it('inserts new rows and updates existing ones by a unique column, returning the objects in the order given', async () => {
    const first = await db.session(async (s) => {
      const tags = await s.upsert(Tag, [{ label: 'rock' }, { label: 'jazz' }], { on: [Tag.label] });
      assert.deepEqual(
        tags.map((t) => t.label),
        ['rock', 'jazz'],
      );
      assert.ok(tags.every((t) => typeof t.id === 'number'));
      return tags.map((t) => t.id);
    });
    await log.during(() =>
      db.session(async (s) => {
        const tags = await s.upsert(Tag, [{ label: 'blues' }, { label: 'rock' }], { on: [Tag.label] });
        assert.deepEqual(
          tags.map((t) => t.label),
          ['blues', 'rock'],
        );
        assert.equal(tags[1]!.id, first[0], 'the existing row, not a new one');
        assert.equal(await s.get(Tag, first[0]), tags[1], 'the session object for the row');
      }),
    );
    assert.equal(log.count, perUpsert());
    const labels = (await ctx.engine.execute(select({ label: tagTable.c.label }).from(tagTable).orderBy(tagTable.c.label))).rows.map((r) => r.label);
    assert.deepEqual(labels, ['blues', 'jazz', 'rock']);
  });

  it('by primary key by default: an existing row takes the attributes given; an object in the session gets them too', async () => {
    const id = await db.session(async (s) => {
      const a = new Artist({ name: 'Queen', active: false });
      s.add(a);
      await s.flush();
      return a.id;
    });
    await db.session(async (s) => {
      const loaded = (await s.get(Artist, id))!;
      const [same] = await s.upsert(Artist, [{ id, name: 'Queen (remastered)', active: true }]);
      assert.equal(same, loaded);
      assert.equal(loaded.name, 'Queen (remastered)');
      assert.equal(loaded.active, true);
    });
    await db.session(async (s) => {
      // `update` limits what an existing row takes.
      await s.upsert(Artist, [{ id, name: 'ignored', active: false }], { update: ['active'] });
    });
    const rows = (await ctx.engine.execute(select({ name: artistTable.c.name, active: artistTable.c.active }).from(artistTable))).rows;
    assert.deepEqual(rows, [{ name: 'Queen (remastered)', active: false }]);
  });

  it('takes the same number of statements for 10 rows as for 10,000', async () => {
    const counts: number[] = [];
    for (const n of [10, 10_000]) {
      await emptyOrmTables(ctx.engine);
      // Half of them exist already.
      await db.session(async (s) => {
        await s.upsert(
          Tag,
          Array.from({ length: n / 2 }, (_, i) => ({ label: `tag ${i}` })),
          { on: [Tag.label] },
        );
      });
      await log.during(() =>
        db.session(async (s) => {
          const tags = await s.upsert(
            Tag,
            Array.from({ length: n }, (_, i) => ({ label: `tag ${i}` })),
            { on: [Tag.label] },
          );
          assert.equal(tags.length, n);
          assert.equal(new Set(tags).size, n);
        }),
      );
      counts.push(log.count);
      const count = (await ctx.engine.execute(select({ id: tagTable.c.id }).from(tagTable))).rows.length;
      assert.equal(count, n);
    }
    assert.equal(counts[0], counts[1]);
  });

  it('refuses, before any SQL, two rows with the same key and a row without one', async () => {
    await db.session(async (s) => {
      const none = await log.during(async () => {
        await assert.rejects(() => s.upsert(Tag, [{ label: 'a' }, { label: 'a' }], { on: [Tag.label] }), (e: unknown) => e instanceof InvalidRequestError && /rows 0 and 1/.test(e.message));
        await assert.rejects(() => s.upsert(Artist, [{ name: 'no id' }]), (e: unknown) => e instanceof InvalidRequestError && /Artist\.id/.test(e.message));
      });
      assert.equal(none.length, 0);
    });
  });
});
