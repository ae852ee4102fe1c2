/**
 * Keyset pagination on every database: walks that return every row exactly once under heavy ties, forwards and
 * backwards, ascending, descending and mixed; the SQL of the position (row values, or the expanded form); typed
 * errors for cursors that are not this query's and orderings it cannot page.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, identity, insert, integer, lower, table, text, timestamp, type Expression, type Ordering } from '../../../src/index.js';
import { InvalidCursorError, Model, PaginationError, database, mapped, type Database, type PageCursor, type Session } from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

const item = table('ks_item', {
  id: identity(),
  score: integer().notNull(),
  name: text().notNull(),
  created: timestamp().notNull(),
  note: text(),
});
const other = table('ks_other', { id: identity() });

@mapped
class Item extends Model(item) {}

@mapped
class Other extends Model(other) {}

const N = 103;
const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);

interface Row {
  id: number;
  score: number;
  name: string;
  created: Date;
}

const rows: Row[] = Array.from({ length: N }, (_, k) => {
  const id = k + 1;
  return { id, score: id % 5, name: `n${id % 3}`, created: new Date(BASE + (id % 7) * DAY) };
});

function norm(sql: string): string {
  return sql.replace(/`/g, '"').replace(/\$\d+/g, '?');
}

/** Rows sorted by keys, each `[key, direction]`, the id last in the last key's direction. */
function sorted(keys: [keyof Row, 'asc' | 'desc'][]): number[] {
  const all: [keyof Row, 'asc' | 'desc'][] = [...keys, ['id', keys[keys.length - 1]?.[1] ?? 'asc']];
  const value = (r: Row, k: keyof Row): number | string => (r[k] instanceof Date ? (r[k] as Date).getTime() : (r[k] as number | string));
  return [...rows]
    .sort((a, b) => {
      for (const [k, dir] of all) {
        const x = value(a, k);
        const y = value(b, k);
        if (x !== y) return (x < y ? -1 : 1) * (dir === 'asc' ? 1 : -1);
      }
      return 0;
    })
    .map((r) => r.id);
}

forEachDialect('keyset pagination', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll([item, other], { ifExists: true });
    await ctx.engine.createAll([item, other]);
    await ctx.engine.execute(deleteFrom(item));
    await ctx.engine.execute(insert(item).values(rows.map((r) => ({ ...r, note: null }))));
    await ctx.engine.execute(insert(other).values([{ id: 1 }]));
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  const orderings: { name: string; order: () => (Expression<unknown> | Ordering)[]; keys: [keyof Row, 'asc' | 'desc'][] }[] = [
    { name: 'score ascending', order: () => [Item.score], keys: [['score', 'asc']] },
    { name: 'score descending', order: () => [Item.score.desc()], keys: [['score', 'desc']] },
    { name: 'score ascending, name descending (mixed)', order: () => [Item.score.asc(), Item.name.desc()], keys: [['score', 'asc'], ['name', 'desc']] },
    { name: 'created descending, score ascending (mixed, a timestamp)', order: () => [Item.created.desc(), Item.score], keys: [['created', 'desc'], ['score', 'asc']] },
    { name: 'the primary key alone', order: () => [], keys: [] },
  ];

  for (const o of orderings) {
    it(`walks every row exactly once, forwards and backwards, by ${o.name}; one statement per page`, async () => {
      const expected = sorted(o.keys);
      await db.session(async (s) => {
        const q = s.query(Item).orderBy(...o.order());
        // Forwards, 10 a page.
        const seen: number[] = [];
        let after: PageCursor<typeof Item> | undefined;
        let pages = 0;
        for (;;) {
          const statements = await log.during(async () => {
            const page = await q.paginate({ first: 10, after });
            seen.push(...page.items.map((i) => i.id));
            assert.equal(page.hasPreviousPage, after !== undefined);
            after = page.endCursor;
            pages++;
            if (!page.hasNextPage) after = undefined;
          });
          assert.equal(statements.length, 1);
          if (after === undefined) break;
        }
        assert.equal(pages, Math.ceil(N / 10));
        assert.deepEqual(seen, expected);
        // Backwards from the end, 7 a page.
        const back: number[][] = [];
        let beforeCursor: PageCursor<typeof Item> | undefined;
        for (;;) {
          const page = await q.paginate({ last: 7, before: beforeCursor });
          back.unshift(page.items.map((i) => i.id));
          if (!page.hasPreviousPage) break;
          assert.equal(page.hasNextPage, beforeCursor !== undefined);
          beforeCursor = page.startCursor;
        }
        assert.deepEqual(back.flat(), expected);
        // after() / before() with limit() read the same pages.
        const middle = expected.slice(20, 25);
        const anchor = (await s.get(Item, expected[19]!))!;
        assert.deepEqual((await q.after(q.cursorOf(anchor)).limit(5).all()).map((i) => i.id), middle);
        const end = (await s.get(Item, expected[25]!))!;
        assert.deepEqual((await q.before(q.cursorOf(end)).limit(5).all()).map((i) => i.id), middle);
        assert.deepEqual((await q.after(q.cursorOf(anchor)).before(q.cursorOf(end)).all()).map((i) => i.id), middle);
      });
    });
  }

  it('writes one row-value comparison where every key sorts one way, the expanded form for mixed directions', async () => {
    await db.session(async (s) => {
      const anchor = (await s.get(Item, 50))!;
      const one = s.query(Item).orderBy(Item.score.desc());
      const [a] = await log.during(() => one.after(one.cursorOf(anchor)).limit(3).all());
      assert.match(norm(a!.sql), /WHERE \("ks_item"\."score", "ks_item"\."id"\) < \(\?, \?\) ORDER BY "ks_item"\."score" DESC, "ks_item"\."id" DESC LIMIT \?$/);
      const mixed = s.query(Item).orderBy(Item.score, Item.name.desc());
      const [b] = await log.during(() => mixed.after(mixed.cursorOf(anchor)).limit(3).all());
      assert.match(
        norm(b!.sql),
        /WHERE "ks_item"\."score" >= \? AND \("ks_item"\."score" > \? OR "ks_item"\."score" = \? AND "ks_item"\."name" < \? OR "ks_item"\."score" = \? AND "ks_item"\."name" = \? AND "ks_item"\."id" < \?\) ORDER BY "ks_item"\."score", "ks_item"\."name" DESC, "ks_item"\."id" DESC LIMIT \?$/,
      );
      const back = s.query(Item).orderBy(Item.score);
      const [c] = await log.during(() => back.paginate({ last: 2, before: back.cursorOf(anchor) }));
      assert.match(norm(c!.sql), /WHERE \("ks_item"\."score", "ks_item"\."id"\) < \(\?, \?\) ORDER BY "ks_item"\."score" DESC, "ks_item"\."id" DESC LIMIT \?$/);
    });
  });

  it('refuses cursors that are not this query\'s with InvalidCursorError, naming why', async () => {
    await db.session(async (s) => {
      const q = s.query(Item).orderBy(Item.score);
      const isBad = (why: RegExp) => (e: unknown) => e instanceof InvalidCursorError && e.code === 'ATH_INVALID_CURSOR' && e.model === 'Item' && why.test(e.message);
      const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
      assert.throws(() => q.after('not a cursor!'), isBad(/not base64url text/));
      assert.throws(() => q.after(''), isBad(/non-empty string/));
      assert.throws(() => q.after(42 as unknown as string), isBad(/non-empty string, got number/));
      assert.throws(() => q.after(b64('{{{')), isBad(/not base64url JSON/));
      assert.throws(() => q.after(b64([1, 2])), isBad(/no position/));
      assert.throws(() => q.after(b64({ m: 'Item', o: 'score:a,id:a', k: [{ x: 1 }, 1] })), isBad(/unknown form/));
      const otherCursor = s.query(Other).cursorOf((await s.get(Other, 1))!);
      assert.throws(() => q.after(otherCursor), isBad(/written for Other, not Item/));
      const anchor = (await s.get(Item, 1))!;
      const byName = s.query(Item).orderBy(Item.name).cursorOf(anchor);
      await assert.rejects(() => q.after(byName).all(), isBad(/written for the ordering \(name:a,id:a\), and this query orders by \(score:a,id:a\)/));
      await assert.rejects(() => q.paginate({ first: 5, after: b64({ m: 'Item', o: 'score:a,id:a', k: ['one', 1] }) }), isBad(/ks_item\.score \(integer\) expects an integer/));
      await assert.rejects(() => q.paginate({ first: 5, after: b64({ m: 'Item', o: 'score:a,id:a', k: [1] }) }), isBad(/holds 1 key values for 2 sort keys/));
      await assert.rejects(() => q.paginate({ first: 5, after: b64({ m: 'Item', o: 'score:a,id:a', k: [1, null] }) }), isBad(/NOT NULL/));
      // A good cursor of the same ordering works from another query.
      const page = await s.query(Item).orderBy(Item.score).paginate({ first: 5, after: q.cursorOf(anchor) });
      assert.equal(page.items.length, 5);
    });
  });

  it('refuses orderings it cannot page with PaginationError: a nullable column, an expression, an offset', async () => {
    await db.session(async (s) => {
      await assert.rejects(() => s.query(Item).orderBy(Item.note).paginate({ first: 5 }), (e: unknown) => e instanceof PaginationError && e.code === 'ATH_PAGINATION' && /ks_item\.note: the column is nullable/.test(e.message));
      await assert.rejects(() => s.query(Item).orderBy(lower(Item.name)).paginate({ first: 5 }), (e: unknown) => e instanceof PaginationError && /orders by an function expression/.test(e.message));
      await assert.rejects(() => s.query(Item).orderBy(Item.score).offset(10).paginate({ first: 5 }), (e: unknown) => e instanceof PaginationError && /takes no offset/.test(e.message));
      await assert.rejects(() => s.query(Item).paginate({} as { first: number }), PaginationError);
    });
  });
});

// Types: a page's cursors are of its model.
async function typeChecks(s: Session): Promise<void> {
  const page = await s.query(Item).paginate({ first: 1 });
  const cursor: PageCursor<typeof Item> | undefined = page.endCursor;
  // @ts-expect-error a cursor of Item is not one of Other
  const wrong: PageCursor<typeof Other> | undefined = page.endCursor;
  void cursor;
  void wrong;
}
void typeChecks;
