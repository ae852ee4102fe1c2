/**
 * What reading or loading an unloaded to-one does, per strategy, on every
 * database: reading and `load()` answer from the foreign key and the identity
 * map the same way (one resolver, one identity-key encoding), and neither
 * guesses when the foreign key is not the target's primary key.
 */
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, foreignKey, identity, insert, integer, primaryKey, table, text, timestamp, type Table } from '../../../src/index.js';
import { Model, database, many, mapped, one, raiseLoad, RaiseLoadError, type Database, type Related } from '../../../src/orm/index.js';
import { forEachDialect } from '../../support/dialects.js';
import { StatementLog } from '../../support/statements.js';

/** A shift is keyed by its day and its number: a composite key with a Date part. */
const shift = table('ula_shift', { day: timestamp().notNull(), n: integer().notNull(), label: text().notNull() }, (c) => [primaryKey(c.day, c.n)]);
const worker = table(
  'ula_worker',
  { id: identity(), name: text().notNull(), shiftDay: timestamp('shift_day'), shiftN: integer('shift_n') },
  (c) => [foreignKey('ula_worker_shift_fkey', [c.shiftDay, c.shiftN], () => [shift.c.day, shift.c.n])],
);
/** A badge references its desk by the desk's code, which is unique but not the primary key. */
const desk = table('ula_desk', { id: identity(), code: integer().notNull().unique(), label: text().notNull() });
const badge = table('ula_badge', { id: identity(), deskCode: integer('desk_code').references(() => desk.c.code) });

@mapped
class Shift extends Model(shift) {
  static readonly workers = many(() => Worker, { backPopulates: 'shift' });
}
interface Shift extends Related<typeof Shift> {}
@mapped
class Worker extends Model(worker) {
  static readonly shift = one(() => Shift, { backPopulates: 'workers' });
}
interface Worker extends Related<typeof Worker> {}
@mapped
class Desk extends Model(desk) {}
@mapped
class Badge extends Model(badge) {
  static readonly desk = one(() => Desk);
}
interface Badge extends Related<typeof Badge> {}

const MONDAY = new Date('2024-03-04T08:00:00.000Z');
const all = [badge, desk, worker, shift] as Table[];

forEachDialect('unloaded to-one access', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll(all, { ifExists: true });
    await ctx.engine.createAll([...all].reverse());
    for (const t of all) await ctx.engine.execute(deleteFrom(t));
    await ctx.engine.execute(insert(shift).values([{ day: MONDAY, n: 1, label: 'early' }]));
    await ctx.engine.execute(insert(worker).values([{ id: 1, name: 'Ada', shiftDay: MONDAY, shiftN: 1 }, { id: 2, name: 'Bob', shiftDay: MONDAY, shiftN: 1 }]));
    // Desk ids and codes cross: desk 1 has code 2 and desk 2 code 1.
    await ctx.engine.execute(insert(desk).values([{ id: 1, code: 2, label: 'window' }, { id: 2, code: 1, label: 'door' }]));
    await ctx.engine.execute(insert(badge).values([{ id: 1, deskCode: 1 }]));
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  it('raiseOnSql: a composite key with a Date part is found in the identity map by read and by load alike, without SQL', async () => {
    await db.session(async (s) => {
      const [early] = await s.query(Shift).all();
      const [ada, bob] = await s.query(Worker).orderBy(Worker.id).options(raiseLoad(Worker.shift, { sqlOnly: true })).all();
      const statements = await log.during(async () => {
        assert.equal(await s.load(ada!, 'shift'), early);
        assert.equal(bob!.shift, early);
      });
      assert.deepEqual(statements, []);
    });
  });

  it('raiseOnSql: a foreign key to a unique column that is not the primary key is never looked up as one', async () => {
    await db.session(async (s) => {
      // Both desks are in the identity map, desk 1 under the key 1 that the badge's desk_code holds.
      await s.query(Desk).all();
      const [b] = await s.query(Badge).options(raiseLoad(Badge.desk, { sqlOnly: true })).all();
      await assert.rejects(s.load(b!, 'desk'), RaiseLoadError);
      assert.throws(() => b!.desk, RaiseLoadError);
    });
  });

  it('select: load() of that foreign key reads the desk whose code it holds', async () => {
    await db.session(async (s) => {
      await s.query(Desk).all();
      const [b] = await s.query(Badge).all();
      const d = (await s.load(b!, 'desk')) as Desk | null;
      assert.equal(d?.label, 'door');
    });
  });
});
