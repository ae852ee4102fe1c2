/**
 * The clinic's music store: artists and songs, users with accounts, people
 * with addresses and managers — the source articles' examples — and a
 * deterministic generator that fills them at any scale.
 */
import {
  boolean,
  identity,
  index,
  insert,
  integer,
  table,
  text,
  timestamp,
  varchar,
  type Engine,
  type Table,
} from '../../src/index.js';
import { Model, many, mapped, one, type Related } from '../../src/orm/index.js';

export const artistTable = table('clinic_artist', {
  id: identity(),
  name: text().notNull(),
  country: text(),
});

export const songTable = table(
  'clinic_song',
  {
    id: identity(),
    title: text().notNull(),
    artistId: integer('artist_id').notNull().references(() => artistTable.c.id, { onDelete: 'CASCADE' }),
    seconds: integer().notNull(),
  },
  (c) => [index('clinic_song_artist_idx', c.artistId)],
);

export const userTable = table(
  'clinic_user',
  {
    id: identity(),
    username: varchar(64).notNull(),
    email: varchar(128).notNull(),
    acctActive: boolean('acct_active').notNull().default(false),
    fullName: text('full_name'),
    bio: text(),
    city: text(),
    signupAt: timestamp('signup_at'),
    plan: text(),
    referrer: text(),
  },
  (c) => [index('clinic_user_active_idx', c.acctActive)],
);

export const addressTable = table('clinic_address', {
  id: identity(),
  number: integer(),
  street: text(),
  city: text().notNull(),
  country: text(),
});

export const personTable = table(
  'clinic_person',
  {
    id: identity(),
    firstname: text().notNull(),
    lastname: text(),
    addressId: integer('address_id').references(() => addressTable.c.id),
    managerId: integer('manager_id').references((self) => self.id),
  },
  (c) => [index('clinic_person_address_idx', c.addressId), index('clinic_person_manager_idx', c.managerId)],
);

/**
 * Plays of songs by users: two foreign keys and no index on either, the way a
 * table often starts. The advisor's scenario (10) fills it and fixes it.
 */
export const playTable = table('clinic_play', {
  id: identity(),
  songId: integer('song_id').notNull().references(() => songTable.c.id, { onDelete: 'CASCADE' }),
  userId: integer('user_id').notNull().references(() => userTable.c.id),
  seconds: integer().notNull(),
});

/** The seed's models: an ORM cascade that deletes songs itself. */
@mapped
export class Artist extends Model(artistTable) {
  static readonly songs = many(() => Song, { backPopulates: 'artist', cascade: 'all' });
}
export interface Artist extends Related<typeof Artist> {}

@mapped
export class Song extends Model(songTable) {
  static readonly artist = one(() => Artist, { backPopulates: 'songs' });
}
export interface Song extends Related<typeof Song> {}

/** The same tables with the fix: the database's ON DELETE CASCADE does the work. */
@mapped
export class PassiveArtist extends Model(artistTable) {
  static readonly songs = many(() => PassiveSong, { cascade: 'all', passiveDeletes: true });
}
export interface PassiveArtist extends Related<typeof PassiveArtist> {}

@mapped
export class PassiveSong extends Model(songTable) {}

@mapped
export class User extends Model(userTable) {}

@mapped
export class Play extends Model(playTable) {}

/** Songs with their plays (kept off Song, whose cascade scenario would otherwise load plays too). */
@mapped
export class PlayedSong extends Model(songTable) {
  static readonly plays = many(() => Play);
}
export interface PlayedSong extends Related<typeof PlayedSong> {}

@mapped
export class Address extends Model(addressTable) {
  static readonly people = many(() => Person, { backPopulates: 'address' });
}
export interface Address extends Related<typeof Address> {}

@mapped
export class Person extends Model(personTable) {
  static readonly address = one(() => Address, { backPopulates: 'people' });
  static readonly manager = one(() => Person, { backPopulates: 'reports', joinDepth: 2 });
  static readonly reports = many(() => Person, { backPopulates: 'manager' });
}
export interface Person extends Related<typeof Person> {}

export const clinicTables: Table[] = [artistTable, songTable, userTable, addressTable, personTable, playTable];

// ---------------------------------------------------------------------------
// Deterministic data

/** mulberry32: a tiny seeded PRNG, so every run builds the same data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Pauline', 'Pierre', 'Ada', 'Alan', 'Grace', 'Linus', 'Ken', 'Dennis', 'Barbara', 'Edsger', 'Donald', 'Frances'];
const LAST = ['Huguenel', 'Dupont', 'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Thompson', 'Ritchie', 'Liskov', 'Dijkstra', 'Knuth', 'Allen'];
export const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Rome', 'Lisbon', 'Vienna', 'Prague', 'Oslo', 'Dublin', 'Warsaw', 'Athens', 'Brussels', 'Zurich', 'Helsinki', 'Riga', 'Tallinn', 'Sofia', 'Bern', 'Porto'];
const WORDS = ['love', 'night', 'road', 'fire', 'river', 'blue', 'dream', 'heart', 'rain', 'gold', 'stone', 'light'];

export interface Sizes {
  readonly songs: number;
  readonly artists: number;
  readonly users: number;
  readonly people: number;
  readonly addresses: number;
}

/** How many rows of each table a scale (a number of songs) means. */
export function sizesFor(scale: number): Sizes {
  const artists = Math.max(10, Math.round(scale / 10));
  const people = Math.max(10, Math.round(scale / 10));
  return { songs: scale, artists, users: Math.max(10, Math.round(scale / 2)), people, addresses: Math.max(5, Math.round(people / 4)) };
}

/** Create the tables and fill them with Core's batched inserts, reporting progress. */
export async function build(engine: Engine, scale: number, progress: (done: number, total: number) => void): Promise<Sizes> {
  const sizes = sizesFor(scale);
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  await engine.dropAll(clinicTables, { ifExists: true });
  await engine.createAll(clinicTables);
  const total = sizes.artists + sizes.songs + sizes.users + sizes.addresses + sizes.people;
  let done = 0;
  const batch = 5000;
  const load = async <R>(t: Table, count: number, make: (i: number) => R): Promise<void> => {
    for (let start = 0; start < count; start += batch) {
      const rows: R[] = [];
      for (let i = start; i < Math.min(count, start + batch); i++) rows.push(make(i));
      await engine.execute(insert(t).values(rows as never));
      done += rows.length;
      progress(done, total);
    }
  };
  await load(artistTable, sizes.artists, (i) => ({ name: `${pick(FIRST)} ${pick(LAST)} ${i}`, country: pick(CITIES) }));
  await load(songTable, sizes.songs, (i) => ({
    title: `${pick(WORDS)} ${pick(WORDS)} ${i}`,
    artistId: (i % sizes.artists) + 1,
    seconds: 120 + Math.floor(rnd() * 240),
  }));
  await load(userTable, sizes.users, (i) => ({
    username: `user${i}`,
    email: `user${i}@example.com`,
    acctActive: rnd() < 0.5,
    fullName: `${pick(FIRST)} ${pick(LAST)}`,
    bio: `${pick(WORDS)} `.repeat(20),
    city: pick(CITIES),
    signupAt: new Date(Date.UTC(2020, 0, 1) + i * 60_000),
    plan: pick(['free', 'pro', 'team']),
    referrer: pick(['ads', 'friend', 'search', null]),
  }));
  await load(addressTable, sizes.addresses, (i) => ({ number: 1 + (i % 200), street: `${pick(WORDS)} street`, city: CITIES[i % CITIES.length]!, country: 'EU' }));
  // Ids are handed out 1..n in insertion order on fresh tables, which the references below rely on.
  // Managers: a tree where person i reports to person floor(i / 5) (person 1 is the top).
  await load(personTable, sizes.people, (i) => ({
    firstname: i === 1 ? 'Pierre' : pick(FIRST),
    lastname: pick(LAST),
    addressId: (i % sizes.addresses) + 1,
    managerId: i === 0 ? null : Math.floor(i / 5) + 1,
  }));
  return sizes;
}
