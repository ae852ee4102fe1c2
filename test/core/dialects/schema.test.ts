/**
 * DDL from Athanor's schema, executed: defaults, constraints and what the
 * database does with them (violations, cascades), indexes, and createAll /
 * dropAll in dependency order, foreign-key cycles included.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  IntegrityError,
  UnsupportedError,
  check,
  deleteFrom,
  foreignKey,
  identifier,
  identity,
  index,
  insert,
  integer,
  primaryKey,
  select,
  sql,
  table,
  text,
  timestamp,
  uniqueIndex,
  update,
  varchar,
  type Column,
  type Engine,
  type IntegrityKind,
  type Table,
} from '../../../src/core/index.js';
import { forEachDialect } from '../../support/dialects.js';

let counter = 0;

const owner = table(
  'bsc_owner',
  {
    id: identity(),
    name: varchar(50).notNull().unique(),
    status: varchar(10).notNull().serverDefault('new'),
    created: timestamp().notNull().serverDefault(sql`CURRENT_TIMESTAMP`),
    score: integer().notNull().default(7),
    ticket: integer().default(() => ++counter),
  },
  (c) => [check('bsc_owner_score_check', c.score.ge(0)), index('bsc_owner_status_score_idx', c.status, c.score)],
);

const member = table(
  'bsc_member',
  {
    orgId: integer('org_id').notNull(),
    userId: integer('user_id').notNull(),
    name: text().notNull(),
  },
  (c) => [primaryKey(c.orgId, c.userId)],
);

const grant = table(
  'bsc_grant',
  {
    id: identity(),
    orgId: integer('org_id').notNull(),
    userId: integer('user_id').notNull(),
    role: text().notNull(),
  },
  (c) => [foreignKey('bsc_grant_member_fkey', [c.orgId, c.userId], () => [member.c.orgId, member.c.userId], { onDelete: 'CASCADE' })],
);

const parent = table('bsc_parent', { id: identity(), name: text().notNull() });
const child = table('bsc_child', {
  id: identity(),
  parentId: integer('parent_id').notNull().references(() => parent.c.id, { onDelete: 'CASCADE' }),
  fosterId: integer('foster_id').references(() => parent.c.id, { onDelete: 'SET NULL' }),
});

/** Two tables that reference each other. */
const hen = table('bsc_hen', {
  id: integer().primaryKey(),
  eggId: integer('egg_id').references((): Column<unknown> => egg.c.id),
});
const egg = table('bsc_egg', {
  id: integer().primaryKey(),
  henId: integer('hen_id').references(() => hen.c.id),
});

const slot = table(
  'bsc_slot',
  { id: identity(), room: integer().notNull(), active: integer().notNull() },
  (c) => [uniqueIndex('bsc_slot_room_active_uq', c.room).where(c.active.eq(1))],
);

const tables: readonly Table[] = [grant, member, child, parent, owner, egg, hen];

async function indexNames(engine: Engine, tableName: string): Promise<string[]> {
  const rows =
    engine.dialect.name === 'sqlite'
      ? await engine.all(sql`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ${tableName}`)
      : engine.dialect.name === 'postgres'
        ? await engine.all(sql`SELECT indexname AS name FROM pg_indexes WHERE tablename = ${tableName}`)
        : await engine.all(sql`SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ${tableName}`);
  return rows.map((r) => String(r['name']));
}

async function rejectsIntegrity(run: Promise<unknown>, kind: IntegrityKind, names: readonly string[]): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof IntegrityError, `expected IntegrityError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (names.length > 0) assert.ok(names.some((n) => e.message.includes(n)), `message names one of ${names.join(', ')}: ${e.message}`);
    return true;
  });
}

forEachDialect('schema behaviour', (ctx) => {
  before(async () => {
    await ctx.engine.dropAll([...tables, slot], { ifExists: true });
    await ctx.engine.createAll(tables);
  });
  after(async () => ctx.engine.dropAll([...tables, slot], { ifExists: true }));

  it('fills server defaults and client defaults', async () => {
    const before = Date.now();
    await ctx.engine.execute(insert(owner).values([{ name: 'a' }, { name: 'b', status: 'old', score: 1 }]));
    const rows = await ctx.engine.all(select(owner).from(owner).orderBy(owner.c.name));
    assert.deepEqual(
      rows.map((r) => [r.name, r.status, r.score]),
      [
        ['a', 'new', 7],
        ['b', 'old', 1],
      ],
    );
    assert.equal(typeof rows[0]!.ticket, 'number');
    assert.notEqual(rows[0]!.ticket, rows[1]!.ticket, 'a function default runs once per row');
    assert.ok(rows[0]!.created instanceof Date);
    // The server clock, not the client's: allow for skew, but it is a recent instant.
    assert.ok(Math.abs(rows[0]!.created.getTime() - before) < 60 * 60 * 1000, `created ${rows[0]!.created.toISOString()}`);
  });

  it('raises IntegrityError for unique, check, not-null and foreign-key violations', async () => {
    await ctx.engine.execute(insert(owner).values({ name: 'dup' }));
    const uniqueNames = ctx.name === 'sqlite' ? ['bsc_owner'] : ['bsc_owner_name'];
    await rejectsIntegrity(ctx.engine.execute(insert(owner).values({ name: 'dup' })), 'unique', uniqueNames);
    await rejectsIntegrity(ctx.engine.execute(insert(owner).values({ name: 'neg', score: -1 })), 'check', ['bsc_owner_score_check']);
    await rejectsIntegrity(ctx.engine.execute(sql`INSERT INTO ${identifier('bsc_parent')} (${identifier('name')}) VALUES (NULL)`), 'notNull', []);
    const fkNames = ctx.name === 'sqlite' ? [] : ['bsc_child_parent_id_fkey'];
    await rejectsIntegrity(ctx.engine.execute(insert(child).values({ parentId: 999 })), 'foreignKey', fkNames);
  });

  it('enforces composite primary keys and composite foreign keys, with ON DELETE CASCADE', async () => {
    await ctx.engine.execute(insert(member).values([{ orgId: 1, userId: 1, name: 'x' }, { orgId: 1, userId: 2, name: 'y' }]));
    await rejectsIntegrity(ctx.engine.execute(insert(member).values({ orgId: 1, userId: 2, name: 'again' })), 'unique', []);
    await ctx.engine.execute(insert(grant).values([{ orgId: 1, userId: 1, role: 'admin' }, { orgId: 1, userId: 2, role: 'dev' }]));
    await rejectsIntegrity(ctx.engine.execute(insert(grant).values({ orgId: 2, userId: 1, role: 'none' })), 'foreignKey', []);
    await ctx.engine.execute(deleteFrom(member).where(member.c.userId.eq(1)));
    assert.deepEqual(await ctx.engine.all(select(grant.c.role).from(grant)), [{ role: 'dev' }]);
  });

  it('applies ON DELETE CASCADE and ON DELETE SET NULL', async () => {
    const p1 = await ctx.engine.one(insert(parent).values({ name: 'p1' }).returning(parent.c.id));
    const p2 = await ctx.engine.one(insert(parent).values({ name: 'p2' }).returning(parent.c.id));
    await ctx.engine.execute(insert(child).values([{ parentId: p1.id, fosterId: p2.id }, { parentId: p2.id, fosterId: p1.id }]));
    await ctx.engine.execute(deleteFrom(parent).where(parent.c.id.eq(p1.id)));
    const rows = await ctx.engine.all(select(child.c.parentId, child.c.fosterId).from(child));
    assert.deepEqual(rows, [{ parentId: p2.id, fosterId: null }]);
  });

  it('creates single, multi-column and partial indexes', async () => {
    const names = await indexNames(ctx.engine, 'bsc_owner');
    assert.ok(names.includes('bsc_owner_status_score_idx'), names.join(', '));
    if (!ctx.dialect.capabilities.partialIndexes) {
      await assert.rejects(ctx.engine.createAll([slot]), (e: unknown) => e instanceof UnsupportedError && /bsc_slot_room_active_uq/.test(e.message));
      return;
    }
    await ctx.engine.createAll([slot]);
    await ctx.engine.execute(insert(slot).values([{ room: 1, active: 1 }, { room: 1, active: 0 }, { room: 1, active: 0 }]));
    await rejectsIntegrity(ctx.engine.execute(insert(slot).values({ room: 1, active: 1 })), 'unique', []);
    await ctx.engine.execute(update(slot).set({ active: 0 }));
    await ctx.engine.execute(insert(slot).values({ room: 1, active: 1 }));
  });

  it('creates a foreign-key cycle, fills it and drops it', async () => {
    await ctx.engine.transaction(async (tx) => {
      await tx.execute(insert(hen).values({ id: 1, eggId: null }));
      await tx.execute(insert(egg).values({ id: 1, henId: 1 }));
      await tx.execute(update(hen).set({ eggId: 1 }).where(hen.c.id.eq(1)));
    });
    await rejectsIntegrity(ctx.engine.execute(insert(hen).values({ id: 2, eggId: 99 })), 'foreignKey', []);
    await ctx.engine.execute(update(hen).set({ eggId: null }));
  });

  it('creates again with IF NOT EXISTS, and drops with IF EXISTS', async () => {
    await ctx.engine.execute(insert(hen).values({ id: 7, eggId: null }));
    const before = await ctx.engine.all(select(hen.c.id).from(hen));
    // The tables exist: without IF NOT EXISTS creating them fails; with it nothing changes, rows included.
    await assert.rejects(ctx.engine.createAll([hen, egg]));
    await ctx.engine.createAll(tables, { ifNotExists: true });
    assert.deepEqual(await ctx.engine.all(select(hen.c.id).from(hen)), before);
    await ctx.engine.dropAll([egg, hen]);
    await assert.rejects(ctx.engine.all(select(hen.c.id).from(hen)));
    // Gone already: without IF EXISTS dropping fails; with it nothing happens.
    await assert.rejects(ctx.engine.dropAll([egg, hen]));
    await ctx.engine.dropAll([egg, hen], { ifExists: true });
    await ctx.engine.createAll([hen, egg]);
    assert.deepEqual(await ctx.engine.all(select(hen.c.id).from(hen)), []);
  });
});

describe('createAll order', () => {
  it('orders tables by their foreign keys and defers the edge that closes a cycle', async () => {
    const { planCreation } = await import('../../../src/core/compiler/ddl.js');
    const plan = planCreation([grant, child, member, parent, hen, egg]);
    const order = plan.tables.map((t) => t.name);
    assert.ok(order.indexOf('bsc_member') < order.indexOf('bsc_grant'));
    assert.ok(order.indexOf('bsc_parent') < order.indexOf('bsc_child'));
    assert.equal(plan.deferredForeignKeys.size, 1);
  });
});
