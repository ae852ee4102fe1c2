/**
 * Untimed work around a workload's runs, done with the raw client for every
 * system alike: fresh rows before a run that consumes them, and a check
 * afterwards that the run changed the database as it should have.
 */

import type { RawDb } from './raw-db.js';
import { seedDeletes, seedWeb } from './schema.js';
import { NEW_POSTS, POSTS_PER_AUTHOR, UPSERT_INSERTS, WEB_AUTHORS, deletedPostId, updatedPostId, visitsAt } from './web.js';
import type { Sizes, WorkloadId } from './workloads.js';

export async function beforeRun(w: WorkloadId, db: RawDb, s: Sizes): Promise<void> {
  switch (w) {
    case 'delete':
      return seedDeletes(db, s);
    case 'import':
      return db.exec(db.dialect === 'postgres' ? 'TRUNCATE import_row' : 'DELETE FROM import_row');
    case 'unit-of-work':
      await db.exec('DELETE FROM uow_child');
      await db.exec('DELETE FROM uow_parent');
      return;
    case 'web-create':
    case 'web-create-nested':
    case 'web-update':
    case 'web-update-nested':
    case 'web-upsert':
    case 'web-upsert-nested':
    case 'web-delete':
      return seedWeb(db);
    default:
      return;
  }
}

async function scalar(db: RawDb, sql: string): Promise<number> {
  const rows = await db.query(sql);
  return Number(Object.values(rows[0]!)[0]);
}

/** Throws when the last run left the database in the wrong state. */
export async function verifyAfter(w: WorkloadId, db: RawDb, s: Sizes, iteration: number): Promise<void> {
  const expect = async (what: string, sql: string, expected: number): Promise<void> => {
    const got = await scalar(db, sql);
    if (got !== expected) throw new Error(`${w}: ${what} is ${got}, expected ${expected}`);
  };
  switch (w) {
    case 'update':
      return expect('rows with the new score', `SELECT count(*) FROM users WHERE id <= ${s.updated} AND score = ${1000 + iteration}`, s.updated);
    case 'delete':
      await expect('parents left', 'SELECT count(*) FROM del_parent', 0);
      return expect('children left (cascade)', 'SELECT count(*) FROM del_child', 0);
    case 'import':
      return expect('rows imported', 'SELECT count(*) FROM import_row', s.imported);
    case 'unit-of-work':
      return expect('children linked to their parent', 'SELECT count(*) FROM uow_child c JOIN uow_parent p ON p.id = c.parent_id', s.pairs);
    case 'web-create':
      await expect('authors', 'SELECT count(*) FROM web_author', WEB_AUTHORS + s.requests);
      return expect('new authors with their values', `SELECT count(*) FROM web_author WHERE handle LIKE 'new-%' AND visits = ${visitsAt(iteration)}`, s.requests);
    case 'web-create-nested':
      await expect('new authors', `SELECT count(*) FROM web_author WHERE handle LIKE 'new-%' AND visits = ${visitsAt(iteration)}`, s.requests);
      return expect(
        'new posts linked to their new author',
        `SELECT count(*) FROM web_post p JOIN web_author a ON a.id = p.author_id WHERE a.handle LIKE 'new-%' AND p.slug LIKE ${concat(db, 'a.handle', "'-post-%'")}`,
        s.requests * NEW_POSTS,
      );
    case 'web-update':
      await expect('authors with the new value', `SELECT count(*) FROM web_author WHERE visits = ${visitsAt(iteration)}`, s.requests);
      return expect('authors updated', `SELECT count(*) FROM web_author WHERE id <= ${s.requests} AND visits = ${visitsAt(iteration)}`, s.requests);
    case 'web-update-nested':
      await expect('authors updated', `SELECT count(*) FROM web_author WHERE id <= ${s.requests} AND visits = ${visitsAt(iteration)}`, s.requests);
      await expect('posts with the new value', `SELECT count(*) FROM web_post WHERE views = ${visitsAt(iteration)}`, s.requests);
      return expect('posts updated', `SELECT count(*) FROM web_post WHERE id IN (${idsOf(s, updatedPostId)}) AND views = ${visitsAt(iteration)}`, s.requests);
    case 'web-upsert':
      await expect('authors', 'SELECT count(*) FROM web_author', WEB_AUTHORS + UPSERT_INSERTS);
      return expect('authors upserted', `SELECT count(*) FROM web_author WHERE visits = ${visitsAt(iteration)}`, s.requests);
    case 'web-upsert-nested':
      await expect('authors', 'SELECT count(*) FROM web_author', WEB_AUTHORS + UPSERT_INSERTS);
      await expect('authors upserted', `SELECT count(*) FROM web_author WHERE visits = ${visitsAt(iteration)}`, s.requests);
      await expect('posts', 'SELECT count(*) FROM web_post', WEB_AUTHORS * POSTS_PER_AUTHOR + UPSERT_INSERTS);
      return expect(
        'posts upserted under their author',
        `SELECT count(*) FROM web_post p JOIN web_author a ON a.id = p.author_id WHERE p.views = ${visitsAt(iteration)} AND a.visits = ${visitsAt(iteration)}`,
        s.requests,
      );
    case 'web-delete':
      await expect('posts', 'SELECT count(*) FROM web_post', WEB_AUTHORS * POSTS_PER_AUTHOR - s.requests);
      return expect('deleted posts left', `SELECT count(*) FROM web_post WHERE id IN (${idsOf(s, deletedPostId)})`, 0);
    default:
      return;
  }
}

/** The keys the k-th request of a web workload touched, as an SQL list. */
function idsOf(s: Sizes, key: (k: number) => number): string {
  return Array.from({ length: s.requests }, (_, k) => key(k)).join(', ');
}

/** String concatenation in the dialect's SQL (MariaDB's || is OR unless PIPES_AS_CONCAT). */
function concat(db: RawDb, a: string, b: string): string {
  return db.dialect === 'mysql' ? `CONCAT(${a}, ${b})` : `${a} || ${b}`;
}
