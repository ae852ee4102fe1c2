/**
 * A session's connection on an engine with read replicas: up to two held connections, one to a replica for reads
 * and one to the primary, taken when first needed. Reads outside a transaction go to a replica that has replayed
 * the session's last commit (see {@link ReplicaSet}); writes, `FOR UPDATE`, raw SQL and everything from BEGIN to
 * COMMIT go to the primary. After a commit (or a write outside a transaction) the primary's position is read on
 * the same connection (one short query) and kept in the session's {@link ReadConsistency}.
 *
 * The ORM sees the same protocol as a plain held connection; where statements go is decided here, in Core, so the
 * ORM holds no routing rule and no database-specific SQL.
 *
 * @internal
 */

import type { CompiledStatement } from '../../compiler/compiled.js';
import type { Dialect, TransactionOptions } from '../../dialects/dialect.js';
import { ConnectionReleasedError } from '../../errors.js';
import type { CheckoutPurpose } from '../checkouts.js';
import type { DriverResult } from '../driver.js';
import type { Result } from '../result.js';
import type { Runner } from '../runner.js';
import type { ReadConsistency } from './consistency.js';
import { isReplicaFailure, type ReplicaEngine, type ReplicaNode, type ReplicaSet } from './replica-set.js';

/** @internal What routing needs of an engine (the primary's, or a replica's). */
export interface RoutingHost {
  readonly dialect: Dialect;
  leaseRunner(purpose: CheckoutPurpose): Promise<Runner>;
}

/** @internal */
export type RoutedEngine = RoutingHost & ReplicaEngine;

/** @internal Read the primary's position on `runner` (just committed) into `consistency`. */
export async function recordPosition(runner: Runner, set: ReplicaSet<RoutedEngine>, consistency: ReadConsistency | undefined): Promise<void> {
  if (!consistency || !set.positions || !set.dialectName) return;
  try {
    const raw = await runner.runRaw({ sql: set.positions.primaryPositionSql, parameters: [], columns: [], kind: 'rawStatement', returnsRows: true });
    const position = raw.rows[0]?.[0];
    if (position == null || position === '') return;
    consistency.observe(set.dialectName, String(position), set.positions);
  } catch {
    // The commit stands, but where it got to is unknown: this reader stays on the primary.
    consistency.primaryOnly = true;
  }
}

export class RoutedConnection {
  private primaryRunner: Runner | undefined;
  private replica: { node: ReplicaNode<RoutedEngine>; runner: Runner } | undefined;
  private released = false;

  constructor(
    private readonly primary: RoutingHost,
    private readonly set: ReplicaSet<RoutedEngine>,
    private readonly consistency: ReadConsistency | undefined,
    /** Every statement on the primary (`{ primary: true }`). */
    private readonly pinned: boolean,
  ) {}

  get dialect(): Dialect {
    return this.primary.dialect;
  }

  /** The server's id of the connection in use: the primary's once held, else the replica's. */
  get id(): number | undefined {
    return (this.primaryRunner ?? this.replica?.runner)?.connection.id;
  }

  get inTransaction(): boolean {
    return this.primaryRunner?.inTransaction ?? false;
  }

  /** A lost replica connection is replaced on the next read; only the primary's loss is the session's to handle. */
  get broken(): boolean {
    return this.primaryRunner?.broken ?? false;
  }

  private async onPrimary(): Promise<Runner> {
    if (this.released) throw new ConnectionReleasedError('this connection was released');
    this.primaryRunner ??= await this.primary.leaseRunner('session');
    return this.primaryRunner;
  }

  private toPrimary(compiled: CompiledStatement): boolean {
    return this.pinned || compiled.readOnly !== true || this.inTransaction || this.consistency?.primaryOnly === true;
  }

  /** Run `compiled` where it belongs, with `run` on the chosen connection. */
  private async route<T>(compiled: CompiledStatement, run: (runner: Runner) => Promise<T>): Promise<T> {
    if (this.toPrimary(compiled)) {
      const runner = await this.onPrimary();
      const wasInTransaction = runner.inTransaction;
      const value = await run(runner);
      if (compiled.readOnly === true) {
        if (!wasInTransaction) this.set.countedPinned();
      } else if (!wasInTransaction) {
        // A write that committed on its own.
        await recordPosition(runner, this.set, this.consistency);
      }
      return value;
    }
    const required = this.consistency?.position;
    return this.set.read(
      required,
      async (node) => {
        const runner = await this.replicaRunner(node);
        try {
          return await run(runner);
        } catch (error) {
          if (isReplicaFailure(error)) await this.dropReplica();
          throw error;
        }
      },
      async () => run(await this.onPrimary()),
      this.replica?.node,
    );
  }

  private async replicaRunner(node: ReplicaNode<RoutedEngine>): Promise<Runner> {
    if (this.released) throw new ConnectionReleasedError('this connection was released');
    if (this.replica?.node === node && !this.replica.runner.broken) return this.replica.runner;
    await this.dropReplica();
    const runner = await node.engine.leaseRunner('session');
    this.replica = { node, runner };
    return runner;
  }

  private async dropReplica(): Promise<void> {
    const held = this.replica;
    this.replica = undefined;
    if (held) await held.runner.release().catch(() => undefined);
  }

  runRaw(compiled: CompiledStatement): Promise<DriverResult> {
    return this.route(compiled, (runner) => runner.runRaw(compiled));
  }

  execute(compiled: CompiledStatement): Promise<Result> {
    return this.route(compiled, (runner) => runner.run(compiled));
  }

  async *streamRaw(compiled: CompiledStatement, batchSize: number): AsyncGenerator<unknown[][], void, undefined> {
    // The connection is chosen (with failover) before the first row; a failure mid-stream is the caller's.
    let chosen: Runner;
    if (this.toPrimary(compiled)) {
      chosen = await this.onPrimary();
    } else {
      chosen = await this.set.read(this.consistency?.position, (node) => this.replicaRunner(node), () => this.onPrimary(), this.replica?.node);
    }
    yield* chosen.streamRaw(compiled, batchSize);
  }

  async begin(options: TransactionOptions): Promise<void> {
    await (await this.onPrimary()).begin(options);
  }

  async commit(): Promise<void> {
    const runner = await this.onPrimary();
    await runner.commit();
    await recordPosition(runner, this.set, this.consistency);
  }

  async rollback(): Promise<void> {
    await (await this.onPrimary()).rollback();
  }

  async savepoint(name: string): Promise<void> {
    await (await this.onPrimary()).control(this.dialect.savepointStatement(name));
  }

  async releaseSavepoint(name: string): Promise<void> {
    await (await this.onPrimary()).control(this.dialect.releaseSavepointStatement(name));
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await (await this.onPrimary()).control(this.dialect.rollbackToSavepointStatement(name));
  }

  /** Give both connections back. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const primary = this.primaryRunner;
    this.primaryRunner = undefined;
    await this.dropReplica();
    if (primary) await primary.release();
  }
}
