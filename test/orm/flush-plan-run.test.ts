/**
 * Flush plans on every database: `session.plan()` runs nothing and the flush that follows runs exactly its steps;
 * a dependency cycle among new rows of one table is closed by the post-update step (tables prefixed `fp_`).
 */
import { before, beforeEach, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteFrom, identity, integer, select, table, text, update, type AnyColumn } from '../../src/index.js';
import { database, many, mapped, Model, one, type Database, type Related } from '../../src/orm/index.js';
import { forEachDialect } from '../support/dialects.js';
import { StatementLog } from '../support/statements.js';

const nodeTable = table('fp_node', {
  id: identity(),
  name: text().notNull(),
  parentId: integer('parent_id').references((self): AnyColumn => self.id),
});
const leafTable = table('fp_leaf', {
  id: identity(),
  label: text().notNull(),
  nodeId: integer('node_id').references(() => nodeTable.c.id),
});

@mapped
class Node extends Model(nodeTable) {
  static readonly parent = one(() => Node, { backPopulates: 'children' });
  static readonly children = many(() => Node, { backPopulates: 'parent' });
  static readonly leaves = many(() => Leaf, { backPopulates: 'node', cascade: 'all, delete-orphan' });
}
interface Node extends Related<typeof Node> {}

@mapped
class Leaf extends Model(leafTable) {
  static readonly node = one(() => Node, { backPopulates: 'leaves' });
}
interface Leaf extends Related<typeof Leaf> {}

forEachDialect('flush plans', (ctx) => {
  let db: Database;
  let log: StatementLog;

  before(async () => {
    await ctx.engine.dropAll([leafTable, nodeTable], { ifExists: true });
    await ctx.engine.createAll([nodeTable, leafTable]);
    db = database(ctx.engine);
    log = new StatementLog(ctx.engine);
  });

  beforeEach(async () => {
    await ctx.engine.execute(deleteFrom(leafTable));
    await ctx.engine.execute(update(nodeTable).set({ parentId: null }));
    await ctx.engine.execute(deleteFrom(nodeTable));
  });

  const verb = (sql: string): string => sql.split(' ')[0]!;

  it('session.plan() runs no statement; the flush after it runs its steps in order', async () => {
    await db.session(async (s) => {
      const root = new Node({ name: 'root' });
      const child = new Node({ name: 'child' });
      child.parent = root;
      child.leaves.push(new Leaf({ label: 'l1' }), new Leaf({ label: 'l2' }));
      s.add(child);
      let plan: Awaited<ReturnType<typeof s.plan>> | undefined;
      const planning = await log.during(async () => {
        plan = await s.plan();
      });
      assert.deepEqual(planning, []);
      assert.deepEqual(plan!.describe(), [
        'insert Node ×1 level 0 (self-referential-levels)',
        'insert Node ×1 level 1 (self-referential-levels)',
        'insert Leaf ×2 (parents-first)',
      ]);
      const flushing = await log.during(() => s.flush());
      assert.deepEqual(flushing.map((x) => verb(x.sql)), ['INSERT', 'INSERT', 'INSERT']);
      assert.equal(s.stateOf(child).status, 'persistent');
      assert.equal((await s.plan()).isEmpty, true);
    });
  });

  it('a delete plan loads the children a cascade needs (as the flush would), and nothing else', async () => {
    await db.session(async (s) => {
      const n = new Node({ name: 'n' });
      n.leaves.push(new Leaf({ label: 'a' }), new Leaf({ label: 'b' }));
      s.add(n);
    });
    await db.session(async (s) => {
      const [n] = await s.query(Node).all();
      s.delete(n!);
      const planning = await log.during(async () => {
        const plan = await s.plan();
        // Node's self-reference is not cascaded: children of deleted nodes lose their parent (nullOut).
        assert.deepEqual(plan.describe(), ['nullOut Node.children ×1 (detach-before-delete)', 'delete Leaf ×2 (children-first)', 'delete Node ×1 (children-first)']);
      });
      assert.deepEqual(planning.map((x) => verb(x.sql)), ['SELECT']);
      const flushing = await log.during(() => s.flush());
      // The leaves were loaded by plan(): the flush needs no SELECT of its own.
      assert.deepEqual(flushing.map((x) => verb(x.sql)), ['UPDATE', 'DELETE', 'DELETE']);
    });
    assert.equal((await ctx.engine.all(select(leafTable.c.id).from(leafTable))).length, 0);
  });

  it('a plan that fails part way is undone: the orphan its first step deleted is persistent again; the retry writes all', async () => {
    await db.session(async (s) => {
      const n = new Node({ name: 'n' });
      n.leaves.push(new Leaf({ label: 'keep' }), new Leaf({ label: 'orphan' }));
      s.add(n);
    });
    await db.session(async (s) => {
      const [n] = await s.query(Node).all();
      const leaves = await n!.leaves.load();
      const orphan = leaves.find((l) => l.label === 'orphan')!;
      n!.leaves.remove(orphan);
      const broken = new Leaf({} as { label: string }); // label is NOT NULL: refused by the insert step
      n!.leaves.push(broken);
      assert.deepEqual((await s.plan()).describe(), ['delete Leaf ×1 (early-delete)', 'insert Leaf ×1 (parents-first)']);
      const statements = await log.during(() => assert.rejects(s.flush()));
      assert.deepEqual(statements.map((x) => verb(x.sql)), ['DELETE'], 'the DELETE ran, then the insert step failed');
      assert.equal(s.stateOf(orphan).status, 'persistent');
      assert.equal(s.deleted.size, 0);
      assert.equal(s.stateOf(broken).status, 'pending');
      broken.label = 'fixed';
      await s.flush();
      assert.equal(s.stateOf(orphan).status, 'detached');
    });
    const labels = await ctx.engine.all(select(leafTable.c.label).from(leafTable).orderBy(leafTable.c.label));
    assert.deepEqual(labels, [{ label: 'fixed' }, { label: 'keep' }]);
  });

  it('closes a cycle among new rows of one table with a post-update: both keys are written', async () => {
    const statements = await log.during(() =>
      db.session(async (s) => {
        const a = new Node({ name: 'a' });
        const b = new Node({ name: 'b' });
        a.parent = b;
        b.parent = a;
        s.addAll([a, b]);
      }),
    );
    assert.deepEqual(statements.map((x) => verb(x.sql)), ['INSERT', 'INSERT', 'UPDATE']);
    const rows = await ctx.engine.all(select(nodeTable.c.id, nodeTable.c.name, nodeTable.c.parentId).from(nodeTable));
    const byName = new Map(rows.map((r) => [r.name, r]));
    assert.equal(byName.get('a')!.parentId, byName.get('b')!.id);
    assert.equal(byName.get('b')!.parentId, byName.get('a')!.id);
  });
});
