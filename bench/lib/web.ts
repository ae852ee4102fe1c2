/**
 * The web-request workloads: one small read or write per request, many
 * requests one after another, each in its own session or unit of work. What
 * every request reads or writes is decided here, so every system sends the same
 * keys and values.
 *
 * Reads use the shared seed (a user; an artist with its albums). Writes use
 * `web_author` / `web_post`, put back to the state below before every run, so a
 * write workload never changes what another one reads.
 */

import type { Sizes } from './workloads.js';

/** Requests per run, the same at every scale: a request's cost does not grow with the data. */
export const REQUESTS = 200;
/** Authors in web_author before every run: ids 1..WEB_AUTHORS, handle `author-<id>`. */
export const WEB_AUTHORS = 2 * REQUESTS;
/** Posts of each seeded author: ids (author - 1) * POSTS_PER_AUTHOR + 1.., slug `author-<id>-post-<n>`. */
export const POSTS_PER_AUTHOR = 3;
/** Posts a nested create writes with its author. */
export const NEW_POSTS = 3;

export interface AuthorValues {
  readonly handle: string;
  readonly name: string;
  readonly visits: number;
}

export interface PostValues {
  readonly slug: string;
  readonly title: string;
  readonly views: number;
}

export const seededHandle = (authorId: number): string => `author-${authorId}`;
export const seededSlug = (authorId: number, n: number): string => `author-${authorId}-post-${n}`;
export const seededPostId = (authorId: number, n: number): number => (authorId - 1) * POSTS_PER_AUTHOR + n;

/** A value that changes every run, so an update is never a no-op a system could skip. */
export const visitsAt = (iteration: number): number => 1000 + iteration;

/** web-find: the k-th user looked up, spread over the whole table. */
export function findUserId(s: Sizes, k: number): number {
  return ((k * 7919) % s.users) + 1;
}

/** web-find-related: the k-th artist loaded with its albums. */
export function findArtistId(s: Sizes, k: number): number {
  return ((k * 7919) % s.artists) + 1;
}

/** web-create and web-create-nested: a new author (a handle no seeded row has). */
export function newAuthor(k: number, iteration: number): AuthorValues {
  return { handle: `new-${k}`, name: `new author ${k}`, visits: visitsAt(iteration) };
}

/** web-create-nested: the posts written with the k-th new author. */
export function newPosts(k: number, iteration: number): PostValues[] {
  return Array.from({ length: NEW_POSTS }, (_, j) => ({ slug: `new-${k}-post-${j + 1}`, title: `post ${j + 1} of new author ${k}`, views: visitsAt(iteration) }));
}

/** web-update, web-update-nested: the author updated by the k-th request (seeded ids 1..REQUESTS). */
export const updatedAuthorId = (k: number): number => k + 1;
/** web-update-nested: the one post of that author updated with it (its first). */
export const updatedPostId = (k: number): number => seededPostId(updatedAuthorId(k), 1);
/** The values an update writes: the author's, and the post's for the nested one. */
export const updatedAuthor = (k: number, iteration: number): { name: string; visits: number } => ({ name: `author ${k + 1} at ${iteration}`, visits: visitsAt(iteration) });
export const updatedPost = (k: number, iteration: number): { title: string; views: number } => ({ title: `post of author ${k + 1} at ${iteration}`, views: visitsAt(iteration) });

/**
 * web-upsert, web-upsert-nested: even requests hit a seeded author (an update), odd ones a handle no row has (an
 * insert), so half of the requests take each branch.
 */
export function upsertedAuthor(k: number, iteration: number): AuthorValues {
  const handle = k % 2 === 0 ? seededHandle(k + 1) : `upsert-${k}`;
  return { handle, name: `${handle} at ${iteration}`, visits: visitsAt(iteration) };
}

/** web-upsert-nested: the post upserted with that author: its first seeded post, or a new one. */
export function upsertedPost(k: number, iteration: number): PostValues {
  const slug = k % 2 === 0 ? seededSlug(k + 1, 1) : `upsert-${k}-post-1`;
  return { slug, title: `${slug} at ${iteration}`, views: visitsAt(iteration) };
}

/** Requests of an upsert workload that insert (the odd ones). */
export const UPSERT_INSERTS = Math.floor(REQUESTS / 2);

/** web-delete: the post deleted by the k-th request (the second post of each of the first REQUESTS authors). */
export const deletedPostId = (k: number): number => seededPostId(k + 1, 2);
