/** The benchmark schema as Athanor tables and mapped models, written as its docs show. */

import { boolean, identity, integer, table, text } from '../../../src/index.js';
import { Model, many, mapped, one, type Related } from '../../../src/orm/index.js';

export const users = table('users', {
  id: identity(),
  username: text().notNull(),
  email: text().notNull(),
  active: boolean().notNull(),
  score: integer().notNull(),
});

export const artists = table('artist', { id: identity(), name: text().notNull() });
export const albums = table('album', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artists.c.id, { onDelete: 'CASCADE' }),
});
export const tracks = table('track', {
  id: identity(),
  title: text().notNull(),
  ms: integer().notNull(),
  albumId: integer('album_id').references(() => albums.c.id, { onDelete: 'CASCADE' }),
});
export const addresses = table('address', { id: identity(), street: text().notNull(), city: text().notNull() });
export const people = table('person', {
  id: identity(),
  name: text().notNull(),
  addressId: integer('address_id').references(() => addresses.c.id),
  managerId: integer('manager_id').references((self) => self.id),
});
export const delParents = table('del_parent', { id: identity(), name: text().notNull() });
export const delChildren = table('del_child', {
  id: identity(),
  label: text().notNull(),
  parentId: integer('parent_id').references(() => delParents.c.id, { onDelete: 'CASCADE' }),
});
export const importRows = table('import_row', { id: identity(), name: text().notNull(), email: text().notNull(), amount: integer().notNull() });
export const uowParents = table('uow_parent', { id: identity(), name: text().notNull() });
export const uowChildren = table('uow_child', {
  id: identity(),
  label: text().notNull(),
  parentId: integer('parent_id').references(() => uowParents.c.id, { onDelete: 'CASCADE' }),
});

@mapped
export class User extends Model(users) {}

@mapped
export class Artist extends Model(artists) {
  static readonly albums = many(() => Album, { backPopulates: 'artist' });
}
export interface Artist extends Related<typeof Artist> {}

@mapped
export class Album extends Model(albums) {
  static readonly artist = one(() => Artist, { backPopulates: 'albums' });
  static readonly tracks = many(() => Track, { backPopulates: 'album' });
}
export interface Album extends Related<typeof Album> {}

@mapped
export class Track extends Model(tracks) {
  static readonly album = one(() => Album, { backPopulates: 'tracks' });
}
export interface Track extends Related<typeof Track> {}

@mapped
export class Address extends Model(addresses) {
  static readonly people = many(() => Person, { backPopulates: 'address' });
}
export interface Address extends Related<typeof Address> {}

@mapped
export class Person extends Model(people) {
  static readonly address = one(() => Address, { backPopulates: 'people' });
  static readonly manager = one(() => Person, { backPopulates: 'reports' });
  static readonly reports = many(() => Person, { backPopulates: 'manager' });
}
export interface Person extends Related<typeof Person> {}

/** The database cascades (ON DELETE CASCADE): the ORM neither loads nor deletes children. */
@mapped
export class DelParent extends Model(delParents) {
  static readonly children = many(() => DelChild, { backPopulates: 'parent', cascade: 'all, delete', passiveDeletes: true });
}
export interface DelParent extends Related<typeof DelParent> {}

@mapped
export class DelChild extends Model(delChildren) {
  static readonly parent = one(() => DelParent, { backPopulates: 'children' });
}
export interface DelChild extends Related<typeof DelChild> {}

@mapped
export class UowParent extends Model(uowParents) {
  static readonly children = many(() => UowChild, { backPopulates: 'parent' });
}
export interface UowParent extends Related<typeof UowParent> {}

@mapped
export class UowChild extends Model(uowChildren) {
  static readonly parent = one(() => UowParent, { backPopulates: 'children' });
}
export interface UowChild extends Related<typeof UowChild> {}

export const webAuthors = table('web_author', {
  id: identity(),
  handle: text().notNull().unique(),
  name: text().notNull(),
  visits: integer().notNull(),
});
export const webPosts = table('web_post', {
  id: identity(),
  slug: text().notNull().unique(),
  title: text().notNull(),
  views: integer().notNull(),
  authorId: integer('author_id').references(() => webAuthors.c.id, { onDelete: 'CASCADE' }),
});

/** The database cascades a deleted author's posts (ON DELETE CASCADE): the ORM neither loads nor deletes them. */
@mapped
export class WebAuthor extends Model(webAuthors) {
  static readonly posts = many(() => WebPost, { backPopulates: 'author', cascade: 'all, delete', passiveDeletes: true });
}
export interface WebAuthor extends Related<typeof WebAuthor> {}

@mapped
export class WebPost extends Model(webPosts) {
  static readonly author = one(() => WebAuthor, { backPopulates: 'posts' });
}
export interface WebPost extends Related<typeof WebPost> {}
