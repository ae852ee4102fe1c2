/**
 * What the documentation's code blocks assume exists: the music store's tables (Core's `artist`, `album`, `song`,
 * ...) and models (`Artist`, `Album`, `Song`, `Track`, `Tag`, the blog's `Post`, `Comment`, `Author`, ...), and a few
 * plain values the text mentions (`ids`, `rows`, `q`). `test/docs/code-blocks.test.ts` imports every export here into
 * every block that does not declare the name itself, so the models are real and their types are the library's.
 *
 * Everything here is a real value, imported by the blocks that run too; what a fragment only refers to (`engine`,
 * `db`, `s`, a request handler) is declared in doc-context.ts.
 */
import {
  Model,
  boolean,
  defineFilter,
  identity,
  integer,
  many,
  mapped,
  numeric,
  one,
  primaryKey,
  select,
  softDelete,
  table,
  text,
  timestamp,
  varchar,
  type AnyColumn,
  type InitOf,
  type Related,
  type Table,
} from '../../src/index.js';

// The tables. Core's examples name them in lower case (`artist.c.name`); the ORM's examples use `artistTable`.

export const artistTable = table('artist', {
  id: identity(),
  name: varchar(120).notNull().unique(),
  country: text(),
  plays: integer().notNull().default(0),
});

export const albumTable = table('album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').notNull().references(() => artistTable.c.id, { onDelete: 'CASCADE' }),
  price: numeric(6, 2),
});

export const trackTable = table('track', {
  id: identity(),
  name: text().notNull(),
  albumId: integer('album_id').references(() => albumTable.c.id, { onDelete: 'CASCADE' }),
  ms: integer().notNull().default(0),
  bytes: integer(),
});

export const songTable = table('song', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artistTable.c.id, { onDelete: 'CASCADE' }),
  plays: integer().notNull().default(0),
  milliseconds: integer(),
});

/** A user's stars for a song: a key of two columns. */
export const ratingTable = table(
  'rating',
  {
    userId: integer('user_id').notNull().references(() => userTable.c.id, { onDelete: 'CASCADE' }),
    songId: integer('song_id').notNull().references(() => songTable.c.id, { onDelete: 'CASCADE' }),
    stars: integer().notNull(),
  },
  (c) => [primaryKey(c.userId, c.songId)],
);

/** An artist's tour dates. */
export const concertTable = table('concert', {
  id: identity(),
  artistId: integer('artist_id').notNull().references(() => artistTable.c.id, { onDelete: 'CASCADE' }),
  venue: text().notNull(),
  startsAt: timestamp('starts_at').notNull(),
  endsAt: timestamp('ends_at').notNull(),
});

export const tagTable = table('tag', { id: identity(), label: text().notNull().unique() });

export const songTagTable = table(
  'song_tag',
  {
    songId: integer('song_id').notNull().references(() => songTable.c.id, { onDelete: 'CASCADE' }),
    tagId: integer('tag_id').notNull().references(() => tagTable.c.id, { onDelete: 'CASCADE' }),
  },
  (c) => [primaryKey(c.songId, c.tagId)],
);

export const playlistTable = table('playlist', { id: identity(), name: text().notNull() });

export const playlistTrackTable = table(
  'playlist_track',
  {
    playlistId: integer('playlist_id').notNull().references(() => playlistTable.c.id),
    trackId: integer('track_id').notNull().references(() => trackTable.c.id),
  },
  (c) => [primaryKey(c.playlistId, c.trackId)],
);

export const userTable = table('user', {
  id: identity(),
  username: text().notNull(),
  email: text().notNull(),
  acctActive: boolean('acct_active').notNull().default(true),
  active: boolean().notNull().default(true),
  emailVerified: boolean('email_verified').notNull().default(false),
});

export const employeeTable = table('employee', {
  id: identity(),
  name: text().notNull(),
  firstName: text('first_name'),
  lastName: text('last_name'),
  managerId: integer('manager_id').references((self) => self.id),
});

export const customerTable = table('customer', {
  id: identity(),
  name: text().notNull(),
  supportRepId: integer('support_rep_id').references(() => employeeTable.c.id),
});

export const addressTable = table('address', { id: identity(), city: text().notNull() });

export const personTable = table('person', {
  id: identity(),
  firstname: text().notNull(),
  addressId: integer('address_id').references(() => addressTable.c.id),
  managerId: integer('manager_id').references((self) => self.id),
});

export const teamTable = table('team', {
  id: identity(),
  name: text().notNull(),
  captainId: integer('captain_id').references((): AnyColumn => playerTable.c.id),
});

export const playerTable = table('player', {
  id: identity(),
  name: text().notNull(),
  teamId: integer('team_id').references(() => teamTable.c.id),
});

export const productTable = table('product', { id: identity(), label: text().notNull() });

export const archiveTable = table('archive', { id: identity(), name: text().notNull() });

/** One row per counter, for read-modify-write under SERIALIZABLE (docs/scaling.md). */
export const counterTable = table('counter', { id: identity(), n: integer().notNull().default(0) });

// The blog of the ORM pages (soft delete, query filters, lifecycle hooks, keyset pagination): each post belongs to a
// tenant, a blog and an author, and is a draft until published.

export const authorTable = table('author', {
  id: identity(),
  name: text().notNull(),
  email: text().notNull().unique(),
});

export const postTable = table('post', {
  id: identity(),
  tenantId: integer('tenant_id').notNull(),
  blogId: integer('blog_id').notNull(),
  authorId: integer('author_id').references(() => authorTable.c.id),
  title: text().notNull(),
  slug: text().unique(),
  body: text().notNull().default(''),
  revision: integer().notNull().default(1),
  score: integer().notNull().default(0),
  /** `'live'` or `'deleted'`: the soft-delete marker of the examples that do not use `deletedAt`. */
  state: text().notNull().default('live'),
  createdAt: timestamp('created_at').notNull().default(() => new Date()),
  updatedAt: timestamp('updated_at').default(() => new Date()).onUpdate(() => new Date()),
  publishedAt: timestamp('published_at'),
  deletedAt: timestamp('deleted_at'),
});

export const commentTable = table('comment', {
  id: identity(),
  postId: integer('post_id').notNull().references(() => postTable.c.id, { onDelete: 'CASCADE' }),
  authorId: integer('author_id').references(() => authorTable.c.id),
  body: text().notNull(),
  deletedAt: timestamp('deleted_at'),
});

export const attachmentTable = table('attachment', {
  id: identity(),
  postId: integer('post_id').notNull().references(() => postTable.c.id, { onDelete: 'CASCADE' }),
  fileName: text('file_name').notNull(),
  bytes: integer().notNull(),
});

/** What the lifecycle hooks write: one row per event. */
export const auditTable = table('audit', {
  id: identity(),
  action: text().notNull(),
  postId: integer('post_id'),
  at: timestamp().notNull().default(() => new Date()),
});

export const artist = artistTable;
export const album = albumTable;
export const song = songTable;
export const employee = employeeTable;
export const product = productTable;
export const archive = archiveTable;
export const counter = counterTable;


export const docTables: readonly Table[] = [
  artistTable, albumTable, trackTable, songTable, tagTable, songTagTable, playlistTable, playlistTrackTable,
  userTable, employeeTable, customerTable, addressTable, personTable, teamTable, playerTable, productTable, archiveTable,
  ratingTable, concertTable, counterTable, authorTable, postTable, commentTable, attachmentTable, auditTable,
];

// The models.

@mapped
export class Artist extends Model(artistTable) {
  static readonly songs = many(() => Song, { backPopulates: 'artist', cascade: 'all', passiveDeletes: true });
  static readonly albums = many(() => Album, { backPopulates: 'artist' });
}
export interface Artist extends Related<typeof Artist> {}

@mapped
export class Album extends Model(albumTable) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track, { backPopulates: 'album' });
}
export interface Album extends Related<typeof Album> {}

@mapped
export class Track extends Model(trackTable) {
  static readonly album = one(() => Album, { backPopulates: 'tracks' });
  static readonly playlists = many(() => Playlist, { secondary: playlistTrackTable, backPopulates: 'tracks' });
}
export interface Track extends Related<typeof Track> {}

@mapped
export class Playlist extends Model(playlistTable) {
  static readonly tracks = many(() => Track, { secondary: playlistTrackTable, backPopulates: 'playlists' });
}
export interface Playlist extends Related<typeof Playlist> {}

@mapped
export class Song extends Model(songTable) {
  static readonly artist = one(() => Artist, { backPopulates: 'songs' });
  static readonly tags = many(() => Tag, { secondary: songTagTable, backPopulates: 'songs' });
}
export interface Song extends Related<typeof Song> {}

@mapped
export class Tag extends Model(tagTable) {
  static readonly songs = many(() => Song, { secondary: songTagTable, backPopulates: 'tags' });
}
export interface Tag extends Related<typeof Tag> {}

@mapped
export class User extends Model(userTable) {}

@mapped
export class Rating extends Model(ratingTable) {}

@mapped
export class Concert extends Model(concertTable) {}

@mapped
export class Employee extends Model(employeeTable) {
  static readonly customers = many(() => Customer, { backPopulates: 'supportRep' });
}
export interface Employee extends Related<typeof Employee> {}

@mapped
export class Customer extends Model(customerTable) {
  static readonly supportRep = one(() => Employee, { backPopulates: 'customers' });
}
export interface Customer extends Related<typeof Customer> {}

@mapped
export class Address extends Model(addressTable) {
  static readonly people = many(() => Person, { backPopulates: 'address' });
}
export interface Address extends Related<typeof Address> {}

@mapped
export class Person extends Model(personTable) {
  static readonly address = one(() => Address, { backPopulates: 'people' });
  static readonly manager = one(() => Person, { backPopulates: 'reports' });
  static readonly reports = many(() => Person, { backPopulates: 'manager' });
}
export interface Person extends Related<typeof Person> {}

@mapped
export class Team extends Model(teamTable) {
  static readonly captain = one(() => Player, { foreignKey: teamTable.c.captainId });
  static readonly players = many(() => Player, { foreignKey: playerTable.c.teamId, backPopulates: 'team' });
}
export interface Team extends Related<typeof Team> {}

@mapped
export class Player extends Model(playerTable) {
  static readonly team = one(() => Team, { foreignKey: playerTable.c.teamId, backPopulates: 'players' });
}
export interface Player extends Related<typeof Player> {}

// The filters of the blog (docs/queries-and-loading.md#query-filters).

/** Only the session's tenant's rows: parameters from the session, on by default. */
export const tenant = defineFilter<{ id: number }>('tenant');
/** Only published posts: opt-in. */
export const published = defineFilter('published', { enabled: false });

@mapped
export class Author extends Model(authorTable) {
  static readonly posts = many(() => Post, { backPopulates: 'author' });
}
export interface Author extends Related<typeof Author> {}

@mapped
export class Post extends Model(postTable) {
  static readonly author = one(() => Author, { backPopulates: 'posts' });
  static readonly comments = many(() => Comment, { backPopulates: 'post', cascade: 'all' });
  static readonly attachments = many(() => Attachment, { backPopulates: 'post', cascade: 'all' });
  static readonly tenant = tenant.on((p) => postTable.c.tenantId.eq(p.id));
  static readonly publishedOnly = published.on(postTable.c.publishedAt.isNotNull());
  static readonly deleted = softDelete(postTable.c.deletedAt);
}
export interface Post extends Related<typeof Post> {}

@mapped
export class Comment extends Model(commentTable) {
  static readonly post = one(() => Post, { backPopulates: 'comments' });
  static readonly deleted = softDelete(commentTable.c.deletedAt);
}
export interface Comment extends Related<typeof Comment> {}

/** An attachment has no soft delete: a post's soft delete leaves it as it is, a hard delete deletes it. */
@mapped
export class Attachment extends Model(attachmentTable) {
  static readonly post = one(() => Post, { backPopulates: 'attachments' });
}
export interface Attachment extends Related<typeof Attachment> {}

/** What `new User(...)` and `new Post(...)` take (a request's body, once validated). */
export type UserInit = InitOf<typeof User>;
export type PostInit = InitOf<typeof Post>;

// Plain values the text mentions.

export const url = 'sqlite::memory:';
export const id = 7;
export const ids: number[] = [1, 2, 3];
export const input = 'Queen';
export const userInput = '50%_off';
export const searchBox = '100%';
/** A Core query, as `engine.all(q)` takes it. */
export const q = select(artistTable.c.id, artistTable.c.name).from(artistTable);
/** Rows for `insert(artist).values(rows)`. */
export const rows = [{ name: 'AC/DC' }, { name: 'Accept', country: 'DE' }];

// The migration walk-through: version 1 of the tables, and version 2 (which it also calls artistTable and songTable).

export const artistV1 = table('artist', { id: identity(), name: text().notNull() });
export const songV1 = table('song', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artistV1.c.id, { onDelete: 'CASCADE' }),
});
export const artistV2 = table('artist', { id: identity(), name: text().notNull(), country: varchar(2) });
export const songV2 = table('song', {
  id: identity(),
  name: text().notNull(),
  artistId: integer('artist_id').references(() => artistV2.c.id, { onDelete: 'CASCADE' }),
});
