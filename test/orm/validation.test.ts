/**
 * Validation on every database: columns' own checks and a model's `validate()` run at flush, before any SQL, and
 * every failure comes back in one `ValidationError` naming model, key, attribute and value; nothing is written and
 * a fixed retry writes. Updates check the columns they change. `validateOnSet` checks at assignment; Core's
 * builders check as they take values.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AthanorError, count, insert, InvalidValueError, select, sql, type Table } from '../../src/index.js';
import { database, LifecycleHookError, ValidationError, type Database } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import { Author, StrictAuthor, createHookTables, emptyHookTables, hkAuthorTable, hookBehaviour, resetHooks } from '../fixtures/hook-models.js';

forEachDialect('validation', (ctx) => {
  let db: Database;
  let log: StatementLog;
  const countOf = async (t: Table) => Number(await ctx.engine.scalar(select({ n: count() }).from(t)));

  before(async () => {
    await createHookTables(ctx.engine);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });
  beforeEach(async () => {
    resetHooks();
    await emptyHookTables(ctx.engine);
  });

  it('reports every failure of the flush together, before any SQL; fixed, the same objects are written', async () => {
    hookBehaviour.validate = async (o) => {
      await sleep(1);
      const a = o as Author;
      if (a.name === 'Root') return { name: 'is reserved' };
      return undefined;
    };
    const s = db.openSession();
    const blank = new Author({ name: '  ', email: 'nobody' });
    const root = new Author({ name: 'Root' });
    const fine = new Author({ name: 'Ann' });
    s.addAll([blank, root, fine]);
    log.start();
    const error = await s.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    log.end();
    assert.ok(error instanceof ValidationError, String(error));
    assert.ok(error instanceof AthanorError);
    assert.equal(error.code, 'ATH_VALIDATION');
    assert.deepEqual(
      error.issues.map((i) => [i.model, i.key, i.attribute, i.value, i.message]),
      [
        ['Author', undefined, 'name', '  ', 'must not be blank'],
        ['Author', undefined, 'email', 'nobody', 'must contain @'],
        ['Author', undefined, 'name', 'Root', 'is reserved'],
      ],
    );
    assert.equal(error.issues[0]!.object, blank);
    assert.equal(
      error.message,
      '3 validation failures: Author(pending).name must not be blank, got "  "; Author(pending).email must contain @, got "nobody"; Author(pending).name is reserved, got "Root"',
    );
    assert.equal(log.statements.length, 0, 'not one statement: validation comes before SQL');
    assert.equal(s.size, 3, 'all three still pending');
    blank.name = 'Bea';
    blank.email = 'bea@example.com';
    root.name = 'Rooty';
    await s.commit();
    await s.close();
    assert.equal(await countOf(hkAuthorTable), 3);
  });

  it('checks the columns an update changes (not the others), naming the object by its key', async () => {
    // A row written before the rule existed: Core's builders would refuse it now.
    await ctx.engine.execute(sql`INSERT INTO hk_author (name, email, revision) VALUES ('Old', 'legacy', 0)`);
    const id = Number(await ctx.engine.scalar(select(hkAuthorTable.c.id).from(hkAuthorTable)));
    await db.session(async (s) => {
      const a = (await s.get(Author, id))!;
      a.name = 'Renamed';
      await s.flush();
      a.email = 'still bad';
      await assert.rejects(s.flush(), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.equal(e.issues.length, 1);
        assert.equal(e.issues[0]!.key, id);
        assert.match(e.message, new RegExp(`^1 validation failure: Author\\(${id}\\)\\.email must contain @, got "still bad"$`));
        return true;
      });
      a.email = 'ok@example.com';
    });
    const [row] = await ctx.engine.all(select(hkAuthorTable.c.name, hkAuthorTable.c.email).from(hkAuthorTable));
    assert.deepEqual(row, { name: 'Renamed', email: 'ok@example.com' });
  });

  it('a validate() that returns a message fails the object as a whole; one that throws is a hook error', async () => {
    hookBehaviour.validate = () => 'incomplete';
    await assert.rejects(
      db.session(async (s) => s.add(new Author({ name: 'Ann' }))),
      (e: unknown) => e instanceof ValidationError && e.issues[0]!.attribute === undefined && e.message === '1 validation failure: Author(pending): incomplete',
    );
    hookBehaviour.validate = () => {
      throw new Error('validator crashed');
    };
    await assert.rejects(
      db.session(async (s) => s.add(new Author({ name: 'Ann' }))),
      (e: unknown) => e instanceof LifecycleHookError && e.hook === 'validate',
    );
    assert.equal(await countOf(hkAuthorTable), 0);
  });

  it('with validateOnSet, refuses a bad value where it is assigned (and keeps the old one)', async () => {
    assert.throws(() => new StrictAuthor({ name: ' ' }), (e: unknown) => e instanceof ValidationError && e.issues[0]!.attribute === 'name');
    const a = new StrictAuthor({ name: 'Ann' });
    assert.throws(() => (a.email = 'nobody'), /StrictAuthor\(pending\)\.email must contain @, got "nobody"/);
    assert.equal(a.email, undefined);
    // Author (no validateOnSet) takes it, and the flush refuses it.
    const b = new Author({ name: 'Ann' });
    b.email = 'nobody';
    assert.equal(b.email, 'nobody');
  });

  it("runs the column checks in Core's builders too (InvalidValueError), and so in bulk updates", async () => {
    assert.throws(() => insert(hkAuthorTable).values({ name: 'Ann', email: 'nobody' }), (e: unknown) => e instanceof InvalidValueError && e.message === 'hk_author.email must contain @, got "nobody"');
    await ctx.engine.execute(insert(hkAuthorTable).values({ name: 'Ann' }));
    await db.session(async (s) => {
      await assert.rejects(s.query(Author).update({ email: 'x' }), InvalidValueError);
    });
  });
});
