/**
 * What a dialect knows about replication positions, for read replicas with read-your-writes: the SQL that reads
 * the primary's position after a commit and a replica's replayed position, and how two positions compare. The text
 * of a position is the database's own (a PostgreSQL WAL LSN such as `0/3000148`, a MariaDB GTID list such as
 * `0-1-42`); the engine stores and compares it only through these functions.
 *
 * ```ts
 * const positions = engine.dialect.replication!;
 * positions.covers('0/3000200', '0/3000148'); // true: the replica has replayed past the commit
 * ```
 */
export interface ReplicationPositions {
  /**
   * Run on the primary, on the connection that has just committed: one row whose first column is the position at
   * or past that commit.
   */
  readonly primaryPositionSql: string;
  /**
   * Run on a replica: one row, `[replayed position or NULL, replay lag in milliseconds or NULL]`. A NULL position
   * means the server is not replaying (not a replica, or replication stopped at the start); a NULL lag means the
   * database cannot say.
   */
  readonly replicaStatusSql: string;
  /** True when a replica that has replayed up to `replayed` shows everything committed up to `required`. */
  covers(replayed: string, required: string): boolean;
  /** The later of two positions: what a reader needs after both commits. */
  later(a: string, b: string): string;
  /** True when `position` is one this database could have written (a token from a cookie is checked with it). */
  isPosition(position: string): boolean;
}
