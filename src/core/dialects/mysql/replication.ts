/**
 * MariaDB replication positions: GTID lists (`0-1-42,1-3-7`: per replication domain, the server id and sequence
 * number of the last transaction). After a commit the primary's `@@last_gtid` is that connection's own last
 * transaction (`@@gtid_binlog_pos`, everything the primary has logged, when it wrote nothing to the binary log); a
 * replica's `@@gtid_slave_pos` is what its SQL thread has applied. A replica covers a position when, in every
 * domain the position names, it has applied that sequence number or a later one. MariaDB reports no replay lag
 * through a SELECT (`Seconds_Behind_Master` is in `SHOW SLAVE STATUS` only), so the lag is NULL: a replica is
 * judged by its position and by whether it answers.
 *
 * MySQL's GTIDs (`uuid:1-42` sets in `@@gtid_executed`) are another format: not supported here.
 *
 * @internal
 */

import type { ReplicationPositions } from '../replication.js';

const GTID = /^\d+-\d+-\d+$/;

function domains(list: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const part of list.split(',')) {
    const gtid = part.trim();
    if (!GTID.test(gtid)) continue;
    const [domain, , seq] = gtid.split('-') as [string, string, string];
    const n = BigInt(seq);
    const had = out.get(domain);
    if (had === undefined || n > had) out.set(domain, n);
  }
  return out;
}

export const mariadbReplication: ReplicationPositions = {
  primaryPositionSql: "SELECT CASE WHEN @@last_gtid = '' THEN @@gtid_binlog_pos ELSE @@last_gtid END",
  replicaStatusSql: "SELECT NULLIF(@@gtid_slave_pos, ''), NULL",
  covers(replayed, required) {
    const have = domains(replayed);
    for (const [domain, seq] of domains(required)) {
      const at = have.get(domain);
      if (at === undefined || at < seq) return false;
    }
    return true;
  },
  later(a, b) {
    // Per domain, the later entry (with its server id).
    const entries = new Map<string, { seq: bigint; text: string }>();
    for (const list of [a, b]) {
      for (const part of list.split(',')) {
        const gtid = part.trim();
        if (!GTID.test(gtid)) continue;
        const [domain, , seq] = gtid.split('-') as [string, string, string];
        const n = BigInt(seq);
        const had = entries.get(domain);
        if (had === undefined || n > had.seq) entries.set(domain, { seq: n, text: gtid });
      }
    }
    return [...entries.values()].map((e) => e.text).join(',');
  },
  isPosition: (position) => position === '' || position.split(',').every((p) => GTID.test(p.trim())),
};
