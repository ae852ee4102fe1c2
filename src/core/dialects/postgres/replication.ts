/**
 * PostgreSQL replication positions: WAL LSNs (`16/B374D848`, two hexadecimal halves of a 64-bit byte offset).
 * After a commit the primary's `pg_current_wal_lsn()` is at or past the commit record (the COMMIT has returned, so
 * its record is written); a hot standby reports `pg_last_wal_replay_lsn()`, the end of the last record it applied.
 * The lag is the age of the last transaction replayed, or 0 when the standby has applied all it received (the
 * usual idiom: an idle primary does not make its standby look late).
 *
 * @internal
 */

import type { ReplicationPositions } from '../replication.js';

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

function lsn(text: string): bigint {
  const m = LSN.exec(text);
  if (!m) return -1n;
  return (BigInt(`0x${m[1]!}`) << 32n) | BigInt(`0x${m[2]!}`);
}

export const postgresReplication: ReplicationPositions = {
  primaryPositionSql: 'SELECT pg_current_wal_lsn()::text',
  replicaStatusSql:
    'SELECT pg_last_wal_replay_lsn()::text, ' +
    'CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 ' +
    'ELSE (EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 END',
  covers: (replayed, required) => lsn(replayed) >= lsn(required),
  later: (a, b) => (lsn(a) >= lsn(b) ? a : b),
  isPosition: (position) => LSN.test(position),
};
