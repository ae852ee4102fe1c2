/**
 * Projection vs entities, SQLite: median of 30 sessions reading `username, email` of every user, and the same
 * users as entities. Builds the clinic data set at 100,000 songs (50,000 users) first.
 *
 *   npx tsx scripts/measure/projection.ts
 */
import { createEngine } from '../../src/index.js';
import { database } from '../../src/orm/index.js';
import { User, build } from '../../examples/clinic/schema.js';

const engine = createEngine('sqlite::memory:');
await build(engine, 100_000, () => {});
const db = database(engine);

async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < 30; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[15]!;
}

const projection = await median(() => db.session((s) => s.select(User.username, User.email).all()));
const entities = await median(() => db.session((s) => s.query(User).all()));
console.log(`50,000 users, median of 30: select(username, email) ${projection.toFixed(1)} ms, entities ${entities.toFixed(1)} ms`);
await engine.close();
