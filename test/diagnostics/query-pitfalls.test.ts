/**
 * The result pitfalls (4, 5, 6, 8) through real ORM queries — the query code's
 * own `queryResult` event and read tracking, no hand-made events — each in its
 * naive form (reported at the query's line, with its figures and fix) and its
 * fixed form (nothing reported); then N+1 in a session that only reads (its
 * unit of work is the connection it holds, there is no transaction), under the
 * global detector, a watched session, and raise mode.
 */
import { after, afterEach, before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, identity, insert, integer, select, table, text } from '../../src/index.js';
import { Model, database, joinedLoad, loadOnly, many, mapped, one, selectinLoad, type Database, type Related } from '../../src/orm/index.js';
import {
  configureDiagnostics,
  diagnose,
  diagnostics,
  PitfallError,
  recordStatements,
  resetDiagnostics,
  watchSession,
  type Finding,
} from '../../src/diagnostics/index.js';
import type { DialectName } from '../../src/core/dialects/dialect.js';
import { forEachDialect } from '../support/dialects.js';
import { lineOf } from './models.js';

const dqAuthor = table('dq_author', {
  id: identity(),
  name: text().notNull(),
});

/** Wide on purpose: seven non-key columns, for unread-column checks. */
const dqBook = table('dq_book', {
  id: identity(),
  authorId: integer('author_id').notNull().references(() => dqAuthor.c.id, { onDelete: 'CASCADE' }),
  title: text().notNull(),
  isbn: text(),
  genre: text(),
  summary: text(),
  pages: integer(),
  language: text(),
});

/** Narrow: a second collection of Author (for the cartesian product), and the N+1 driver. */
const dqAward = table('dq_award', {
  id: identity(),
  authorId: integer('author_id').notNull().references(() => dqAuthor.c.id, { onDelete: 'CASCADE' }),
  name: text().notNull(),
});

const tables = [dqAuthor, dqBook, dqAward];

@mapped
class Author extends Model(dqAuthor) {
  static readonly books = many(() => Book, { backPopulates: 'author' });
  static readonly awards = many(() => Award, { backPopulates: 'author' });
}
interface Author extends Related<typeof Author> {}

@mapped
class Book extends Model(dqBook) {
  static readonly author = one(() => Author, { backPopulates: 'books' });
}
interface Book extends Related<typeof Book> {}

@mapped
class Award extends Model(dqAward) {
  static readonly author = one(() => Author, { backPopulates: 'awards' });
}
interface Award extends Related<typeof Award> {}

const AUTHORS = 8;
const PER_AUTHOR = 4;

/** The statement `s.get(Author, id)` sends, per dialect. */
const AUTHOR_BY_ID: Record<DialectName, string> = {
  sqlite: 'SELECT "dq_author"."id", "dq_author"."name" FROM "dq_author" WHERE "dq_author"."id" = ?',
  postgres: 'SELECT "dq_author"."id", "dq_author"."name" FROM "dq_author" WHERE "dq_author"."id" = $1',
  mysql: 'SELECT `dq_author`.`id`, `dq_author`.`name` FROM `dq_author` WHERE `dq_author`.`id` = ?',
};

const here = import.meta.url;
const quiet = { onFinding: (_f: Finding) => {} };

function assertSite(f: Finding, marker: string): void {
  const site = `query-pitfalls.test.ts:${lineOf(here, marker)}:`;
  assert.ok(f.callSite?.includes(site), `call site ${String(f.callSite)} should contain ${site}`);
  assert.ok(f.message.includes(site), f.message);
}

forEachDialect(
  'diagnostics: pitfalls of real query results',
  (ctx) => {
    let db: Database;
    before(async () => {
      await ctx.engine.dropAll(tables, { ifExists: true });
      await ctx.engine.createAll(tables);
      db = database(ctx.engine);
    });
    beforeEach(async () => {
      resetDiagnostics();
      await ctx.engine.execute(deleteFrom(dqAward));
      await ctx.engine.execute(deleteFrom(dqBook));
      await ctx.engine.execute(deleteFrom(dqAuthor));
      await ctx.engine.execute(insert(dqAuthor).values(Array.from({ length: AUTHORS }, (_, i) => ({ name: `author ${i}` }))));
      const ids = (await ctx.engine.all(select(dqAuthor.c.id).from(dqAuthor).orderBy(dqAuthor.c.id))).map((r) => r.id);
      const each = <T>(make: (authorId: number, n: number) => T): T[] => ids.flatMap((id) => Array.from({ length: PER_AUTHOR }, (_, n) => make(id, n)));
      await ctx.engine.execute(
        insert(dqBook).values(
          each((authorId, n) => ({ authorId, title: `book ${authorId}.${n}`, isbn: `isbn-${authorId}-${n}`, genre: 'g', summary: 's', pages: 100 + n, language: 'en' })),
        ),
      );
      await ctx.engine.execute(insert(dqAward).values(each((authorId, n) => ({ authorId, name: `award ${authorId}.${n}` }))));
    });
    afterEach(() => resetDiagnostics());
    after(() => resetDiagnostics());

    it('4. unused eager load: selectinLoad never read is reported at the query line; reading it is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const authors = await s.query(Author).options(selectinLoad(Author.books)).all(); // site-selectin
            return authors.map((a) => a.name);
          }),
        quiet,
      );
      assert.equal(report.findings.length, 1, report.toString());
      const [f] = report.of('unused-eager-load');
      assert.ok(f, report.toString());
      assertSite(f, 'site-selectin');
      assert.equal(f.numbers['objects'], AUTHORS);
      assert.equal(f.numbers['rows'], AUTHORS);
      assert.match(f.title, /Author\.books was eagerly loaded \(selectin\) for 8 Author object\(s\) and read on none of them/);
      assert.equal(f.fix, 'drop `selectinLoad(Author.books)` from this query\'s options.');

      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const authors = await s.query(Author).options(selectinLoad(Author.books)).all();
            return authors.map((a) => `${a.name}: ${a.books.length}`);
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.findings, [], fixed.report.toString());
      assert.equal(fixed.value[0], `author 0: ${PER_AUTHOR}`);
    });

    it('4. unused eager load: joinedLoad never read is reported; reading it is not', async () => {
      const { report } = await diagnose(
        () =>
          db.session(async (s) => {
            const authors = await s.query(Author).options(joinedLoad(Author.awards)).all(); // site-joined
            return authors.map((a) => a.name);
          }),
        quiet,
      );
      assert.equal(report.findings.length, 1, report.toString());
      const [f] = report.of('unused-eager-load');
      assert.ok(f, report.toString());
      assertSite(f, 'site-joined');
      assert.equal(f.numbers['objects'], AUTHORS);
      assert.equal(f.numbers['rows'], AUTHORS * PER_AUTHOR, 'the joined statement sends one row per award');
      assert.match(f.title, /Author\.awards was eagerly loaded \(joined\)/);
      assert.equal(f.fix, 'drop `joinedLoad(Author.awards)` from this query\'s options.');

      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const authors = await s.query(Author).options(joinedLoad(Author.awards)).all();
            return authors.map((a) => a.awards.length);
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.findings, [], fixed.report.toString());
      assert.deepEqual(fixed.value, Array(AUTHORS).fill(PER_AUTHOR));
    });

    it('5. unread columns: one of seven columns read is reported with loadOnly(); a projection or loadOnly() is not', async () => {
      const { report, value } = await diagnose(
        () =>
          db.session(async (s) => {
            const books = await s.query(Book).all(); // site-unread
            return books.map((b) => b.title);
          }),
        quiet,
      );
      assert.equal(value.length, AUTHORS * PER_AUTHOR);
      assert.equal(report.findings.length, 1, report.toString());
      const [f] = report.of('unread-columns');
      assert.ok(f, report.toString());
      assertSite(f, 'site-unread');
      assert.deepEqual(f.numbers, { objects: AUTHORS * PER_AUTHOR, columnsLoaded: 7, columnsRead: 1 });
      assert.match(f.title, /^Book query loaded 7 columns for 32 object\(s\); only 1 were read \(title\); unread: authorId, isbn, genre, summary, pages, language$/);
      assert.equal(f.fix, 'load only what is used: `.options(loadOnly(Book.title))`, or select plain rows: `select(Book.title)` when the objects are not changed.');

      const projected = await diagnose(() => db.session(async (s) => (await s.select(Book.title).all()).map((r) => r.title)), quiet);
      assert.deepEqual(projected.report.findings, [], projected.report.toString());
      assert.equal(projected.value.length, AUTHORS * PER_AUTHOR);

      const loadOnlyFixed = await diagnose(
        () =>
          db.session(async (s) => {
            const books = await s.query(Book).options(loadOnly(Book.title)).all();
            return books.map((b) => b.title);
          }),
        quiet,
      );
      assert.deepEqual(loadOnlyFixed.report.findings, [], loadOnlyFixed.report.toString());
      assert.equal(loadOnlyFixed.value.length, AUTHORS * PER_AUTHOR);
    });

    it('6. count in JavaScript: (await q.all()).length is reported; q.count() and iterating the rows are not', async () => {
      const { report, value } = await diagnose(
        () =>
          db.session(async (s) => {
            return (await s.query(Book).where(Book.pages.gt(101)).all()).length; // site-count
          }),
        quiet,
      );
      const matching = AUTHORS * 2;
      assert.equal(value, matching);
      assert.equal(report.findings.length, 1, report.toString());
      const [f] = report.of('count-in-js');
      assert.ok(f, report.toString());
      assertSite(f, 'site-count');
      assert.deepEqual(f.numbers, { rows: matching, objects: matching });
      assert.equal(f.title, `Book query fetched ${matching} row(s) and built ${matching} object(s) only to read the result's length`);
      assert.match(f.fix, /`await query\.count\(\)`/);

      const counted = await diagnose(() => db.session((s) => s.query(Book).where(Book.pages.gt(101)).count()), quiet);
      assert.deepEqual(counted.report.findings, [], counted.report.toString());
      assert.equal(counted.value, matching);

      const iterated = await diagnose(
        () =>
          db.session(async (s) => {
            const lines: string[] = [];
            for (const b of await s.query(Book).where(Book.pages.gt(101)).all()) lines.push(`${b.title} (${b.isbn}, ${b.pages} pages, ${b.language})`);
            return lines;
          }),
        quiet,
      );
      assert.deepEqual(iterated.report.findings, [], iterated.report.toString());
      assert.equal(iterated.value.length, matching);
    });

    it('8. joined row multiplication: joinedLoad of two collections is reported; selectinLoad is not', async () => {
      const { report, value } = await diagnose(
        () =>
          db.session(async (s) => {
            const authors = await s.query(Author).options(joinedLoad(Author.books), joinedLoad(Author.awards)).all(); // site-cartesian
            return authors.map((a) => [a.books.length, a.awards.length]);
          }),
        quiet,
      );
      // The ORM still builds the right collections from the product.
      assert.deepEqual(value, Array(AUTHORS).fill([PER_AUTHOR, PER_AUTHOR]));
      assert.equal(report.findings.length, 1, report.toString());
      const [f] = report.of('joined-row-multiplication');
      assert.ok(f, report.toString());
      assertSite(f, 'site-cartesian');
      const rows = AUTHORS * PER_AUTHOR * PER_AUTHOR;
      assert.deepEqual(f.numbers, { rows, parents: AUTHORS, rowsPerParent: PER_AUTHOR * PER_AUTHOR, threshold: 10 });
      assert.equal(
        f.title,
        `Author query with joined loads of Author.books and Author.awards returned ${rows} rows for ${AUTHORS} parent(s) (16.0 per parent): a cartesian product of the joined collections`,
      );
      assert.equal(f.fix, 'load collections with one extra statement each instead of a join: `selectinLoad(Author.books)`, `selectinLoad(Author.awards)`.');

      const fixed = await diagnose(
        () =>
          db.session(async (s) => {
            const authors = await s.query(Author).options(selectinLoad(Author.books), selectinLoad(Author.awards)).all();
            return authors.map((a) => [a.books.length, a.awards.length]);
          }),
        quiet,
      );
      assert.deepEqual(fixed.report.findings, [], fixed.report.toString());
      assert.deepEqual(fixed.value, value);
      assert.equal(fixed.report.statements, 3);
    });

    it('1. N+1 in a read-only session under the global detector: reported at its commit, with no transaction opened', async () => {
      const seen: Finding[] = [];
      configureDiagnostics({ mode: 'warn', onFinding: (f) => seen.push(f) });
      const rec = await recordStatements(() =>
        db.session(async (s) => {
          for (const w of await s.query(Award).all()) await s.get(Author, w.authorId); // site-get
        }),
      );
      assert.deepEqual(rec.transactionControl, [], 'a session that only reads sends no BEGIN/COMMIT');
      assert.equal(rec.count, 1 + AUTHORS, 'one get() per author not yet in the identity map');
      assert.equal(seen.length, 1, seen.map((f) => f.message).join('\n'));
      const f = seen[0]!;
      assert.equal(f.pitfall, 'n-plus-one');
      assertSite(f, 'site-get');
      assert.equal(f.numbers['statements'], AUTHORS);
      assert.equal(f.numbers['rows'], AUTHORS);
      assert.equal(f.numbers['threshold'], 5);
      assert.match(f.title, /^N\+1: 8 SELECTs of the same shape on "dq_author" from one call site in one unit of work/);
      assert.equal(f.sql, AUTHOR_BY_ID[ctx.name]);
      assert.equal(rec.statements[1]!.sql, AUTHOR_BY_ID[ctx.name]);
      assert.match(f.fix, /`s\.query\(Model\)\.where\(Model\.id\.in\(ids\)\)\.all\(\)`/);

      // Fixed: the authors in one query by key.
      seen.length = 0;
      await db.session(async (s) => {
        const awards = await s.query(Award).all();
        const authors = await s.query(Author).where(Author.id.in([...new Set(awards.flatMap((w) => w.authorId ?? []))])).all();
        return authors.map((a) => a.name);
      });
      assert.deepEqual(seen, []);

      // Each session is its own unit: two sessions of four gets each from one line are not an N+1.
      for (const half of [0, 1]) {
        await db.session(async (s) => {
          const awards = await s.query(Award).all();
          const ids = [...new Set(awards.map((w) => w.authorId))].slice(half * 4, half * 4 + 4);
          for (const id of ids) await s.get(Author, id);
        });
      }
      assert.deepEqual(seen, []);
    });

    it('1. N+1 in a session that reads, then writes: one unit from the first read to COMMIT', async () => {
      const seen: Finding[] = [];
      configureDiagnostics({ mode: 'warn', onFinding: (f) => seen.push(f) });
      const rec = await recordStatements(() =>
        db.session(async (s) => {
          const ids = [...new Set((await s.query(Award).all()).map((w) => w.authorId))];
          for (const [i, id] of ids.entries()) {
            const a = (await s.get(Author, id))!; // site-mixed
            if (i === 3) a.name = 'renamed'; // the next get() autoflushes: BEGIN and UPDATE halfway through the loop
          }
        }),
      );
      const kinds = rec.all.map((st) => (st.kind !== 'transaction' ? st.kind : /^\s*(BEGIN|START TRANSACTION)\b/i.test(st.sql) ? 'BEGIN' : st.sql.trim().toUpperCase()));
      assert.deepEqual(kinds.filter((k) => k !== 'select').slice(0, 2), ['BEGIN', 'update']);
      assert.equal(kinds.indexOf('BEGIN'), 5, 'the award query and four gets ran before the transaction began');
      assert.equal(seen.length, 1, seen.map((f) => f.message).join('\n'));
      assert.equal(seen[0]!.pitfall, 'n-plus-one');
      assert.equal(seen[0]!.numbers['statements'], AUTHORS, 'the gets before and after BEGIN are one group');
      assertSite(seen[0]!, 'site-mixed');
    });

    it('1. N+1 in a watched read-only session: reported when it gives its connection back (close, no commit)', async () => {
      const seen: Finding[] = [];
      const s = db.openSession();
      const stop = watchSession(s, { onFinding: (f) => seen.push(f) });
      try {
        for (const w of await s.query(Award).all()) await s.get(Author, w.authorId); // site-watched
        assert.equal(seen.length, 0, 'judged at the end of the unit, not before');
      } finally {
        await s.close();
        stop();
      }
      assert.equal(seen.length, 1, seen.map((f) => f.message).join('\n'));
      const [f] = diagnostics(s).of('n-plus-one');
      assert.ok(f, diagnostics(s).toString());
      assert.equal(f, seen[0]);
      assertSite(f, 'site-watched');
      assert.equal(f.numbers['statements'], AUTHORS);
      assert.equal(diagnostics(s).statements, 1 + AUTHORS);
      assert.equal(diagnostics(s).commits, 0);
    });

    it("raise mode: a read-only session's N+1 rejects with PitfallError; the fixed form resolves", async () => {
      configureDiagnostics({ mode: 'raise', onFinding: () => {} });
      await assert.rejects(
        db.session(async (s) => {
          for (const w of await s.query(Award).all()) await s.get(Author, w.authorId); // site-raise
        }),
        (e: unknown) => {
          assert.ok(e instanceof PitfallError, String(e));
          assert.equal(e.code, 'ATH_PITFALL');
          assert.deepEqual(
            e.findings.map((x) => x.pitfall),
            ['n-plus-one'],
          );
          assertSite(e.findings[0]!, 'site-raise');
          assert.match(e.message, /^1 performance pitfall found:\n\[n-plus-one\] N\+1: 8 SELECTs/);
          return true;
        },
      );
      const names = await db.session(async (s) => {
        const authors = await s.query(Author).options(selectinLoad(Author.awards)).all();
        return authors.map((a) => `${a.name}: ${a.awards.length}`);
      });
      assert.equal(names.length, AUTHORS);
    });
  },
  { only: ['sqlite', 'postgres', 'mysql'] },
);
