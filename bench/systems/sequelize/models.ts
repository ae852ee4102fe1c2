/** The benchmark schema as Sequelize models on an instance (tables exist already: no sync). */

import { DataTypes, type ModelStatic, type Model, type Sequelize } from 'sequelize';

export type AnyModel = ModelStatic<Model>;

export interface Models {
  User: AnyModel;
  Artist: AnyModel;
  Album: AnyModel;
  Track: AnyModel;
  Address: AnyModel;
  Person: AnyModel;
  DelParent: AnyModel;
  ImportRow: AnyModel;
  UowParent: AnyModel;
  UowChild: AnyModel;
  WebAuthor: AnyModel;
  WebPost: AnyModel;
}

export function defineModels(sequelize: Sequelize): Models {
  // Fresh objects for every attribute: define() writes the attribute's name into what it is given.
  const id = () => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true });
  const str = () => ({ type: DataTypes.STRING, allowNull: false });
  const int = () => ({ type: DataTypes.INTEGER, allowNull: false });
  const opts = (tableName: string) => ({ tableName, timestamps: false });
  const fk = (field: string) => ({ type: DataTypes.INTEGER, field });

  const User = sequelize.define('User', { id: id(), username: str(), email: str(), active: { type: DataTypes.BOOLEAN, allowNull: false }, score: int() }, opts('users'));
  const Artist = sequelize.define('Artist', { id: id(), name: str() }, opts('artist'));
  const Album = sequelize.define('Album', { id: id(), title: str(), artistId: fk('artist_id') }, opts('album'));
  const Track = sequelize.define('Track', { id: id(), title: str(), ms: int(), albumId: fk('album_id') }, opts('track'));
  const Address = sequelize.define('Address', { id: id(), street: str(), city: str() }, opts('address'));
  const Person = sequelize.define('Person', { id: id(), name: str(), addressId: fk('address_id'), managerId: fk('manager_id') }, opts('person'));
  const DelParent = sequelize.define('DelParent', { id: id(), name: str() }, opts('del_parent'));
  const ImportRow = sequelize.define('ImportRow', { id: id(), name: str(), email: str(), amount: int() }, opts('import_row'));
  const UowParent = sequelize.define('UowParent', { id: id(), name: str() }, opts('uow_parent'));
  const UowChild = sequelize.define('UowChild', { id: id(), label: str(), parentId: fk('parent_id') }, opts('uow_child'));
  const WebAuthor = sequelize.define('WebAuthor', { id: id(), handle: { ...str(), unique: 'web_author_handle_key' }, name: str(), visits: int() }, opts('web_author'));
  const WebPost = sequelize.define('WebPost', { id: id(), slug: { ...str(), unique: 'web_post_slug_key' }, title: str(), views: int(), authorId: fk('author_id') }, opts('web_post'));

  Artist.hasMany(Album, { as: 'albums', foreignKey: 'artistId' });
  Album.belongsTo(Artist, { as: 'artist', foreignKey: 'artistId' });
  Album.hasMany(Track, { as: 'tracks', foreignKey: 'albumId' });
  Person.belongsTo(Address, { as: 'address', foreignKey: 'addressId' });
  Person.belongsTo(Person, { as: 'manager', foreignKey: 'managerId' });
  UowParent.hasMany(UowChild, { as: 'children', foreignKey: 'parentId' });
  WebAuthor.hasMany(WebPost, { as: 'posts', foreignKey: 'authorId' });

  return { User, Artist, Album, Track, Address, Person, DelParent, ImportRow, UowParent, UowChild, WebAuthor, WebPost };
}
