/** The benchmark schema as MikroORM entity schemas (decorator-free: no metadata reflection step). */

import { EntitySchema, type Collection } from '@mikro-orm/core';

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
  albums: Collection<Album>;
}
export interface Album {
  id: number;
  title: string;
  artist?: Artist;
  tracks: Collection<Track>;
}
export interface Track {
  id: number;
  title: string;
  ms: number;
  album?: Album;
}
export interface Address {
  id: number;
  street: string;
  city: string;
}
export interface Person {
  id: number;
  name: string;
  address?: Address;
  manager?: Person;
}
export interface Named {
  id: number;
  name: string;
}
export interface ImportRow {
  id?: number;
  name: string;
  email: string;
  amount: number;
}
export interface UowParent {
  id: number;
  name: string;
  children: Collection<UowChild>;
}
export interface UowChild {
  id: number;
  label: string;
  parent?: UowParent;
}

export interface WebAuthor {
  id: number;
  handle: string;
  name: string;
  visits: number;
  posts: Collection<WebPost>;
}
export interface WebPost {
  id: number;
  slug: string;
  title: string;
  views: number;
  author?: WebAuthor;
}

const id = { type: 'number', primary: true } as const;
const str = { type: 'string' } as const;
const int = { type: 'number' } as const;

export const UserSchema: EntitySchema<User> = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  properties: { id, username: str, email: str, active: { type: 'boolean' }, score: int },
});
export const ArtistSchema: EntitySchema<Artist> = new EntitySchema<Artist>({
  name: 'Artist',
  tableName: 'artist',
  properties: { id, name: str, albums: { kind: '1:m', entity: 'Album', mappedBy: 'artist' } },
});
export const AlbumSchema: EntitySchema<Album> = new EntitySchema<Album>({
  name: 'Album',
  tableName: 'album',
  properties: {
    id,
    title: str,
    artist: { kind: 'm:1', entity: 'Artist', fieldName: 'artist_id', nullable: true, deleteRule: 'cascade' },
    tracks: { kind: '1:m', entity: 'Track', mappedBy: 'album' },
  },
});
export const TrackSchema: EntitySchema<Track> = new EntitySchema<Track>({
  name: 'Track',
  tableName: 'track',
  properties: { id, title: str, ms: int, album: { kind: 'm:1', entity: 'Album', fieldName: 'album_id', nullable: true, deleteRule: 'cascade' } },
});
export const AddressSchema: EntitySchema<Address> = new EntitySchema<Address>({ name: 'Address', tableName: 'address', properties: { id, street: str, city: str } });
export const PersonSchema: EntitySchema<Person> = new EntitySchema<Person>({
  name: 'Person',
  tableName: 'person',
  properties: {
    id,
    name: str,
    address: { kind: 'm:1', entity: 'Address', fieldName: 'address_id', nullable: true },
    manager: { kind: 'm:1', entity: 'Person', fieldName: 'manager_id', nullable: true },
  },
});
export const DelParentSchema: EntitySchema<Named> = new EntitySchema<Named>({ name: 'DelParent', tableName: 'del_parent', properties: { id, name: str } });
export const ImportRowSchema: EntitySchema<ImportRow> = new EntitySchema<ImportRow>({ name: 'ImportRow', tableName: 'import_row', properties: { id, name: str, email: str, amount: int } });
export const UowParentSchema: EntitySchema<UowParent> = new EntitySchema<UowParent>({
  name: 'UowParent',
  tableName: 'uow_parent',
  properties: { id, name: str, children: { kind: '1:m', entity: 'UowChild', mappedBy: 'parent' } },
});
export const UowChildSchema: EntitySchema<UowChild> = new EntitySchema<UowChild>({
  name: 'UowChild',
  tableName: 'uow_child',
  properties: { id, label: str, parent: { kind: 'm:1', entity: 'UowParent', fieldName: 'parent_id', nullable: true, deleteRule: 'cascade' } },
});

export const WebAuthorSchema: EntitySchema<WebAuthor> = new EntitySchema<WebAuthor>({
  name: 'WebAuthor',
  tableName: 'web_author',
  properties: { id, handle: { type: 'string', unique: 'web_author_handle_key' }, name: str, visits: int, posts: { kind: '1:m', entity: 'WebPost', mappedBy: 'author' } },
});
export const WebPostSchema: EntitySchema<WebPost> = new EntitySchema<WebPost>({
  name: 'WebPost',
  tableName: 'web_post',
  properties: {
    id,
    slug: { type: 'string', unique: 'web_post_slug_key' },
    title: str,
    views: int,
    author: { kind: 'm:1', entity: 'WebAuthor', fieldName: 'author_id', nullable: true, deleteRule: 'cascade' },
  },
});

export const ENTITIES = [UserSchema, ArtistSchema, AlbumSchema, TrackSchema, AddressSchema, PersonSchema, DelParentSchema, ImportRowSchema, UowParentSchema, UowChildSchema, WebAuthorSchema, WebPostSchema];
