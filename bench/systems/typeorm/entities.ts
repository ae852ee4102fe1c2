/** The benchmark schema as TypeORM entity schemas (decorator-free, so no reflect-metadata build step). */

import { EntitySchema } from 'typeorm';

export interface User {
  id: number;
  username: string;
  email: string;
  active: boolean;
  score: number;
}
export interface Artist {
  id: number;
  name: string;
  albums: Album[];
}
export interface Album {
  id: number;
  title: string;
  artist: Artist | null;
  tracks: Track[];
}
export interface Track {
  id: number;
  title: string;
  ms: number;
  album: Album | null;
}
export interface Address {
  id: number;
  street: string;
  city: string;
}
export interface Person {
  id: number;
  name: string;
  address: Address | null;
  manager: Person | null;
}
export interface Named {
  id: number;
  name: string;
}
export interface ImportRow {
  id: number;
  name: string;
  email: string;
  amount: number;
}
export interface UowParent {
  id?: number;
  name: string;
  children: UowChild[];
}
export interface UowChild {
  id?: number;
  label: string;
  parent?: UowParent;
}

export interface WebAuthor {
  id?: number;
  handle: string;
  name: string;
  visits: number;
  posts?: WebPost[];
}
export interface WebPost {
  id?: number;
  slug: string;
  title: string;
  views: number;
  author?: Pick<WebAuthor, 'id'>;
}

const id = { type: Number, primary: true, generated: true } as const;

export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  columns: { id, username: { type: String }, email: { type: String }, active: { type: Boolean }, score: { type: Number } },
});
export const ArtistSchema = new EntitySchema<Artist>({
  name: 'Artist',
  tableName: 'artist',
  columns: { id, name: { type: String } },
  relations: { albums: { type: 'one-to-many', target: 'Album', inverseSide: 'artist' } },
});
export const AlbumSchema = new EntitySchema<Album>({
  name: 'Album',
  tableName: 'album',
  columns: { id, title: { type: String } },
  relations: {
    artist: { type: 'many-to-one', target: 'Artist', joinColumn: { name: 'artist_id' }, inverseSide: 'albums', onDelete: 'CASCADE' },
    tracks: { type: 'one-to-many', target: 'Track', inverseSide: 'album' },
  },
});
export const TrackSchema = new EntitySchema<Track>({
  name: 'Track',
  tableName: 'track',
  columns: { id, title: { type: String }, ms: { type: Number } },
  relations: { album: { type: 'many-to-one', target: 'Album', joinColumn: { name: 'album_id' }, inverseSide: 'tracks', onDelete: 'CASCADE' } },
});
export const AddressSchema = new EntitySchema<Address>({
  name: 'Address',
  tableName: 'address',
  columns: { id, street: { type: String }, city: { type: String } },
});
export const PersonSchema = new EntitySchema<Person>({
  name: 'Person',
  tableName: 'person',
  columns: { id, name: { type: String } },
  relations: {
    address: { type: 'many-to-one', target: 'Address', joinColumn: { name: 'address_id' } },
    manager: { type: 'many-to-one', target: 'Person', joinColumn: { name: 'manager_id' } },
  },
});
export const DelParentSchema = new EntitySchema<Named>({ name: 'DelParent', tableName: 'del_parent', columns: { id, name: { type: String } } });
export const ImportRowSchema = new EntitySchema<ImportRow>({
  name: 'ImportRow',
  tableName: 'import_row',
  columns: { id, name: { type: String }, email: { type: String }, amount: { type: Number } },
});
export const UowParentSchema = new EntitySchema<UowParent>({
  name: 'UowParent',
  tableName: 'uow_parent',
  columns: { id, name: { type: String } },
  relations: { children: { type: 'one-to-many', target: 'UowChild', inverseSide: 'parent', cascade: ['insert'] } },
});
export const UowChildSchema = new EntitySchema<UowChild>({
  name: 'UowChild',
  tableName: 'uow_child',
  columns: { id, label: { type: String } },
  relations: { parent: { type: 'many-to-one', target: 'UowParent', joinColumn: { name: 'parent_id' }, inverseSide: 'children', onDelete: 'CASCADE' } },
});

export const WebAuthorSchema = new EntitySchema<WebAuthor>({
  name: 'WebAuthor',
  tableName: 'web_author',
  columns: { id, handle: { type: String, unique: true }, name: { type: String }, visits: { type: Number } },
  relations: { posts: { type: 'one-to-many', target: 'WebPost', inverseSide: 'author', cascade: ['insert'] } },
});
export const WebPostSchema = new EntitySchema<WebPost>({
  name: 'WebPost',
  tableName: 'web_post',
  columns: { id, slug: { type: String, unique: true }, title: { type: String }, views: { type: Number } },
  relations: { author: { type: 'many-to-one', target: 'WebAuthor', joinColumn: { name: 'author_id' }, inverseSide: 'posts', onDelete: 'CASCADE' } },
});

export const ENTITIES = [UserSchema, ArtistSchema, AlbumSchema, TrackSchema, AddressSchema, PersonSchema, DelParentSchema, ImportRowSchema, UowParentSchema, UowChildSchema, WebAuthorSchema, WebPostSchema];
