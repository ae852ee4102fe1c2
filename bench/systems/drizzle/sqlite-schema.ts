/** The benchmark schema in Drizzle's SQLite dialect, with relations for its relational queries. */

import { relations } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: integer().primaryKey(),
  username: text().notNull(),
  email: text().notNull(),
  active: integer({ mode: 'boolean' }).notNull(),
  score: integer().notNull(),
});
export const artist = sqliteTable('artist', { id: integer().primaryKey(), name: text().notNull() });
export const album = sqliteTable('album', {
  id: integer().primaryKey(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artist.id, { onDelete: 'cascade' }),
});
export const track = sqliteTable('track', {
  id: integer().primaryKey(),
  title: text().notNull(),
  ms: integer().notNull(),
  albumId: integer('album_id').references(() => album.id, { onDelete: 'cascade' }),
});
export const address = sqliteTable('address', { id: integer().primaryKey(), street: text().notNull(), city: text().notNull() });
export const person = sqliteTable('person', {
  id: integer().primaryKey(),
  name: text().notNull(),
  addressId: integer('address_id').references(() => address.id),
  managerId: integer('manager_id').references((): AnySQLiteColumn => person.id),
});
export const delParent = sqliteTable('del_parent', { id: integer().primaryKey(), name: text().notNull() });
export const importRow = sqliteTable('import_row', { id: integer().primaryKey(), name: text().notNull(), email: text().notNull(), amount: integer().notNull() });
export const uowParent = sqliteTable('uow_parent', { id: integer().primaryKey(), name: text().notNull() });
export const uowChild = sqliteTable('uow_child', {
  id: integer().primaryKey(),
  label: text().notNull(),
  parentId: integer('parent_id').references(() => uowParent.id, { onDelete: 'cascade' }),
});

export const webAuthor = sqliteTable('web_author', {
  id: integer().primaryKey(),
  handle: text().notNull().unique('web_author_handle_key'),
  name: text().notNull(),
  visits: integer().notNull(),
});
export const webPost = sqliteTable('web_post', {
  id: integer().primaryKey(),
  slug: text().notNull().unique('web_post_slug_key'),
  title: text().notNull(),
  views: integer().notNull(),
  authorId: integer('author_id').references(() => webAuthor.id, { onDelete: 'cascade' }),
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
