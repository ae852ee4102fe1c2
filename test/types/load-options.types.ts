/**
 * Type tests for query options side by side: an option that loads nothing (`raiseLoad`, `lazyLoad`, `noLoad`,
 * `defer`) next to eager ones keeps what the eager ones load. `tsc --noEmit` checks these lines.
 */
import { Album, Artist } from '../docs/doc-models.js';
import { defer, noLoad, raiseLoad, selectinLoad, type Collection, type Session } from '../../src/orm/index.js';

export async function typeOnly(s: Session): Promise<void> {
  const artists = await s.query(Artist).options(selectinLoad(Artist.albums).selectinLoad(Album.tracks), raiseLoad('*')).all();
  const tracks: number = artists[0]!.albums[0]!.tracks.length;
  void tracks;

  const deferred = await s.query(Artist).options(defer(Artist.country), selectinLoad(Artist.albums), noLoad(Artist.songs)).all();
  const albums: Collection<Album> = deferred[0]!.albums;
  void albums;

  const raised = await s.query(Artist).options(raiseLoad('*')).all();
  // @ts-expect-error -- nothing loaded: the collection is a handle
  void raised[0]!.albums.length;
}
