/** The benchmark schema in Drizzle's PostgreSQL dialect, with relations for its relational queries. */

import { relations } from 'drizzle-orm';
import { boolean, integer, pgTable, text } from 'drizzle-orm/pg-core';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  username: text().notNull(),
  email: text().notNull(),
  active: boolean().notNull(),
  score: integer().notNull(),
});
export const artist = pgTable('artist', { id: integer().primaryKey().generatedByDefaultAsIdentity(), name: text().notNull() });
export const album = pgTable('album', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => artist.id, { onDelete: 'cascade' }),
});
export const track = pgTable('track', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  title: text().notNull(),
  ms: integer().notNull(),
  albumId: integer('album_id').references(() => album.id, { onDelete: 'cascade' }),
});
export const address = pgTable('address', { id: integer().primaryKey().generatedByDefaultAsIdentity(), street: text().notNull(), city: text().notNull() });
export const person = pgTable('person', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  name: text().notNull(),
  addressId: integer('address_id').references(() => address.id),
  managerId: integer('manager_id').references((): AnyPgColumn => person.id),
});
export const delParent = pgTable('del_parent', { id: integer().primaryKey().generatedByDefaultAsIdentity(), name: text().notNull() });
export const importRow = pgTable('import_row', { id: integer().primaryKey().generatedByDefaultAsIdentity(), name: text().notNull(), email: text().notNull(), amount: integer().notNull() });
export const uowParent = pgTable('uow_parent', { id: integer().primaryKey().generatedByDefaultAsIdentity(), name: text().notNull() });
export const uowChild = pgTable('uow_child', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  label: text().notNull(),
  parentId: integer('parent_id').references(() => uowParent.id, { onDelete: 'cascade' }),
});

export const webAuthor = pgTable('web_author', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
  handle: text().notNull().unique('web_author_handle_key'),
  name: text().notNull(),
  visits: integer().notNull(),
});
export const webPost = pgTable('web_post', {
  id: integer().primaryKey().generatedByDefaultAsIdentity(),
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
