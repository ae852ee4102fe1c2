/**
 * Flush plans without a database: objects with keys assigned (persistent, as if loaded), pending objects and
 * deleted objects go in, the ordered steps come out. Each ordering rule has a test here; the session's connection
 * source refuses to connect, so a plan that needed one would fail.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteDialect } from '../../src/core/dialects/sqlite/dialect.js';
import { InvalidRequestError, FlushPlan, mapperOf, OrderingRule, Session, type FlushStep } from '../../src/orm/index.js';
import type { ConnectionSource } from '../../src/orm/port.js';
import type { ModelCtor } from '../../src/orm/relationship.js';
import { Artist, Person, Song, Tag } from '../fixtures/orm-models.js';
import { Band, Member, Player, Profile, Team, User } from '../fixtures/orm-cascade-models.js';
import { integer, identity, table, text } from '../../src/index.js';
import { Model, mapped, one, type Related } from '../../src/orm/index.js';

const noDatabase: ConnectionSource = {
  dialect: new SqliteDialect(),
  ready: () => Promise.resolve(),
  connectForSession: () => Promise.reject(new Error('plan tests have no database')),
};

const session = (): Session => new Session(noDatabase);

/** A persistent object with its key assigned, as if loaded in `s` (relationships given are loaded with these values). */
function loadedInto<M extends ModelCtor>(s: Session, model: M, values: Record<string, unknown>, related: Record<string, object | null | object[]> = {}): InstanceType<M> {
  const mapper = mapperOf(model);
  const row = mapper.columns.map((c) => values[c.key] ?? null);
  const key = mapper.identityKey(row);
  const obj = mapper.hydrateLoaded(row, key, s, undefined);
  s.identityMap.add(mapper, key, obj);
  for (const [name, value] of Object.entries(related)) {
    const attr = mapper.relationships.find((r) => r.key === name)!;
    s.stateOf(obj).setLoaded(attr, value);
  }
  return obj as InstanceType<M>;
}

const lines = (plan: FlushPlan): string[] => plan.describe();
const objectsOf = (step: FlushStep | undefined): readonly object[] => step?.objects ?? [];

describe('flush plan (no database)', () => {
  it('is empty when nothing changed', async () => {
    const plan = await session().plan();
    assert.equal(plan.isEmpty, true);
    assert.equal(plan.toString(), '(nothing to flush)');
  });

  it(`${OrderingRule.ParentsFirst}: a new parent is inserted before its new children`, async () => {
    const s = session();
    const artist = new Artist({ name: 'Queen' });
    const songs = [new Song({ title: 'a' }), new Song({ title: 'b' })];
    artist.songs.push(...songs);
    s.add(artist);
    const plan = await s.plan();
    assert.deepEqual(lines(plan), ['insert Artist ×1 (parents-first)', 'insert Song ×2 (parents-first)']);
    assert.deepEqual(objectsOf(plan.steps[1]), songs);
    assert.equal(plan.toString(), '1. insert Artist ×1 (parents-first)\n2. insert Song ×2 (parents-first)');
  });

  it('does not change the session or its objects, and is immutable', async () => {
    const s = session();
    const user = loadedInto(s, User, { id: 1, email: 'a@x' });
    const old = loadedInto(s, Profile, { id: 7, bio: 'old', userId: 1 }, { user });
    s.stateOf(user).setLoaded(mapperOf(User).relationships.find((r) => r.key === 'profile')!, old);
    user.profile = new Profile({ bio: 'new' });
    const pendingBefore = s.pending.size;
    const plan = await s.plan();
    assert.equal(plan.steps.length, 2);
    assert.equal(s.stateOf(old).status, 'persistent');
    assert.equal(s.deleted.size, 0);
    assert.equal(s.pending.size, pendingBefore);
    assert.equal(Object.isFrozen(plan), true);
    assert.equal(Object.isFrozen(plan.steps), true);
    assert.equal(Object.isFrozen(plan.steps[0]), true);
  });

  it(`${OrderingRule.EarlyDelete}: a replaced one-to-one child is deleted before its replacement is inserted`, async () => {
    const s = session();
    const user = loadedInto(s, User, { id: 1, email: 'a@x' });
    const old = loadedInto(s, Profile, { id: 7, bio: 'old', userId: 1 }, { user });
    s.stateOf(user).setLoaded(mapperOf(User).relationships.find((r) => r.key === 'profile')!, old);
    const replacement = new Profile({ bio: 'new' });
    user.profile = replacement; // the old profile is an orphan (delete-orphan), its unique user_id must be freed first
    const plan = await s.plan();
    assert.deepEqual(lines(plan), ['delete Profile ×1 (early-delete)', 'insert Profile ×1 (parents-first)']);
    assert.deepEqual(objectsOf(plan.steps[0]), [old]);
    assert.deepEqual(objectsOf(plan.steps[1]), [replacement]);
  });

  it(`${OrderingRule.DetachBeforeDelete}: children keep their rows, their key is set to NULL before the parent goes`, async () => {
    const s = session();
    const band = loadedInto(s, Band, { id: 1, name: 'b' });
    const members = [loadedInto(s, Member, { id: 10, name: 'm', bandId: 1 }, { band })];
    s.stateOf(band).setLoaded(mapperOf(Band).relationships.find((r) => r.key === 'members')!, members);
    s.delete(band);
    const plan = await s.plan();
    // Band's table is referenced by nothing in this flush, but the null-out must come first: no early delete.
    assert.deepEqual(lines(plan), ['nullOut Band.members ×1 (detach-before-delete)', 'delete Band ×1 (children-first)']);
    assert.deepEqual(objectsOf(plan.steps[0]), [band]);
    assert.equal(members[0]!.bandId, 1, 'the key is cleared in memory only when the plan runs');
  });

  it(`${OrderingRule.ChildrenFirst}: a delete cascade deletes children, then parents; link rows of deleted rows go first`, async () => {
    const s = session();
    const artist = loadedInto(s, Artist, { id: 1, name: 'a', active: false });
    const song = loadedInto(s, Song, { id: 2, title: 's', artistId: 1, plays: 0 }, { artist, tags: [] });
    s.stateOf(artist).setLoaded(mapperOf(Artist).relationships.find((r) => r.key === 'songs')!, [song]);
    s.delete(artist);
    const plan = await s.plan();
    assert.deepEqual(lines(plan), [
      'linkDelete orm_song_tag by Song.tags ×1 (detach-before-delete)',
      'delete Song ×1 (children-first)',
      'delete Artist ×1 (children-first)',
    ]);
  });

  it(`${OrderingRule.LinkRemovesBeforeAdds} and ${OrderingRule.LinksAfterRows}: removed links, then added ones, after the row inserts`, async () => {
    const s = session();
    const rock = loadedInto(s, Tag, { id: 1, label: 'rock' }, { songs: [] });
    const song = loadedInto(s, Song, { id: 2, title: 's', plays: 0 }, { artist: null, tags: [rock] });
    song.tags.remove(rock);
    song.tags.add(new Tag({ label: 'pop' }));
    const plan = await s.plan();
    assert.deepEqual(lines(plan), [
      'insert Tag ×1 (parents-first)',
      'linkDelete orm_song_tag ×1 (link-removes-before-adds)',
      'linkInsert orm_song_tag ×1 (links-after-rows)',
    ]);
  });

  it(`${OrderingRule.SelfReferentialLevels}: new rows of a self-referential table go level by level, managers first`, async () => {
    const s = session();
    const boss = new Person({ firstname: 'boss' });
    const mid = new Person({ firstname: 'mid' });
    const worker = new Person({ firstname: 'worker' });
    mid.manager = boss;
    worker.manager = mid;
    s.addAll([worker, mid, boss]);
    const plan = await s.plan();
    assert.deepEqual(lines(plan), [
      'insert Person ×1 level 0 (self-referential-levels)',
      'insert Person ×1 level 1 (self-referential-levels)',
      'insert Person ×1 level 2 (self-referential-levels)',
    ]);
    assert.deepEqual(plan.steps.map((st) => st.objects[0]), [boss, mid, worker]);
  });

  it(`${OrderingRule.PostUpdate}: a cycle between two new rows is closed by a second UPDATE`, async () => {
    const s = session();
    const team = new Team({ name: 'Reds' });
    const captain = new Player({ name: 'Ann' });
    captain.team = team;
    team.captain = captain;
    s.add(team);
    const plan = await s.plan();
    // The tables point at each other: one is inserted first with a NULL key, which the post-update fills in.
    assert.deepEqual(lines(plan), ['insert Player ×1 (parents-first)', 'insert Team ×1 (parents-first)', 'postUpdate Player ×1 (post-update)']);
    assert.deepEqual(objectsOf(plan.steps[2]), [captain]);
  });

  it(`${OrderingRule.PostUpdate}: a cycle among new rows of one table is closed by a second UPDATE too`, async () => {
    const s = session();
    const a = new Person({ firstname: 'a' });
    const b = new Person({ firstname: 'b' });
    a.manager = b;
    b.manager = a;
    s.addAll([a, b]);
    const plan = await s.plan();
    assert.deepEqual(lines(plan), [
      'insert Person ×1 level 1 (self-referential-levels)',
      'insert Person ×1 level 2 (self-referential-levels)',
      'postUpdate Person ×1 (post-update)',
    ]);
  });

  it(`${OrderingRule.PostUpdate}: a NOT NULL key that a cycle defers is refused while planning, before any SQL`, async () => {
    const s = session();
    const a = new CycleA({ name: 'a' });
    const b = new CycleB({ name: 'b' });
    a.b = b;
    b.a = a;
    s.addAll([a, b]);
    await assert.rejects(s.plan(), (e: unknown) => e instanceof InvalidRequestError && /must be written before its/.test(e.message));
  });

  it(`${OrderingRule.ClearsBeforeSets}: a child moved to another parent is updated once, to its new parent`, async () => {
    const s = session();
    const from = loadedInto(s, Band, { id: 1, name: 'from' });
    const to = loadedInto(s, Band, { id: 2, name: 'to' }, { members: [] });
    const member = loadedInto(s, Member, { id: 10, name: 'm', bandId: 1 }, { band: from });
    s.stateOf(from).setLoaded(mapperOf(Band).relationships.find((r) => r.key === 'members')!, [member]);
    from.members.remove(member);
    to.members.push(member);
    const plan = await s.plan();
    assert.deepEqual(lines(plan), ['update Member ×1 (parents-first)']);
    const step = plan.steps[0]!;
    assert.equal(step.kind, 'update');
    if (step.kind !== 'update') return;
    assert.deepEqual(step.keyWrites.map((w) => w.parent?.obj), [to]);
  });

  it('a changed column of a loaded object is one update step; a dirty object with nothing to write is none', async () => {
    const s = session();
    const artist = loadedInto(s, Artist, { id: 1, name: 'a', active: false }, { songs: [] });
    const other = loadedInto(s, Artist, { id: 2, name: 'b', active: false }, { songs: [] });
    artist.name = 'renamed';
    other.name = 'b'; // the same value: no change
    const plan = await s.plan();
    assert.deepEqual(lines(plan), ['update Artist ×1 (parents-first)']);
    assert.deepEqual(objectsOf(plan.steps[0]), [artist]);
  });
});

// Two tables whose NOT NULL keys point at each other: no order of inserts can fill both.
const cycleATable = table('fp_cycle_a', { id: identity(), name: text().notNull(), bId: integer('b_id').notNull().references((): never => cycleBTable.c.id as never) });
const cycleBTable = table('fp_cycle_b', { id: identity(), name: text().notNull(), aId: integer('a_id').notNull().references(() => cycleATable.c.id) });

@mapped
class CycleA extends Model(cycleATable) {
  static readonly b = one(() => CycleB, { foreignKey: cycleATable.c.bId });
}
interface CycleA extends Related<typeof CycleA> {}

@mapped
class CycleB extends Model(cycleBTable) {
  static readonly a = one(() => CycleA, { foreignKey: cycleBTable.c.aId });
}
interface CycleB extends Related<typeof CycleB> {}
