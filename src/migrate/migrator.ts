/**
 * Applying migrations: a history table, a lock, one transaction per
 * migration where the database allows it.
 *
 * The runner holds one connection for the whole run. Two deploys never
 * migrate at once: PostgreSQL takes an advisory lock and MySQL/MariaDB a
 * named lock (`GET_LOCK`) on that connection; on SQLite each migration's
 * `BEGIN IMMEDIATE` takes the database's write lock, and the history is read
 * again inside it, so a second process waits, then finds the work done.
 *
 * On PostgreSQL and SQLite a migration runs in one transaction with its
 * history row: it is applied entirely or not at all. MySQL/MariaDB commit
 * each DDL statement implicitly, and a migration marked `transactional:
 * false` (PostgreSQL's `CREATE INDEX CONCURRENTLY`) runs outside one; there a
 * failure records the migration as `partial` with the number of statements
 * that ran, and {@link MigrationPartialError} lists them.
 *
 * Behind a transaction pooler (the engine's `pooler: 'transaction'`) a lock
 * held by the session would stay on a server connection that other clients
 * get, and the connection itself changes between transactions. There each
 * migration's transaction takes the lock itself (`pg_advisory_xact_lock`,
 * freed by COMMIT or ROLLBACK) and reads the history again under it, so a
 * second deploy waits, then skips what the first applied; `lockTimeoutMs`
 * becomes `SET LOCAL`. A migration that runs outside a transaction cannot be
 * covered by such a lock and is refused before anything runs: apply it over
 * a connection straight to the server.
 */

import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection, Engine, Executor } from '../core/engine/index.js';
import { deleteFrom, insert, select, update } from '../core/sql/index.js';
import { sql } from '../core/sql/raw.js';
import { integer, timestamp, varchar } from '../core/schema/column.js';
import { table, type Table } from '../core/schema/table.js';
import { checkDrift, type Drift } from './diff.js';
import { inverseOf, type Operation } from '../core/schema/operations.js';
import { migrationSqlText, type BatchesStatement, type CompiledMigration, type MigrationStatement } from '../core/compiler/migration.js';
import type { Dialect } from '../core/dialects/dialect.js';
import {
  IrreversibleMigrationError,
  MigrationChecksumError,
  MigrationError,
  MigrationFailedError,
  MigrationLockError,
  MigrationPartialError,
} from './errors.js';

/**
 * One migration: an id that sorts in the order migrations must run, the
 * operations that apply it, and optionally those that undo it (else the
 * inverses of `up`, in reverse order).
 *
 * ```ts
 * export const migration = defineMigration({
 *   id: '20260102_song_title_index',
 *   transactional: false, // CREATE INDEX CONCURRENTLY cannot run in a transaction
 *   up: [op.createIndex('song', 'song_title_idx', ['title'], { concurrently: true })],
 * });
 * ```
 */
export interface Migration {
  readonly id: string;
  readonly up: readonly Operation[];
  readonly down?: readonly Operation[] | undefined;
  /** False: run statement by statement outside a transaction (needed for PostgreSQL's CONCURRENTLY). Default true. */
  readonly transactional?: boolean | undefined;
}

/** A frozen {@link Migration}. */
export function defineMigration(migration: Migration): Migration {
  return Object.freeze({ ...migration, up: Object.freeze([...migration.up]), ...(migration.down ? { down: Object.freeze([...migration.down]) } : {}) });
}

/** Where one migration stands. */
export interface MigrationStatus {
  readonly id: string;
  readonly state: 'applied' | 'partial' | 'pending';
  readonly appliedAt: Date | undefined;
  /** Applied, but its statements changed since (its checksum differs). */
  readonly edited: boolean;
  /** The history lists it but no migration with this id is known (deleted file). */
  readonly missing: boolean;
}

export interface MigratorOptions {
  readonly engine: Engine;
  /** The migrations, or the folder of migration files (`export const id`, `up`, optional `down` and `transactional`). */
  readonly migrations: readonly Migration[] | { readonly dir: string };
  /** Default `athanor_migrations`. */
  readonly historyTable?: string;
  /** Bound how long each DDL statement waits for its table lock (PostgreSQL `lock_timeout`, MySQL `lock_wait_timeout`). */
  readonly lockTimeoutMs?: number;
  /** Told after each batch of a backfill ({@link op.backfill}) commits: how far it has got. */
  readonly onProgress?: (progress: BackfillProgress) => void;
}

/**
 * How far a backfill has got: `batches` committed so far, `rows` filled by them.
 *
 * ```ts
 * new Migrator({ engine, migrations: { dir: 'migrations' }, onProgress: (p) => console.error(`${p.table}.${p.column}: ${p.rows} rows`) });
 * ```
 */
export interface BackfillProgress {
  readonly migration: string;
  readonly table: string;
  readonly column: string;
  readonly batches: number;
  readonly rows: number;
}

const DEFAULT_HISTORY = 'athanor_migrations';

/** @internal The history table's declaration. */
export function historyTable(name: string) {
  return table(name, {
    id: varchar(255).primaryKey(),
    checksum: varchar(64).notNull(),
    appliedAt: timestamp('applied_at').notNull(),
    state: varchar(10).notNull(),
    statementsRun: integer('statements_run').notNull(),
  });
}
type HistoryTable = ReturnType<typeof historyTable>;

interface HistoryRow {
  id: string;
  checksum: string;
  appliedAt: Date;
  state: string;
  statementsRun: number;
}

/** A statement with no bound values, as text. */
function raw(text: string) {
  return bound([text], []);
}

/** A statement whose text `parts` surround the bound `values`. */
function bound(parts: readonly string[], values: readonly unknown[]) {
  return sql(Object.assign([...parts], { raw: [...parts] }) as unknown as TemplateStringsArray, ...values);
}

/** The statements of a migration in one direction, as text (what the checksum covers and `--sql` prints). */
export function migrationSql(migration: Migration, dialect: Dialect, direction: 'up' | 'down' = 'up'): string {
  return migrationSqlText(dialect.migration.compileAll(operationsFor(migration, direction)));
}

/** The operations of `direction`: `down` as written, else the inverses of `up` in reverse order. */
export function operationsFor(migration: Migration, direction: 'up' | 'down'): readonly Operation[] {
  if (direction === 'up') return migration.up;
  if (migration.down) return migration.down;
  const out: Operation[] = [];
  for (const o of [...migration.up].reverse()) {
    const inverse = inverseOf(o);
    if ('irreversible' in inverse) {
      throw new IrreversibleMigrationError(`migration "${migration.id}" cannot be undone: ${inverse.irreversible}; write its down operations`);
    }
    out.push(...inverse);
  }
  return out;
}

function checksumOf(migration: Migration, dialect: Dialect): string {
  const text = `${migration.transactional === false ? 'no-transaction\n' : ''}${migrationSql(migration, dialect, 'up')}`;
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Migration files in `dir`, sorted by file name (`export const id`, `up`, `down?`, `transactional?`).
 * `importModule` loads one file (default: `import()`); the CLI passes one that can load TypeScript.
 *
 * ```ts
 * const migrations = await loadMigrations('migrations');
 * ```
 */
export async function loadMigrations(dir: string, importModule: (file: string) => Promise<unknown> = (file) => import(pathToFileURL(file).href)): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith('.d.ts')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const mod = (await importModule(resolvePath(join(dir, file)))) as Partial<Migration>;
    if (typeof mod.id !== 'string' || !Array.isArray(mod.up)) {
      throw new MigrationError(`migration file "${join(dir, file)}" must export \`id\` (a string) and \`up\` (a list of operations)`);
    }
    out.push(defineMigration({ id: mod.id, up: mod.up, down: mod.down, transactional: mod.transactional }));
  }
  return out;
}

/**
 * Applies and undoes migrations on one engine.
 *
 * ```ts
 * const migrator = new Migrator({ engine, migrations: { dir: 'migrations' } });
 * await migrator.up();                  // every pending migration, in id order
 * await migrator.down('20260101_init'); // undo those after 20260101_init
 * for (const m of await migrator.status()) console.log(m.id, m.state);
 * ```
 */
export class Migrator {
  private readonly history: HistoryTable;
  private loaded: readonly Migration[] | undefined;

  constructor(private readonly options: MigratorOptions) {
    this.history = historyTable(options.historyTable ?? DEFAULT_HISTORY);
    if (Array.isArray(options.migrations)) this.loaded = this.checkIds(options.migrations as readonly Migration[]);
  }

  private checkIds(migrations: readonly Migration[]): readonly Migration[] {
    const seen = new Set<string>();
    for (const m of migrations) {
      if (seen.has(m.id)) throw new MigrationError(`two migrations have the id "${m.id}"`);
      seen.add(m.id);
    }
    return [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The known migrations, in the order they apply. */
  async migrations(): Promise<readonly Migration[]> {
    if (!this.loaded) this.loaded = this.checkIds(await loadMigrations((this.options.migrations as { dir: string }).dir));
    return this.loaded;
  }

  private get dialect(): Dialect {
    return this.options.engine.dialect;
  }

  /** Behind a transaction pooler: the lock is taken per transaction (see the module comment). */
  private get pooled(): boolean {
    return this.options.engine.pooler === 'transaction';
  }

  private runsInTransaction(m: Migration): boolean {
    return m.transactional !== false && this.dialect.capabilities.transactionalDdl;
  }

  /** Behind a transaction pooler, refuse before anything runs a migration that no transaction-level lock covers. */
  private checkLockable(migrations: readonly Migration[]): void {
    if (!this.pooled) return;
    const outside = migrations.filter((m) => !this.runsInTransaction(m));
    if (outside.length === 0) return;
    throw new MigrationLockError(
      `${outside.map((m) => `migration "${m.id}"`).join(', ')} ${outside.length === 1 ? 'runs' : 'run'} outside a transaction (transactional: false), ` +
        `and behind a transaction pooler (the engine's pooler: 'transaction') no lock can keep another deploy out across its statements: ` +
        `apply ${outside.length === 1 ? 'it' : 'them'} with an engine connected straight to the server, not through the pooler`,
    );
  }

  /** The migration lock for this transaction only (behind a transaction pooler). */
  private async lockTransaction(conn: Executor): Promise<void> {
    const lock = this.dialect.migration.transactionLock(this.history.name);
    if (!lock) {
      throw new MigrationLockError(
        `${this.dialect.name} has no lock a transaction can take for itself, and behind a transaction pooler (pooler: 'transaction') a session's lock ` +
          `would stay on a server connection other clients get: run migrations with an engine connected straight to the server`,
      );
    }
    await conn.execute(raw(lock));
    if (this.options.lockTimeoutMs !== undefined) {
      const timeout = this.dialect.migration.transactionLockTimeout(this.options.lockTimeoutMs);
      if (timeout) await conn.execute(raw(timeout));
    }
  }

  /** Every known migration and every history entry, with its state. */
  async status(): Promise<MigrationStatus[]> {
    const migrations = await this.migrations();
    return this.withConnection(false, async (conn) => {
      const rows = await this.readHistory(conn);
      const out: MigrationStatus[] = migrations.map((m) => {
        const row = rows.get(m.id);
        return {
          id: m.id,
          state: row ? (row.state === 'partial' ? 'partial' : 'applied') : 'pending',
          appliedAt: row?.appliedAt,
          edited: row !== undefined && row.state === 'applied' && row.checksum !== checksumOf(m, this.dialect),
          missing: false,
        };
      });
      for (const row of rows.values()) {
        if (!migrations.some((m) => m.id === row.id)) {
          out.push({ id: row.id, state: row.state === 'partial' ? 'partial' : 'applied', appliedAt: row.appliedAt, edited: false, missing: true });
        }
      }
      return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  /**
   * Apply pending migrations in order, through `target` when given. Resolves to the ids applied.
   * Fails before running anything when an applied migration was edited or one is partial.
   */
  async up(target?: string): Promise<string[]> {
    const migrations = await this.migrations();
    if (target !== undefined && !migrations.some((m) => m.id === target)) throw new MigrationError(`no migration has the id "${target}"`);
    return this.withConnection(true, async (conn) => {
      const rows = await this.readHistory(conn);
      this.verify(migrations, rows);
      const pending: Migration[] = [];
      for (const m of migrations) {
        if (!rows.has(m.id)) pending.push(m);
        if (m.id === target) break;
      }
      this.checkLockable(pending);
      const applied: string[] = [];
      for (const m of pending) if (await this.apply(conn, m, 'up')) applied.push(m.id);
      return applied;
    });
  }

  /**
   * Undo applied migrations, newest first: all of them, or those after `target` (which stays applied).
   * Resolves to the ids undone.
   */
  async down(target?: string): Promise<string[]> {
    const migrations = await this.migrations();
    if (target !== undefined && !migrations.some((m) => m.id === target)) throw new MigrationError(`no migration has the id "${target}"`);
    return this.withConnection(true, async (conn) => {
      const rows = await this.readHistory(conn);
      this.verify(migrations, rows);
      const toUndo: Migration[] = [];
      for (const m of [...migrations].reverse()) {
        if (m.id === target) break;
        if (rows.has(m.id)) toUndo.push(m);
      }
      this.checkLockable(toUndo);
      const undone: string[] = [];
      for (const m of toUndo) if (await this.apply(conn, m, 'down')) undone.push(m.id);
      return undone;
    });
  }

  /**
   * Drift for CI: what would bring `currentTables` (the database, introspected) to `targetTables`
   * (the application's); empty when they match.
   *
   * ```ts
   * if (migrator.check(appTables, liveTables).length > 0) process.exitCode = 1;
   * ```
   */
  check(targetTables: readonly Table[], currentTables: readonly Table[]): Drift[] {
    return checkDrift(targetTables, currentTables, { dialect: this.dialect });
  }

  /**
   * After a partial migration was finished or undone by hand: record it as
   * `applied`, or remove it from the history (`pending`).
   */
  async resolve(id: string, as: 'applied' | 'pending'): Promise<void> {
    const migration = (await this.migrations()).find((m) => m.id === id);
    await this.withConnection(true, async (conn) => {
      const h = this.history;
      if (as === 'pending') {
        await conn.execute(deleteFrom(h).where(h.c.id.eq(id)));
        return;
      }
      if (!migration) throw new MigrationError(`no migration has the id "${id}"`);
      await conn.execute(update(h).set({ state: 'applied', checksum: checksumOf(migration, this.dialect) }).where(h.c.id.eq(id)));
    });
  }

  private verify(migrations: readonly Migration[], rows: ReadonlyMap<string, HistoryRow>): void {
    const edited = migrations.filter((m) => {
      const row = rows.get(m.id);
      return row !== undefined && row.state === 'applied' && row.checksum !== checksumOf(m, this.dialect);
    });
    if (edited.length > 0) {
      throw new MigrationChecksumError(
        `${edited.map((m) => `migration "${m.id}"`).join(', ')} ${edited.length === 1 ? 'was' : 'were'} edited after being applied ` +
          `(the statements no longer match the checksum in "${this.history.name}"): put the file back as it was and add a new migration for the change`,
        edited.map((m) => m.id),
      );
    }
    const partial = [...rows.values()].filter((r) => r.state === 'partial');
    if (partial.length > 0) {
      const r = partial[0]!;
      throw new MigrationPartialError(
        `migration "${r.id}" is partial: ${r.statementsRun} of its statements ran before one failed. Finish or undo it by hand, ` +
          `then call migrator.resolve("${r.id}", 'applied' | 'pending')`,
        r.id,
        [],
        undefined,
      );
    }
  }

  /**
   * Hold one connection and the migration lock for `body` (status waits for a running migration too).
   * `locked`: a run that changes the schema, which gets the lock timeout.
   */
  private async withConnection<T>(locked: boolean, body: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = await this.options.engine.connect();
    try {
      if (this.pooled) {
        // The lock comes first here too, for this one transaction.
        await conn.transaction(async (tx) => {
          await this.lockTransaction(tx);
          await tx.createAll([this.history], { ifNotExists: true });
        });
        return await body(conn);
      }
      // The lock comes first: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a concurrent one.
      const lock = this.dialect.migration.lock(this.history.name);
      if (lock) {
        const taken = (await conn.execute(raw(lock.acquire))).scalar();
        if (taken === 0 || taken === '0' || taken === null) {
          throw new MigrationLockError(`another migration run held the lock (${lock.acquire}) for the whole wait; try again when it has finished`);
        }
      }
      try {
        await conn.createAll([this.history], { ifNotExists: true });
        if (locked && this.options.lockTimeoutMs !== undefined) {
          const timeout = this.dialect.migration.lockTimeout(this.options.lockTimeoutMs);
          if (timeout) await conn.execute(raw(timeout));
        }
        return await body(conn);
      } finally {
        if (lock) await conn.execute(raw(lock.release));
      }
    } finally {
      await conn.release();
    }
  }

  private async readHistory(conn: Connection): Promise<Map<string, HistoryRow>> {
    const h = this.history;
    const rows = await conn.all(select(h.c.id, h.c.checksum, h.c.appliedAt, h.c.state, h.c.statementsRun).from(h));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Run one migration in one direction; false when another process had already done it. */
  private async apply(conn: Connection, m: Migration, direction: 'up' | 'down'): Promise<boolean> {
    const compiled = this.dialect.migration.compileAll(operationsFor(m, direction));
    const transactional = this.runsInTransaction(m);
    if (compiled.needsNoTransaction && m.transactional !== false) {
      throw new MigrationError(
        `migration "${m.id}" builds or drops an index CONCURRENTLY, which cannot run inside a transaction: mark it transactional: false`,
      );
    }
    const fk = compiled.foreignKeysOff ? this.dialect.migration.foreignKeyEnforcement() : undefined;
    const enforced = fk ? Number((await conn.execute(raw(fk.read))).scalar()) === 1 : false;
    if (fk && enforced) await conn.execute(raw(fk.off));
    try {
      return transactional ? await this.applyInTransaction(conn, m, direction, compiled) : await this.applyStepwise(conn, m, direction, compiled);
    } finally {
      if (fk && enforced) await conn.execute(raw(fk.on));
    }
  }

  private async applyInTransaction(conn: Connection, m: Migration, direction: 'up' | 'down', compiled: CompiledMigration): Promise<boolean> {
    const h = this.history;
    await conn.begin();
    let current: string | undefined;
    try {
      if (this.pooled) await this.lockTransaction(conn);
      // Read again under the transaction's lock: on SQLite another process may have applied it while this one waited.
      const row = await conn.first(select(h.c.id).from(h).where(h.c.id.eq(m.id)));
      if ((direction === 'up') === (row !== undefined)) {
        await conn.rollback();
        return false;
      }
      await this.runStatements(conn, m, compiled.statements, (sqlText) => {
        current = sqlText;
      });
      current = undefined;
      await this.record(conn, m, direction, 'applied', compiled.statements.length);
      await conn.commit();
      return true;
    } catch (error) {
      if (conn.inTransaction) await conn.rollback();
      throw new MigrationFailedError(
        `migration "${m.id}" (${direction}) failed${current ? ` at: ${current}` : ''}; its transaction was rolled back, nothing of it was kept: ${(error as Error).message}`,
        m.id,
        current,
        { cause: error },
      );
    }
  }

  private async applyStepwise(conn: Connection, m: Migration, direction: 'up' | 'down', compiled: CompiledMigration): Promise<boolean> {
    const ran: string[] = [];
    let current: string | undefined;
    try {
      await this.runStatements(conn, m, compiled.statements, (sqlText) => {
        if (current !== undefined) ran.push(current);
        current = sqlText;
      });
    } catch (error) {
      await this.record(conn, m, direction, 'partial', ran.length);
      const list = ran.length === 0 ? 'none' : ran.map((s, i) => `  ${i + 1}. ${s}`).join('\n');
      throw new MigrationPartialError(
        `migration "${m.id}" (${direction}) failed part way; ${this.dialect.capabilities.transactionalDdl ? 'it runs outside a transaction' : 'DDL commits as it runs here'}, ` +
          `so these statements took effect:\n${list}\nand this one failed: ${current}\n${(error as Error).message}\n` +
          `The history records it as partial: finish or undo it by hand, then call migrator.resolve("${m.id}", 'applied' | 'pending')`,
        m.id,
        ran,
        current,
        { cause: error },
      );
    }
    await this.record(conn, m, direction, 'applied', compiled.statements.length);
    return true;
  }

  /** Run the statements in order; `starting` is told each one's SQL before it runs. */
  private async runStatements(conn: Connection, m: Migration, statements: readonly MigrationStatement[], starting: (sql: string) => void): Promise<void> {
    let captured: string[] = [];
    for (const s of statements) {
      switch (s.kind) {
        case 'sql':
          starting(s.sql);
          await conn.execute(raw(s.sql));
          break;
        case 'capture':
          starting(s.sql);
          captured = (await conn.execute(raw(s.sql))).rows.map((r) => String(Object.values(r)[0]));
          break;
        case 'replay':
          for (const text of captured) {
            starting(text);
            await conn.execute(raw(text));
          }
          break;
        case 'expectNoRows': {
          starting(s.sql);
          const rows = (await conn.execute(raw(s.sql))).rows;
          if (rows.length > 0) throw new MigrationError(`${s.sql} returned ${rows.length} row(s): ${s.problem}: ${JSON.stringify(rows.slice(0, 5))}`);
          break;
        }
        case 'batches':
          await this.runBatches(conn, m, s, starting);
          break;
        default:
          assertNeverStatement(s);
      }
    }
  }

  /**
   * A backfill, batch after batch by keyset, until no row is left; outside a transaction each batch commits on its
   * own (inside the migration's, they all commit with it).
   */
  private async runBatches(conn: Connection, m: Migration, s: BatchesStatement, starting: (sql: string) => void): Promise<void> {
    let after: unknown;
    let batches = 0;
    let rows = 0;
    for (;;) {
      const first = batches === 0;
      starting(first ? s.bound.first : s.bound.next.join('?'));
      const last = (await conn.execute(first ? raw(s.bound.first) : bound(s.bound.next, [after]))).scalar();
      if (last === null || last === undefined) return;
      const update = first ? bound(s.update.first, [last]) : bound(s.update.next, [after, last]);
      starting(`${(first ? s.update.first : s.update.next).join('?')} -- batch ${batches + 1}, through ${String(last)}`);
      const own = !conn.inTransaction;
      if (own) await conn.begin();
      try {
        rows += (await conn.execute(update)).rowCount;
        if (own) await conn.commit();
      } catch (error) {
        if (own && conn.inTransaction) await conn.rollback();
        throw error;
      }
      batches++;
      after = last;
      this.options.onProgress?.({ migration: m.id, table: s.table, column: s.column, batches, rows });
    }
  }

  private async record(conn: Connection, m: Migration, direction: 'up' | 'down', state: 'applied' | 'partial', statementsRun: number): Promise<void> {
    const h = this.history;
    await conn.execute(deleteFrom(h).where(h.c.id.eq(m.id)));
    if (direction === 'down' && state === 'applied') return;
    await conn.execute(
      insert(h).values({ id: m.id, checksum: checksumOf(m, this.dialect), appliedAt: new Date(), state, statementsRun }),
    );
  }
}

function assertNeverStatement(x: never): never {
  throw new Error(`internal: unhandled migration statement ${JSON.stringify(x)}`);
}
