/**
 * Cascades and session behaviour on every database: passive deletes, delete
 * orphans, nulling children, one-to-one, dependency cycles (post-update),
 * composite keys, expunge / merge / refresh / expire, autoflush, rollback, and
 * flush failures that leave the session consistent.
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { count, deleteFrom, select, update, IntegrityError, type Table } from '../../src/index.js';
import { database, FlushIntegrityError, type Database, type Session } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';
import {
  Band,
  Enrollment,
  Label,
  Member,
  Player,
  Profile,
  Record_,
  Team,
  User,
  bandTable,
  cascadeTables,
  enrollmentTable,
  labelTable,
  memberTable,
  playerTable,
  profileTable,
  recordTable,
  teamTable,
  userTable,
} from '../fixtures/orm-cascade-models.js';

forEachDialect('cascades and session behaviour', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll(cascadeTables, { ifExists: true });
    await ctx.engine.createAll(cascadeTables);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(async () => {
    await ctx.engine.execute(update(teamTable).set({ captainId: null }));
    const tables: Table[] = [recordTable, labelTable, memberTable, bandTable, profileTable, userTable, playerTable, teamTable, enrollmentTable];
    for (const t of tables) await ctx.engine.execute(deleteFrom(t));
  });

  const countOf = async (t: Table) => Number(await ctx.engine.scalar(select({ n: count() }).from(t)));

  async function seedLabels(n: number, perLabel: number): Promise<void> {
    await db.session(async (s) => {
      for (let i = 0; i < n; i++) {
        const l = new Label({ name: `label ${i}` });
        for (let j = 0; j < perLabel; j++) l.records.push(new Record_({ title: `r${i}.${j}` }));
        s.add(l);
      }
    });
  }

  it('passiveDeletes: deleting 10 or 1,000 parents is one DELETE; the database removes the children', async () => {
    for (const n of [10, 1000]) {
      await seedLabels(n, 10);
      const statements = await log.during(() =>
        db.session(async (s) => {
          for (const l of await s.query(Label).all()) s.delete(l);
        }),
      );
      assert.deepEqual(statements.map((x) => x.sql.split(' ')[0]), ['SELECT', 'DELETE'], `n=${n}`);
      assert.equal(await countOf(recordTable), 0);
      assert.equal(await countOf(labelTable), 0);
    }
  });

  it('passiveDeletes: children already loaded are detached in memory, without SQL', async () => {
    await seedLabels(1, 3);
    await db.session(async (s) => {
      const [label] = await s.query(Label).all();
      const records = await label!.records.load();
      s.delete(label!);
      await s.flush();
      for (const r of records) assert.equal(s.stateOf(r).status, 'detached');
    });
    assert.equal(await countOf(recordTable), 0);
  });

  it('delete-orphan: replacing a one-to-one child deletes the old one, freeing its unique key first', async () => {
    await db.session(async (s) => {
      const u = new User({ email: 'a@x' });
      u.profile = new Profile({ bio: 'first' });
      s.add(u);
    });
    await db.session(async (s) => {
      const [u] = await s.query(User).all();
      const old = await s.load(u!, 'profile');
      assert.equal(old!.bio, 'first');
      u!.profile = new Profile({ bio: 'second' }); // the first profile is now an orphan
    });
    const rows = await ctx.engine.all(select(profileTable.c.bio).from(profileTable));
    assert.deepEqual(rows, [{ bio: 'second' }]);
  });

  it('without a delete cascade, deleting a parent sets its children\'s foreign key to NULL in one UPDATE', async () => {
    await db.session(async (s) => {
      for (let i = 0; i < 20; i++) {
        const b = new Band({ name: `band ${i}` });
        b.members.push(new Member({ name: `m${i}a` }), new Member({ name: `m${i}b` }));
        s.add(b);
      }
    });
    const statements = await log.during(() =>
      db.session(async (s) => {
        for (const b of await s.query(Band).all()) s.delete(b);
      }),
    );
    assert.deepEqual(statements.map((x) => x.sql.split(' ')[0]), ['SELECT', 'UPDATE', 'DELETE']);
    assert.equal(await countOf(memberTable), 40);
    assert.equal(Number(await ctx.engine.scalar(select({ n: count() }).from(memberTable).where(memberTable.c.bandId.isNotNull()))), 0);
  });

  it('one-to-one: the profile follows its user; the back-reference is set in memory', async () => {
    await db.session(async (s) => {
      const u = new User({ email: 'b@x' });
      const p = new Profile({ bio: 'hi' });
      p.user = u;
      assert.equal(u.profile, p);
      s.add(p);
    });
    const row = await ctx.engine.one(select(userTable.c.email, profileTable.c.bio).from(userTable).join(profileTable, profileTable.c.userId.eq(userTable.c.id)));
    assert.deepEqual(row, { email: 'b@x', bio: 'hi' });
  });

  it('breaks a dependency cycle between two new rows with a post-update', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const team = new Team({ name: 'Reds' });
        const captain = new Player({ name: 'Ann' });
        captain.team = team;
        team.captain = captain;
        s.add(team);
      }),
    );
    assert.deepEqual(statements.map((x) => x.sql.split(' ')[0]), ['INSERT', 'INSERT', 'UPDATE']);
    const row = await ctx.engine.one(
      select(teamTable.c.name, playerTable.c.name.as('captain'))
        .from(teamTable)
        .join(playerTable, teamTable.c.captainId.eq(playerTable.c.id))
        .where(playerTable.c.teamId.eq(teamTable.c.id)),
    );
    assert.deepEqual(row, { name: 'Reds', captain: 'Ann' });
  });

  it('handles composite primary keys: insert, get, update, delete', async () => {
    await db.session(async (s) => {
      s.addAll([new Enrollment({ studentId: 1, courseId: 7, grade: '12.5' }), new Enrollment({ studentId: 2, courseId: 7, grade: '9.0' })]);
    });
    await db.session(async (s) => {
      const e = (await s.get(Enrollment, [1, 7]))!;
      assert.equal(e.grade, '12.5');
      assert.equal(await s.get(Enrollment, { studentId: 1, courseId: 7 }), e);
      e.grade = '14.0';
      s.delete((await s.get(Enrollment, [2, 7]))!);
    });
    const rows = await ctx.engine.all(select(enrollmentTable.c.studentId, enrollmentTable.c.grade).from(enrollmentTable));
    assert.deepEqual(rows, [{ studentId: 1, grade: '14.0' }]);
  });

  it('expunge, merge, refresh and expire', async () => {
    let id = 0;
    await db.session(async (s) => {
      const b = new Band({ name: 'original' });
      s.add(b);
      await s.flush();
      id = b.id;
    });
    // merge: a detached copy's state lands on the session's own object
    let detached: Band | undefined;
    await db.session(async (s) => {
      detached = (await s.get(Band, id))!;
    });
    detached!.name = 'merged';
    await db.session(async (s) => {
      const merged = await s.merge(detached!);
      assert.notEqual(merged, detached);
      assert.equal(merged.name, 'merged');
    });
    assert.equal(await ctx.engine.scalar(select(bandTable.c.name).from(bandTable)), 'merged');
    await db.session(async (s) => {
      const b = (await s.get(Band, id))!;
      b.name = 'unsaved';
      await s.refresh(b);
      assert.equal(b.name, 'merged');
      s.expunge(b);
      assert.equal(s.stateOf(b).status, 'detached');
      const again = (await s.get(Band, id))!;
      assert.notEqual(again, b);
      s.expire(again);
      assert.throws(() => again.name, /not loaded/);
      await s.query(Band).all(); // a query returning the row fills expired attributes
      assert.equal(again.name, 'merged');
    });
  });

  it('autoflush makes queries see pending objects; it can be turned off', async () => {
    await db.session(async (s) => {
      s.add(new Band({ name: 'pending' }));
      assert.equal((await s.query(Band).all()).length, 1);
    });
    await db.session(
      async (s) => {
        s.add(new Band({ name: 'pending 2' }));
        assert.equal((await s.query(Band).all()).length, 1);
      },
      { autoflush: false },
    );
    assert.equal(await countOf(bandTable), 2);
  });

  it('the scoped session rolls back when the callback throws', async () => {
    await assert.rejects(
      db.session(async (s) => {
        s.add(new Band({ name: 'never' }));
        await s.flush();
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await countOf(bandTable), 0);
  });

  it('rollback returns edited objects to their database values and new ones to pending', async () => {
    const s: Session = db.openSession();
    try {
      const b = new Band({ name: 'x' });
      s.add(b);
      await s.commit();
      b.name = 'changed';
      const fresh = new Band({ name: 'new' });
      s.add(fresh);
      await s.flush();
      await s.rollback();
      assert.equal(b.name, 'x');
      // Its row never existed: pending again, without the key the rolled-back INSERT gave it.
      assert.equal(s.stateOf(fresh).status, 'pending');
      assert.equal(fresh.id, undefined);
      assert.equal(await countOf(bandTable), 1);
      await s.commit();
      assert.equal(await countOf(bandTable), 2);
    } finally {
      await s.close();
    }
  });

  it('a foreign-key violation mid-flush names the object; fix it and flush again', async () => {
    const s = db.openSession();
    try {
      const good = new Band({ name: 'good' });
      const realLabel = new Label({ name: 'exists' });
      const fine = Array.from({ length: 6 }, (_, i) => {
        const r = new Record_({ title: `fine ${i}` });
        r.label = realLabel;
        return r;
      });
      const orphan = new Record_({ title: 'dangling', labelId: 987654 });
      s.addAll([good, ...fine, orphan]);
      await assert.rejects(s.flush(), (e: unknown) => {
        assert.ok(e instanceof IntegrityError, String(e));
        assert.equal(e.kind, 'foreignKey');
        assert.ok(e instanceof FlushIntegrityError);
        // The one bad row of the batch, on every database (SQLite and MariaDB quote no value: a query finds it).
        assert.deepEqual(e.objects, [orphan], e.message);
        assert.match(e.message, /dangling/);
        return true;
      });
      assert.equal(await countOf(bandTable), 0, 'nothing half-written');
      assert.equal(s.pending.size, 9);
      const label = new Label({ name: 'real' });
      orphan.label = label;
      await s.commit();
      assert.equal(await countOf(bandTable), 1);
      assert.equal(await countOf(recordTable), 7);
    } finally {
      await s.close();
    }
  });

  it('a unique violation names the object whose value collided', async () => {
    await db.session(async (s) => s.add(new User({ email: 'dup@x' })));
    const s = db.openSession();
    try {
      s.addAll([new User({ email: 'fine@x' }), new User({ email: 'dup@x' })]);
      await assert.rejects(s.flush(), (e: unknown) => {
        assert.ok(e instanceof FlushIntegrityError);
        assert.equal(e.kind, 'unique');
        // PostgreSQL and MariaDB quote the duplicate value; on SQLite a follow-up query finds it.
        assert.equal(e.objects.length, 1);
        assert.match(e.message, /dup@x/);
        return true;
      });
    } finally {
      await s.close();
    }
  });
});
