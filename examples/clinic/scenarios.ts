/**
 * The pitfalls of the source articles, each run the naive way and the Athanor way.
 *
 * Every variant runs in its own session on the same data; destructive ones
 * (updates, deletes, imports) work on their own slice of rows so variants do
 * not disturb each other.
 */
import { count, deleteFrom, insert, select, update, type Engine } from '../../src/index.js';
import { aliased, joinedLoad, selectinLoad, type Database, type Session, type SessionOptions } from '../../src/orm/index.js';
import { measure } from './measure.js';
import { ADVISOR_PITFALL, advisorScenario } from './advisor.js';
import type { Diagnose } from './diagnose.js';
import type { PitfallCode } from '../../src/diagnostics/index.js';
import type { PitfallInfo, VariantResult } from './render.js';
import { Address, Artist, CITIES, PassiveArtist, Person, Song, User, artistTable, songTable, userTable, type Sizes } from './schema.js';

export const PITFALLS: readonly PitfallInfo[] = [
  { key: 'count', title: '1. Counting rows: fetch everything and take .length, or count on the server' },
  { key: 'columns', title: '2. Loading whole entities when two columns are needed' },
  { key: 'bulk-update', title: '3. Updating one object at a time' },
  { key: 'cascade-delete', title: '4. ORM cascade deletes vs the database\'s ON DELETE CASCADE' },
  { key: 'n-plus-one', title: '5. Lazy loads in a loop (N+1)' },
  { key: 'self-referential', title: '6. Self-referential: people and their managers' },
  { key: 'bulk-import', title: '7. Importing rows through the ORM one at a time' },
  { key: 'premature-flush', title: '8. Flushing early just to get an id' },
  { key: 'filter-in-sql', title: '9. Filtering in JavaScript instead of in SQL (and the aliased self-join)' },
  ADVISOR_PITFALL,
];

export interface ClinicContext {
  readonly engine: Engine;
  readonly db: Database;
  readonly sizes: Sizes;
  readonly scale: number;
  /** The diagnostics' finding for a block, when diagnostics are available. */
  readonly diagnose: Diagnose;
}

interface Variant {
  readonly name: string;
  readonly n: number;
  /** Run before (unmeasured): put the data back the way the variant expects it. */
  readonly setup?: () => Promise<unknown>;
  readonly run: () => Promise<unknown>;
  /** Run after (unmeasured): remove what the variant wrote. */
  readonly teardown?: () => Promise<unknown>;
  /** A small run of the naive form, for the diagnostics' finding. */
  readonly naive?: (s: Session) => Promise<unknown>;
  readonly naiveOptions?: SessionOptions;
  /** Shown instead of a finding when the detector has no rule for the pitfall. */
  readonly note?: string;
}

/**
 * The detector's code for each pitfall: its finding is the one shown. (The
 * advisor scenario picks its own; filtering in JavaScript has no rule, and
 * its variant carries a note instead.)
 */
export const EXPECTED: Readonly<Record<string, readonly PitfallCode[]>> = {
  count: ['count-in-js'],
  columns: ['unread-columns'],
  'bulk-update': ['per-row-writes'],
  'cascade-delete': ['orm-cascade-delete'],
  'n-plus-one': ['n-plus-one'],
  'self-referential': ['n-plus-one'],
  'bulk-import': ['per-row-writes'],
  'premature-flush': ['premature-flush'],
  advisor: ['missing-index'],
};

/** Shown under the naive variant of a pitfall the detector has no rule for. */
const FILTER_IN_JS_NOTE =
  '[not detected] every Person is loaded with its address, then filtered in JavaScript: the detector has no rule for this ' +
  '(it sees two statements, not the filter that throws most of the rows away)\n' +
  "fix: filter in SQL: join the relationship and put the condition in WHERE, `s.query(Person).join(Person.address).where(Address.city.eq('Paris'))`; " +
  'only the matching rows are sent, and the join uses the foreign key.';

async function runVariants(ctx: ClinicContext, pitfall: string, variants: Variant[]): Promise<VariantResult[]> {
  const out: VariantResult[] = [];
  for (const v of variants) {
    // One unmeasured round first, so JIT compilation and statement preparation are not billed to either side.
    await v.setup?.();
    await v.run();
    await v.teardown?.();
    await v.setup?.();
    const m = await measure(ctx.engine, v.run);
    await v.teardown?.();
    const finding = (v.naive ? await ctx.diagnose(v.naive, v.naiveOptions, EXPECTED[pitfall]) : undefined) ?? v.note;
    out.push({ pitfall, variant: v.name, scale: ctx.scale, n: v.n, statements: m.statements, ms: m.ms, rows: m.rows, finding });
  }
  return out;
}

export async function runClinic(ctx: ClinicContext): Promise<VariantResult[]> {
  const { db, engine, sizes } = ctx;
  const results: VariantResult[] = [];

  // 1. count
  const activeCount = async (s: Session) => (await s.query(User).where(User.acctActive.eq(true)).all()).length;
  results.push(
    ...(await runVariants(ctx, 'count', [
      { name: 'naive: (await q.all()).length', n: sizes.users, run: () => db.session(activeCount), naive: activeCount },
      { name: 'athanor: q.count()', n: sizes.users, run: () => db.session((s) => s.query(User).where(User.acctActive.eq(true)).count()) },
    ])),
  );

  // 2. columns
  const fullEntities = async (s: Session) => {
    let chars = 0;
    for (const u of await s.query(User).all()) chars += u.username.length + u.email.length;
    return chars;
  };
  results.push(
    ...(await runVariants(ctx, 'columns', [
      { name: 'naive: full entities', n: sizes.users, run: () => db.session(fullEntities), naive: fullEntities },
      {
        name: 'athanor: select(User.username, User.email)',
        n: sizes.users,
        run: () =>
          db.session(async (s) => {
            let chars = 0;
            for (const row of await s.select(User.username, User.email).all()) chars += row.username.length + row.email.length;
            return chars;
          }),
      },
    ])),
  );

  // 3. bulk update: the seed's "activate these users"
  const toActivate = Math.floor(sizes.users / 2);
  const ids = Array.from({ length: toActivate }, (_, i) => i + 1);
  const reset = () => engine.execute(update(userTable).set({ acctActive: false }).where(userTable.c.id.in(ids)));
  const perObjectCommit = async () => {
    const s = db.openSession();
    try {
      for (const u of await s.query(User).where(User.id.in(ids)).all()) {
        u.acctActive = true;
        await s.commit();
      }
    } finally {
      await s.close();
    }
  };
  results.push(
    ...(await runVariants(ctx, 'bulk-update', [
      {
        name: 'naive: set + commit per object',
        n: toActivate,
        setup: reset,
        run: perObjectCommit,
        // The same loop on 50 of the users, flipping the flag so every commit has a change (the next variant's setup resets them).
        naive: async (s) => {
          for (const u of await s.query(User).where(User.id.in(ids.slice(0, 50))).all()) {
            u.acctActive = !u.acctActive;
            await s.commit();
          }
        },
      },
      {
        name: 'athanor: attribute sets, one flush',
        n: toActivate,
        setup: reset,
        run: () =>
          db.session(async (s) => {
            for (const u of await s.query(User).where(User.id.in(ids)).all()) u.acctActive = true;
          }),
      },
      {
        name: 'athanor: query.update()',
        n: toActivate,
        setup: reset,
        run: () => db.session((s) => s.query(User).where(User.id.in(ids)).update({ acctActive: true }, { synchronize: false })),
      },
    ])),
  );

  // 4. cascade delete: every run deletes a fresh tenth of the artists (the warm-up round takes one too)
  const slice = Math.max(1, Math.floor(sizes.artists / 10));
  let nextSlice = 0;
  const takeSlice = () => Array.from({ length: slice }, (_, i) => nextSlice * slice + i + 1);
  const songsOf = async (artistIds: number[]) => Number(await engine.scalar(select({ n: count() }).from(songTable).where(songTable.c.artistId.in(artistIds))));
  const childCount = await songsOf(takeSlice());
  const deleteSlice = (model: typeof Artist | typeof PassiveArtist) => () => {
    const ids = takeSlice();
    nextSlice++;
    return db.session(async (s) => {
      for (const a of await s.query(model).where(model.id.in(ids)).all()) s.delete(a);
    });
  };
  results.push(
    ...(await runVariants(ctx, 'cascade-delete', [
      {
        name: 'ORM cascade: load children, delete them',
        n: slice + childCount,
        run: deleteSlice(Artist),
        naive: async (s) => {
          const [one] = await s.query(Artist).where(Artist.id.gt(Math.floor(sizes.artists / 2))).limit(1).all();
          if (one) s.delete(one);
          await s.flush();
        },
      },
      { name: 'athanor: passiveDeletes + ON DELETE CASCADE', n: slice + childCount, run: deleteSlice(PassiveArtist) },
    ])),
  );
  const remaining = (await engine.all(select(artistTable.c.id).from(artistTable).orderBy(artistTable.c.id))).map((r) => r.id);

  // 5. N+1
  const lazyLoop = async (s: Session) => {
    let titles = 0;
    for (const a of await s.query(Artist).where(Artist.id.in(remaining)).all()) titles += (await a.songs.load()).length;
    return titles;
  };
  results.push(
    ...(await runVariants(ctx, 'n-plus-one', [
      {
        name: 'naive: lazy loads, batching off',
        n: remaining.length,
        run: () => db.session(lazyLoop, { batchLazyLoads: false }),
        naive: lazyLoop,
        naiveOptions: { batchLazyLoads: false },
      },
      { name: 'athanor: the same loop, sibling batching', n: remaining.length, run: () => db.session(lazyLoop) },
      {
        name: 'athanor: selectinLoad(Artist.songs)',
        n: remaining.length,
        run: () =>
          db.session(async (s) => {
            let titles = 0;
            for (const a of await s.query(Artist).where(Artist.id.in(remaining)).options(selectinLoad(Artist.songs)).all()) titles += a.songs.length;
            return titles;
          }),
      },
      {
        name: 'athanor: joinedLoad(Artist.songs)',
        n: remaining.length,
        run: () =>
          db.session(async (s) => {
            let titles = 0;
            for (const a of await s.query(Artist).where(Artist.id.in(remaining)).options(joinedLoad(Artist.songs)).all()) titles += a.songs.length;
            return titles;
          }),
      },
    ])),
  );

  // 6. self-referential
  // The people at the bottom of the tree: their managers are not among them, so each lazy load needs SQL.
  const bottom = Math.floor(sizes.people / 5) + 1;
  const managersLazily = async (s: Session) => {
    let named = 0;
    for (const p of await s.query(Person).where(Person.id.gt(bottom)).all()) {
      const m = await s.load(p, 'manager');
      if (m) named += m.firstname.length;
    }
    return named;
  };
  results.push(
    ...(await runVariants(ctx, 'self-referential', [
      {
        name: 'naive: manager loaded lazily, batching off',
        n: sizes.people - bottom,
        run: () => db.session(managersLazily, { batchLazyLoads: false }),
        naive: managersLazily,
        naiveOptions: { batchLazyLoads: false },
      },
      {
        name: 'athanor: joinedLoad(Person.manager), joinDepth',
        n: sizes.people - bottom,
        run: () =>
          db.session(async (s) => {
            let named = 0;
            for (const p of await s.query(Person).where(Person.id.gt(bottom)).options(joinedLoad(Person.manager)).all()) if (p.manager) named += p.manager.firstname.length;
            return named;
          }),
      },
    ])),
  );

  // 7. bulk import: each variant imports the same rows, then they are removed
  const importN = Math.floor(sizes.songs / 10);
  const newSongs = () => Array.from({ length: importN }, (_, i) => ({ title: `imported ${i}`, artistId: remaining[i % remaining.length]!, seconds: 200 }));
  const cleanup = () => engine.execute(deleteFrom(songTable).where(songTable.c.title.like('imported %')));
  const importVariants: Variant[] = [
    {
      name: 'naive: add() + flush per row',
      n: importN,
      run: () =>
        db.session(async (s) => {
          for (const row of newSongs()) {
            s.add(new Song(row));
            await s.flush();
          }
        }),
      teardown: cleanup,
      naive: async (s) => {
        for (const row of newSongs().slice(0, 50)) {
          s.add(new Song(row));
          await s.flush();
        }
        await s.rollback();
      },
    },
    {
      name: 'athanor: add all, one flush',
      n: importN,
      run: () => db.session(async (s) => s.addAll(newSongs().map((r) => new Song(r)))),
      teardown: cleanup,
    },
    {
      name: 'athanor: Core insert(...).values(rows)',
      n: importN,
      run: () => engine.execute(insert(songTable).values(newSongs())),
      teardown: cleanup,
    },
  ];
  if (engine.dialect.name === 'postgres') {
    importVariants.push({
      name: 'athanor: copyFrom (PostgreSQL COPY)',
      n: importN,
      run: () => engine.copyFrom(songTable, newSongs()),
      teardown: cleanup,
    });
  }
  results.push(...(await runVariants(ctx, 'bulk-import', importVariants)));

  // 8. premature flush
  const pairs = Math.floor(sizes.artists / 2);
  const cleanupPairs = async () => {
    await engine.execute(deleteFrom(artistTable).where(artistTable.c.name.like('pair %')));
  };
  results.push(
    ...(await runVariants(ctx, 'premature-flush', [
      {
        name: 'naive: flush per pair to get the id',
        n: pairs,
        run: () =>
          db.session(async (s) => {
            for (let i = 0; i < pairs; i++) {
              const a = new Artist({ name: `pair ${i}` });
              s.add(a);
              await s.flush();
              s.add(new Song({ title: `pair song ${i}`, artistId: a.id, seconds: 180 }));
              await s.flush();
            }
          }),
        teardown: cleanupPairs,
        naive: async (s) => {
          for (let i = 0; i < 20; i++) {
            const a = new Artist({ name: `pair ${i}` });
            s.add(a);
            await s.flush();
            s.add(new Song({ title: `pair song ${i}`, artistId: a.id, seconds: 180 }));
            await s.flush();
          }
          await s.rollback();
        },
      },
      {
        name: 'athanor: relationships, one commit',
        n: pairs,
        run: () =>
          db.session(async (s) => {
            for (let i = 0; i < pairs; i++) {
              const a = new Artist({ name: `pair ${i}` });
              a.songs.push(new Song({ title: `pair song ${i}`, seconds: 180 }));
              s.add(a);
            }
          }),
        teardown: cleanupPairs,
      },
    ])),
  );

  // 9. filtering in SQL
  const parisInJs = async (s: Session) => {
    const people = await s.query(Person).options(selectinLoad(Person.address)).all();
    return people.filter((p) => p.address?.city === 'Paris').length;
  };
  const Manager = aliased(Person, 'manager');
  results.push(
    ...(await runVariants(ctx, 'filter-in-sql', [
      { name: 'naive: load everyone, filter in JavaScript', n: sizes.people, run: () => db.session(parisInJs), note: FILTER_IN_JS_NOTE },
      {
        name: 'athanor: join(Person.address).where(city = Paris)',
        n: sizes.people,
        run: () => db.session(async (s) => (await s.query(Person).join(Person.address).where(Address.city.eq(CITIES[0]!)).all()).length),
      },
      {
        name: 'athanor: aliased Manager, where manager is Pierre',
        n: sizes.people,
        run: () => db.session(async (s) => (await s.query(Person).join(Manager, Person.manager).where(Manager.firstname.eq('Pierre')).all()).length),
      },
    ])),
  );

  // 10. an unindexed foreign key, and the advisor's index
  results.push(...(await advisorScenario(engine, db, sizes, ctx.scale)));
  return results;
}

