/**
 * Untimed work around a workload's runs, done with the raw client for every
 * system alike: fresh rows before a run that consumes them, and a check
 * afterwards that the run changed the database as it should have.
 */

import type { RawDb } from './raw-db.js';
import { seedDeletes } from './schema.js';
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
    default:
      return;
  }
}
