/**
 * What the ORM needs from Core's engine: a held connection it can run compiled
 * statements on (rows as raw arrays, decoded by the ORM's own hydrators) and
 * bracket with explicit transaction and savepoint statements.
 *
 * @internal
 */

import type { CompiledStatement } from '../core/compiler/compiled.js';
import type { Dialect, TransactionOptions } from '../core/dialects/dialect.js';
import type { ReadConsistency } from '../core/engine/replicas/consistency.js';

export interface RawResult {
  readonly columns: readonly string[];
  readonly rows: unknown[][];
  readonly rowCount: number;
  readonly lastInsertId?: number | bigint | undefined;
}

export interface SessionConnection {
  readonly dialect: Dialect;
  /** Run one compiled statement; rows come back as positional arrays, undecoded. */
  runRaw(compiled: CompiledStatement): Promise<RawResult>;
  /** Run one compiled statement through Core: rows decoded and shaped as objects. */
  execute(compiled: CompiledStatement): Promise<{ readonly rows: readonly unknown[]; readonly rowCount: number }>;
  /** Run a statement and yield raw rows in batches (server-side cursor where there is one). */
  streamRaw(compiled: CompiledStatement, batchSize: number): AsyncIterable<unknown[][]>;
  begin(options: TransactionOptions): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  savepoint(name: string): Promise<void>;
  releaseSavepoint(name: string): Promise<void>;
  rollbackToSavepoint(name: string): Promise<void>;
  readonly inTransaction: boolean;
  /** True once the connection was lost (its state is unknown): it is discarded on release. */
  readonly broken: boolean;
  /** True when the connection runs inside an outer transaction (a session joined to it): even one statement needs its savepoint. */
  readonly joinedToOuter?: boolean;
  release(): Promise<void>;
}

/** Where sessions get connections: an engine. */
export interface ConnectionSource {
  readonly dialect: Dialect;
  /** Wait until the dialect is known (MySQL vs MariaDB is detected on first connect). */
  ready(): Promise<void>;
  /**
   * `primary`: every statement on the primary; `consistency`: what reads must see (engines with read replicas).
   * Waits for {@link ready} itself: the dialect is known once the connection is there.
   */
  connectForSession(options?: { readonly primary?: boolean; readonly consistency?: ReadConsistency }): Promise<SessionConnection>;
}
