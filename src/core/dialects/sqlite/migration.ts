/**
 * SQLite schema changes. ALTER TABLE can rename a table or a column and add
 * or drop a column; anything else (a column's type, nullability or default, a
 * constraint) is done by rebuilding the table, the procedure SQLite's
 * documentation prescribes (https://www.sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"):
 *
 * 1. foreign-key enforcement off, outside the transaction (the runner does it);
 * 2. read the table's triggers;
 * 3. create the new table under a temporary name, copy the rows, drop the old
 *    table, rename the new one (renaming the old one instead would make other
 *    tables' foreign keys follow it to its temporary name);
 * 4. create the indexes and triggers again;
 * 5. `PRAGMA foreign_key_check` must return nothing, then commit and turn
 *    enforcement back on.
 *
 * A migration applies all of a rebuilt table's changes (column renames, adds,
 * drops, constraints, indexes) as that one rebuild, from the first rebuild's
 * `before` to the last one's `after`: replaying them one by one would rebuild
 * the table once per change and leave later changes nothing to apply to.
 */

import { MigrationCompiler, type CompiledMigration, type MigrationFeatures, type MigrationStatement } from '../../compiler/migration.js';
import { UnsupportedError } from '../../errors.js';
import { operationTable, type Operation, type TableRebuild } from '../../schema/operations.js';
import type { Table } from '../../schema/table.js';

const FEATURES: MigrationFeatures = Object.freeze({
  concurrentIndexes: false,
  notValidConstraints: false,
  uniqueUsingIndex: false,
  alterAlgorithms: false,
  lockQueue: false,
  enumTypes: false,
});

const REBUILD_PREFIX = 'athanor_new_';

/** The operations ALTER TABLE cannot do on SQLite. */
function needsRebuild(o: Operation): TableRebuild | 'missing' | undefined {
  switch (o.kind) {
    case 'alterColumn':
    case 'addUnique':
    case 'dropUnique':
    case 'addCheck':
    case 'dropCheck':
    case 'addForeignKey':
    case 'dropForeignKey':
      return o.rebuild ?? 'missing';
    case 'dropColumn':
      // DROP COLUMN works unless the column is in a key, an index or a constraint: given the tables, rebuild.
      return o.rebuild;
    default:
      return undefined;
  }
}

export class SqliteMigrationCompiler extends MigrationCompiler {
  readonly features = FEATURES;

  /** BEGIN IMMEDIATE takes the database's write lock: each migration's transaction is the lock. */
  lock(): undefined {
    return undefined;
  }

  override compileAll(operations: readonly Operation[]): CompiledMigration {
    // Each rebuilt table: the first rebuild's before, the last one's after, and where it happens.
    const rebuilds = new Map<string, { before: Table; after: Table; renames: Map<string, string> }>();
    const tableKey = new Map<string, string>();
    for (const o of operations) {
      const need = needsRebuild(o);
      if (need === 'missing') {
        throw new UnsupportedError(
          `${o.kind} on "${operationTable(o)}": SQLite cannot ALTER this; it rebuilds the table, so give the table as it is and as it will be ` +
            `(rebuild: { before, after }; diffSchemas fills it in)`,
        );
      }
      if (need === undefined) continue;
      const key = tableKey.get(need.before.name) ?? need.before.name;
      const known = rebuilds.get(key);
      if (known) known.after = need.after;
      else rebuilds.set(key, { before: need.before, after: need.after, renames: new Map() });
      tableKey.set(need.after.name, key);
      tableKey.set(need.before.name, key);
    }
    // Names a rebuilt table has during the migration, and the column renames to follow when copying.
    const owner = (o: Operation): string | undefined => {
      const t = o.kind === 'renameTable' ? o.from : operationTable(o);
      return t === undefined ? undefined : tableKey.get(t);
    };
    for (const o of operations) {
      if (o.kind !== 'renameColumn') continue;
      const key = owner(o);
      const r = key === undefined ? undefined : rebuilds.get(key);
      if (!r) continue;
      const original = r.renames.get(o.from) ?? o.from;
      r.renames.delete(o.from);
      r.renames.set(o.to, original);
    }
    const statements: MigrationStatement[] = [];
    const done = new Set<string>();
    for (const o of operations) {
      const key = owner(o);
      const r = key === undefined ? undefined : rebuilds.get(key);
      if (r && key !== undefined && o.kind !== 'backfill') {
        if (!done.has(key)) {
          done.add(key);
          statements.push(...this.rebuild(r.before, r.after, r.renames));
        }
        continue;
      }
      statements.push(...this.statementsOf(o));
    }
    return { statements, needsNoTransaction: false, foreignKeysOff: rebuilds.size > 0 };
  }

  override compile(o: Operation): string[] {
    if (o.kind === 'addColumn' && o.definition.declaration.unique) {
      throw new UnsupportedError(`addColumn "${o.table}"."${o.column}": SQLite cannot add a UNIQUE column; add the column, then a unique index`);
    }
    if (o.kind === 'validateConstraint') return [];
    return super.compile(o);
  }

  /** The statements of one table rebuild; `renames` maps new column names to the names they had before. */
  private rebuild(before: Table, after: Table, renames: ReadonlyMap<string, string>): MigrationStatement[] {
    const ddl = this.dialect.ddl;
    const temporary = `${REBUILD_PREFIX}${after.name}`;
    const create = ddl.createTable(after);
    const prefix = `CREATE TABLE ${this.q(after.name)} (`;
    if (!create.startsWith(prefix)) throw new Error(`internal: unexpected CREATE TABLE text ${create}`);
    const beforeNames = new Set(before.columns.map((c) => c.name));
    const copied = after.columns
      .map((c) => ({ to: c.name, from: renames.get(c.name) ?? c.name }))
      .filter((c) => beforeNames.has(c.from));
    const out: MigrationStatement[] = [
      { kind: 'capture', sql: `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ${this.dialect.literal(before.name)} AND sql IS NOT NULL` },
      { kind: 'sql', sql: `CREATE TABLE ${this.q(temporary)} (${create.slice(prefix.length)}` },
      {
        kind: 'sql',
        sql: `INSERT INTO ${this.q(temporary)} (${copied.map((c) => this.q(c.to)).join(', ')}) SELECT ${copied.map((c) => this.q(c.from)).join(', ')} FROM ${this.q(before.name)}`,
      },
      { kind: 'sql', sql: `DROP TABLE ${this.q(before.name)}` },
      { kind: 'sql', sql: `ALTER TABLE ${this.q(temporary)} RENAME TO ${this.q(after.name)}` },
      ...after.indexes.map((ix): MigrationStatement => ({ kind: 'sql', sql: ddl.createIndex(after, ix) })),
      { kind: 'replay' },
      { kind: 'expectNoRows', sql: 'PRAGMA foreign_key_check', problem: `rows that break a foreign key after rebuilding "${after.name}"` },
    ];
    return out;
  }

  /** Statements that read, turn off and turn on foreign-key enforcement around a rebuild. */
  override foreignKeyEnforcement(): { read: string; off: string; on: string } {
    return { read: 'PRAGMA foreign_keys', off: 'PRAGMA foreign_keys = OFF', on: 'PRAGMA foreign_keys = ON' };
  }
}
