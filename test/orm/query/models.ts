/**
 * Models for the query and loading tests, over tables named with a prefix
 * given per test file (tests of several files share the databases).
 */
import { identity, integer, table, text, boolean, primaryKey } from '../../../src/index.js';

export function musicTables(prefix: string) {
  const artist = table(`${prefix}artist`, {
    id: identity(),
    name: text().notNull(),
  });
  const album = table(`${prefix}album`, {
    id: identity(),
    title: text().notNull(),
    artistId: integer('artist_id').references(() => artist.c.id, { onDelete: 'CASCADE' }),
  });
  const track = table(`${prefix}track`, {
    id: identity(),
    name: text().notNull(),
    albumId: integer('album_id').references(() => album.c.id, { onDelete: 'CASCADE' }),
    ms: integer().notNull().default(0),
  });
  const tag = table(`${prefix}tag`, { id: identity(), label: text().notNull() });
  const albumTag = table(
    `${prefix}album_tag`,
    {
      albumId: integer('album_id').notNull().references(() => album.c.id, { onDelete: 'CASCADE' }),
      tagId: integer('tag_id').notNull().references(() => tag.c.id, { onDelete: 'CASCADE' }),
    },
    (c) => [primaryKey(c.albumId, c.tagId)],
  );
  const address = table(`${prefix}address`, { id: identity(), city: text().notNull(), street: text() });
  const person = table(`${prefix}person`, {
    id: identity(),
    firstname: text().notNull(),
    lastname: text(),
    active: boolean().notNull().default(false),
    addressId: integer('address_id').references(() => address.c.id),
    managerId: integer('manager_id').references((self) => self.id),
  });
  return { artist, album, track, tag, albumTag, address, person, all: [artist, album, track, tag, albumTag, address, person] };
}
