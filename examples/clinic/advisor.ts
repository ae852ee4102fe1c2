/**
 * Scenario 10: an unindexed foreign key. A filter on `clinic_play.user_id`
 * and a relationship load of songs' plays (`song_id`) run at three sizes of
 * the plays table, first as the schema has them (no index), then with the
 * indexes the advisor proposes for that very workload: the statements stay
 * the same, the time falls. The advisor's finding is shown under the first row.
 */
import { insert, select, type Engine } from '../../src/index.js';
import { advise, recordStatements } from '../../src/diagnostics/index.js';
import { op, type CreateIndexOp } from '../../src/migrate/index.js';
import { selectinLoad, type Database } from '../../src/orm/index.js';
import { formatFinding } from './diagnose.js';
import { measure } from './measure.js';
import type { VariantResult } from './render.js';
import { Play, PlayedSong, playTable, songTable, userTable, type Sizes } from './schema.js';

export const ADVISOR_PITFALL = { key: 'advisor', title: '10. An unindexed foreign key: the index advisor proposes, verifies, and the time falls' };

/** The workload, several rounds so the time is measurable: one filter and one relationship load each. */
async function workload(db: Database, songIds: readonly number[], users: number, rounds: number): Promise<number> {
  let plays = 0;
  for (let r = 0; r < rounds; r++) {
    await db.session(async (s) => {
      plays += (await s.query(Play).where(Play.userId.eq((r % users) + 1)).all()).length;
      const from = (r * 37) % Math.max(1, songIds.length - 10);
      const ids = songIds.slice(from, from + 10);
      for (const song of await s.query(PlayedSong).where(PlayedSong.id.in(ids)).options(selectinLoad(PlayedSong.plays)).all()) plays += song.plays.length;
    });
  }
  return plays;
}

function ddl(engine: Engine, o: CreateIndexOp | ReturnType<typeof op.dropIndex>) {
  return engine.dialect.migration.compile(o).map((sql) => ({ sql, parameters: [], columns: [], kind: 'rawStatement' as const, returnsRows: false }));
}

export async function advisorScenario(engine: Engine, db: Database, sizes: Sizes, scale: number): Promise<VariantResult[]> {
  const songIds = (await engine.all(select(songTable.c.id).from(songTable).orderBy(songTable.c.id))).map((r) => r.id);
  const users = Math.min(sizes.users, 50);
  const base = Math.max(2000, scale);
  // Named by size class, not count, so one variant has the same name at every scale (the HTML report's lines).
  const steps = [
    { size: base, label: 'small plays table' },
    { size: base * 2, label: 'twice as large' },
    { size: base * 4, label: 'four times as large' },
  ];
  const rounds = 20;
  const out: VariantResult[] = [];
  let filled = 0;
  let finding: string | undefined;
  let advised: readonly CreateIndexOp[] = [];
  for (const { size, label } of steps) {
    // Grow the plays table to this size: plays spread over every song and user.
    for (let start = filled; start < size; start += 5000) {
      const rows = Array.from({ length: Math.min(5000, size - start) }, (_, k) => {
        const i = start + k;
        return { songId: songIds[i % songIds.length]!, userId: (i % sizes.users) + 1, seconds: 30 + (i % 200) };
      });
      await engine.execute(insert(playTable).values(rows));
    }
    filled = size;
    if (engine.dialect.name !== 'sqlite') await engine.execute({ sql: engine.dialect.name === 'postgres' ? 'ANALYZE clinic_play' : 'ANALYZE TABLE clinic_play', parameters: [], columns: [], kind: 'rawStatement', returnsRows: true });
    for (const o of advised) for (const s of ddl(engine, op.dropIndex(o.table, o.name))) await engine.execute(s);
    await workload(db, songIds, users, 1);
    const before = await measure(engine, () => workload(db, songIds, users, rounds));
    if (finding === undefined) {
      // The advisor judges one round of the workload, as recorded, on the table as it is.
      const rec = await recordStatements(() => workload(db, songIds, users, 1));
      const advice = await advise(engine, { statements: rec, include: [playTable.name, songTable.name, userTable.name], schemaChecks: true });
      advised = advice.operations.filter((o) => o.table === playTable.name).map((o) => ({ ...o, concurrently: false }));
      const f = advice.findings.find((x) => x.pitfall === 'missing-index') ?? advice.findings[0];
      finding = f
        ? formatFinding(f)
        : engine.dialect.name === 'mysql'
          ? '[no proposal] the advisor found nothing to propose: InnoDB gives every foreign key an index of its own, so ' +
            `${playTable.name}'s song_id and user_id are indexed already and both rows of a size run the same plans`
          : '[no proposal] the advisor found nothing to propose';
    }
    for (const o of advised) for (const s of ddl(engine, o)) await engine.execute(s);
    await workload(db, songIds, users, 1);
    const after = await measure(engine, () => workload(db, songIds, users, rounds));
    out.push({ pitfall: ADVISOR_PITFALL.key, variant: `naive: no index, ${label}`, scale, n: size, statements: before.statements, ms: before.ms, rows: before.rows, finding: out.length === 0 ? finding : undefined });
    out.push({ pitfall: ADVISOR_PITFALL.key, variant: `athanor: advised index, ${label}`, scale, n: size, statements: after.statements, ms: after.ms, rows: after.rows, baseline: `naive: no index, ${label}` });
  }
  return out;
}
