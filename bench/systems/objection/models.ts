/** The benchmark schema as Objection models. */

import { Model, type RelationMappings } from 'objection';

export class User extends Model {
  static override tableName = 'users';
  id!: number;
  username!: string;
  email!: string;
  active!: boolean | number;
  score!: number;
}

export class Artist extends Model {
  static override tableName = 'artist';
  id!: number;
  name!: string;
  albums?: Album[];
  static override get relationMappings(): RelationMappings {
    return { albums: { relation: Model.HasManyRelation, modelClass: Album, join: { from: 'artist.id', to: 'album.artist_id' } } };
  }
}

export class Album extends Model {
  static override tableName = 'album';
  id!: number;
  title!: string;
  artist?: Artist | null;
  tracks?: Track[];
  static override get relationMappings(): RelationMappings {
    return {
      artist: { relation: Model.BelongsToOneRelation, modelClass: Artist, join: { from: 'album.artist_id', to: 'artist.id' } },
      tracks: { relation: Model.HasManyRelation, modelClass: Track, join: { from: 'album.id', to: 'track.album_id' } },
    };
  }
}

export class Track extends Model {
  static override tableName = 'track';
  id!: number;
  title!: string;
  ms!: number;
}

export class Address extends Model {
  static override tableName = 'address';
  id!: number;
  city!: string;
}

export class Person extends Model {
  static override tableName = 'person';
  id!: number;
  name!: string;
  manager?: Person | null;
  static override get relationMappings(): RelationMappings {
    return {
      address: { relation: Model.BelongsToOneRelation, modelClass: Address, join: { from: 'person.address_id', to: 'address.id' } },
      manager: { relation: Model.BelongsToOneRelation, modelClass: Person, join: { from: 'person.manager_id', to: 'person.id' } },
    };
  }
}

export class DelParent extends Model {
  static override tableName = 'del_parent';
}

export class UowParent extends Model {
  static override tableName = 'uow_parent';
  id?: number;
  name!: string;
  children?: UowChild[];
  static override get relationMappings(): RelationMappings {
    return { children: { relation: Model.HasManyRelation, modelClass: UowChild, join: { from: 'uow_parent.id', to: 'uow_child.parent_id' } } };
  }
}

export class UowChild extends Model {
  static override tableName = 'uow_child';
  id?: number;
  label!: string;
}

export class WebAuthor extends Model {
  static override tableName = 'web_author';
  id?: number;
  handle!: string;
  name!: string;
  visits!: number;
  posts?: WebPost[];
  static override get relationMappings(): RelationMappings {
    return { posts: { relation: Model.HasManyRelation, modelClass: WebPost, join: { from: 'web_author.id', to: 'web_post.author_id' } } };
  }
}

export class WebPost extends Model {
  static override tableName = 'web_post';
  id?: number;
  slug!: string;
  title!: string;
  views!: number;
  author_id?: number;
}
