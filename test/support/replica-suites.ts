/**
 * Suites around private replicated servers, created once per test file: a PostgreSQL primary with a streaming
 * replica (test/support/private-postgres.ts, `pg_basebackup -R`), and a MariaDB primary with a GTID replica
 * (test/support/private-mariadb.ts). When the machine cannot run them the suite is skipped with the reason, or
 * fails when ATHANOR_REQUIRE_FAULT_TESTS=1 (CI), so CI cannot go green by skipping.
 *
 * ```ts
 * await postgresReplicaSuite('read replicas', ({ primary, replica }) => {
 *   it('reads on the replica', async () => { ... createEngine({ primary: primary.url, replicas: [replica.url] }) ... });
 * });
 * ```
 */

import { after, describe, it } from 'node:test';
import { PrivatePostgres } from './private-postgres.js';
import { PrivateMariadbPair } from './private-mariadb.js';

const requireFaultTests = process.env['ATHANOR_REQUIRE_FAULT_TESTS'] === '1';

/** The whole suite fails rather than hang past this. */
const SUITE_TIMEOUT_MS = 180_000;

function unavailable(title: string, what: string, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  describe(title, () => {
    if (requireFaultTests) {
      it(`starts ${what}`, () => {
        throw new Error(`the replica tests are required (ATHANOR_REQUIRE_FAULT_TESTS=1) but cannot run: ${reason}`);
      });
    } else {
      it(`starts ${what}`, { skip: `${reason} (set ATHANOR_REQUIRE_FAULT_TESTS=1 to fail instead)` }, () => {});
    }
  });
}

export interface PostgresReplicaContext {
  readonly primary: PrivatePostgres;
  readonly replica: PrivatePostgres;
}

/** A PostgreSQL primary and a hot standby streaming from it, for the whole file. */
export async function postgresReplicaSuite(title: string, define: (ctx: PostgresReplicaContext) => void): Promise<void> {
  let primary: PrivatePostgres | undefined;
  let replica: PrivatePostgres;
  try {
    primary = await PrivatePostgres.create();
    replica = await PrivatePostgres.createReplica(primary);
  } catch (error) {
    await primary?.destroy();
    unavailable(title, 'a private PostgreSQL primary and streaming replica', error);
    return;
  }
  const p = primary;
  describe(title, { timeout: SUITE_TIMEOUT_MS }, () => {
    define({ primary: p, replica });
    after(async () => {
      await replica.destroy();
      await p.destroy();
    });
  });
}

export interface MariadbReplicaContext {
  readonly pair: PrivateMariadbPair;
}

/** A MariaDB primary and a GTID replica of it, for the whole file. */
export async function mariadbReplicaSuite(title: string, define: (ctx: MariadbReplicaContext) => void): Promise<void> {
  let pair: PrivateMariadbPair;
  try {
    pair = await PrivateMariadbPair.create();
  } catch (error) {
    unavailable(title, 'a private MariaDB primary and GTID replica', error);
    return;
  }
  describe(title, { timeout: SUITE_TIMEOUT_MS }, () => {
    define({ pair });
    after(() => pair.destroy());
  });
}
