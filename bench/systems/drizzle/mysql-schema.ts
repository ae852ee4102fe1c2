/** The benchmark schema in Drizzle's MySQL dialect (run on MariaDB), with relations for its relational queries. */

import { relations } from 'drizzle-orm';
import { boolean, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import type { AnyMySqlColumn } from 'drizzle-orm/mysql-core';

export const users = mysqlTable('users', {
  id: int().primaryKey().autoincrement(),
  username: varchar({ length: 200 }).notNull(),
  email: varchar({ length: 200 }).notNull(),
  active: boolean().notNull(),
  score: int().notNull(),
});
export const artist = mysqlTable('artist', { id: int().primaryKey().autoincrement(), name: varchar({ length: 200 }).notNull() });
export const album = mysqlTable('album', {
  id: int().primaryKey().autoincrement(),
  title: varchar({ length: 200 }).notNull(),
  artistId: int('artist_id').references(() => artist.id, { onDelete: 'cascade' }),
});
export const track = mysqlTable('track', {
  id: int().primaryKey().autoincrement(),
  title: varchar({ length: 200 }).notNull(),
  ms: int().notNull(),
  albumId: int('album_id').references(() => album.id, { onDelete: 'cascade' }),
});
export const address = mysqlTable('address', { id: int().primaryKey().autoincrement(), street: varchar({ length: 200 }).notNull(), city: varchar({ length: 200 }).notNull() });
export const person = mysqlTable('person', {
  id: int().primaryKey().autoincrement(),
  name: varchar({ length: 200 }).notNull(),
  addressId: int('address_id').references(() => address.id),
  managerId: int('manager_id').references((): AnyMySqlColumn => person.id),
});
export const delParent = mysqlTable('del_parent', { id: int().primaryKey().autoincrement(), name: varchar({ length: 200 }).notNull() });
export const importRow = mysqlTable('import_row', { id: int().primaryKey().autoincrement(), name: varchar({ length: 200 }).notNull(), email: varchar({ length: 200 }).notNull(), amount: int().notNull() });
export const uowParent = mysqlTable('uow_parent', { id: int().primaryKey().autoincrement(), name: varchar({ length: 200 }).notNull() });
export const uowChild = mysqlTable('uow_child', {
  id: int().primaryKey().autoincrement(),
  label: varchar({ length: 200 }).notNull(),
  parentId: int('parent_id').references(() => uowParent.id, { onDelete: 'cascade' }),
});

export const webAuthor = mysqlTable('web_author', {
  id: int().primaryKey().autoincrement(),
  handle: varchar({ length: 200 }).notNull().unique('web_author_handle_key'),
  name: varchar({ length: 200 }).notNull(),
  visits: int().notNull(),
});
export const webPost = mysqlTable('web_post', {
  id: int().primaryKey().autoincrement(),
  slug: varchar({ length: 200 }).notNull().unique('web_post_slug_key'),
  title: varchar({ length: 200 }).notNull(),
  views: int().notNull(),
  authorId: int('author_id').references(() => webAuthor.id, { onDelete: 'cascade' }),
});

export const artistRelations = relations(artist, ({ many }) => ({ albums: many(album) }));
export const albumRelations = relations(album, ({ one, many }) => ({
  artist: one(artist, { fields: [album.artistId], references: [artist.id] }),
  tracks: many(track),
}));
export const trackRelations = relations(track, ({ one }) => ({ album: one(album, { fields: [track.albumId], references: [album.id] }) }));
export const personRelations = relations(person, ({ one }) => ({
  manager: one(person, { fields: [person.managerId], references: [person.id] }),
}));
