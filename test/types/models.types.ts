/**
 * Type tests for mapped models: `tsc --noEmit` checks the `@ts-expect-error`
 * lines (an expected error that does not happen fails the type check).
 */
import { Artist, Document, Person, Song, Tag, songTagTable } from '../fixtures/orm-models.js';
import { Model } from '../../src/orm/index.js';

class SongTag extends Model(songTagTable) {}
import type { Collection, Relation } from '../../src/orm/index.js';

export function typeOnly(): void {
  // Required: NOT NULL columns without a default. Optional: nullable, defaulted, and foreign keys.
  const a = new Artist({ name: 'Queen' });
  new Song({ title: 'x' }); // artistId is a foreign key: a relationship can fill it in
  // @ts-expect-error name is required
  new Artist({});
  // @ts-expect-error wrong value type
  new Artist({ name: 42 });
  // @ts-expect-error unknown attribute
  new Artist({ name: 'x', nope: 1 });

  const name: string = a.name;
  const active: boolean = a.active;
  // @ts-expect-error columns are typed
  a.name = 1;
  const s = new Song({ title: 't' });
  const plays: number = s.plays;
  const artistId: number | null = s.artistId;

  // Relationships: to-one is the object or null; collections are Relation handles until loaded.
  s.artist = a;
  s.artist = null;
  // @ts-expect-error a to-one takes the target model only
  s.artist = new Tag({ label: 'x' });
  const songs: Relation<Song> = a.songs;
  songs.push(s);
  // @ts-expect-error a collection holds the target model only
  a.songs.push(new Tag({ label: 'y' }));
  // @ts-expect-error an unloaded collection cannot be read as an array
  a.songs.map((x) => x.title);
  const loaded: Promise<Collection<Song>> = a.songs.load();
  const manager: Person | null = new Person({ firstname: 'x' }).manager;
  const version: number = new Document({ body: 'b' }).version;
  // A NOT NULL foreign key stays non-null in the instance type.
  const tagId: number = new SongTag({ songId: 1, tagId: 2 }).tagId;
  void tagId;

  // Static attributes are SQL expressions.
  Artist.name.eq('Queen');
  // @ts-expect-error compared with a string column
  Artist.name.eq(5);
  Song.artist.has(Artist.name.eq('Queen'));
  Artist.songs.any(Song.title.like('%love%'));
  void [name, active, plays, artistId, loaded, manager, version];
}

