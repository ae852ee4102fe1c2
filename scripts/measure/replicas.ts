/**
 * Read replicas under a mixed load, on a private PostgreSQL primary with a streaming replica started here (as the
 * tests do, test/support/private-postgres.ts): 8 concurrent workers serve requests of 2000 users for 8 s; 10% of
 * requests write (an ORM session adds a row and commits, and the user keeps the consistency token, as a cookie
 * would), the others read in a session that carries the user's token: the row the user last wrote (counting a
 * read that misses it as stale), or a page of rows for a user who has not written. Run once with the replica
 * replaying at once and once with `recovery_min_apply_delay = 1s`; prints where reads went (engine.replicaStats).
 *
 *   npx tsx scripts/measure/replicas.ts
 */
import { createEngine } from '../../src/connect/index.js';
import { sql } from '../../src/core/sql/index.js';
import { database } from '../../src/orm/index.js';
import { Artist, artistTable, createOrmTables } from '../../test/fixtures/orm-models.js';
import { PrivatePostgres } from '../../test/support/private-postgres.js';

const WORKERS = 8;
const USERS = 2000;
const SECONDS = 8;
const WRITE_SHARE = 0.1;

const primary = await PrivatePostgres.create();
const replica = await PrivatePostgres.createReplica(primary);
const direct = createEngine(replica.url, { poolSize: 1 });
try {
  const setup = createEngine(primary.url, { poolSize: 1 });
  await createOrmTables(setup);
  await setup.close();
  for (const delay of ['0', '1s']) {
    await replica.setSetting('recovery_min_apply_delay', delay, async (v) => (await direct.scalar(sql`SHOW recovery_min_apply_delay`)) === v);
    const engine = createEngine({ primary: primary.url, replicas: [replica.url], poolSize: WORKERS });
    const db = database(engine);
    const tokens: (string | undefined)[] = new Array(USERS).fill(undefined);
    const lastWritten: (string | undefined)[] = new Array(USERS).fill(undefined);
    let requests = 0;
    let writes = 0;
    let stale = 0;
    let named = 0;
    const end = Date.now() + SECONDS * 1000;
    const worker = async (): Promise<void> => {
      while (Date.now() < end) {
        const user = Math.floor(Math.random() * USERS);
        const token = tokens[user];
        const options = token ? { consistencyToken: token } : {};
        if (Math.random() < WRITE_SHARE) {
          const s = db.openSession(options);
          try {
            const name = `user ${user} #${++named}`;
            s.add(new Artist({ name }));
            await s.commit();
            tokens[user] = s.consistencyToken();
            lastWritten[user] = name;
          } finally {
            await s.close();
          }
          writes++;
        } else {
          const name = lastWritten[user];
          if (name === undefined) {
            await db.session(async (s) => s.query(Artist).limit(20).all(), options);
          } else {
            const found = await db.session(async (s) => s.query(Artist).where(artistTable.c.name.eq(name)).all(), options);
            if (found.length === 0) stale++;
          }
        }
        requests++;
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const st = engine.replicaStats!;
    const reads = st.replicaReads + st.primaryReads;
    console.log(
      `replay delay ${delay}: ${requests} requests (${writes} writes) in ${SECONDS} s; reads ${reads}: ` +
        `replica ${st.replicaReads} (${((100 * st.replicaReads) / reads).toFixed(1)}%), primary ${st.primaryReads} ` +
        `(read-your-writes fallbacks ${st.fallbacks}), replica status probes ${st.probes} (${(st.probes / reads).toFixed(3)} per read); ` +
        `reads that missed the user's last write: ${stale}`,
    );
    await engine.close();
  }
} finally {
  await direct.close();
  await replica.destroy();
  await primary.destroy();
}
