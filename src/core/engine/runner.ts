/**
 * Running statements on one checked-out connection: compile, send, decode,
 * emit events, translate errors, and bracket transactions and savepoints.
 *
 * Every public executor (engine, held connection, transaction) ends up here;
 * they differ only in how they obtain a runner and when they give it back.
 *
 * @internal
 */

import type { CompiledStatement } from '../compiler/compiled.js';
import type { Dialect, TransactionOptions } from '../dialects/dialect.js';
import { ConnectionError, UnsupportedError } from '../errors.js';
import type { ColumnMeta, ExprNode, StatementNode, TableMeta } from '../sql/nodes.js';
import { SchemaError } from '../schema/table.js';
import type { Checkout } from './checkouts.js';
import type { CopySource, DriverConnection, DriverResult } from './driver.js';
import { captureStack, Execution, executionHooks, type ExecutionEvents, type ExecutionKind } from './events.js';
import { Result, type AnyRow, type Executable } from './result.js';
import { buildRows, finishObjectRows, sameLabels, type RowShaper } from './rows.js';
import { translateError } from './translate-error.js';

/** What a runner needs from its engine. */
export interface EngineCore {
  readonly id: number;
  readonly dialect: Dialect;
  readonly events: ExecutionEvents;
  readonly shaper: RowShaper;
  /** A transaction pooler between the engine and the server: statements that leave session state are refused. */
  readonly pooler: 'transaction' | undefined;
  /** How long a caller waits for a connection, in milliseconds. */
  readonly acquireTimeoutMs: number;
  /** Where statements run, for events: `'primary'` or `'replica:<n>'`. */
  readonly statementTarget: string;
  /** The runner is giving its connection back. */
  checkedIn(runner: Runner): void;
}

const NO_PARAMETERS: readonly unknown[] = Object.freeze([]);

/** Kinds a server-side cursor can scan; others run whole and are handed out in slices. */
const STREAMABLE: ReadonlySet<string> = new Set(['select', 'compound', 'rawStatement']);

/** Compile any executable into the statements to send, in order (a large INSERT may become several). */
export function compileExecutable(dialect: Dialect, statement: Executable): CompiledStatement[] {
  if ('sql' in statement && 'parameters' in statement) return [statement];
  const node: StatementNode = 'statementNode' in statement ? statement.statementNode : (statement as { node: StatementNode }).node;
  if ((node.kind === 'insert' && node.rows.length > 1) || node.kind === 'insertRows' || node.kind === 'updateFromRows') return dialect.compileAll(node);
  return [dialect.compile(node)];
}

/**
 * The table and identity columns an INSERT gives values for (any row not
 * leaving the column to its DEFAULT, or an INSERT ... SELECT naming it).
 */
export function identityValuesGiven(statement: Executable): { table: TableMeta; columns: ColumnMeta[] } | undefined {
  if ('sql' in statement && 'parameters' in statement) return undefined;
  const node: StatementNode = 'statementNode' in statement ? statement.statementNode : (statement as { node: StatementNode }).node;
  if (node.kind === 'insertRows') {
    // Every row gives every column it names.
    const given = node.rows.length > 0 ? node.columns.filter((c) => (c as { autoIncrement?: boolean }).autoIncrement === true) : [];
    return given.length > 0 ? { table: node.table.table, columns: given } : undefined;
  }
  if (node.kind !== 'insert') return undefined;
  let columns: ColumnMeta[] | undefined;
  for (let i = 0; i < node.columns.length; i++) {
    const column = node.columns[i]!;
    if ((column as { autoIncrement?: boolean }).autoIncrement !== true) continue;
    if (node.source || node.rows.some((row) => !isDefault(row[i]))) (columns ??= []).push(column);
  }
  return columns ? { table: node.table.table, columns } : undefined;
}

function isDefault(node: ExprNode | undefined): boolean {
  return node?.kind === 'keyword' && node.keyword === 'DEFAULT';
}

export class Runner {
  /** True between BEGIN and COMMIT / ROLLBACK. */
  inTransaction = false;
  /** Set when the connection's state is unknown (a failed rollback, a connection error): it is discarded on release. */
  broken = false;
  private savepointDepth = 0;
  private released = false;
  /** The engine's record of this checkout. */
  checkout: Checkout | undefined;
  /** Registered with the engine's leak detection (see checkouts.ts). */
  watched = false;

  constructor(
    readonly core: EngineCore,
    readonly connection: DriverConnection,
  ) {}

  // ---------------------------------------------------------------------------
  // Events and errors

  /** Start an event when anyone listens; undefined (and nothing allocated) otherwise. */
  private watch(sql: string, parameters: readonly unknown[], kind: ExecutionKind): Execution | undefined {
    const core = this.core;
    if (!core.events.active && !executionHooks.active) return undefined;
    const execution = new Execution(
      core.id,
      core.dialect.name,
      sql,
      parameters,
      this.connection.id,
      kind,
      this.inTransaction,
      captureStack(),
      core.statementTarget,
    );
    execution.durationMs = performance.now(); // the start time until finished
    core.events.emit('beforeExecute', execution);
    executionHooks.emit('beforeExecute', execution);
    return execution;
  }

  private finished(execution: Execution, rowCount: number): void {
    execution.durationMs = performance.now() - execution.durationMs;
    execution.rowCount = rowCount;
    this.core.events.emit('afterExecute', execution);
    executionHooks.emit('afterExecute', execution);
  }

  /** The typed error to throw for a driver failure (and its error event). */
  private failed(
    execution: Execution | undefined,
    cause: unknown,
    sql: string,
    parameters: readonly unknown[],
    kind: ExecutionKind,
    commit = false,
  ): Error {
    const context = { lost: this.connection.lost === true, inTransaction: this.inTransaction, commit, kind };
    const error = translateError(this.core.dialect, cause, sql, parameters, context);
    if (error instanceof ConnectionError || context.lost) this.broken = true;
    if (execution) {
      execution.durationMs = performance.now() - execution.durationMs;
      execution.error = error;
      this.core.events.emit('error', execution);
      executionHooks.emit('error', execution);
    }
    return error;
  }

  // ---------------------------------------------------------------------------
  // Statements

  /** Send one compiled statement and decode its rows. */
  async run<Row = AnyRow>(compiled: CompiledStatement): Promise<Result<Row>> {
    const { sql, parameters } = compiled;
    const plan = compiled.returnsRows && this.connection.queryObjects ? this.core.shaper.objectPlan(compiled.columns) : undefined;
    if (plan) {
      // The driver builds the row objects (one object per row, not an array and an object).
      const raw = await this.send(compiled, () => this.connection.queryObjects!(sql, parameters));
      if (raw.columns.length === 0) return new Result<Row>([], raw.rowCount, raw.columns, sql, raw.lastInsertId);
      if (sameLabels(plan, raw.columns)) {
        finishObjectRows(plan, raw.rows);
        return new Result<Row>(raw.rows as Row[], raw.rowCount, plan.names, sql, raw.lastInsertId);
      }
      // The database labelled the columns otherwise than the compiler expected: shape them the general way.
      return this.shaped<Row>(compiled, { ...raw, rows: raw.rows.map((r) => raw.columns.map((c) => r[c])) });
    }
    return this.shaped<Row>(compiled, await this.runRaw(compiled));
  }

  /** Positional driver rows as decoded row objects. */
  private shaped<Row>(compiled: CompiledStatement, raw: DriverResult): Result<Row> {
    if (raw.columns.length === 0) return new Result<Row>([], raw.rowCount, raw.columns, compiled.sql, raw.lastInsertId);
    const shape = this.core.shaper.shape(compiled.columns, raw.columns);
    return new Result<Row>(buildRows(shape.build, raw.rows) as Row[], raw.rowCount, shape.names, compiled.sql, raw.lastInsertId);
  }

  /**
   * Send one compiled statement and return the driver's rows undecoded, as
   * positional arrays: for the ORM, whose hydrators decode per column.
   */
  runRaw(compiled: CompiledStatement): Promise<DriverResult> {
    return this.send(compiled, () => this.connection.query(compiled.sql, compiled.parameters, compiled.returnsRows));
  }

  /**
   * Behind a transaction pooler, refuse a statement that would leave state on the server connection for whichever
   * client gets it next (see `Dialect.sessionStateOf`). Athanor's own statements leave none.
   */
  private checkPooled(compiled: CompiledStatement): void {
    if (this.core.pooler === undefined) return;
    const found = this.core.dialect.sessionStateOf(compiled.sql);
    if (!found) return;
    throw new UnsupportedError(
      `this statement would leave ${found.state} on the server connection, which the transaction pooler (pooler: '${this.core.pooler}') ` +
        `hands to other clients after this transaction: use ${found.instead}.\n  SQL: ${compiled.sql.length > 200 ? `${compiled.sql.slice(0, 200)}...` : compiled.sql}`,
    );
  }

  /** One driver call for `compiled`, with its execution events and its errors translated. */
  private async send<R extends { readonly rowCount: number }>(compiled: CompiledStatement, call: () => Promise<R>): Promise<R> {
    this.checkPooled(compiled);
    const execution = this.watch(compiled.sql, compiled.parameters, compiled.kind);
    let raw: R;
    try {
      raw = await call();
    } catch (cause) {
      throw this.failed(execution, cause, compiled.sql, compiled.parameters, compiled.kind);
    }
    if (execution) this.finished(execution, raw.rowCount);
    return raw;
  }

  /** Raw rows in batches (see {@link runRaw}). */
  async *streamRaw(compiled: CompiledStatement, batchSize: number): AsyncGenerator<unknown[][], void, undefined> {
    this.checkPooled(compiled);
    const execution = this.watch(compiled.sql, compiled.parameters, compiled.kind);
    let total = 0;
    try {
      for await (const batch of this.connection.stream(compiled.sql, compiled.parameters, batchSize, this.inTransaction)) {
        total += batch.rows.length;
        yield batch.rows;
      }
    } catch (cause) {
      throw this.failed(execution, cause, compiled.sql, compiled.parameters, compiled.kind);
    }
    if (execution) this.finished(execution, total);
  }

  /** BEGIN with options, for callers that hold a transaction open across calls (ORM sessions). */
  async begin(options: TransactionOptions): Promise<void> {
    if (this.inTransaction) throw new Error('internal: transaction opened twice on one connection');
    for (const sql of this.core.dialect.beginStatements(options)) await this.control(sql);
    this.inTransaction = true;
  }

  /** COMMIT what {@link begin} opened; a failed COMMIT is rolled back and rethrown. */
  async commit(): Promise<void> {
    try {
      await this.control('COMMIT', true);
    } catch (error) {
      await this.rollbackQuietly('ROLLBACK');
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  /** ROLLBACK what {@link begin} opened. */
  async rollback(): Promise<void> {
    try {
      await this.control('ROLLBACK');
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * Compile and run; the chunks of a split INSERT run in order inside one
   * transaction. An INSERT that gives identity values is followed by the
   * dialect's sync of their generators, where they do not follow by themselves.
   */
  async execute<Row = AnyRow>(statement: Executable): Promise<Result<Row>> {
    const dialect = this.core.dialect;
    const chunks = compileExecutable(dialect, statement);
    const given = dialect.capabilities.identityFollowsExplicitValues ? undefined : identityValuesGiven(statement);
    if (given) {
      const result = await this.runChunks<Row>(chunks);
      await this.syncIdentity(given.table, given.columns, true);
      return result;
    }
    return this.runChunks<Row>(chunks);
  }

  private async runChunks<Row>(chunks: readonly CompiledStatement[]): Promise<Result<Row>> {
    if (chunks.length === 1) return this.run<Row>(chunks[0]!);
    const runAll = async (): Promise<Result<Row>> => {
      const rows: Row[] = [];
      let rowCount = 0;
      let last: Result<Row> | undefined;
      for (const chunk of chunks) {
        last = await this.run<Row>(chunk);
        for (const row of last.rows) rows.push(row);
        rowCount += last.rowCount;
      }
      return new Result<Row>(rows, rowCount, last!.columns, last!.sql, last!.lastInsertId);
    };
    return this.inTransaction ? runAll() : this.transactionally({}, runAll);
  }

  /**
   * Move the generators of `columns` past the largest value in `table`
   * (see `Dialect.identitySyncStatements`). `guarded`: the engine's own
   * sync after an insert, which quietly does nothing where it cannot.
   */
  async syncIdentity(table: TableMeta, columns: readonly ColumnMeta[], guarded: boolean): Promise<void> {
    for (const compiled of this.core.dialect.identitySyncStatements(table, columns, guarded)) {
      const raw = await this.runRaw(compiled);
      if (!guarded && raw.rows[0]?.[0] == null) {
        const column = compiled.parameters[1];
        throw new SchemaError(
          `"${table.name}"."${String(column)}" is declared as an identity column, but the database has no sequence for it ` +
            `(it is not an identity or serial column there): nothing to put in step. Create the table with createAll(), ` +
            `or declare the column without identity().`,
        );
      }
    }
  }

  /** A statement without parameters or rows: BEGIN, COMMIT, SAVEPOINT and friends. */
  async control(sql: string, commit = false): Promise<void> {
    const execution = this.watch(sql, NO_PARAMETERS, 'transaction');
    try {
      await this.connection.query(sql, NO_PARAMETERS, false);
    } catch (cause) {
      throw this.failed(execution, cause, sql, NO_PARAMETERS, 'transaction', commit);
    }
    if (execution) this.finished(execution, 0);
  }

  /** Rows in batches of at most `batchSize`, decoded. */
  async *stream<Row = AnyRow>(statement: Executable, batchSize: number): AsyncGenerator<Row[], void, undefined> {
    const chunks = compileExecutable(this.core.dialect, statement);
    if (chunks.length !== 1 || !STREAMABLE.has(chunks[0]!.kind)) {
      // INSERT/UPDATE/DELETE ... RETURNING cannot feed a cursor: run it, then hand the rows out in slices.
      const result = await this.execute<Row>(statement);
      for (let i = 0; i < result.rows.length; i += batchSize) yield result.rows.slice(i, i + batchSize);
      return;
    }
    const compiled = chunks[0]!;
    this.checkPooled(compiled);
    const execution = this.watch(compiled.sql, compiled.parameters, compiled.kind);
    let total = 0;
    let failed = false;
    try {
      const batches = this.connection.stream(compiled.sql, compiled.parameters, batchSize, this.inTransaction);
      for await (const batch of batches) {
        const rows = buildRows(this.core.shaper.shape(compiled.columns, batch.columns).build, batch.rows) as Row[];
        total += rows.length;
        yield rows;
      }
    } catch (cause) {
      failed = true;
      throw this.failed(execution, cause, compiled.sql, compiled.parameters, compiled.kind);
    } finally {
      // Also when the consumer stops early: the event reports the rows actually delivered,
      // and its duration includes the time the consumer spent on them.
      if (execution && !failed) this.finished(execution, total);
    }
  }

  /** `COPY ... FROM STDIN` through the driver. */
  async copy(copySql: string, source: CopySource): Promise<number> {
    const copyFrom = this.connection.copyFrom;
    if (!copyFrom) throw new UnsupportedError(`the ${this.core.dialect.name} driver cannot COPY`);
    const execution = this.watch(copySql, NO_PARAMETERS, 'copy');
    let count: number;
    try {
      count = await copyFrom.call(this.connection, copySql, source);
    } catch (cause) {
      throw this.failed(execution, cause, copySql, NO_PARAMETERS, 'copy');
    }
    if (execution) this.finished(execution, count);
    return count;
  }

  // ---------------------------------------------------------------------------
  // Transactions

  /** BEGIN, run `body`, COMMIT; ROLLBACK and rethrow when it throws. */
  async transactionally<T>(options: TransactionOptions, body: () => Promise<T>): Promise<T> {
    if (this.inTransaction) throw new Error('internal: transaction opened twice on one connection');
    for (const sql of this.core.dialect.beginStatements(options)) await this.control(sql);
    this.inTransaction = true;
    try {
      let value: T;
      try {
        value = await body();
      } catch (error) {
        await this.rollbackQuietly('ROLLBACK');
        throw error;
      }
      try {
        await this.control('COMMIT', true);
      } catch (error) {
        // SQLite keeps the transaction open after a failed COMMIT (SQLITE_BUSY); end it.
        await this.rollbackQuietly('ROLLBACK');
        throw error;
      }
      return value;
    } finally {
      this.inTransaction = false;
    }
  }

  /** SAVEPOINT, run `body`, RELEASE; ROLLBACK TO the savepoint and rethrow when it throws. */
  async savepoint<T>(body: () => Promise<T>): Promise<T> {
    const dialect = this.core.dialect;
    const name = `athanor_sp_${++this.savepointDepth}`;
    try {
      await this.control(dialect.savepointStatement(name));
      let value: T;
      try {
        value = await body();
      } catch (error) {
        await this.rollbackQuietly(dialect.rollbackToSavepointStatement(name));
        // The savepoint survives ROLLBACK TO; release it so names do not pile up.
        if (!this.broken) await this.rollbackQuietly(dialect.releaseSavepointStatement(name));
        throw error;
      }
      await this.control(dialect.releaseSavepointStatement(name));
      return value;
    } finally {
      this.savepointDepth--;
    }
  }

  /** Roll back; a connection that cannot is in an unknown state and will be discarded. */
  private async rollbackQuietly(sql: string): Promise<void> {
    try {
      await this.control(sql);
    } catch {
      this.broken = true;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.core.checkedIn(this);
    await this.connection.release(this.broken);
  }
}
