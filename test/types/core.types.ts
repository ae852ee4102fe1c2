/**
 * Types that flow from the schema into statements and rows. `tsc --noEmit -p .`
 * checks this file: each `Equal` must hold, and each `@ts-expect-error` line
 * must really be an error (an unused directive fails the type check).
 */
import {
  count,
  coalesce,
  deleteFrom,
  insert,
  max,
  recursiveCte,
  select,
  selectFrom,
  sql,
  sum,
  update,
  type Engine,
  type InsertType,
  type RowOfStatement,
  type RowType,
} from '../../src/core/index.js';
import { album, artist, everything, person, song } from '../fixtures/music.js';

/** True only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}
type RowOf<S> = RowOfStatement<S>;

// --- select lists ------------------------------------------------------------

export const idName = select(artist.c.id, artist.c.name).from(artist);
expectType<Equal<RowOf<typeof idName>, { id: number; name: string }>>();

// Nullable columns are `T | null`; keys follow the TypeScript key, not the SQL name.
export const songCols = select(song.c.title, song.c.artistId, song.c.price).from(song);
expectType<Equal<RowOf<typeof songCols>, { title: string; artistId: number | null; price: string | null }>>();

// Aliases and object select lists.
export const aliased = select(artist.c.name.as('artistName'), count().as('n')).from(artist);
expectType<Equal<RowOf<typeof aliased>, { artistName: string; n: number }>>();
export const record = select({ total: sum(song.c.milliseconds), longest: max(song.c.title), last: coalesce(person.c.lastname, '?') });
expectType<Equal<RowOf<typeof record>, { total: number | null; longest: string | null; last: string }>>();

// A NOT NULL foreign-key column stays non-null (its builder carries the References mark).
export const fk = select(album.c.artistId, album.c.title.as('t')).from(album);
expectType<Equal<RowOf<typeof fk>, { artistId: number; t: string }>>();
expectType<Equal<InsertType<typeof album>, { title: string; artistId: number; id?: number }>>();

// A whole table.
export const whole = selectFrom(album);
expectType<Equal<RowOf<typeof whole>, { id: number; title: string; artistId: number }>>();
expectType<Equal<RowType<typeof person>, { id: number; firstname: string; lastname: string | null; managerId: number | null }>>();

// Every column type's value type.
expectType<
  Equal<
    RowType<typeof everything>,
    {
      id: number;
      i: number | null;
      si: number | null;
      bi: number | null;
      t: string | null;
      vc: string | null;
      b: boolean | null;
      r: number | null;
      d: number | null;
      n: string | null;
      dt: string | null;
      ts: Date | null;
      tstz: Date | null;
      j: { a: number; tags: string[] } | number[] | null;
      u: string | null;
      bl: Uint8Array | null;
      e: 'red' | 'green' | 'blue' | null;
    }
  >
>();

// Derived tables and CTEs keep their column types.
export const counts = select(album.c.artistId, count().as('n')).from(album).groupBy(album.c.artistId).as('counts');
export const joined = select(artist.c.name, counts.c.n).from(artist).join(counts, counts.c.artistId.eq(artist.c.id));
expectType<Equal<RowOf<typeof joined>, { name: string; n: number }>>();
export const chain = recursiveCte('chain', select(person.c.id, person.c.managerId).from(person), (self) =>
  select(person.c.id, person.c.managerId).from(person).join(self, person.c.id.eq(self.c.managerId)),
);
export const fromChain = select(chain.c.id, chain.c.managerId).with(chain).from(chain);
expectType<Equal<RowOf<typeof fromChain>, { id: number; managerId: number | null }>>();

// Raw SQL rows are plain records unless typed.
export const raw = sql`SELECT 1`;
expectType<Equal<RowOf<typeof raw>, Record<string, unknown>>>();

// --- wrong values in expressions ---------------------------------------------------------

/** Never called: these lines would throw at run time, which is the point of the run-time checks. */
export function wrongComparisons(): void {
  // @ts-expect-error a string column compared with a number
  artist.c.name.eq(1);
  // @ts-expect-error a number column compared with a string
  artist.c.id.in(['1']);
  // @ts-expect-error a boolean column compared with a string
  artist.c.active.eq('yes');
  // @ts-expect-error columns of different types
  song.c.title.eq(song.c.milliseconds);
  // @ts-expect-error an unknown column
  void artist.c.nmae;
}

// --- inserts ---------------------------------------------------------------------

// NOT NULL columns without a default are required; the rest are optional.
expectType<Equal<InsertType<typeof artist>, { name: string; id?: number; active?: boolean }>>();
export function insertChecks(): void {
  insert(artist).values({ name: 'Accept' });
  insert(song).values([{ title: 'a' }, { title: 'b', milliseconds: 1, price: '0.99', artistId: null }]);
  // @ts-expect-error name is required
  insert(artist).values({ active: true });
  // @ts-expect-error wrong value type
  insert(artist).values({ name: 42 });
  // @ts-expect-error unknown key
  insert(artist).values({ name: 'x', colour: 'red' });
  // @ts-expect-error null in a NOT NULL column
  insert(artist).values({ name: null });
  // @ts-expect-error numerics are exact strings, not numbers
  insert(song).values({ title: 'x', price: 0.99 });
}

// --- RETURNING ------------------------------------------------------------------------

export const returned = insert(artist).values({ name: 'x' }).returning(artist.c.id, artist.c.name.as('n'));
expectType<Equal<RowOf<typeof returned>, { id: number; n: string }>>();
export const returnedAll = insert(artist).values({ name: 'x' }).returningAll();
expectType<Equal<RowOf<typeof returnedAll>, { id: number; name: string; active: boolean }>>();
export const updated = update(song).set({ milliseconds: song.c.milliseconds.add(1) }).returning(song.c.milliseconds);
expectType<Equal<RowOf<typeof updated>, { milliseconds: number }>>();
export const deleted = deleteFrom(song).returning(song.c.albumId);
expectType<Equal<RowOf<typeof deleted>, { albumId: number | null }>>();
export function setChecks(): void {
  // @ts-expect-error wrong type in SET
  update(song).set({ milliseconds: 'long' });
  // @ts-expect-error an expression of the wrong type in SET
  update(song).set({ title: song.c.milliseconds });
}

// --- engine methods carry the row type ---------------------------------------------------------

export async function engineTypes(engine: Engine): Promise<void> {
  const _rows = await engine.all(idName);
  expectType<Equal<typeof _rows, { id: number; name: string }[]>>();
  const _first = await engine.first(idName);
  expectType<Equal<typeof _first, { id: number; name: string } | undefined>>();
  const _n = await engine.scalar(select({ n: count() }).from(artist));
  expectType<Equal<typeof _n, number | undefined>>();
}

