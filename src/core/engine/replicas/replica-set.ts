/**
 * Which server a read goes to: the replicas of an engine, their health and replayed positions, and the rule that
 * picks one. Kept apart from the connections that run the statement (the engine, {@link RoutedConnection}), as
 * Rails keeps its resolver apart from its context, so the rule can change without touching them.
 *
 * The rule, for a read outside a write transaction:
 * - Replicas are tried in turn (round robin), skipping one that is down (it failed to connect or to answer, and
 *   `retryAfterMs` has not passed) or that lags beyond `maxLagMs` (as it last reported).
 * - A read that must see a position (its session committed, or it carries a consistency token) takes a replica
 *   only once it has replayed past that position. The replica's position is cached: a read whose position the
 *   cache already covers costs nothing extra; otherwise the replica is asked again (one short query,
 *   `pg_last_wal_replay_lsn()` or `@@gtid_slave_pos`) when its answer is older than `positionCacheMs`, one probe
 *   per replica at a time, shared by every reader of the engine. A replica still behind sends the read to the
 *   primary.
 * - A read with no such position takes any healthy replica at once; the replica's status is refreshed in the
 *   background when older than `healthCheckMs`, so its lag is known.
 * - No replica fits: the primary. A replica failing under a read is taken out of rotation and the read runs
 *   again elsewhere, so the caller sees no error while the primary or one replica answers.
 *
 * @internal
 */

import type { CompiledStatement } from '../../compiler/compiled.js';
import type { DialectName } from '../../dialects/dialect.js';
import type { ReplicationPositions } from '../../dialects/replication.js';
import { ConnectionError, ReplicationConfigError, SerializationError } from '../../errors.js';
import type { DriverResult } from '../driver.js';

/**
 * How an engine with replicas judges them.
 *
 * ```ts
 * createEngine({
 *   primary: 'postgres://app@db1/music',
 *   replicas: ['postgres://app@db2/music'],
 *   replication: { maxLagMs: 5000, retryAfterMs: 2000, positionCacheMs: 50 },
 * });
 * ```
 */
export interface ReplicationOptions {
  /** A replica reporting more replay lag than this is out of rotation until it reports less. Default 30000 ms. */
  readonly maxLagMs?: number;
  /** How long a replica that failed stays out of rotation before a read tries it again. Default 5000 ms. */
  readonly retryAfterMs?: number;
  /** How long a replica's replayed position is trusted before a read that needs a later one asks again. Default 100 ms. */
  readonly positionCacheMs?: number;
  /** How often a replica's status (position, lag) is refreshed in the background while reads use it. Default 1000 ms. */
  readonly healthCheckMs?: number;
}

/**
 * Where reads went, since the engine was created: `engine.replicaStats`.
 *
 * ```ts
 * const { replicaReads, primaryReads } = engine.replicaStats!;
 * console.log(`replica share ${(100 * replicaReads / (replicaReads + primaryReads)).toFixed(1)}%`);
 * ```
 */
export interface ReplicaStats {
  /** Reads a replica ran. */
  readonly replicaReads: number;
  /** Reads outside a write transaction that the primary ran (pinned, or no replica fitted). */
  readonly primaryReads: number;
  /** Of those, reads that had to see a position (read-your-writes) that no replica had replayed yet. */
  readonly fallbacks: number;
  /** Status queries sent to replicas (position and lag). */
  readonly probes: number;
  /** Times a replica failed and was taken out of rotation. */
  readonly failures: number;
}

/**
 * One replica as the engine sees it: `engine.replicaStatus()`.
 *
 * ```ts
 * engine.replicaStatus(); // [{ target: 'replica:0', healthy: true, position: '0/3000148', lagMs: 0 }]
 * ```
 */
export interface ReplicaStatus {
  /** `replica:<index>`, as statements' `target` names it. */
  readonly target: string;
  /** In rotation: not down, not lagging beyond `maxLagMs`. */
  readonly healthy: boolean;
  /** The replayed position it last reported. */
  readonly position: string | undefined;
  /** The replay lag it last reported, in milliseconds (undefined: unknown). */
  readonly lagMs: number | undefined;
  /** The error that took it out of rotation, while it is out. */
  readonly lastError: Error | undefined;
}

/** @internal What the set needs of a replica's engine. */
export interface ReplicaEngine {
  runRawOnce(compiled: CompiledStatement): Promise<DriverResult>;
}

/** @internal */
export class ReplicaNode<E extends ReplicaEngine = ReplicaEngine> {
  downUntil = 0;
  lastError: Error | undefined;
  position: string | undefined;
  lagMs: number | undefined;
  /** When the status was last read (performance.now()); 0: never. */
  checkedAt = 0;
  probing: Promise<void> | undefined;

  constructor(
    readonly index: number,
    readonly engine: E,
  ) {}

  get target(): string {
    return `replica:${this.index}`;
  }
}

const DEFAULTS = { maxLagMs: 30_000, retryAfterMs: 5_000, positionCacheMs: 100, healthCheckMs: 1_000 };

function checkedOption(name: keyof ReplicationOptions, value: number | undefined): number {
  if (value === undefined) return DEFAULTS[name];
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ReplicationConfigError(`replication.${name} must be a number of milliseconds, 0 or more (or Infinity), got ${String(value)}`);
  }
  return value;
}

/**
 * @internal True for a failure of the replica rather than of the statement: the read can run elsewhere. A lost or
 * refused connection, a pool timeout, and PostgreSQL's "conflict with recovery" (40001 on a standby, whose replay
 * cancelled the query).
 */
export function isReplicaFailure(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof SerializationError;
}

export class ReplicaSet<E extends ReplicaEngine = ReplicaEngine> {
  readonly nodes: readonly ReplicaNode<E>[];
  private readonly maxLagMs: number;
  private readonly retryAfterMs: number;
  private readonly positionCacheMs: number;
  private readonly healthCheckMs: number;
  private next = 0;
  private counts = { replicaReads: 0, primaryReads: 0, fallbacks: 0, probes: 0, failures: 0 };
  /** Set once the dialect is known. */
  positions: ReplicationPositions | undefined;
  dialectName: DialectName | undefined;
  /** Called when a read that had to see a position went to the primary (for diagnostics). */
  onFallback: ((required: string, lagMs: number | undefined) => void) | undefined;

  constructor(engines: readonly E[], options: ReplicationOptions = {}) {
    this.nodes = engines.map((engine, i) => new ReplicaNode(i, engine));
    this.maxLagMs = checkedOption('maxLagMs', options.maxLagMs);
    this.retryAfterMs = checkedOption('retryAfterMs', options.retryAfterMs);
    this.positionCacheMs = checkedOption('positionCacheMs', options.positionCacheMs);
    this.healthCheckMs = checkedOption('healthCheckMs', options.healthCheckMs);
  }

  /** The dialect settled: it must know replication positions. */
  settle(dialectName: DialectName, positions: ReplicationPositions | undefined, flavor: string): void {
    if (!positions) {
      throw new ReplicationConfigError(
        `read replicas need PostgreSQL or MariaDB (their replication positions tell Athanor when a replica has caught up); ` +
          `this engine is ${flavor}`,
      );
    }
    this.positions = positions;
    this.dialectName = dialectName;
  }

  get stats(): ReplicaStats {
    return { ...this.counts };
  }

  status(): ReplicaStatus[] {
    const now = performance.now();
    return this.nodes.map((n) => ({
      target: n.target,
      healthy: this.inRotation(n, now),
      position: n.position,
      lagMs: n.lagMs,
      lastError: n.downUntil > now ? n.lastError : undefined,
    }));
  }

  private inRotation(node: ReplicaNode<E>, now: number): boolean {
    if (node.downUntil > now) return false;
    return !(node.lagMs !== undefined && node.lagMs > this.maxLagMs);
  }

  /**
   * A replica for a read that must see `required` (undefined: any), preferring `held` (the replica a session
   * already holds a connection to) when it fits; undefined: the primary.
   */
  async pick(required: string | undefined, held?: ReplicaNode<E>): Promise<ReplicaNode<E> | undefined> {
    if (held && (await this.fits(held, required))) return held;
    const n = this.nodes.length;
    const start = this.next++ % n;
    for (let i = 0; i < n; i++) {
      const node = this.nodes[(start + i) % n]!;
      if (node !== held && (await this.fits(node, required))) return node;
    }
    return undefined;
  }

  private async fits(node: ReplicaNode<E>, required: string | undefined): Promise<boolean> {
    let now = performance.now();
    if (node.downUntil > now) return false;
    const age = now - node.checkedAt;
    if (node.lagMs !== undefined && node.lagMs > this.maxLagMs) {
      // Lagging as last seen: look again once the answer is old, before trusting it with a read.
      if (age < this.healthCheckMs) return false;
      await this.refresh(node);
      now = performance.now();
      if (!this.inRotation(node, now)) return false;
    }
    if (required === undefined) {
      if (node.checkedAt === 0 || age >= this.healthCheckMs) this.refreshInBackground(node);
      return true;
    }
    const positions = this.positions!;
    if (node.position !== undefined && positions.covers(node.position, required)) return true;
    if (performance.now() - node.checkedAt < this.positionCacheMs) return false;
    await this.refresh(node);
    return this.inRotation(node, performance.now()) && node.position !== undefined && positions.covers(node.position, required);
  }

  private refreshInBackground(node: ReplicaNode<E>): void {
    // Its failure is recorded on the node; nobody waits for it.
    void this.refresh(node).catch(() => undefined);
  }

  /** Ask the replica for its position and lag; one probe at a time per replica. */
  refresh(node: ReplicaNode<E>): Promise<void> {
    node.probing ??= this.probe(node).finally(() => {
      node.probing = undefined;
    });
    return node.probing;
  }

  private async probe(node: ReplicaNode<E>): Promise<void> {
    const sql = this.positions!.replicaStatusSql;
    this.counts.probes++;
    try {
      const result = await node.engine.runRawOnce({ sql, parameters: [], columns: [], kind: 'rawStatement', returnsRows: true });
      const row = result.rows[0] ?? [];
      node.position = row[0] == null ? undefined : String(row[0]);
      node.lagMs = row[1] == null ? undefined : Number(row[1]);
      node.checkedAt = performance.now();
    } catch (error) {
      this.failed(node, error);
    }
  }

  /** The replica failed: out of rotation for `retryAfterMs`. */
  failed(node: ReplicaNode<E>, error: unknown): void {
    this.counts.failures++;
    node.downUntil = performance.now() + this.retryAfterMs;
    node.lastError = error instanceof Error ? error : new Error(String(error));
    node.position = undefined;
    node.lagMs = undefined;
    node.checkedAt = 0;
  }

  /** Count a read: on a replica, or on the primary (`required`: it had to see a position). */
  counted(node: ReplicaNode<E> | undefined, required: string | undefined): void {
    if (node) {
      this.counts.replicaReads++;
      return;
    }
    this.counts.primaryReads++;
    if (required !== undefined && this.nodes.some((n) => n.downUntil <= performance.now())) {
      this.counts.fallbacks++;
      if (this.onFallback) {
        const lags = this.nodes.map((n) => n.lagMs).filter((l): l is number => l !== undefined);
        this.onFallback(required, lags.length > 0 ? Math.max(...lags) : undefined);
      }
    }
  }

  /** Count a read the primary ran because it was pinned there. */
  countedPinned(): void {
    this.counts.primaryReads++;
  }

  /**
   * Run a read on a fitting replica, or on the primary: `onReplica` on each replica picked until one answers
   * (a replica failure takes it out of rotation and the next is tried), else `onPrimary`.
   */
  async read<T>(required: string | undefined, onReplica: (node: ReplicaNode<E>) => Promise<T>, onPrimary: () => Promise<T>, held?: ReplicaNode<E>): Promise<T> {
    for (let attempt = 0; attempt <= this.nodes.length; attempt++) {
      const node = await this.pick(required, held);
      if (!node) break;
      try {
        const value = await onReplica(node);
        this.counted(node, required);
        return value;
      } catch (error) {
        if (!isReplicaFailure(error)) throw error;
        // A conflict with recovery cancels one query: the replica stays in rotation.
        if (error instanceof SerializationError) return this.onPrimaryCounted(required, onPrimary);
        this.failed(node, error);
        held = undefined;
      }
    }
    return this.onPrimaryCounted(required, onPrimary);
  }

  private async onPrimaryCounted<T>(required: string | undefined, onPrimary: () => Promise<T>): Promise<T> {
    const value = await onPrimary();
    this.counted(undefined, required);
    return value;
  }
}
