/**
 * Models for the diagnostics tests (tables prefixed `dg_`): the source
 * article's Artist/Song with ON DELETE CASCADE, in three relationship
 * flavours (ORM-side cascade, passive deletes, passive deletes over a foreign
 * key without ON DELETE), plus a wide table for unread-column checks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { identity, integer, table, text } from '../../src/index.js';
import { Model, many, mapped, one, type Related } from '../../src/orm/index.js';

export const dgArtist = table('dg_artist', {
  id: identity(),
  name: text().notNull(),
});

export const dgSong = table('dg_song', {
  id: identity(),
  title: text().notNull(),
  artistId: integer('artist_id').references(() => dgArtist.c.id, { onDelete: 'CASCADE' }),
  plays: integer().notNull().default(0),
  genre: text(),
  mood: text(),
  lyrics: text(),
  notes: text(),
});

/** Same shape, foreign key without ON DELETE. */
export const dgLabel = table('dg_label', { id: identity(), name: text().notNull() });
export const dgRelease = table('dg_release', {
  id: identity(),
  title: text().notNull(),
  labelId: integer('label_id').references(() => dgLabel.c.id),
});

@mapped
export class Artist extends Model(dgArtist) {
  /** Naive: the ORM deletes songs itself although the database would. */
  static readonly songs = many(() => Song, { backPopulates: 'artist', cascade: 'all, delete-orphan' });
}
export interface Artist extends Related<typeof Artist> {}

@mapped
export class Song extends Model(dgSong) {
  static readonly artist = one(() => Artist, { backPopulates: 'songs' });
}
export interface Song extends Related<typeof Song> {}

/** Fixed: the same tables, the database cascades. */
export const dgArtist2 = dgArtist;
@mapped
export class PassiveArtist extends Model(dgArtist) {
  static readonly songs = many(() => PassiveSong, { cascade: 'all, delete-orphan', passiveDeletes: true });
}
export interface PassiveArtist extends Related<typeof PassiveArtist> {}
@mapped
export class PassiveSong extends Model(dgSong) {}

@mapped
export class Label extends Model(dgLabel) {
  /** Dangerous: passiveDeletes over a foreign key with no ON DELETE. */
  static readonly releases = many(() => Release, { cascade: 'all', passiveDeletes: true });
}
export interface Label extends Related<typeof Label> {}
@mapped
export class Release extends Model(dgRelease) {}

export const dgTables = [dgArtist, dgSong, dgLabel, dgRelease];

/** The 1-based line of `file` that ends with the comment `// marker` (put on the line a call site should point at). */
export function lineOf(file: string, marker: string): number {
  const lines = readFileSync(fileURLToPath(file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.trimEnd().endsWith(`// ${marker}`));
  if (i < 0) throw new Error(`marker ${marker} not found`);
  return i + 1;
}
